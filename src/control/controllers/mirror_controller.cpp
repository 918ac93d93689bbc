// Mirror sessions' control side (mirror_controller.h).
#include "src/control/controllers/mirror_controller.h"

#include <rte_cycles.h>
#include <rte_ring.h>

#include <algorithm>

#include "core/ipv4.h"
#include "src/control/commands/mirror_commands.h"
#include "src/control/controllers/mirror_plan.h"

namespace vsw {

using nlohmann::json;

MirrorController::MirrorController(const SwitchServices& services) : sw_(services) {}

void MirrorController::register_commands(CommandTable& t) {
    register_mirror_commands(t, {.add = [this](const MirrorConfig& m) { return add(m); },
                                 .del = [this](const std::string& name) { return del(name); },
                                 .show = [this] { return show(); }});
}

void MirrorController::claim_ports(Snapshot& next) {
    MirrorPlanInputs in;
    in.port = [this](const std::string& name, uint32_t local_ip) -> std::optional<MirrorPlanPort> {
        const SwitchPort* p = sw_.find_port(name);
        if (!p) return std::nullopt;
        return MirrorPlanPort{p->slot, static_cast<uint16_t>(sw_.rx_worker(p->slot)),
                              frame_source_mac(*p, local_ip)};
    };
    in.neighbor_mac = [this](uint32_t ip) { return sw_.neighbors->mac_of(ip); };
    in.runtime = [this](const std::string& name) { return rt_.at(name).get(); };
    in.tsc_hz = rte_get_tsc_hz();
    MirrorPlan plan = plan_mirrors(sessions_, in);
    next.mirrors = std::move(plan.table);
    for (uint16_t slot : plan.span_outputs) next.role[slot] = PortRole::kSpanOutput;
    for (uint16_t slot : plan.arp_watch) next.features[slot] |= port_feature::kArpWatch;
}

std::unique_ptr<MirrorRuntime> MirrorController::make_runtime(const MirrorConfig& m) {
    auto rt = std::make_unique<MirrorRuntime>();
    if (is_erspan(m.kind)) {
        const std::string name = "vsw_mirror_" + std::to_string(++rings_created_);
        rt->handoff = rte_ring_create(name.c_str(), 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
        if (!rt->handoff) return nullptr;
    }
    return rt;
}

const MirrorConfig* MirrorController::using_port(const std::string& port) const {
    for (const auto& m : sessions_)
        if (m.output == port ||
            std::find(m.sources.begin(), m.sources.end(), port) != m.sources.end())
            return &m;
    return nullptr;
}

std::string MirrorController::add_error(const MirrorConfig& m) const {
    std::vector<std::string> names;
    for (const SwitchPort* p : sw_.ports()) names.push_back(p->config.name);
    if (auto e = validate_mirror_against(m, sessions_, names); !e.empty()) return e;
    // A bond sends by its members, and a member's frames are its bond's: neither is a session's
    // output, and a member is mirrored as its bond.
    for (const SwitchPort* p : sw_.ports()) {
        if (p->config.type != PortType::kBond) continue;
        if (m.output == p->config.name)
            return "output: " + m.output + " is a bond (a mirror output is one device)";
        for (const std::string& member : p->config.bond.members) {
            if (m.output == member)
                return "output: " + member + " is a member of bond " + p->config.name;
            if (std::find(m.sources.begin(), m.sources.end(), member) != m.sources.end())
                return "sources: " + member + " is a member of bond " + p->config.name +
                       ": mirror the bond";
        }
    }
    return "";
}

void MirrorController::want_next_hops() {
    if (!sw_.slow_path->inject_ring()) return;
    const uint64_t now = sw_.clock_ms();
    for (const MirrorConfig& m : sessions_) {
        if (!is_erspan(m.kind) || m.next_hop_mac) continue;
        const SwitchPort* out = sw_.find_port(m.output);
        if (!out || !out->link_up()) continue;
        sw_.neighbors->want(m.gateway ? m.gateway : m.remote_ip,
                            {out->slot, frame_source_mac(*out, m.local_ip), m.local_ip}, now);
    }
}

void MirrorController::tick() {
    want_next_hops();
}

ControlResult MirrorController::add(const MirrorConfig& m) {
    if (sessions_.size() >= kMaxMirrors)
        return ControlResult::fail("at most " + std::to_string(kMaxMirrors) + " mirror sessions");
    if (auto e = add_error(m); !e.empty()) return ControlResult::fail(e);
    for (const SwitchPort* p : sw_.ports())
        if (p->config.vtep.enabled() &&
            (m.output == p->config.name ||
             std::count(m.sources.begin(), m.sources.end(), p->config.name)))
            return ControlResult::fail("port " + p->config.name +
                                       " is the VXLAN underlay (vtep-ip): it cannot be mirrored");
    auto rt = make_runtime(m);
    if (!rt) return ControlResult::fail("cannot create the mirror's hand-off ring (out of memory)");
    rt_[m.name] = std::move(rt);
    sessions_.push_back(m);
    sw_.publish();
    // A SPAN output leaves normal forwarding: the MACs learned on it lead nowhere now.
    if (m.kind == MirrorKind::kSpan) sw_.fdb->flush_port(sw_.find_port(m.output)->slot);
    return sw_.persist_or_undo(ControlResult::ok({{"added", m.name}}), [this, name = m.name] {
        std::erase_if(sessions_, [&](const MirrorConfig& x) { return x.name == name; });
        sw_.publish();  // no worker holds the runtime after this
        rt_.erase(name);
    });
}

ControlResult MirrorController::del(const std::string& name) {
    auto it = std::find_if(sessions_.begin(), sessions_.end(),
                           [&](const MirrorConfig& m) { return m.name == name; });
    if (it == sessions_.end()) return ControlResult::fail("no mirror named '" + name + "'");
    const MirrorConfig old = *it;
    const auto pos = it - sessions_.begin();
    sessions_.erase(it);
    sw_.publish();  // after the grace period no worker uses the session's runtime
    auto rt = std::move(rt_[name]);
    rt_.erase(name);
    return sw_.persist_or_undo(ControlResult::ok({{"deleted", name}}), [&] {
        rt_[name] = std::move(rt);
        sessions_.insert(sessions_.begin() + pos, old);
        sw_.publish();
    });
}

ControlResult MirrorController::show() const {
    json out = json::array();
    for (const MirrorConfig& m : sessions_) {
        json j = to_json(m);
        const MirrorRuntime& rt = *rt_.at(m.name);
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
            const Neighbors::Entry* nh = sw_.neighbors->find(hop);
            j["next-hop"] = nh && nh->mac ? mac_to_string(nh->mac) + " (arp)" : "resolving";
            j["arp"] = {{"target", format_ipv4(hop)},
                        {"requests", nh ? nh->requests : 0},
                        {"replies", nh ? nh->replies : 0}};
        }
        out.push_back(j);
    }
    return ControlResult::ok({{"mirrors", out}});
}

void MirrorController::restore(const SwitchConfig& c) {
    for (const MirrorConfig& m : c.mirrors) {
        if (auto e = add_error(m); !e.empty()) {
            fprintf(stderr, "vswd: cannot restore mirror '%s': %s\n", m.name.c_str(), e.c_str());
            continue;
        }
        auto rt = make_runtime(m);
        if (!rt) {
            fprintf(stderr, "vswd: cannot restore mirror '%s': no memory for its ring\n",
                    m.name.c_str());
            continue;
        }
        rt_[m.name] = std::move(rt);
        sessions_.push_back(m);
    }
    if (!sessions_.empty()) sw_.publish();
}

void MirrorController::save(SwitchConfig& c) const {
    c.mirrors = sessions_;
}

std::string MirrorController::check_port(const PortConfig& c) const {
    if (c.type == PortType::kBond)
        for (const std::string& member : c.bond.members)
            if (const MirrorConfig* m = using_port(member))
                return "members: " + member + " is used by mirror " + m->name +
                       ": delete the mirror first (mirror the bond instead)";
    if (!c.vtep.enabled()) return "";
    if (const MirrorConfig* m = using_port(c.name))
        return "port " + c.name + " is used by mirror " + m->name +
               ": the VTEP port carries VXLAN only";
    return "";
}

std::string MirrorController::port_in_use(const std::string& name) const {
    if (const MirrorConfig* m = using_port(name))
        return "port " + name + " is used by mirror " + m->name + ": delete the mirror first";
    return "";
}

void MirrorController::add_to_port_view(const SwitchPort& port, json& view) const {
    for (const MirrorConfig& m : sessions_)  // out of normal forwarding while it is one
        if (m.kind == MirrorKind::kSpan && m.output == port.config.name)
            view["span_output_of"] = m.name;
}

}  // namespace vsw
