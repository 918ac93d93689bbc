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
        if (mac) v.macs[{it->second, *mac}] = ip;
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

EvpnState::Decision EvpnState::decide(const LocalView& local, uint32_t asn, uint64_t now) {
    Decision d;
    // Other VTEPs' routes: flood lists, and per (VNI, MAC) the winning remote route.
    struct Best {
        uint32_t seq;
        uint32_t vtep;
    };
    std::map<std::pair<uint32_t, Mac>, Best> best;
    for (const auto& [key, r] : rib_) {
        if (r.vtep == local.vtep || !local.vlan_of_vni.count(r.vni)) continue;
        if (r.kind == RibRoute::Kind::kInclusiveMulticast) {
            d.remote.flood[r.vni].insert(r.vtep);
            continue;
        }
        auto [it, fresh] = best.try_emplace({r.vni, r.mac}, Best{r.seq, r.vtep});
        if (!fresh &&
            (r.seq > it->second.seq || (r.seq == it->second.seq && r.vtep < it->second.vtep)))
            it->second = Best{r.seq, r.vtep};
    }
    for (const auto& [key, b] : best) {
        Seen& s = seen_[key];
        s.seq = std::max(s.seq, b.seq);
        s.last = now;
    }
    std::erase_if(seen_, [&](const auto& e) { return now - e.second.last > kSequenceMemory; });
    // Local MACs: advertised, moved here (sequence + 1), or moved away (withdrawn).
    std::map<std::pair<uint32_t, Mac>, uint32_t> next;
    for (const auto& [key, ip] : local.macs) {
        auto remote = best.find(key);
        auto ours = advertised_.find(key);
        if (ours != advertised_.end()) {
            const bool lost =
                remote != best.end() &&
                (remote->second.seq > ours->second ||
                 (remote->second.seq == ours->second && remote->second.vtep < local.vtep));
            if (!lost) next[key] = ours->second;
            continue;
        }
        // Newly local: one more than any other VTEP advertised for it, now or lately.
        auto seen = seen_.find(key);
        next[key] = seen != seen_.end() ? seen->second.seq + 1 : 0;
    }
    advertised_ = std::move(next);
    for (const auto& [key, b] : best)
        if (!advertised_.count(key)) d.remote.macs[key] = b.vtep;
    if (!local.vtep) return d;  // nothing to originate without a VTEP
    const Originator o{local.vtep, asn};
    for (const auto& [vni, vlan] : local.vlan_of_vni) {
        apipb::Path p = inclusive_multicast_route(o, vni, vlan);
        std::string why;
        d.routes[read_route(p, why)->key] = std::move(p);
    }
    // One route per MAC, with its IP once vswd saw the guest's ARP (the MAC-only route is then
    // withdrawn: its NLRI differs).
    for (const auto& [key, seq] : advertised_) {
        apipb::Path p = mac_ip_route(o, key.first, local.vlan_of_vni.at(key.first), key.second,
                                     local.macs.at(key), seq);
        std::string why;
        d.routes[read_route(p, why)->key] = std::move(p);
    }
    return d;
}

}  // namespace vsw::evpn
