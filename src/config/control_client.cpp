#include "src/config/control_client.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/socket_io.h"

namespace vsw {
namespace {

std::string sys_error(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

// The operator's next step: who may use the socket.
std::string permission_denied(const std::string& path) {
    std::string msg = "permission denied on control socket " + path;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return msg + " (or on a directory above it)";
    const group* gr = ::getgrgid(st.st_gid);
    const std::string group = gr ? gr->gr_name : std::to_string(st.st_gid);
    if (st.st_mode & S_IWGRP)
        return msg + ": run vswctl as root or as a member of group '" + group + "'";
    return msg + ": run vswctl as root (see vswd --ctl-group and --ctl-mode)";
}

}  // namespace

int control_connect(const std::string& path) {
    sockaddr_un addr;
    if (!unix_address(path, addr))
        throw std::runtime_error("control socket path too long: " + path);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(sys_error("socket"));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int e = errno;
        ::close(fd);
        if (e == EACCES || e == EPERM) throw std::runtime_error(permission_denied(path));
        if (e == ENOENT || e == ECONNREFUSED)
            throw std::runtime_error("cannot reach vswd at " + path + " (is vswd running?)");
        throw std::runtime_error("cannot connect to " + path + ": " + std::strerror(e));
    }
    return fd;
}

std::string control_call(const std::string& path, const std::string& request, int timeout_ms) {
    const int fd = control_connect(path);
    set_socket_timeout(fd, timeout_ms);
    std::string line;
    bool ok = send_all(fd, request + "\n") && read_line(fd, line, 64 * 1024 * 1024);
    ::close(fd);
    if (!ok) throw std::runtime_error("no answer from vswd at " + path);
    return line;
}

}  // namespace vsw
