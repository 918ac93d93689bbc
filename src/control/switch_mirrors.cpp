// Switch: mirror sessions (control side): validation, the compiled MirrorTable, ERSPAN next hops
// by ARP. The datapath half is telemetry/mirror/ (mirror.cpp makes the copies, mirror_stage.h
// buffers and sends them).
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>

#include "core/arp.h"
#include "src/control/switch.h"

namespace vsw {

using nlohmann::json;

// The outer source MAC of ERSPAN and VXLAN frames.
uint64_t Switch::output_mac(const SwitchPort& out, uint32_t local_ip) {
    if (!out.is_vhost() && out.attached) {
        rte_ether_addr a;
        if (rte_eth_macaddr_get(out.eth.port_id, &a) == 0) {
            uint64_t mac = 0;
            for (uint8_t b : a.addr_bytes) mac = mac << 8 | b;
            return mac;
        }
    }
    return 0x027673000000ull | (local_ip & 0xffffff);  // 02:76:73 = "vs", locally administered
}

std::unique_ptr<MirrorRuntime> Switch::make_mirror_runtime(const MirrorConfig& m) {
    auto rt = std::make_unique<MirrorRuntime>();
    if (is_erspan(m.kind)) {
        const std::string name = "vsw_mirror_" + std::to_string(++rings_created_);
        rt->handoff = rte_ring_create(name.c_str(), 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
        if (!rt->handoff) return nullptr;
    }
    return rt;
}

const MirrorConfig* Switch::mirror_using(const std::string& port) const {
    for (const auto& m : mirrors_)
        if (m.output == port ||
            std::find(m.sources.begin(), m.sources.end(), port) != m.sources.end())
            return &m;
    return nullptr;
}

std::unique_ptr<const MirrorTable> Switch::build_mirror_table() const {
    if (mirrors_.empty()) return nullptr;
    auto t = std::make_unique<MirrorTable>();
    for (const MirrorConfig& c : mirrors_) {
        const SwitchPort* out = find(c.output);
        if (!out || t->n == kMaxMirrors) continue;  // validated on the way in: cannot happen
        const unsigned i = t->n++;
        MirrorSession& s = t->s[i];
        s.kind = c.kind;
        s.out_slot = out->slot;
        s.snaplen = c.snaplen;
        std::string err;
        auto vlans = parse_vlan_list(c.vlans, err);
        s.all_vlans = c.vlans.empty() || !vlans;
        if (vlans) s.vlans = *vlans;
        s.rspan_vlan = c.rspan_vlan;
        s.tsc_hz = rte_get_tsc_hz();
        s.rt = mirror_rt_.at(c.name).get();
        if (is_erspan(c.kind)) {
            MirrorConfig resolved = c;
            if (!c.next_hop_mac) {
                resolved.next_hop_mac = neighbors_.mac_of(c.gateway ? c.gateway : c.remote_ip);
                t->arp_watch[out->slot] = true;  // keep listening: the next hop may move
            }
            s.next_hop_known = resolved.next_hop_mac != 0;
            s.owner = static_cast<uint16_t>(
                rx_worker_[out->slot]);  // the output's poller sends its copies
            build_erspan_template(resolved, output_mac(*out, c.local_ip), s);
        }
        for (const std::string& src : c.sources) {
            const SwitchPort* p = find(src);
            if (!p) continue;
            if (c.rx) t->rx[p->slot] = static_cast<uint16_t>(t->rx[p->slot] | 1u << i);
            if (c.tx) t->tx[p->slot] = static_cast<uint16_t>(t->tx[p->slot] | 1u << i);
        }
        if (c.kind == MirrorKind::kSpan) t->span_output[out->slot] = true;
    }
    return t;
}

void Switch::resolve_next_hops() {
    if (!slow_path_.inject_ring()) return;
    const uint64_t now = now_ms();
    for (const MirrorConfig& m : mirrors_) {
        if (!is_erspan(m.kind) || m.next_hop_mac) continue;
        const SwitchPort* out = find(m.output);
        if (!out || !out->link_up()) continue;
        neighbors_.want(m.gateway ? m.gateway : m.remote_ip,
                        {out->slot, output_mac(*out, m.local_ip), m.local_ip}, now);
    }
}

void Switch::take_arp(const Punt& p) {
    const auto arp = parse_arp(rte_pktmbuf_mtod(p.frame, const uint8_t*), p.frame->data_len);
    if (!arp) return;
    answer_vtep_arp(*arp);                  // VXLAN: switch_overlay.cpp
    if (neighbors_.learn(*arp)) publish();  // new ERSPAN and VXLAN headers carry the MAC
}

ControlResult Switch::mirror_add(const MirrorConfig& m) {
    if (mirrors_.size() >= kMaxMirrors)
        return ControlResult::fail("at most " + std::to_string(kMaxMirrors) + " mirror sessions");
    std::vector<std::string> names;
    for (uint16_t slot : order_) names.push_back(slots_[slot]->config.name);
    if (auto e = validate_mirror_against(m, mirrors_, names); !e.empty())
        return ControlResult::fail(e);
    if (const SwitchPort* up = vtep_port();
        up && (m.output == up->config.name ||
               std::count(m.sources.begin(), m.sources.end(), up->config.name)))
        return ControlResult::fail("port " + up->config.name +
                                   " is the VXLAN underlay (vtep-ip): it cannot be mirrored");
    auto rt = make_mirror_runtime(m);
    if (!rt) return ControlResult::fail("cannot create the mirror's hand-off ring (out of memory)");
    auto apply = [this, &rt](const MirrorConfig& c) {
        mirror_rt_[c.name] = std::move(rt);
        mirrors_.push_back(c);
        publish();
        // A SPAN output leaves normal forwarding: the MACs learned on it lead nowhere now.
        if (c.kind == MirrorKind::kSpan) fdb_.flush_port(find(c.output)->slot);
    };
    auto undo = [this, name = m.name] {
        mirrors_.erase(std::remove_if(mirrors_.begin(), mirrors_.end(),
                                      [&](const MirrorConfig& x) { return x.name == name; }),
                       mirrors_.end());
        publish();  // no worker holds the runtime after this
        mirror_rt_.erase(name);
    };
    apply(m);
    return persist_or_undo(ControlResult::ok({{"added", m.name}}), undo);
}

ControlResult Switch::mirror_del(const std::string& name) {
    auto it = std::find_if(mirrors_.begin(), mirrors_.end(),
                           [&](const MirrorConfig& m) { return m.name == name; });
    if (it == mirrors_.end()) return ControlResult::fail("no mirror named '" + name + "'");
    const MirrorConfig old = *it;
    const size_t pos = static_cast<size_t>(it - mirrors_.begin());
    mirrors_.erase(it);
    publish();  // after the grace period no worker uses the session's runtime
    auto rt = std::move(mirror_rt_[name]);
    mirror_rt_.erase(name);
    return persist_or_undo(ControlResult::ok({{"deleted", name}}), [&] {
        mirror_rt_[name] = std::move(rt);
        mirrors_.insert(mirrors_.begin() + static_cast<std::ptrdiff_t>(pos), old);
        publish();
    });
}

ControlResult Switch::mirror_show() {
    json out = json::array();
    for (const MirrorConfig& m : mirrors_) {
        json j = to_json(m);
        const MirrorRuntime& rt = *mirror_rt_.at(m.name);
        using B = MirrorRuntime::Block;
        const uint64_t no_mbufs = rt.w.sum(&B::no_mbufs), tx_dropped = rt.w.sum(&B::tx_dropped),
                       unresolved = rt.w.sum(&B::unresolved);
        j["counters"] = {{"packets", rt.w.sum(&B::packets)},
                         {"bytes", rt.w.sum(&B::bytes)},
                         {"truncated", rt.w.sum(&B::truncated)},
                         {"no_mbufs", no_mbufs},
                         {"tx_dropped", tx_dropped},
                         {"unresolved", unresolved},
                         {"dropped", no_mbufs + tx_dropped + unresolved}};
        if (is_erspan(m.kind) && !m.next_hop_mac) {
            const uint32_t hop = m.gateway ? m.gateway : m.remote_ip;
            const Neighbors::Entry* nh = neighbors_.find(hop);
            j["next-hop"] = nh && nh->mac ? mac_to_string(nh->mac) + " (arp)" : "resolving";
            j["arp"] = {{"target", format_ipv4(hop)},
                        {"requests", nh ? nh->requests : 0},
                        {"replies", nh ? nh->replies : 0}};
        }
        out.push_back(j);
    }
    return ControlResult::ok({{"mirrors", out}});
}

}  // namespace vsw
