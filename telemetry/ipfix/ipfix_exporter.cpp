#include "telemetry/ipfix/ipfix_exporter.h"

#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace vsw {

using nlohmann::json;
using telemetry::FlowRecord;
namespace ipfix = telemetry::ipfix;

namespace {

constexpr size_t kMaxBatch = 65536;  // records encoded and sent at a time

uint64_t monotonic_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1'000'000;
}

uint32_t wall_seconds() {
    return static_cast<uint32_t>(time(nullptr));
}

}  // namespace

IpfixExporter::IpfixExporter(ExportThread& thread, const InterfaceTable& interfaces,
                             uint64_t epoch_ms_at_origin)
    : thread_(thread), interfaces_(interfaces), epoch_ms_at_origin_(epoch_ms_at_origin) {}

IpfixExporter::~IpfixExporter() {
    stop();
}

void IpfixExporter::start() {
    if (started_) return;
    started_ = true;
    thread_.add(this);
}

void IpfixExporter::stop() {
    if (!started_) return;
    started_ = false;
    thread_.remove(this);  // and its last cycle
}

void IpfixExporter::configure(const IpfixConfig& c) {
    {
        std::lock_guard lock(mu_);
        pending_ = c;
        config_changed_ = true;
    }
    thread_.wake();
}

void IpfixExporter::set_meters(std::vector<FlowMeter*> active,
                               std::vector<std::unique_ptr<FlowMeter>> retired) {
    {
        std::lock_guard lock(mu_);
        active_ = std::move(active);
        for (auto& m : retired) retired_.push_back(std::move(m));
    }
    thread_.wake();
}

void IpfixExporter::sync() {
    thread_.sync();
}

void IpfixExporter::apply_pending_config() {
    std::lock_guard lock(mu_);
    if (const uint64_t v = interfaces_.version(); v != interfaces_seen_) {
        interfaces_seen_ = v;  // collectors learn the new names at once
        for (auto& s : sessions_) s->templates_at_ms = 0;
    }
    if (!config_changed_) return;
    config_changed_ = false;
    const bool resend = pending_.mtu != config_.mtu || pending_.sampling != config_.sampling ||
                        pending_.sampling_random != config_.sampling_random;
    const bool same_domain = pending_.obs_domain == config_.obs_domain;
    config_ = pending_;
    std::vector<std::unique_ptr<CollectorSession>> next;
    for (const Collector& c : config_.collectors) {
        std::unique_ptr<CollectorSession> s;
        for (auto& old : sessions_)  // same collector, same domain: the transport session goes on
            if (old && old->collector() == c && same_domain) s = std::move(old);
        if (!s) s = std::make_unique<CollectorSession>(c);
        if (resend) s->templates_at_ms = 0;
        next.push_back(std::move(s));
    }
    sessions_ = std::move(next);
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
    // Records go out in batches of at most kMaxBatch: a retired cache of a million flows does
    // not become one vector of a million records.
    batch_.clear();
    FlowRecord buf[256];
    auto drain = [&](FlowMeter& m) {
        unsigned n;
        while ((n = rte_ring_sc_dequeue_burst_elem(m.records, buf, sizeof(FlowRecord), 256,
                                                   nullptr)) > 0) {
            batch_.insert(batch_.end(), buf, buf + n);
            if (batch_.size() >= kMaxBatch) export_batch();
        }
    };
    for (FlowMeter* m : active) drain(*m);
    for (auto& m : retired) {
        drain(*m);
        meter_flush(*m, [&](const FlowRecord& r) {
            batch_.push_back(r);
            if (batch_.size() >= kMaxBatch) export_batch();
        });
        std::lock_guard lock(mu_);
        retired_totals_.add(*m);
    }
    retired.clear();  // frees caches and rings
    export_batch();   // also sends templates and options records when due
}

void IpfixExporter::export_batch() {
    records_taken_.fetch_add(batch_.size(), std::memory_order_relaxed);
    const uint64_t now = monotonic_ms();
    for (auto& sp : sessions_) {  // only this thread replaces sessions_
        CollectorSession& s = *sp;
        if (!s.ready(now)) {  // no transport session: these records cannot go anywhere
            s.count_unsent(batch_.size());
            continue;
        }
        if (now >= s.templates_at_ms) send_templates(s, now);
        send_records(s, batch_, now);
    }
    batch_.clear();
}

ipfix::ExporterStats IpfixExporter::exporter_stats(const CollectorSession& s) const {
    ipfix::ExporterStats x;
    x.process_id = static_cast<uint32_t>(getpid());
    x.messages = s.messages();
    x.records = s.records();
    x.octets = s.octets();
    std::lock_guard lock(mu_);
    FlowMeterTotals t = retired_totals_;
    for (const FlowMeter* m : active_) t.add(*m);
    x.lost_records = t.lost_records + s.failed_records();
    x.lost_packets = t.lost_packets;
    x.lost_octets = t.lost_octets;
    x.ignored_packets = t.ignored_packets;
    x.ignored_octets = t.ignored_octets;
    return x;
}

void IpfixExporter::send_templates(CollectorSession& s, uint64_t now_ms) {
    ipfix::MessageBuilder b(config_.obs_domain, s.message_limit(config_.mtu));
    // UDP: templates again every interval (a collector may have missed them or restarted).
    // TCP: once per connection, which delivers them reliably; options data every interval.
    if (!s.collector().tcp || !s.templates_sent) {
        b.begin(wall_seconds(), s.sequence());
        b.add_templates();
        send_message(s, b, now_ms);
        s.templates_sent = true;
    }
    // Options data after their templates: who we are and how frames were selected.
    b.begin(wall_seconds(), s.sequence());
    b.add_exporter_stats(exporter_stats(s));
    ipfix::SamplingInfo si;
    si.algorithm = config_.sampling_random ? 3 : 1;
    si.population = config_.sampling;
    b.add_sampling(si);
    for (const auto& [ifindex, name] :
         interfaces_.entries()) {  // which port each ingressInterface value is
        if (b.add_interface(ifindex, name)) continue;
        send_message(s, b, now_ms);
        b.begin(wall_seconds(), s.sequence());
        b.add_interface(ifindex, name);
    }
    send_message(s, b, now_ms);
    s.templates_at_ms = now_ms + uint64_t{config_.template_interval} * 1000;
}

void IpfixExporter::send_records(CollectorSession& s, const std::vector<FlowRecord>& records,
                                 uint64_t now_ms) {
    ipfix::MessageBuilder b(config_.obs_domain, s.message_limit(config_.mtu));
    b.begin(wall_seconds(), s.sequence());
    for (const FlowRecord& r : records) {
        if (b.add_flow(r, epoch_ms_at_origin_)) continue;
        send_message(s, b, now_ms);
        b.begin(wall_seconds(), s.sequence());
        b.add_flow(r, epoch_ms_at_origin_);  // always fits an empty message (mtu >= 576)
    }
    if (!b.empty()) send_message(s, b, now_ms);
}

void IpfixExporter::send_message(CollectorSession& s, ipfix::MessageBuilder& b, uint64_t now_ms) {
    const uint32_t records = b.data_records();
    s.send(b.finish(), records, now_ms);
}

json IpfixExporter::stats() const {
    std::lock_guard lock(mu_);
    json collectors = json::array();
    for (const auto& s : sessions_) collectors.push_back(s->stats());
    return {{"collectors", collectors}, {"records_taken", records_taken_.load()}};
}

}  // namespace vsw
