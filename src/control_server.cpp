#include "src/control_server.h"

#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "src/control_protocol.h"
#include "src/socket_io.h"

namespace vsw {
namespace {

std::string sys_error(const std::string& what) { return what + ": " + std::strerror(errno); }

bool make_address(const std::string& path, sockaddr_un& addr) {
    if (path.size() >= sizeof addr.sun_path) return false;
    std::memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    return true;
}

void set_timeout(int fd, int timeout_ms) {
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Reads up to the first newline (not included). Returns false on timeout, error, EOF before
// any newline with nothing read, or more than `limit` bytes.
bool read_line(int fd, std::string& line, size_t limit) {
    char buf[4096];
    while (true) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return !line.empty() && n == 0;  // EOF ends an unterminated line
        line.append(buf, static_cast<size_t>(n));
        if (auto nl = line.find('\n'); nl != std::string::npos) {
            line.resize(nl);
            return true;
        }
        if (line.size() > limit) return false;
    }
}

// The operator's next step: who may use the socket.
std::string permission_denied(const std::string& path) {
    std::string msg = "permission denied on control socket " + path;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return msg + " (or on a directory above it)";
    const group* gr = ::getgrgid(st.st_gid);
    const std::string group = gr ? gr->gr_name : std::to_string(st.st_gid);
    if (st.st_mode & S_IWGRP) return msg + ": run vswctl as root or as a member of group '" + group + "'";
    return msg + ": run vswctl as root (see vswd --ctl-group and --ctl-mode)";
}

}  // namespace

std::string ControlServer::open(const ControlAccess& access) {
    const std::string& path = access.path;
    sockaddr_un addr;
    if (!make_address(path, addr)) return "control socket path too long: " + path;
    std::error_code ec;
    auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) {
        std::filesystem::create_directories(dir, ec);
        if (ec) return "cannot create " + dir.string() + ": " + ec.message();
    }
    if (auto e = check_control_dir(dir.empty() ? "." : dir.string()); !e.empty()) return e;
    // Refuse to steal the socket of a running vswd; remove a stale one.
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
        bool live = ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(probe);
        if (live) return "another vswd is already listening on " + path;
    }
    ::unlink(path.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return sys_error("socket");
    // Bound owner-only, so nobody else can connect before the chown/chmod below. (umask is
    // process-wide: fine, vswd's files and sockets are all created by this thread.)
    const mode_t old_umask = ::umask(0177);
    const int bound = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::umask(old_umask);
    if (bound != 0) {
        std::string e = sys_error("cannot bind control socket " + path);
        close();
        return e;
    }
    path_ = path;  // from here on close() removes it
    if (::chown(path.c_str(), access.uid, access.gid) != 0 || ::chmod(path.c_str(), access.mode) != 0 ||
        ::listen(fd_, 16) != 0) {
        std::string e = sys_error("cannot set up control socket " + path);
        close();
        return e;
    }
    return "";
}

bool ControlServer::serve_once(int timeout_ms, const Handler& handler) {
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, timeout_ms);
    if (rc < 0) return errno == EINTR;
    if (rc == 0) return true;
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return errno == EINTR || errno == EAGAIN || errno == ECONNABORTED;
    serve_client(client, handler);
    ::close(client);
    return true;
}

void ControlServer::serve_client(int fd, const Handler& handler) {
    set_timeout(fd, 2000);
    std::string line;
    if (!read_line(fd, line, kMaxRequestBytes)) {
        send_all(fd, "{\"ok\":false,\"error\":\"request not read: too large, incomplete or timed out\"}\n");
        return;
    }
    send_all(fd, handler(line, fd) + "\n");
}

void ControlServer::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!path_.empty()) ::unlink(path_.c_str());
    path_.clear();
}

int control_connect(const std::string& path) {
    sockaddr_un addr;
    if (!make_address(path, addr)) throw std::runtime_error("control socket path too long: " + path);
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
    set_timeout(fd, timeout_ms);
    std::string line;
    bool ok = send_all(fd, request + "\n") && read_line(fd, line, 64 * 1024 * 1024);
    ::close(fd);
    if (!ok) throw std::runtime_error("no answer from vswd at " + path);
    return line;
}

}  // namespace vsw
