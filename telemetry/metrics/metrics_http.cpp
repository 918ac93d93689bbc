#include "telemetry/metrics/metrics_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/parse.h"
#include "core/socket_io.h"
#include "telemetry/metrics/prometheus_text.h"

namespace vsw {
namespace {

constexpr size_t kMaxRequestBytes = 8192;

std::string response(const char* status, const std::string& type, const std::string& body,
                     bool head = false) {
    return std::string("HTTP/1.1 ") + status + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
           (head ? "" : body);
}

}  // namespace

std::string MetricsHttpServer::respond(const std::string& request,
                                       const MetricsSnapshot& snapshot) {
    const auto line_end = request.find("\r\n");
    const std::string line = request.substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
    if (sp2 == std::string::npos || line.compare(sp2 + 1, 5, "HTTP/") != 0)
        return response("400 Bad Request", "text/plain", "bad request\n");
    const std::string method = line.substr(0, sp1);
    std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    target = target.substr(0, target.find('?'));  // scrapers may add parameters
    if (method != "GET" && method != "HEAD")
        return response("405 Method Not Allowed", "text/plain", "only GET\n");
    if (target != "/metrics")
        return response("404 Not Found", "text/plain", "vswd serves /metrics\n", method == "HEAD");
    return response("200 OK", "text/plain; version=0.0.4; charset=utf-8",
                    prometheus_text(*snapshot.latest()), method == "HEAD");
}

std::string MetricsHttpServer::start(const std::string& listen, const MetricsSnapshot* snapshot) {
    std::string address = "127.0.0.1", port = listen;
    if (auto colon = listen.rfind(':'); colon != std::string::npos) {
        address = listen.substr(0, colon);
        port = listen.substr(colon + 1);
    }
    auto number = parse_uint(port, 1, 65535);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    if (!number || ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1)
        return "--metrics-listen must be [IPv4-ADDRESS:]PORT, e.g. 9550 or 127.0.0.1:9550, not '" +
               listen + "'";
    sa.sin_port = htons(static_cast<uint16_t>(*number));
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const int one = 1;
    if (fd_ < 0 || ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd_, 16) != 0) {
        std::string e =
            "cannot listen for metrics on " + address + ":" + port + ": " + std::strerror(errno);
        stop();
        return e;
    }
    snapshot_ = snapshot;
    thread_ = std::thread([this] { run(); });
    return "";
}

void MetricsHttpServer::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void MetricsHttpServer::run() {
    while (!stopping_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        serve(client);
        ::close(client);
    }
}

void MetricsHttpServer::serve(int fd) {
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string request;
    char buf[2048];
    while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return;  // closed, timed out
        request.append(buf, static_cast<size_t>(n));
        if (request.size() > kMaxRequestBytes) {
            request = "TOO LARGE";
            break;
        }
    }
    send_all(fd, respond(request, *snapshot_));
}

}  // namespace vsw
