// Switch: IPFIX flow export (control side). Metering is telemetry/ipfix/flow_meter.cpp, the
// exporting process telemetry/ipfix/flow_exporter.cpp on the exporter thread (telemetry/export/),
// with an encoder per collector (flow_encoders.cpp).
#include <rte_cycles.h>
#include <sys/socket.h>

#include <new>

#include "src/control/flow_encoders.h"
#include "src/control/switch.h"

namespace vsw {

using nlohmann::json;

namespace {

constexpr uint32_t kRecordRing = 32768;  // records a worker can hand over between exporter cycles

}  // namespace

std::unique_ptr<const FlowExport> Switch::build_flow_export() const {
    if (!ipfix_.enabled() || !meters_[0]) return nullptr;
    auto x = std::make_unique<FlowExport>();
    x->sampling = ipfix_.sampling;
    x->sampling_random = ipfix_.sampling_random;
    x->timeouts.active_ms = uint64_t{ipfix_.active_timeout} * 1000;
    x->timeouts.idle_ms = uint64_t{ipfix_.idle_timeout} * 1000;
    x->tsc_per_ms = std::max<uint64_t>(1, rte_get_tsc_hz() / 1000);
    for (unsigned i = 0; i < kMaxWorkers; ++i) x->meter[i] = meters_[i].get();
    return x;
}

std::string Switch::apply_ipfix(const IpfixConfig& c) {
    const unsigned n_workers =
        std::max<unsigned>(1, static_cast<unsigned>(opts_.pmd_lcores.size()));
    const bool new_meters =
        c.enabled() != ipfix_.enabled() || !meters_[0] || c.cache_max != ipfix_.cache_max;
    std::array<std::unique_ptr<FlowMeter>, kMaxWorkers> fresh;
    if (c.enabled() && new_meters) {
        const uint32_t per_worker = (c.cache_max + n_workers - 1) / n_workers;
        for (unsigned i = 0; i < n_workers; ++i) {
            const std::string ring = "vsw_flows" + std::to_string(++rings_created_);
            try {
                fresh[i] = std::make_unique<FlowMeter>(per_worker, kRecordRing, ring.c_str());
            } catch (const std::bad_alloc&) {
                return "not enough memory for a flow cache of " + std::to_string(c.cache_max) +
                       " flows";
            }
            if (!fresh[i]->ok()) return "cannot create the flow record ring (out of memory?)";
        }
    }
    if (c.enabled() && !exporter_) {
        exporter_ = std::make_unique<FlowExporter>(
            export_thread_, interfaces_, epoch_ms_at_origin_, make_flow_encoder,
            [origin = tsc_origin_] { return (rte_rdtsc() - origin) / (rte_get_tsc_hz() / 1000); });
        exporter_->start();
    }
    ipfix_ = c;
    if (!new_meters) {
        publish();  // new sampling or timeouts
        if (exporter_) exporter_->configure(c);
        return "";
    }
    std::vector<std::unique_ptr<FlowMeter>> retired;
    for (auto& m : meters_)
        if (m) retired.push_back(std::move(m));
    meters_ = std::move(fresh);
    publish();  // from here no worker touches the retired meters
    if (exporter_) {
        std::vector<FlowMeter*> active;
        for (auto& m : meters_)
            if (m) active.push_back(m.get());
        // The retired meters' flows (forced end) go to the collectors they were metered for.
        exporter_->set_meters(std::move(active), std::move(retired));
        exporter_->sync();
        exporter_->configure(c);
    }
    return "";
}

void Switch::stop_ipfix() {
    if (!exporter_) return;
    std::vector<std::unique_ptr<FlowMeter>> retired;
    for (auto& m : meters_)
        if (m) retired.push_back(std::move(m));
    exporter_->set_meters({}, std::move(retired));
    exporter_->stop();  // its last cycle exports them
    exporter_.reset();
}

ControlResult Switch::ipfix_set(const Settings& settings) {
    IpfixConfig updated = ipfix_;
    for (const auto& [k, v] : settings)
        if (auto e = apply_ipfix_setting(updated, k, v); !e.empty()) return ControlResult::fail(e);
    if (auto e = validate_ipfix(updated); !e.empty()) return ControlResult::fail(e);
    for (const Collector& col : updated.collectors) {  // a typo should fail now, not silently later
        sockaddr_storage addr;
        unsigned len;
        if (auto e = resolve_collector(col, addr, len); !e.empty()) return ControlResult::fail(e);
    }
    const IpfixConfig old = ipfix_;
    if (auto e = apply_ipfix(updated); !e.empty()) return ControlResult::fail(e);
    return persist_or_undo(ControlResult::ok({{"ipfix", to_json(updated)}}),
                           [&] { apply_ipfix(old); });
}

ControlResult Switch::ipfix_del() {
    if (!ipfix_.enabled()) return ControlResult::fail("IPFIX export is not configured");
    const IpfixConfig old = ipfix_;
    apply_ipfix(IpfixConfig{});
    return persist_or_undo(ControlResult::ok({{"deleted", "ipfix"}}), [&] { apply_ipfix(old); });
}

ControlResult Switch::ipfix_show() {
    json j = {{"enabled", ipfix_.enabled()}};
    if (!ipfix_.enabled()) return ControlResult::ok(j);
    j["config"] = to_json(ipfix_);
    uint64_t flows = 0, capacity = 0, evicted = 0, started = 0;
    FlowMeterTotals t;
    for (const auto& m : meters_) {
        if (!m) continue;
        flows += m->cache.size();
        capacity += m->cache.max_flows();
        evicted += m->cache.evicted();
        started += m->cache.started();
        t.add(*m);
    }
    j["active_flows"] = flows;
    j["cache_max"] = capacity;
    j["metered_packets"] = t.metered;
    j["not_sampled_packets"] = t.not_sampled;
    j["ignored_packets"] = t.ignored_packets;
    j["records"] = t.records;      // records that left the caches (all reasons)
    j["evicted_flows"] = evicted;  // of those, ended for lack of resources (cache full)
    j["flows_started"] =
        started;  // cache entries created (each ends in one record + active reports)
    j["lost_records"] = t.lost_records;  // records the exporter never got (its ring was full)
    if (exporter_) j["exporter"] = exporter_->stats();
    return ControlResult::ok(j);
}

}  // namespace vsw
