#include "src/config/socket_access.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/parse.h"

namespace vsw {
namespace {

std::string sys_error(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

}  // namespace

std::string resolve_owner(const std::string& user, const std::string& group, uid_t& uid,
                          gid_t& gid) {
    if (!user.empty()) {
        if (auto n = parse_uint(user, 0, 0xfffffffe)) {
            uid = static_cast<uid_t>(*n);
        } else if (const passwd* pw = ::getpwnam(user.c_str())) {
            uid = pw->pw_uid;
        } else {
            return "no user named '" + user + "'";
        }
    }
    if (!group.empty()) {
        if (auto n = parse_uint(group, 0, 0xfffffffe)) {
            gid = static_cast<gid_t>(*n);
        } else if (const struct group* gr = ::getgrnam(group.c_str())) {
            gid = gr->gr_gid;
        } else {
            return "no group named '" + group + "'";
        }
    }
    return "";
}

std::string prepare_socket_dir(const SocketAccess& access) {
    namespace fs = std::filesystem;
    if (access.dir.empty() || access.dir[0] != '/')
        return "socket directory must be an absolute path";
    std::error_code ec;
    const fs::path dir(access.dir);
    if (fs::is_symlink(dir, ec))
        return "socket directory " + access.dir + " is a symlink: refusing it";
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

std::string check_control_dir(const std::string& dir) {
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0)
        return sys_error("cannot stat control socket directory " + dir);
    if (!S_ISDIR(st.st_mode)) return "control socket directory " + dir + " is not a directory";
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    if (st.st_mode & S_IWOTH)
        return "control socket directory " + dir + " is world-writable (mode " + mode +
               "): anyone could put a socket there in vswd's place; use a directory only root "
               "can write, such as /run/vsw";
    if (st.st_uid != 0 && st.st_uid != ::geteuid())
        return "control socket directory " + dir + " belongs to uid " + std::to_string(st.st_uid) +
               ", not to root or vswd's user: refusing it";
    return "";
}

std::string secure_socket(const std::string& path, const SocketAccess& access) {
    // lchown/chmod on the path rte_vhost just bound; a symlink planted there is not followed.
    if (::lchown(path.c_str(), access.uid, access.gid) != 0)
        return sys_error("cannot chown " + path);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return sys_error("cannot stat " + path);
    if (!S_ISSOCK(st.st_mode)) return path + " is not a socket";
    if (::chmod(path.c_str(), access.socket_mode) != 0) return sys_error("cannot chmod " + path);
    return "";
}

}  // namespace vsw
