// Switch: the read-only views the control protocol serves (show, stats, fdb show), as JSON.
// State changes live in switch.cpp.
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "core/ipv4.h"
#include "src/control/switch.h"
#include "virtio/virtio_net.h"

namespace vsw {

using nlohmann::json;

namespace {

// Which way the guest's frames come in (one copy or rte_vhost) and why, with the driven path's
// counters.
json tx_path_view(const vhost::VhostState& v) {
    const vhost::TxRingDriver& d = v.tx_driver;
    const bool driven = v.ready.load() && d.active.load();
    const vhost::TxRingCounters& c = d.counters;
    json j = {{"path", driven ? "one-copy" : "rte_vhost"},
              {"one_copy", d.wanted.load() ? "on" : "off"},
              {"frames", c.frames.load()},
              {"referenced", c.referenced.load()},
              {"refused", c.refused.load()},
              {"broken_rings", c.broken.load()},
              {"no_mbufs", c.no_mbufs.load()},
              {"held_at_give_back", c.held_at_give_back.load()},
              {"calls_deferred", c.calls_deferred.load()},
              {"pauses", c.pauses.load()},
              {"failed_message_resumes", c.failed_message_resumes.load()}};
    if (!driven) j["why"] = v.ready.load() ? d.why_not.load() : "no device";
    json errors = json::object();
    for (size_t e = 1; e < virtio::kChainErrorCount; ++e)
        if (const uint64_t n = c.chain_errors[e].load())
            errors[std::string(virtio::chain_error_name(static_cast<virtio::ChainError>(e)))] = n;
    j["chain_errors"] = errors;
    return j;
}

std::string port_state(const SwitchPort& p) {
    if (!p.attached) return "error";
    if (p.is_vhost()) {
        if (p.vhost.ready.load()) return "up";
        // Connected and negotiated, but the guest's driver has not started the device (still
        // booting, or no virtio-net driver): not the same as nobody there.
        if (p.vhost.connected.load() &&
            (p.vhost.negotiated.load() || p.vhost.protocol_features.load()))
            return "negotiated";
        return p.config.type == PortType::kVhostUserClient ? "connecting" : "listening";
    }
    if (p.kind == PortKind::kBond) return p.link_up() ? "up" : "down";  // a member distributes
    rte_eth_link link;
    if (rte_eth_link_get_nowait(p.eth.port_id, &link) == 0 && link.link_status) return "up";
    return "down";
}

json pool_json(const rte_mempool* pool) {
    if (!pool) return nullptr;
    return {{"size", pool->size}, {"in_use", rte_mempool_in_use_count(pool)}};
}

}  // namespace

ControlResult Switch::show() {
    json ports = json::array();
    for (uint16_t slot : order_) {
        const SwitchPort& p = *slots_[slot];
        json j = to_json(p.config);
        j["slot"] = slot;
        j["ifindex"] = p.ifindex();  // IPFIX ingressInterface
        j["vlan"] = vlan_summary(p.config);
        j["qos"] = qos_summary(p.config.bandwidth);
        j["state"] = port_state(p);
        j["worker"] = rx_worker_[slot];
        j["mtu"] = p.config.mtu;
        if (!p.error.empty()) j["error"] = p.error;
        for (const auto& c : controllers_) c->add_to_port_view(p, j);
        if (p.is_vhost()) {
            // The running device's features, or what the connection negotiated before it runs.
            const bool ready = p.vhost.ready.load();
            const uint64_t f = ready                      ? p.vhost.features.load()
                               : p.vhost.connected.load() ? p.vhost.negotiated.load()
                                                          : 0;
            j["features"] = f ? virtio::feature_summary(f) : "-";
            j["features_hex"] = f;
            // What QEMU told the guest (host_mtu=): a guest above the port's MTU loses frames.
            if (const uint16_t g = p.vhost.guest_mtu.load(); ready && g) j["guest_mtu"] = g;
            if (p.vhost.connected.load())
                j["protocol_features_hex"] = p.vhost.protocol_features.load();
            j["queues"] = p.vhost.ready.load() ? p.vhost.queue_pairs.load() : 0;
            j["connects"] = p.vhost.connects.load();
            j["disconnects"] = p.vhost.disconnects.load();
            j["sessions"] = p.vhost.sessions.load();
            j["refused_messages"] = p.vhost.refused_messages.load();
            j["memory_faults"] = p.vhost.memory_faults.load();
            j["tx_path"] = tx_path_view(p.vhost);
        } else if (p.attached && p.kind == PortKind::kEthdev) {
            j["queues"] = p.eth.tx_queues;
            j["ethdev_port"] = p.eth.port_id;
            // The device's TX offloads, and which of a guest's it carries out (the rest is
            // done in software before the burst).
            j["device_offloads"] = ethdev_offload_names(p.eth);
            const DeviceOffloads& d = p.eth.offloads;
            std::string does;
            for (auto [on, name] : {std::pair{d.csum, "csum"}, {d.tso4, "tso4"}, {d.tso6, "tso6"}})
                if (on) does += (does.empty() ? "" : ",") + std::string(name);
            j["device_does"] = does.empty() ? "-" : does;
        }
        ports.push_back(j);
    }
    json answer = {{"ports", ports},
                   {"settings", to_json(config())["settings"]},
                   {"fdb", {{"entries", fdb_.size()}, {"max", fdb_.max_entries()}}},
                   {"pmds", workers_.size()},
                   {"socket_dir", opts_.sockets.dir},
                   {"mbuf_pool", pool_json(opts_.pool)},
                   {"slow_path", slow_path_.stats()}};
    for (const auto& c : controllers_) c->add_to_show(answer);  // captures, ...
    return ControlResult::ok(answer);
}

json Switch::port_stats(const SwitchPort& p) const {
    telemetry::PortCountersTotal t;
    for (unsigned w = 0; w < kMaxWorkers; ++w) t.accumulate(p.counters[w]);
    if (p.kind == PortKind::kEthdev && p.attached) {
        rte_eth_stats es;
        if (rte_eth_stats_get(p.eth.port_id, &es) == 0)
            t.drops[static_cast<unsigned>(DropReason::kNoMbufs)] += es.rx_nombuf;
    }
    t.drops[static_cast<unsigned>(DropReason::kQueueFull)] += p.shaping.queue_flushed.get();
    json drops = json::object();
    for (unsigned i = 0; i < kDropReasonCount; ++i)
        drops[std::string(drop_reason_name(static_cast<DropReason>(i)))] = t.drops[i];
    json j = {{"name", p.config.name}, {"drops", drops}, {"drops_total", t.total_drops()}};
#define VSW_X(field, help) j[#field] = t.field;
    VSW_PORT_TRAFFIC_COUNTERS(VSW_X)
#undef VSW_X
    for (const auto& c : controllers_) c->add_to_port_stats(p, j);
    return j;
}

ControlResult Switch::stats(const std::string& port) {
    json ports = json::array();
    if (!port.empty()) {
        const SwitchPort* p = find(port);
        if (!p) return ControlResult::fail("no port named '" + port + "'");
        ports.push_back(port_stats(*p));
    } else {
        for (uint16_t slot : order_) ports.push_back(port_stats(*slots_[slot]));
    }
    json pmds = json::array();
    for (const auto& w : workers_) {
        const auto& s = w->stats();
        const uint64_t busy = s.busy_cycles.get(), idle = s.idle_cycles.get();
        pmds.push_back(
            {{"id", w->config().id},
             {"lcore", w->config().lcore},
             {"rx_packets", s.rx_packets.get()},
             {"busy_cycles", busy},
             {"idle_cycles", idle},
             {"busy_pct", busy + idle ? 100.0 * double(busy) / double(busy + idle) : 0.0},
             {"cycles_per_packet", telemetry::cycles_per_packet(busy, s.rx_packets.get())},
             {"rounds", s.rounds.get()},
             {"sleeps", s.sleeps.get()},
             {"orphan_drops", w->orphan_drops()},
             {"flood_skipped_down", w->flood_skipped_down()}});
    }
    json vlan_floods = json::object();
    for (unsigned v = 0; v <= kMaxVlan; ++v) {
        uint64_t n = 0;
        for (const auto& w : workers_) n += w->vlan_floods(static_cast<uint16_t>(v));
        if (n) vlan_floods[std::to_string(v)] = n;
    }
    return ControlResult::ok(
        {{"ports", ports},
         {"pmds", pmds},
         {"vlan_floods", vlan_floods},
         {"fdb", {{"entries", fdb_.size()}, {"max", fdb_.max_entries()}, {"aged", aged_total_}}},
         {"mbuf_pool", pool_json(opts_.pool)}});
}

ControlResult Switch::fdb_show() {
    const uint32_t now = now_seconds();
    json entries = json::array();
    for (const Fdb::Entry& e : fdb_.entries()) {
        json entry = {{"vlan", e.vlan}, {"mac", mac_to_string(e.mac)}};
        if (e.remote) {
            entry["port"] = "vxlan";  // the control plane's: behind a remote VTEP, never aged
        } else {
            const SwitchPort* p = slots_[e.port].get();
            entry["port"] = p ? p->config.name : "?";
            if (e.pinned) entry["pinned"] = true;  // a port-security MAC: never ages or moves
            else entry["age"] = now - e.last_seen;
        }
        for (const auto& c : controllers_) c->add_to_fdb_entry(e, entry);
        entries.push_back(std::move(entry));
    }
    std::sort(entries.begin(), entries.end(), [](const json& a, const json& b) {
        return std::tie(a["vlan"], a["mac"]) < std::tie(b["vlan"], b["mac"]);
    });
    return ControlResult::ok({{"entries", entries},
                              {"max", fdb_.max_entries()},
                              {"aging_time", settings_.fdb_aging_seconds}});
}

}  // namespace vsw
