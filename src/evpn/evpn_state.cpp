#include "src/evpn/evpn_state.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "core/ipv4.h"

namespace vsw::evpn {

using nlohmann::json;

LocalView local_view(const json& vx, const json& fdb) {
    LocalView v;
    if (!vx.is_object() || !vx.contains("vtep") || !vx.contains("vnis") || !fdb.is_object() ||
        !fdb.contains("entries"))
        throw std::invalid_argument("vswd's vxlan show / fdb show answers lack their fields");
    std::string vtep_port;
    if (vx["vtep"].is_object()) {
        const std::string addr = vx["vtep"].value("address", "");
        uint8_t len = 0;
        if (!parse_ipv4_prefix(addr.substr(0, addr.find(' ')), v.vtep, len))
            throw std::invalid_argument("vswd's VTEP address '" + addr + "' is unreadable");
        vtep_port = vx["vtep"].value("port", "");
    }
    std::map<uint16_t, uint32_t> vni_of_vlan;
    for (const auto& s : vx["vnis"]) {
        const auto vlan = s.at("vlan").get<uint16_t>();
        const auto vni = s.at("vni").get<uint32_t>();
        v.vlan_of_vni[vni] = vlan;
        vni_of_vlan[vlan] = vni;
    }
    for (const auto& e : fdb["entries"]) {
        if (e.contains("remote")) continue;  // the control plane's own
        const std::string port = e.value("port", "");
        if (port == vtep_port) continue;
        auto it = vni_of_vlan.find(e.at("vlan").get<uint16_t>());
        if (it == vni_of_vlan.end()) continue;  // a VLAN that stays on this host
        const auto mac = mac_from_string(e.at("mac").get<std::string>());
        uint32_t ip = 0;
        if (e.contains("ip") && !parse_ipv4(e["ip"].get<std::string>(), ip)) ip = 0;
        if (!mac) continue;
        v.macs[{it->second, *mac}] = ip;
        if (e.value("pinned", false)) v.pinned.insert({it->second, *mac});
    }
    return v;
}

void EvpnState::apply(const RibRoute& r) {
    if (r.withdraw) rib_.erase(r.key);
    else rib_[r.key] = r;
}

void EvpnState::adopt(const RibRoute& own) {
    if (own.kind == RibRoute::Kind::kMacIp && !own.withdraw)
        advertised_[{own.vni, own.mac}] = own.seq;
}

std::optional<uint32_t> EvpnState::advertised_seq(uint32_t vni, Mac mac) const {
    auto it = advertised_.find({vni, mac});
    if (it == advertised_.end()) return std::nullopt;
    return it->second;
}

void EvpnState::clear_duplicates(uint32_t vni, Mac mac) {
    if (vni == 0) duplicates_.clear_all();
    else duplicates_.clear({vni, mac});
}

EvpnState::Decision EvpnState::decide(const LocalView& local, uint32_t asn, uint64_t now) {
    Decision d;
    // Other VTEPs' routes: flood lists, and per (VNI, MAC) the winning remote route: a static
    // (sticky) one before any other, then the highest sequence, then the lowest VTEP.
    struct Best {
        uint32_t seq;
        uint32_t vtep;
        bool sticky;
        bool beats(const Best& o) const {
            if (sticky != o.sticky) return sticky;
            return seq > o.seq || (seq == o.seq && vtep < o.vtep);
        }
    };
    std::map<std::pair<uint32_t, Mac>, Best> best;
    for (const auto& [key, r] : rib_) {
        if (r.vtep == local.vtep || !local.vlan_of_vni.count(r.vni)) continue;
        if (r.kind == RibRoute::Kind::kInclusiveMulticast) {
            d.remote.flood[r.vni].insert(r.vtep);
            continue;
        }
        const Best b{r.seq, r.vtep, r.sticky};
        auto [it, fresh] = best.try_emplace({r.vni, r.mac}, b);
        if (!fresh && b.beats(it->second)) it->second = b;
    }
    for (const auto& [key, b] : best) {
        Seen& s = seen_[key];
        s.seq = std::max(s.seq, b.seq);
        s.last = now;
    }
    std::erase_if(seen_, [&](const auto& e) { return now - e.second.last > kSequenceMemory; });
    // Duplicates whose hold ended, or that an operator cleared, are followed again.
    duplicates_.expire(now);
    std::erase_if(held_, [&](const auto& h) { return !duplicates_.frozen(h.first); });
    // Local MACs: advertised, moved here (sequence + 1), or moved away (withdrawn). Pinned ones,
    // and ones another VTEP holds as static, stay (a conflict).
    std::map<std::pair<uint32_t, Mac>, uint32_t> next;
    std::map<std::pair<uint32_t, Mac>, uint32_t> ip_of;
    for (const auto& [key, ip] : local.macs) {
        if (held_.count(key)) continue;
        auto remote = best.find(key);
        auto ours = advertised_.find(key);
        const bool pinned = local.pinned.count(key) > 0;
        if (remote != best.end() && (pinned || remote->second.sticky))
            d.report.conflicts.push_back({key.first, key.second, remote->second.vtep,
                                          remote->second.seq, remote->second.sticky});
        ip_of[key] = ip;
        if (ours != advertised_.end()) {
            const bool lost =
                !pinned && remote != best.end() && !remote->second.sticky &&
                (remote->second.seq > ours->second ||
                 (remote->second.seq == ours->second && remote->second.vtep < local.vtep));
            if (!lost) next[key] = ours->second;
            continue;
        }
        // Newly local: one more than any other VTEP advertised for it, now or lately.
        auto seen = seen_.find(key);
        next[key] = seen != seen_.end() ? seen->second.seq + 1 : 0;
    }
    // Where each MAC is now, for the duplicate count (pinned MACs do not move); a MAC frozen by
    // this round stays as this round left it.
    for (const auto& [key, b] : best)
        if (!next.count(key) && !held_.count(key) && duplicates_.observe(key, b.vtep, now))
            held_[key] = Held{b.vtep, 0, 0};
    for (const auto& [key, seq] : next)
        if (!local.pinned.count(key) && duplicates_.observe(key, DuplicateDetector::kHere, now))
            held_[key] = Held{DuplicateDetector::kHere, seq, ip_of[key]};
    // Frozen duplicates as they were: here, the same route; remote, the same VTEP.
    for (const auto& [key, h] : held_) {
        next.erase(key);
        if (h.vtep == DuplicateDetector::kHere) {
            next[key] = h.seq;
            ip_of[key] = h.ip;
        }
        const auto* f = duplicates_.frozen(key);
        d.report.duplicates.push_back(
            {key.first, key.second, h.vtep, f ? f->moves : 0, duplicates_.options().hold_s});
    }
    advertised_ = std::move(next);
    for (const auto& [key, b] : best)
        if (!advertised_.count(key) && !held_.count(key)) d.remote.macs[key] = b.vtep;
    for (const auto& [key, h] : held_)
        if (h.vtep != DuplicateDetector::kHere && local.vlan_of_vni.count(key.first))
            d.remote.macs[key] = h.vtep;
    if (!local.vtep) return d;  // nothing to originate without a VTEP
    const Originator o{local.vtep, asn};
    for (const auto& [vni, vlan] : local.vlan_of_vni) {
        apipb::Path p = inclusive_multicast_route(o, vni, vlan);
        std::string why;
        d.routes[read_route(p, why)->key] = std::move(p);
    }
    // One route per MAC, with its IP once vswd saw the guest's ARP (the MAC-only route is then
    // withdrawn: its NLRI differs); a pinned MAC's is sticky.
    for (const auto& [key, seq] : advertised_) {
        auto vlan = local.vlan_of_vni.find(key.first);
        if (vlan == local.vlan_of_vni.end()) continue;  // a frozen MAC of a VNI now unmapped
        apipb::Path p = mac_ip_route(o, key.first, vlan->second, key.second, ip_of[key], seq,
                                     local.pinned.count(key) > 0);
        std::string why;
        d.routes[read_route(p, why)->key] = std::move(p);
    }
    return d;
}

}  // namespace vsw::evpn
