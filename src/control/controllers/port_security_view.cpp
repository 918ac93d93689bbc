// A port's isolation as the operator reads it (port_security_view.h).
#include "src/control/controllers/port_security_view.h"

#include <rte_cycles.h>

#include <nlohmann/json.hpp>

#include "core/ipv4.h"
#include "core/ipv6.h"
#include "security/port_security_config.h"

namespace vsw {

bool is_isolation_reason(DropReason r) {
    switch (r) {
        case DropReason::kMacLimit:
        case DropReason::kMacPinned:
        case DropReason::kStorm:
        case DropReason::kSpoofedMac:
        case DropReason::kSpoofedIp:
        case DropReason::kSpoofedArp:
        case DropReason::kSpoofedNd:
        case DropReason::kDhcpServer:
        case DropReason::kRaGuard:
        case DropReason::kEthertypeNotAllowed: return true;
        default: return false;
    }
}

namespace {

nlohmann::json violation_json(const telemetry::Violation& v) {
    nlohmann::json j = {{"reason", drop_reason_name(v.reason)}, {"mac", mac_to_string(v.mac)}};
    if (v.family == 4)
        j["ip"] = format_ipv4(uint32_t{v.ip[0]} << 24 | uint32_t{v.ip[1]} << 16 |
                              uint32_t{v.ip[2]} << 8 | v.ip[3]);
    if (v.family == 6) j["ip"] = format_ipv6(v.ip);
    const uint64_t now = rte_rdtsc();
    j["seconds_ago"] = now > v.tsc ? (now - v.tsc) / rte_get_tsc_hz() : 0;
    return j;
}

}  // namespace

nlohmann::json port_security_view(const SwitchPort& p, uint32_t learned_macs,
                                  const nlohmann::json& learned_ips) {
    nlohmann::json violations = nlohmann::json::object();
    uint64_t total = 0;
    for (unsigned r = 0; r < kDropReasonCount; ++r) {
        const auto reason = static_cast<DropReason>(r);
        if (!is_isolation_reason(reason)) continue;
        uint64_t n = 0;
        for (const auto& c : p.counters) n += c.drops[r].get();
        violations[std::string(drop_reason_name(reason))] = n;
        total += n;
    }
    std::optional<telemetry::Violation> last;
    for (const auto& c : p.counters)
        if (auto v = c.last_violation.read(); v && (!last || v->tsc > last->tsc)) last = v;
    const PortSecurity& s = p.config.security;
    if (!s.enabled && !s.mac_limit && !s.flood_rate && !total) return nullptr;
    nlohmann::json j = {
        {"name", p.config.name}, {"violations", violations}, {"violations_total", total}};
    for (const auto& [key, value] : security_settings(s)) j[key] = value;
    if (s.mac_limit) j["learned_macs"] = learned_macs;
    if (!learned_ips.is_null()) j["learned-ips"] = learned_ips;
    if (last) j["last_violation"] = violation_json(*last);
    return j;
}

}  // namespace vsw
