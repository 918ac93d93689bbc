// Flow export's control side (flow_export_controller.h).
#include "src/control/controllers/flow_export_controller.h"

#include <rte_cycles.h>

#include <algorithm>
#include <new>

#include "src/control/flow_encoders.h"

namespace vsw {

using nlohmann::json;

namespace {

constexpr uint32_t kRecordRing = 32768;  // records a worker can hand over between exporter cycles

}  // namespace

FlowExportController::~FlowExportController() {
    shutdown();
}

void FlowExportController::register_commands(CommandTable& t) {
    SettingsFeature<IpfixConfig> feature{.name = "ipfix",
                                         .not_configured = "IPFIX export is not configured",
                                         .config = &config_,
                                         .parse = apply_ipfix_setting,
                                         .check =
                                             [](const IpfixConfig& c) {
                                                 const std::string e = validate_ipfix(c);
                                                 return e.empty() ? resolve_collectors(c.collectors)
                                                                  : e;  // a typo fails now
                                             },
                                         .apply = [this](const IpfixConfig& c) { return apply(c); },
                                         .configured = [this] { return config_.enabled(); }};
    register_settings_commands(
        t, "ipfix", settings_requests(sw_, std::move(feature), [this] { return show(); }));
}

void FlowExportController::restore(const SwitchConfig& c) {
    if (!c.ipfix.enabled()) return;
    if (auto e = apply(c.ipfix); !e.empty())
        fprintf(stderr, "vswd: cannot restore ipfix: %s\n", e.c_str());
}

void FlowExportController::publish(Snapshot& next) {
    if (!config_.enabled() || !meters_[0]) return;
    auto x = std::make_unique<FlowExport>();
    x->sampling = config_.sampling;
    x->sampling_random = config_.sampling_random;
    x->timeouts.active_ms = uint64_t{config_.active_timeout} * 1000;
    x->timeouts.idle_ms = uint64_t{config_.idle_timeout} * 1000;
    x->tsc_per_ms = std::max<uint64_t>(1, rte_get_tsc_hz() / 1000);
    for (unsigned i = 0; i < kMaxWorkers; ++i) x->meter[i] = meters_[i].get();
    next.flows = std::move(x);
}

std::string FlowExportController::apply(const IpfixConfig& c) {
    const unsigned n_workers = std::max(1u, sw_.workers);
    const bool new_meters =
        c.enabled() != config_.enabled() || !meters_[0] || c.cache_max != config_.cache_max;
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
            *sw_.export_thread, *sw_.interfaces, sw_.epoch_ms_at_origin, make_flow_encoder,
            [origin = sw_.tsc_origin] { return switch_clock_ms(origin); });
        exporter_->start();
    }
    config_ = c;
    if (!new_meters) {
        sw_.publish();  // new sampling or timeouts
        if (exporter_) exporter_->configure(c);
        return "";
    }
    std::vector<std::unique_ptr<FlowMeter>> retired;
    for (auto& m : meters_)
        if (m) retired.push_back(std::move(m));
    meters_ = std::move(fresh);
    sw_.publish();  // from here no worker touches the retired meters
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

void FlowExportController::shutdown() {
    if (!exporter_) return;
    std::vector<std::unique_ptr<FlowMeter>> retired;
    for (auto& m : meters_)
        if (m) retired.push_back(std::move(m));
    exporter_->set_meters({}, std::move(retired));
    exporter_->stop();  // its last cycle exports them
    exporter_.reset();
}

ControlResult FlowExportController::show() const {
    json j = {{"enabled", config_.enabled()}};
    if (!config_.enabled()) return ControlResult::ok(j);
    j["config"] = to_json(config_);
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
