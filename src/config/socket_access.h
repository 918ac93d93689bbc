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

// Who may use the control socket: anyone who can write to it can reconfigure the switch.
struct ControlAccess {
    std::string path = "/run/vsw/vswd.ctl";
    uid_t uid = static_cast<uid_t>(-1);  // -1: vswd's own
    gid_t gid = static_cast<gid_t>(-1);
    mode_t mode = 0660;
};

// Resolves user and group names (or numbers). "" keeps what is there. Returns "" or an error.
std::string resolve_owner(const std::string& user, const std::string& group, uid_t& uid,
                          gid_t& gid);
inline std::string resolve_owner(const std::string& user, const std::string& group,
                                 SocketAccess& access) {
    return resolve_owner(user, group, access.uid, access.gid);
}

// The control socket's directory must be one nobody else can replace the socket in: refuses a
// world-writable directory (even with the sticky bit: a socket another user plants first would
// be taken for vswd's) and one owned by someone other than root or vswd's user. Returns "" or
// an error.
std::string check_control_dir(const std::string& dir);

// Creates the directory (parents 0755) and gives it owner, group and mode. Refuses a path that
// is a symlink or not a directory. Returns "" or an error.
std::string prepare_socket_dir(const SocketAccess& access);

// Gives a socket vswd created the owner, group and mode. Returns "" or an error.
std::string secure_socket(const std::string& path, const SocketAccess& access);

}  // namespace vsw
