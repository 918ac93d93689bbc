#include "telemetry/export/collector_session.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace vsw {

namespace {

constexpr uint64_t kUdpRetryMs = 10'000;     // a name that does not resolve: try again this often
constexpr uint64_t kTcpMinRetryMs = 1'000;   // TCP: first reconnect attempt after a failure
constexpr uint64_t kTcpMaxRetryMs = 30'000;  // and the longest wait between attempts
constexpr size_t kMaxBacklogBytes = 4
                                    << 20;  // TCP: unsent messages kept while the collector is slow
constexpr unsigned kIpv4UdpHeaders = 28;
constexpr unsigned kTcpExtra = 12;   // TCP header (20) less UDP's (8)
constexpr unsigned kIpv6Extra = 20;  // IPv6 header (40) less IPv4's (20)
constexpr const char* kRefused = "collector refused (ICMP port unreachable): is it running?";

}  // namespace

std::string resolve_collector(const Collector& c, sockaddr_storage& addr, unsigned& addr_len) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = c.tcp ? SOCK_STREAM : SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(c.port);
    if (int rc = getaddrinfo(c.host.c_str(), port.c_str(), &hints, &res); rc != 0)
        return "cannot resolve collector " + c.str() + ": " + gai_strerror(rc);
    memcpy(&addr, res->ai_addr, res->ai_addrlen);
    addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    return "";
}

std::string resolve_collectors(const std::vector<Collector>& list) {
    for (const Collector& c : list) {
        sockaddr_storage addr;
        unsigned len;
        if (auto e = resolve_collector(c, addr, len); !e.empty()) return e;
    }
    return "";
}

CollectorSession::CollectorSession(const Collector& collector, SequenceCounts counts)
    : collector_(collector), counts_(counts), retry_ms_(kTcpMinRetryMs) {}

CollectorSession::~CollectorSession() {
    if (fd_ >= 0) close(fd_);
}

void CollectorSession::set_error(const std::string& e) {
    std::lock_guard lock(text_mu_);
    error_ = e;
}

bool CollectorSession::ready(uint64_t now_ms) {
    if (fd_ < 0 && now_ms >= open_at_ms_) open(now_ms);
    if (connecting_) check_connected(now_ms);
    if (collector_.tcp && connected_) flush_backlog(now_ms);
    return connected_;
}

void CollectorSession::open(uint64_t now_ms) {
    sockaddr_storage addr{};
    unsigned len = 0;
    std::string err = resolve_collector(collector_, addr, len);
    if (err.empty()) {
        fd_ = socket(addr.ss_family,
                     (collector_.tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int rc = fd_ < 0 ? -1 : connect(fd_, reinterpret_cast<sockaddr*>(&addr), len);
        connecting_ =
            rc != 0 && fd_ >= 0 && errno == EINPROGRESS;  // TCP: finishes in a later cycle
        if (rc != 0 && !connecting_) {
            err = "collector " + collector_.str() + ": " + strerror(errno);
            if (fd_ >= 0) close(fd_);
            fd_ = -1;
        }
    }
    char host[NI_MAXHOST] = "";
    if (fd_ >= 0)
        getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, nullptr, 0,
                    NI_NUMERICHOST);
    {
        std::lock_guard lock(text_mu_);
        error_ = err;
        address_ = host;
    }
    family_ = addr.ss_family;
    if (fd_ < 0) {
        open_at_ms_ = now_ms + (collector_.tcp ? retry_ms_ : kUdpRetryMs);
        if (collector_.tcp) retry_ms_ = std::min(kTcpMaxRetryMs, retry_ms_ * 2);
        return;
    }
    // A new transport session: templates first; over TCP the sequence starts again.
    templates_sent = false;
    templates_at_ms = 0;
    if (collector_.tcp) sequence_.store(0, std::memory_order_relaxed);
    connected_ = !connecting_;
}

void CollectorSession::check_connected(uint64_t now_ms) {
    pollfd p{fd_, POLLOUT, 0};
    if (poll(&p, 1, 0) <= 0) return;  // still connecting
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        close_with("collector " + collector_.str() + ": " + strerror(err), now_ms);
        return;
    }
    connecting_ = false;
    connected_ = true;
    retry_ms_ = kTcpMinRetryMs;
    set_error("");
}

void CollectorSession::close_with(const std::string& why, uint64_t now_ms) {
    for (const Pending& m : backlog_) failed(m.records);
    backlog_.clear();
    backlog_bytes_ = 0;
    written_ = 0;
    close(fd_);
    fd_ = -1;
    connecting_ = false;
    connected_ = false;
    set_error(why);
    open_at_ms_ = now_ms + retry_ms_;
    retry_ms_ = std::min(kTcpMaxRetryMs, retry_ms_ * 2);
}

void CollectorSession::sent(size_t bytes, uint32_t records) {
    messages_.fetch_add(1, std::memory_order_relaxed);
    records_.fetch_add(records, std::memory_order_relaxed);
    octets_.fetch_add(bytes, std::memory_order_relaxed);
}

void CollectorSession::refused() {
    failed(last_udp_records_);
    last_udp_records_ = 0;
    set_error(kRefused);
}

void CollectorSession::failed(uint32_t records) {
    failed_messages_.fetch_add(1, std::memory_order_relaxed);
    failed_records_.fetch_add(records, std::memory_order_relaxed);
}

void CollectorSession::flush_backlog(uint64_t now_ms) {
    while (!backlog_.empty()) {
        Pending& m = backlog_.front();
        const ssize_t rc = ::send(fd_, m.bytes.data() + written_, m.bytes.size() - written_,
                                  MSG_DONTWAIT | MSG_NOSIGNAL);
        if (rc < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // the rest next cycle
            close_with(std::string("collector closed the connection: ") + strerror(errno), now_ms);
            return;
        }
        written_ += static_cast<size_t>(rc);
        if (written_ < m.bytes.size()) return;
        sent(m.bytes.size(), m.records);
        backlog_bytes_ -= m.bytes.size();
        written_ = 0;
        backlog_.pop_front();
    }
}

void CollectorSession::send(std::span<const uint8_t> msg, uint32_t records, uint64_t now_ms) {
    sequence_.fetch_add(counts_ == SequenceCounts::kRecords ? records : 1,
                        std::memory_order_relaxed);
    if (collector_.tcp) {  // queued whole, written as the connection takes it
        if (backlog_bytes_ + msg.size() > kMaxBacklogBytes) {
            failed(records);
            set_error("collector too slow: messages dropped (TCP backlog full)");
            return;
        }
        backlog_.push_back({{msg.begin(), msg.end()}, records});
        backlog_bytes_ += msg.size();
        flush_backlog(now_ms);
        return;
    }
    ssize_t rc = ::send(fd_, msg.data(), msg.size(), MSG_DONTWAIT);
    if (rc < 0 && errno == ECONNREFUSED) {
        // An ICMP port unreachable came back for an earlier message: the collector was not
        // listening then. The failed call consumed that pending error, and says nothing about
        // this message, which goes out now (a collector that was briefly down sees no gap after
        // it is back).
        refused();
        rc = ::send(fd_, msg.data(), msg.size(), MSG_DONTWAIT);
    }
    if (rc < 0 && (errno == EAGAIN || errno == ENOBUFS)) {  // socket buffer full: wait a little
        pollfd p{fd_, POLLOUT, 0};
        poll(&p, 1, 50);
        rc = ::send(fd_, msg.data(), msg.size(), MSG_DONTWAIT);
    }
    if (rc == static_cast<ssize_t>(msg.size())) {
        sent(msg.size(), records);
        last_udp_records_ = records;
        return;
    }
    const int err = rc < 0 ? errno : EMSGSIZE;
    failed(records);
    set_error(err == ECONNREFUSED ? kRefused : std::string("send: ") + strerror(err));
}

uint16_t CollectorSession::message_limit(uint32_t mtu) const {
    // Over TCP too: a message in one segment keeps collectors that read per segment happy.
    const unsigned headers =
        kIpv4UdpHeaders + (collector_.tcp ? kTcpExtra : 0) + (family_ == AF_INET6 ? kIpv6Extra : 0);
    return static_cast<uint16_t>(std::min<unsigned>(mtu - headers, 65535));
}

nlohmann::json CollectorSession::stats() const {
    std::lock_guard lock(text_mu_);
    return {{"collector", collector_.str()},
            {"address", address_},
            {"transport", collector_.tcp ? "tcp" : "udp"},
            {"connected", connected_.load()},
            {"backlog_bytes", backlog_bytes_.load()},
            {"error", error_},
            {"sequence", sequence_.load()},
            {"messages", messages_.load()},
            {"records", records_.load()},
            {"octets", octets_.load()},
            {"failed_messages", failed_messages_.load()},
            {"failed_records", failed_records_.load()},
            {"skipped_records", skipped_records_.load()}};
}

}  // namespace vsw
