#include "src/socket_access.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "src/config.h"

namespace vsw {
namespace {

std::string sys_error(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

std::string resolve_owner(const std::string& user, const std::string& group, SocketAccess& access) {
    if (!user.empty()) {
        if (auto n = parse_uint(user, 0, 0xfffffffe)) {
            access.uid = static_cast<uid_t>(*n);
        } else if (const passwd* pw = ::getpwnam(user.c_str())) {
            access.uid = pw->pw_uid;
        } else {
            return "no user named '" + user + "'";
        }
    }
    if (!group.empty()) {
        if (auto n = parse_uint(group, 0, 0xfffffffe)) {
            access.gid = static_cast<gid_t>(*n);
        } else if (const struct group* gr = ::getgrnam(group.c_str())) {
            access.gid = gr->gr_gid;
        } else {
            return "no group named '" + group + "'";
        }
    }
    return "";
}

std::string prepare_socket_dir(const SocketAccess& access) {
    namespace fs = std::filesystem;
    if (access.dir.empty() || access.dir[0] != '/') return "socket directory must be an absolute path";
    std::error_code ec;
    const fs::path dir(access.dir);
    if (fs::is_symlink(dir, ec)) return "socket directory " + access.dir + " is a symlink: refusing it";
    if (!fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec) return "cannot create socket directory " + access.dir + ": " + ec.message();
    }
    if (!fs::is_directory(dir, ec)) return "socket directory " + access.dir + " is not a directory";
    if (::chown(access.dir.c_str(), access.uid, access.gid) != 0)
        return sys_error("cannot chown socket directory " + access.dir);
    if (::chmod(access.dir.c_str(), access.dir_mode) != 0)
        return sys_error("cannot chmod socket directory " + access.dir);
    return "";
}

std::string secure_socket(const std::string& path, const SocketAccess& access) {
    // lchown/chmod on the path rte_vhost just bound; a symlink planted there is not followed.
    if (::lchown(path.c_str(), access.uid, access.gid) != 0) return sys_error("cannot chown " + path);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return sys_error("cannot stat " + path);
    if (!S_ISSOCK(st.st_mode)) return path + " is not a socket";
    if (::chmod(path.c_str(), access.socket_mode) != 0) return sys_error("cannot chmod " + path);
    return "";
}

bool is_inside_dir(const std::string& path, const std::string& dir) {
    namespace fs = std::filesystem;
    if (path.empty() || dir.empty() || path[0] != '/' || dir[0] != '/') return false;
    const fs::path p = fs::path(path).lexically_normal();
    fs::path d = fs::path(dir).lexically_normal();
    if (!d.has_filename()) d = d.parent_path();  // "/run/vsw/" -> "/run/vsw"
    return p.has_filename() && p.parent_path() == d;
}

}  // namespace vsw
