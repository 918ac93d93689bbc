// sFlow's control side (sflow_controller.h).
#include "src/control/controllers/sflow_controller.h"

#include <rte_cycles.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/drop_reasons.h"

namespace vsw {

using nlohmann::json;
namespace sf = telemetry::sflow;

namespace {

constexpr uint32_t kSampleRing = 4096;  // samples a worker can hand over between agent cycles

// A port's counters as sFlow's generic interface counters, from its `vswctl stats` entry.
// vsw does not count unicast, multicast and broadcast apart: every frame is reported as
// unicast, and the multicast and broadcast counters as unknown (sFlow's 2^32-1).
sf::InterfaceCounters interface_counters(const SwitchPort& p, const json& stats) {
    constexpr uint64_t kUnknown = 0xffffffff;
    sf::InterfaceCounters c;
    c.if_index = p.ifindex();
    c.if_status = (p.admin_up.load() ? 1u : 0u) | (p.link_up() ? 2u : 0u);
    c.in_octets = stats.value("rx_bytes", uint64_t{0});
    c.in_unicast = stats.value("rx_packets", uint64_t{0});
    c.out_octets = stats.value("tx_bytes", uint64_t{0});
    c.out_unicast = stats.value("tx_packets", uint64_t{0});
    c.in_multicast = c.in_broadcast = c.out_multicast = c.out_broadcast = kUnknown;
    if (auto d = stats.find("drops"); d != stats.end())
        for (const auto& [name, count] : d->items())
            if (auto r = drop_reason_from_name(name))
                (drop_reason_is_rx(*r) ? c.in_discards : c.out_discards) += count.get<uint64_t>();
    return c;
}

}  // namespace

SflowController::~SflowController() {
    shutdown();
}

void SflowController::register_commands(CommandTable& t) {
    SettingsFeature<SflowConfig> feature{
        .name = "sflow",
        .not_configured = "sFlow is not configured",
        .config = &config_,
        .parse = apply_sflow_setting,
        .check =
            [](const SflowConfig& c) {
                const std::string e = validate_sflow(c);
                return e.empty() ? resolve_collectors(c.collectors) : e;  // a typo fails now
            },
        .apply = [this](const SflowConfig& c) { return apply(c); },
        .configured = [this] { return config_.enabled() || unreadable_.has_value(); }};
    register_settings_commands(
        t, "sflow", settings_requests(sw_, std::move(feature), [this] { return show(); }));
}

void SflowController::restore(const SwitchConfig& c) {
    auto it = c.sections.find("sflow");
    if (it == c.sections.end()) return;
    std::string error;
    try {
        SflowConfig restored = sflow_config_from_json(json::parse(it->second));
        error = apply(restored);
    } catch (const std::exception& e) {
        error = e.what();
    }
    if (error.empty()) return;
    // Never lost: the section is saved again as it was until sflow set or del replaces it.
    unreadable_ = it->second;
    fprintf(stderr, "vswd: cannot restore sflow (kept in the state file as it is): %s\n",
            error.c_str());
}

void SflowController::save(SwitchConfig& c) const {
    if (config_.enabled()) c.sections["sflow"] = to_json(config_).dump();
    else if (unreadable_) c.sections["sflow"] = *unreadable_;
}

void SflowController::publish(Snapshot& next) {
    if (!config_.enabled() || !samplers_[0]) return;
    auto x = std::make_unique<SflowSampling>();
    x->rate = config_.sampling;
    x->header_bytes = config_.header_bytes;
    x->flood_ports = next.n_flood > 0 ? static_cast<uint16_t>(next.n_flood - 1) : 0;
    x->remote_ifindex = next.overlay ? static_cast<uint16_t>(next.overlay->uplink + 1) : 0;
    for (unsigned i = 0; i < kMaxWorkers; ++i) x->sampler[i] = samplers_[i].get();
    for (unsigned slot = 0; slot < kMaxPorts; ++slot) {
        const auto* p = static_cast<const SwitchPort*>(next.ports[slot]);
        if (p && next.role[slot] == PortRole::kSwitching && config_.covers(p->config.name))
            next.features[slot] |= port_feature::kSflow;
    }
    next.sflow = std::move(x);
}

std::string SflowController::apply(const SflowConfig& c) {
    sf::AgentAddress agent;
    if (c.enabled()) {
        if (!c.agent.empty()) parse_agent_address(c.agent, agent);
        else if (auto e = source_address_towards(c.collectors.front(), agent); !e.empty())
            return "cannot choose the agent address (give agent=IP): " + e;
    }
    std::array<std::unique_ptr<SflowSampler>, kMaxWorkers> fresh;
    const bool new_samplers = c.enabled() && !samplers_[0];
    if (new_samplers) {
        for (unsigned i = 0; i < std::max(1u, sw_.workers); ++i) {
            const std::string ring = "vsw_sflow" + std::to_string(++rings_created_);
            fresh[i] = std::make_unique<SflowSampler>(kSampleRing, ring.c_str());
            if (!fresh[i]->ok()) return "cannot create the sFlow sample ring (out of memory?)";
        }
    }
    if (c.enabled() && !agent_) {
        agent_ = std::make_unique<SflowAgent>(
            *sw_.export_thread, [origin = sw_.tsc_origin] { return switch_clock_ms(origin); });
        agent_->start();
    }
    const bool was_on = config_.enabled();
    config_ = c;
    agent_address_ = agent;
    unreadable_.reset();
    if (c.enabled()) agent_->configure(c, agent);
    if (new_samplers) samplers_ = std::move(fresh);
    sw_.publish();  // from here the workers sample with the new settings, or not at all
    if (new_samplers) {
        std::vector<SflowSampler*> active;
        for (auto& s : samplers_) active.push_back(s.get());
        agent_->set_samplers(std::move(active));
        poll_counters(true);  // collectors learn the ports' names at once
    }
    if (was_on && !c.enabled()) {
        agent_->set_samplers({});  // waits for a cycle using them
        for (auto& s : samplers_) s.reset();
    }
    return "";
}

void SflowController::poll_counters(bool all) {
    if (!config_.enabled() || !agent_) return;
    const uint64_t now = sw_.clock_ms();
    if (!all && (config_.polling == 0 || now - polled_at_ms_ < config_.polling * uint64_t{1000}))
        return;
    polled_at_ms_ = now;
    std::vector<SflowCounterPoll> polls;
    for (unsigned slot = 0; slot < kMaxPorts; ++slot) {
        const SwitchPort* p = sw_.port_at(static_cast<uint16_t>(slot));
        if (!p || !config_.covers(p->config.name)) continue;
        polls.push_back({p->config.name, interface_counters(*p, sw_.port_stats(*p))});
    }
    agent_->post_counters(std::move(polls));
}

void SflowController::tick() {
    poll_counters(false);
}

void SflowController::port_removed(uint16_t slot) {
    // No worker polls the port any more: its countdown and pool start again for the next one.
    for (auto& s : samplers_)
        if (s) s->port[slot] = {};
    if (agent_) agent_->forget_port(slot);
}

void SflowController::shutdown() {
    if (!agent_) return;
    poll_counters(true);  // the last counters
    agent_->stop();       // its last cycle sends them and the samples still in the rings
    agent_.reset();
}

ControlResult SflowController::show() const {
    json j = {{"enabled", config_.enabled()}};
    if (!config_.enabled()) return ControlResult::ok(j);
    j["config"] = to_json(config_);
    j["agent_address"] = format_agent_address(agent_address_);
    uint64_t sampled = 0, lost = 0;
    for (const auto& s : samplers_)
        if (s) {
            sampled += s->counters.sampled.get();
            lost += s->counters.lost.get();
        }
    json ports = json::array();
    for (unsigned slot = 0; slot < kMaxPorts; ++slot)
        if (const SwitchPort* p = sw_.port_at(static_cast<uint16_t>(slot));
            p && config_.covers(p->config.name))
            ports.push_back({{"name", p->config.name}, {"ifindex", p->ifindex()}});
    j["ports"] = ports;
    j["sampled_packets"] = sampled;
    j["lost_samples"] = lost;
    if (agent_) j["agent"] = agent_->stats();
    return ControlResult::ok(j);
}

}  // namespace vsw
