#include "src/control/control_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/socket_io.h"
#include "src/control/control_protocol.h"

namespace vsw {
namespace {

std::string sys_error(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

}  // namespace

std::string ControlServer::open(const ControlAccess& access) {
    const std::string& path = access.path;
    sockaddr_un addr;
    if (!unix_address(path, addr)) return "control socket path too long: " + path;
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
    if (::chown(path.c_str(), access.uid, access.gid) != 0 ||
        ::chmod(path.c_str(), access.mode) != 0 || ::listen(fd_, 16) != 0) {
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
    set_socket_timeout(fd, 2000);
    std::string line;
    if (!read_line(fd, line, kMaxRequestBytes)) {
        send_all(
            fd,
            "{\"ok\":false,\"error\":\"request not read: too large, incomplete or timed out\"}\n");
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

}  // namespace vsw
