#include "telemetry/ipfix/flow_exporter.h"

#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <time.h>

#include <nlohmann/json.hpp>

namespace vsw {

using nlohmann::json;
using telemetry::FlowRecord;

namespace {

constexpr size_t kMaxBatch = 65536;  // records encoded and sent at a time

uint64_t monotonic_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1'000'000;
}

uint64_t wall_ms() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1'000'000;
}

}  // namespace

FlowExporter::FlowExporter(ExportThread& thread, const InterfaceTable& interfaces,
                           uint64_t epoch_ms_at_origin, FlowEncoderFactory encoders,
                           std::function<uint64_t()> switch_clock_ms)
    : registration_(thread, *this),
      interfaces_(interfaces),
      epoch_ms_at_origin_(epoch_ms_at_origin),
      encoders_(std::move(encoders)),
      switch_clock_ms_(std::move(switch_clock_ms)) {}

FlowExporter::~FlowExporter() {
    stop();
}

void FlowExporter::configure(const IpfixConfig& c) {
    {
        std::lock_guard lock(mu_);
        pending_ = c;
        config_changed_ = true;
    }
    registration_.wake();
}

void FlowExporter::set_meters(std::vector<FlowMeter*> active,
                              std::vector<std::unique_ptr<FlowMeter>> retired) {
    {
        std::lock_guard lock(mu_);
        active_ = std::move(active);
        for (auto& m : retired) retired_.push_back(std::move(m));
    }
    registration_.wake();
}

void FlowExporter::apply_pending_config() {
    std::lock_guard lock(mu_);
    if (const uint64_t v = interfaces_.version(); v != interfaces_seen_) {
        interfaces_seen_ = v;  // collectors learn the new names at once
        for (auto& c : collecting_) c.session->templates_at_ms = 0;
    }
    if (!config_changed_) return;
    config_changed_ = false;
    const bool resend = pending_.mtu != config_.mtu || pending_.sampling != config_.sampling ||
                        pending_.sampling_random != config_.sampling_random;
    const bool same_domain = pending_.obs_domain == config_.obs_domain;
    config_ = pending_;
    std::vector<Collecting> next;
    for (const Collector& c : config_.collectors) {
        Collecting k;
        for (auto& old : collecting_)  // same collector, same domain: the session goes on
            if (old.session && old.session->collector() == c && same_domain) k = std::move(old);
        if (!k.session) {
            k.encoder = encoders_(c);
            k.session = std::make_unique<CollectorSession>(
                c, k.encoder ? k.encoder->sequence_counts() : SequenceCounts::kRecords);
        }
        if (resend) k.session->templates_at_ms = 0;
        next.push_back(std::move(k));
    }
    collecting_ = std::move(next);
}

void FlowExporter::cycle() {
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

void FlowExporter::export_batch() {
    records_taken_.fetch_add(batch_.size(), std::memory_order_relaxed);
    const uint64_t now = monotonic_ms();
    const FlowExportContext ctx{config_,   interfaces_,        epoch_ms_at_origin_,
                                wall_ms(), switch_clock_ms_(), totals()};
    for (Collecting& c : collecting_) {  // only this thread replaces collecting_
        CollectorSession& s = *c.session;
        if (!c.encoder || !s.ready(now)) {  // these records cannot go anywhere
            s.count_unsent(batch_.size());
            continue;
        }
        if (now >= s.templates_at_ms) c.encoder->send_templates(s, ctx, now);
        c.encoder->send_records(s, batch_, ctx, now);
    }
    batch_.clear();
}

FlowMeterTotals FlowExporter::totals() const {
    std::lock_guard lock(mu_);
    FlowMeterTotals t = retired_totals_;
    for (const FlowMeter* m : active_) t.add(*m);
    return t;
}

json FlowExporter::stats() const {
    std::lock_guard lock(mu_);
    json collectors = json::array();
    for (const auto& c : collecting_) collectors.push_back(c.session->stats());
    return {{"collectors", collectors}, {"records_taken", records_taken_.load()}};
}

}  // namespace vsw
