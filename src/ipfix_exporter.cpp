#include "src/ipfix_exporter.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <cstring>

#include <nlohmann/json.hpp>
#include <rte_ring.h>
#include <rte_ring_elem.h>

namespace vsw {

using nlohmann::json;
using telemetry::FlowRecord;
namespace ipfix = telemetry::ipfix;

namespace {

constexpr uint64_t kResolveRetryMs = 10'000;
constexpr uint64_t kMinRetryMs = 1'000;      // TCP: first reconnect attempt after a failure
constexpr uint64_t kMaxRetryMs = 30'000;     // and the longest wait between attempts
constexpr size_t kMaxBacklogBytes = 4 << 20; // TCP: unsent messages kept while the collector is slow
constexpr unsigned kCycleMs = 20;         // how often the rings are drained when idle
constexpr unsigned kUdpIpHeaders = 28;    // IPv4 + UDP (IPv6 needs 20 more; see message_limit)

uint64_t monotonic_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1'000'000;
}

uint32_t wall_seconds() { return static_cast<uint32_t>(time(nullptr)); }

}  // namespace

struct IpfixExporter::Stream {
    IpfixCollector collector;
    uint32_t domain = 0;
    int family = AF_INET;              // of the collector's address: sets the IP header size
    bool connecting = false;           // TCP: connect() in progress
    bool templates_sent = false;       // on this transport session
    uint64_t retry_ms = kMinRetryMs;   // TCP: wait before the next attempt (doubles to kMaxRetryMs)
    struct Pending {                   // TCP: messages not yet fully written
        std::vector<uint8_t> bytes;
        uint32_t records;
    };
    std::deque<Pending> backlog;
    size_t backlog_bytes = 0;
    size_t written = 0;                // bytes of backlog.front() already written
    int fd = -1;
    std::string address;               // what the collector resolved to (guarded by mu_)
    std::string error;                 // the last problem, "" when fine (guarded by mu_)
    uint64_t resolve_at_ms = 0;        // when to try resolving again
    uint64_t templates_at_ms = 0;      // when templates are due (0: before anything else)
    std::atomic<uint32_t> sequence{0}; // data records sent so far (mod 2^32); read by stats()
    std::atomic<uint64_t> messages{0}, records{0}, octets{0}, template_messages{0};
    std::atomic<uint64_t> failed_messages{0}, failed_records{0};

    ~Stream() {
        if (fd >= 0) close(fd);
    }
};

std::string resolve_collector(const IpfixCollector& c, sockaddr_storage& addr, unsigned& addr_len) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
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

IpfixExporter::IpfixExporter(uint64_t epoch_ms_at_origin) : epoch_ms_at_origin_(epoch_ms_at_origin) {}

IpfixExporter::~IpfixExporter() { stop(); }

void IpfixExporter::start() {
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void IpfixExporter::stop() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void IpfixExporter::configure(const IpfixConfig& c) {
    {
        std::lock_guard lock(mu_);
        pending_ = c;
        config_changed_ = true;
    }
    wake_.notify_all();
}

void IpfixExporter::set_meters(std::vector<FlowMeter*> active, std::vector<std::unique_ptr<FlowMeter>> retired) {
    {
        std::lock_guard lock(mu_);
        active_ = std::move(active);
        for (auto& m : retired) retired_.push_back(std::move(m));
    }
    wake_.notify_all();
}

void IpfixExporter::sync() {
    std::unique_lock lock(mu_);
    if (!thread_.joinable() || stop_) return;
    const uint64_t target = cycles_done_ + 2;  // the current cycle may have started before the call
    wake_.notify_all();
    synced_.wait(lock, [&] { return cycles_done_ >= target || stop_; });
}

void IpfixExporter::run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        wake_.wait_for(lock, std::chrono::milliseconds(kCycleMs));
        if (stop_) break;
        lock.unlock();
        cycle();
        lock.lock();
        ++cycles_done_;
        synced_.notify_all();
    }
    lock.unlock();
    cycle();
}

void IpfixExporter::apply_pending_config() {
    std::lock_guard lock(mu_);
    if (!config_changed_) return;
    config_changed_ = false;
    const bool resend = pending_.mtu != config_.mtu || pending_.sampling != config_.sampling ||
                        pending_.sampling_random != config_.sampling_random;
    config_ = pending_;
    std::vector<std::unique_ptr<Stream>> next;
    for (const IpfixCollector& c : config_.collectors) {
        std::unique_ptr<Stream> s;
        for (auto& old : streams_)  // same collector, same domain: the transport session goes on
            if (old && old->collector == c && old->domain == config_.obs_domain) s = std::move(old);
        if (!s) {
            s = std::make_unique<Stream>();
            s->collector = c;
            s->domain = config_.obs_domain;
        }
        if (resend) s->templates_at_ms = 0;
        next.push_back(std::move(s));
    }
    streams_ = std::move(next);
}

void IpfixExporter::cycle() {
    apply_pending_config();
    std::vector<FlowMeter*> active;
    std::vector<std::unique_ptr<FlowMeter>> retired;
    {
        std::lock_guard lock(mu_);
        active = active_;
        retired.swap(retired_);
    }
    batch_.clear();
    FlowRecord buf[256];
    auto drain = [&](FlowMeter& m) {
        unsigned n;
        while ((n = rte_ring_sc_dequeue_burst_elem(m.records, buf, sizeof(FlowRecord), 256, nullptr)) > 0)
            batch_.insert(batch_.end(), buf, buf + n);
    };
    for (FlowMeter* m : active) drain(*m);
    for (auto& m : retired) {
        drain(*m);
        meter_flush(*m, [&](const FlowRecord& r) { batch_.push_back(r); });
        std::lock_guard lock(mu_);
        retired_ignored_packets_ += m->counters.ignored_packets.get();
        retired_ignored_octets_ += m->counters.ignored_octets.get();
        retired_lost_records_ += m->counters.lost_records.get();
        retired_lost_packets_ += m->counters.lost_packets.get();
        retired_lost_octets_ += m->counters.lost_octets.get();
    }
    retired.clear();  // frees caches and rings
    records_taken_.fetch_add(batch_.size(), std::memory_order_relaxed);

    const uint64_t now = monotonic_ms();
    for (auto& sp : streams_) {  // only this thread replaces streams_
        Stream& s = *sp;
        if (s.fd < 0 && now >= s.resolve_at_ms) open_transport(s, now);
        if (s.connecting) check_connected(s, now);
        if (s.collector.tcp && s.fd >= 0 && !s.connecting) flush_backlog(s, now);
        if (s.fd < 0 || s.connecting) {  // no transport session: these records cannot go anywhere
            s.failed_records.fetch_add(batch_.size(), std::memory_order_relaxed);
            continue;
        }
        if (now >= s.templates_at_ms) send_templates(s, now);
        send_records(s, batch_);
    }
}

void IpfixExporter::open_transport(Stream& s, uint64_t now) {
    sockaddr_storage addr{};
    unsigned len = 0;
    std::string err = resolve_collector(s.collector, addr, len);
    int fd = -1;
    bool connecting = false;
    if (err.empty()) {
        const int type = s.collector.tcp ? SOCK_STREAM : SOCK_DGRAM;
        fd = socket(addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int rc = fd < 0 ? -1 : connect(fd, reinterpret_cast<sockaddr*>(&addr), len);
        if (rc != 0 && fd >= 0 && errno == EINPROGRESS) {  // TCP: finishes in a later cycle
            rc = 0;
            connecting = true;
        }
        if (rc != 0) {
            err = "collector " + s.collector.str() + ": " + strerror(errno);
            if (fd >= 0) close(fd);
            fd = -1;
        }
    }
    char host[NI_MAXHOST] = "";
    if (fd >= 0) getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
    std::lock_guard lock(mu_);
    s.error = err;
    s.address = host;
    s.fd = fd;
    s.connecting = connecting;
    s.family = addr.ss_family;
    s.resolve_at_ms = now + (s.collector.tcp ? s.retry_ms : kResolveRetryMs);
    if (s.collector.tcp && fd < 0) s.retry_ms = std::min(kMaxRetryMs, s.retry_ms * 2);
    s.templates_at_ms = 0;
    s.templates_sent = false;
    if (!s.collector.tcp) return;
    s.sequence.store(0, std::memory_order_relaxed);  // a new TCP connection is a new transport session
}

void IpfixExporter::check_connected(Stream& s, uint64_t now) {
    pollfd p{s.fd, POLLOUT, 0};
    if (poll(&p, 1, 0) <= 0) return;  // still connecting
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        close_transport(s, now, "collector " + s.collector.str() + ": " + strerror(err));
        return;
    }
    std::lock_guard lock(mu_);
    s.connecting = false;
    s.retry_ms = kMinRetryMs;
    s.error.clear();
}

void IpfixExporter::close_transport(Stream& s, uint64_t now, const std::string& why) {
    uint32_t lost = 0;
    for (const auto& m : s.backlog) lost += m.records;
    s.failed_records.fetch_add(lost, std::memory_order_relaxed);
    s.failed_messages.fetch_add(s.backlog.size(), std::memory_order_relaxed);
    s.backlog.clear();
    s.backlog_bytes = 0;
    s.written = 0;
    std::lock_guard lock(mu_);
    close(s.fd);
    s.fd = -1;
    s.connecting = false;
    s.error = why;
    s.resolve_at_ms = now + s.retry_ms;
    s.retry_ms = std::min(kMaxRetryMs, s.retry_ms * 2);
}

void IpfixExporter::flush_backlog(Stream& s, uint64_t now) {
    while (!s.backlog.empty()) {
        Stream::Pending& m = s.backlog.front();
        const ssize_t rc = send(s.fd, m.bytes.data() + s.written, m.bytes.size() - s.written, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (rc < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // the rest next cycle
            close_transport(s, now, std::string("collector closed the connection: ") + strerror(errno));
            return;
        }
        s.written += static_cast<size_t>(rc);
        if (s.written < m.bytes.size()) return;
        s.messages.fetch_add(1, std::memory_order_relaxed);
        s.records.fetch_add(m.records, std::memory_order_relaxed);
        s.octets.fetch_add(m.bytes.size(), std::memory_order_relaxed);
        s.backlog_bytes -= m.bytes.size();
        s.written = 0;
        s.backlog.pop_front();
    }
}

ipfix::ExporterStats IpfixExporter::exporter_stats(const Stream& s) const {
    ipfix::ExporterStats x;
    x.process_id = static_cast<uint32_t>(getpid());
    x.messages = s.messages.load(std::memory_order_relaxed);
    x.records = s.records.load(std::memory_order_relaxed);
    x.octets = s.octets.load(std::memory_order_relaxed);
    std::lock_guard lock(mu_);
    x.lost_records = retired_lost_records_ + s.failed_records.load(std::memory_order_relaxed);
    x.lost_packets = retired_lost_packets_;
    x.lost_octets = retired_lost_octets_;
    x.ignored_packets = retired_ignored_packets_;
    x.ignored_octets = retired_ignored_octets_;
    for (const FlowMeter* m : active_) {
        x.lost_records += m->counters.lost_records.get();
        x.lost_packets += m->counters.lost_packets.get();
        x.lost_octets += m->counters.lost_octets.get();
        x.ignored_packets += m->counters.ignored_packets.get();
        x.ignored_octets += m->counters.ignored_octets.get();
    }
    return x;
}

uint16_t IpfixExporter::message_limit(const Stream& s) const {
    // Over TCP too: a message in one segment keeps collectors that read per segment happy.
    const unsigned headers = kUdpIpHeaders + (s.collector.tcp ? 12 : 0) + (s.family == AF_INET6 ? 20 : 0);
    return static_cast<uint16_t>(std::min<unsigned>(config_.mtu - headers, 65535));
}

void IpfixExporter::send_templates(Stream& s, uint64_t now_ms) {
    ipfix::MessageBuilder b(s.domain, message_limit(s));
    // UDP: templates again every interval (a collector may have missed them or restarted).
    // TCP: once per connection, which delivers them reliably; options data every interval.
    if (!s.collector.tcp || !s.templates_sent) {
        b.begin(wall_seconds(), s.sequence.load(std::memory_order_relaxed));
        b.add_templates();
        send_message(s, b);
        s.template_messages.fetch_add(1, std::memory_order_relaxed);
        s.templates_sent = true;
    }
    // Options data after their templates: who we are and how frames were selected.
    b.begin(wall_seconds(), s.sequence.load(std::memory_order_relaxed));
    b.add_exporter_stats(exporter_stats(s));
    ipfix::SamplingInfo si;
    si.algorithm = config_.sampling_random ? 3 : 1;
    si.population = config_.sampling;
    b.add_sampling(si);
    send_message(s, b);
    s.templates_at_ms = now_ms + uint64_t{config_.template_interval} * 1000;
}

void IpfixExporter::send_records(Stream& s, const std::vector<FlowRecord>& records) {
    ipfix::MessageBuilder b(s.domain, message_limit(s));
    b.begin(wall_seconds(), s.sequence.load(std::memory_order_relaxed));
    for (const FlowRecord& r : records) {
        if (b.add_flow(r, epoch_ms_at_origin_)) continue;
        send_message(s, b);
        b.begin(wall_seconds(), s.sequence.load(std::memory_order_relaxed));
        b.add_flow(r, epoch_ms_at_origin_);  // always fits an empty message (mtu >= 576)
    }
    if (!b.empty()) send_message(s, b);
}

void IpfixExporter::send_message(Stream& s, ipfix::MessageBuilder& b) {
    const uint32_t records = b.data_records();
    const std::span<const uint8_t> msg = b.finish();
    // The sequence counts what was handed to the network: a collector sees our losses as gaps.
    s.sequence.fetch_add(records, std::memory_order_relaxed);
    if (s.collector.tcp) {  // queued whole, written as the connection takes it
        if (s.backlog_bytes + msg.size() > kMaxBacklogBytes) {
            s.failed_messages.fetch_add(1, std::memory_order_relaxed);
            s.failed_records.fetch_add(records, std::memory_order_relaxed);
            std::lock_guard lock(mu_);
            s.error = "collector too slow: messages dropped (TCP backlog full)";
            return;
        }
        s.backlog.push_back({{msg.begin(), msg.end()}, records});
        s.backlog_bytes += msg.size();
        flush_backlog(s, monotonic_ms());
        return;
    }
    ssize_t rc = send(s.fd, msg.data(), msg.size(), MSG_DONTWAIT);
    if (rc < 0 && (errno == EAGAIN || errno == ENOBUFS)) {  // socket buffer full: wait a little
        pollfd p{s.fd, POLLOUT, 0};
        poll(&p, 1, 50);
        rc = send(s.fd, msg.data(), msg.size(), MSG_DONTWAIT);
    }
    if (rc == static_cast<ssize_t>(msg.size())) {
        s.messages.fetch_add(1, std::memory_order_relaxed);
        s.records.fetch_add(records, std::memory_order_relaxed);
        s.octets.fetch_add(msg.size(), std::memory_order_relaxed);
        return;
    }
    const int err = rc < 0 ? errno : EMSGSIZE;
    s.failed_messages.fetch_add(1, std::memory_order_relaxed);
    s.failed_records.fetch_add(records, std::memory_order_relaxed);
    std::lock_guard lock(mu_);
    s.error = err == ECONNREFUSED ? "collector refused (ICMP port unreachable): is it running?"
                                  : std::string("send: ") + strerror(err);
}

json IpfixExporter::stats() const {
    std::lock_guard lock(mu_);
    json collectors = json::array();
    for (const auto& sp : streams_) {
        const Stream& s = *sp;
        collectors.push_back({{"collector", s.collector.str()},
                              {"address", s.address},
                              {"transport", s.collector.tcp ? "tcp" : "udp"},
                              {"connected", s.fd >= 0 && !s.connecting},
                              {"backlog_bytes", s.backlog_bytes},
                              {"error", s.error},
                              {"sequence", s.sequence.load()},
                              {"messages", s.messages.load()},
                              {"template_messages", s.template_messages.load()},
                              {"records", s.records.load()},
                              {"octets", s.octets.load()},
                              {"failed_messages", s.failed_messages.load()},
                              {"failed_records", s.failed_records.load()}});
    }
    return {{"collectors", collectors}, {"records_taken", records_taken_.load()}};
}

}  // namespace vsw
