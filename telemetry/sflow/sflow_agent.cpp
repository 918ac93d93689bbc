#include "telemetry/sflow/sflow_agent.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace vsw {

using nlohmann::json;
namespace sf = telemetry::sflow;

namespace {

constexpr unsigned kTakeAtOnce = 64;  // samples taken from a ring per dequeue

}  // namespace

bool parse_agent_address(const std::string& text, sf::AgentAddress& out) {
    sf::AgentAddress a;
    if (inet_pton(AF_INET, text.c_str(), a.bytes) == 1) {
        a.type = sf::kAddressIpv4;
    } else if (inet_pton(AF_INET6, text.c_str(), a.bytes) == 1) {
        a.type = sf::kAddressIpv6;
    } else {
        return false;
    }
    out = a;
    return true;
}

std::string format_agent_address(const sf::AgentAddress& a) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(a.type == sf::kAddressIpv6 ? AF_INET6 : AF_INET, a.bytes, buf, sizeof buf);
    return buf;
}

std::string source_address_towards(const Collector& c, sf::AgentAddress& out) {
    sockaddr_storage to;
    unsigned to_len = 0;
    if (auto e = resolve_collector(c, to, to_len); !e.empty()) return e;
    const int fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::string("socket: ") + strerror(errno);
    sockaddr_storage local;
    socklen_t local_len = sizeof local;
    std::string err;
    // A UDP connect sends nothing: it only asks the kernel for a route and a source address.
    if (connect(fd, reinterpret_cast<const sockaddr*>(&to), to_len) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0)
        err = "no route to collector " + c.str() + ": " + strerror(errno);
    close(fd);
    if (!err.empty()) return err;
    sf::AgentAddress a;
    if (local.ss_family == AF_INET6) {
        a.type = sf::kAddressIpv6;
        memcpy(a.bytes, &reinterpret_cast<const sockaddr_in6&>(local).sin6_addr, 16);
    } else {
        a.type = sf::kAddressIpv4;
        memcpy(a.bytes, &reinterpret_cast<const sockaddr_in&>(local).sin_addr, 4);
    }
    out = a;
    return "";
}

SflowAgent::SflowAgent(ExportThread& thread, std::function<uint64_t()> uptime_ms)
    : registration_(thread, *this), uptime_ms_(std::move(uptime_ms)) {}

SflowAgent::~SflowAgent() {
    stop();
}

void SflowAgent::configure(const SflowConfig& c, const sf::AgentAddress& agent) {
    std::lock_guard lock(mu_);
    std::vector<std::unique_ptr<CollectorSession>> sessions;
    for (const Collector& col : c.collectors) {
        std::unique_ptr<CollectorSession> s;
        for (auto& old : sessions_)
            if (old && old->collector() == col) s = std::move(old);
        if (!s) s = std::make_unique<CollectorSession>(col, SequenceCounts::kMessages);
        sessions.push_back(std::move(s));
    }
    sessions_ = std::move(sessions);
    config_ = c;
    builder_ = std::make_unique<sf::DatagramBuilder>(
        agent, 0, static_cast<uint16_t>(c.max_datagram), c.header_bytes);
}

void SflowAgent::set_samplers(std::vector<SflowSampler*> samplers) {
    std::lock_guard lock(mu_);  // a cycle in progress finishes with the old ones first
    samplers_ = std::move(samplers);
    totals_ = {};  // new samplers count from 0
}

void SflowAgent::post_counters(std::vector<SflowCounterPoll> polls) {
    {
        std::lock_guard lock(mu_);
        for (auto& p : polls) polls_.push_back(std::move(p));
    }
    registration_.wake();
}

void SflowAgent::forget_port(uint16_t slot) {
    std::lock_guard lock(mu_);
    if (slot < kMaxPorts) totals_[slot] = {};
}

void SflowAgent::begin_datagram() {
    builder_->begin(0, static_cast<uint32_t>(uptime_ms_()));  // the sequence is set per collector
}

void SflowAgent::send_datagram() {
    if (builder_->empty()) return;
    const uint32_t samples = builder_->samples();
    const auto bytes = builder_->finish();
    datagram_.assign(bytes.begin(), bytes.end());
    datagrams_.fetch_add(1, std::memory_order_relaxed);
    for (auto& s : sessions_) {
        if (!s->ready(now_ms_)) {
            s->count_unsent(samples);
            continue;
        }
        sf::set_datagram_sequence(datagram_, s->sequence() + 1);  // sFlow counts from 1
        s->send(datagram_, samples, now_ms_);
    }
    begin_datagram();
}

void SflowAgent::add_flow_sample(unsigned worker, const SflowSampleRecord& r) {
    if (r.slot >= kMaxPorts) return;
    PortTotals& t = totals_[r.slot];
    t.pool[worker] = r.sample_pool;
    t.drops[worker] = r.drops;
    uint32_t pool = 0, drops = 0;
    for (unsigned w = 0; w < kMaxWorkers; ++w) {
        pool += t.pool[w];
        drops += t.drops[w];
    }
    const uint32_t ifindex = r.slot + 1u;
    sf::PacketSample s;
    s.sequence = ++flow_sequence_[ifindex];
    s.source_index = ifindex;
    s.sampling_rate = config_.sampling;
    s.sample_pool = pool;
    s.drops = drops;
    s.input = sf::Interface::port(ifindex);
    s.output = {r.output_format, r.output_value};
    s.frame = {r.header, r.header_len};
    s.frame_length = r.frame_length;
    if (r.has_vlan) s.vlans = sf::SwitchData{r.vlan, r.priority, r.vlan, r.priority};
    if (!builder_->add_packet_sample(s)) {
        send_datagram();
        builder_->add_packet_sample(s);  // an empty datagram takes any sample (max-datagram >= 576)
    }
    flow_samples_.fetch_add(1, std::memory_order_relaxed);
}

void SflowAgent::add_counters(const SflowCounterPoll& p) {
    const uint32_t ifindex = p.counters.if_index;
    if (ifindex == 0 || ifindex > kMaxPorts) return;
    sf::CountersSample s;
    s.sequence = ++counters_sequence_[ifindex];
    s.source_index = ifindex;
    s.counters = p.counters;
    s.port_name = p.name;
    if (!builder_->add_counters_sample(s)) {
        send_datagram();
        builder_->add_counters_sample(s);
    }
    counter_samples_.fetch_add(1, std::memory_order_relaxed);
}

void SflowAgent::cycle() {
    std::lock_guard lock(mu_);
    if (!builder_) return;
    now_ms_ = uptime_ms_();
    begin_datagram();
    for (const SflowCounterPoll& p : polls_) add_counters(p);
    polls_.clear();
    SflowSampleRecord taken[kTakeAtOnce];
    for (unsigned w = 0; w < samplers_.size(); ++w) {
        if (!samplers_[w]) continue;
        unsigned n;
        while ((n = rte_ring_sc_dequeue_burst_elem(samplers_[w]->samples, taken, sizeof taken[0],
                                                   kTakeAtOnce, nullptr)) > 0)
            for (unsigned i = 0; i < n; ++i) add_flow_sample(w, taken[i]);
    }
    send_datagram();
}

json SflowAgent::stats() const {
    std::lock_guard lock(mu_);
    json collectors = json::array();
    for (const auto& s : sessions_) collectors.push_back(s->stats());
    json sources = json::array();  // the ports samples came from: their pools as last sent
    for (unsigned slot = 0; slot < kMaxPorts; ++slot) {
        const uint32_t ifindex = slot + 1;
        if (!flow_sequence_[ifindex]) continue;
        uint64_t pool = 0, drops = 0;
        for (unsigned w = 0; w < kMaxWorkers; ++w) {
            pool += totals_[slot].pool[w];
            drops += totals_[slot].drops[w];
        }
        sources.push_back({{"ifindex", ifindex},
                           {"flow_samples", flow_sequence_[ifindex]},
                           {"sample_pool", pool},
                           {"drops", drops}});
    }
    return {{"datagrams", datagrams_.load()},
            {"sources", sources},
            {"flow_samples", flow_samples_.load()},
            {"counter_samples", counter_samples_.load()},
            {"collectors", collectors}};
}

}  // namespace vsw
