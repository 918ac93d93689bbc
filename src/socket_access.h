// Who may reach vswd's vhost-user sockets. QEMU under libvirt runs as libvirt-qemu:kvm, so the
// socket directory must let that group in: QEMU creates its server sockets there (vswd's
// vhost-user-client ports) and connects to vswd's (vhost-user-server ports).
#pragma once

#include <sys/types.h>

#include <string>

namespace vsw {

struct SocketAccess {
    std::string dir;            // the vhost-user socket directory
    uid_t uid = 0;              // owner of the directory and of vswd's server sockets
    gid_t gid = 0;              // their group
    mode_t dir_mode = 02770;    // setgid: sockets QEMU creates there get the group too
    mode_t socket_mode = 0660;  // vswd's server sockets
};

// Resolves user and group names (or numbers). "" keeps root. Returns "" or an error.
std::string resolve_owner(const std::string& user, const std::string& group, SocketAccess& access);

// Creates the directory (parents 0755) and gives it owner, group and mode. Refuses a path that
// is a symlink or not a directory. Returns "" or an error.
std::string prepare_socket_dir(const SocketAccess& access);

// Gives a socket vswd created the owner, group and mode. Returns "" or an error.
std::string secure_socket(const std::string& path, const SocketAccess& access);

// True if `path` names an entry directly inside `dir` (lexically, after normalising both).
bool is_inside_dir(const std::string& path, const std::string& dir);

}  // namespace vsw
