// The addresses DHCP gave guests (dhcp_leases.h).
#include "security/dhcp_leases.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/ipv4.h"
#include "security/guest_policy.h"

namespace vsw {

bool DhcpLeases::grant(const std::string& port, uint32_t ip, uint64_t expires) {
    auto& leases = by_port_[port];
    for (Lease& l : leases)
        if (l.ip == ip) {
            l.expires = expires;  // a renewal
            return false;
        }
    if (leases.size() >= kMaxLearnedIps) {
        auto first =
            std::min_element(leases.begin(), leases.end(),
                             [](const Lease& a, const Lease& b) { return a.expires < b.expires; });
        leases.erase(first);
    }
    leases.push_back({ip, expires});
    return true;
}

bool DhcpLeases::release(const std::string& port, uint32_t ip) {
    auto it = by_port_.find(port);
    if (it == by_port_.end()) return false;
    const size_t removed = std::erase_if(it->second, [ip](const Lease& l) { return l.ip == ip; });
    if (it->second.empty()) by_port_.erase(it);
    return removed > 0;
}

bool DhcpLeases::forget(const std::string& port) {
    return by_port_.erase(port) > 0;
}

std::vector<std::string> DhcpLeases::expire(uint64_t now) {
    std::vector<std::string> changed;
    for (auto it = by_port_.begin(); it != by_port_.end();) {
        if (std::erase_if(it->second, [now](const Lease& l) { return l.expires <= now; }))
            changed.push_back(it->first);
        it = it->second.empty() ? by_port_.erase(it) : std::next(it);
    }
    return changed;
}

std::vector<uint32_t> DhcpLeases::addresses(const std::string& port) const {
    std::vector<uint32_t> out;
    for (const Lease& l : leases(port)) out.push_back(l.ip);
    return out;
}

std::vector<std::string> DhcpLeases::ports() const {
    std::vector<std::string> out;
    for (const auto& [port, leases] : by_port_) out.push_back(port);
    return out;
}

const std::vector<DhcpLeases::Lease>& DhcpLeases::leases(const std::string& port) const {
    static const std::vector<Lease> kNone;
    auto it = by_port_.find(port);
    return it == by_port_.end() ? kNone : it->second;
}

nlohmann::json DhcpLeases::to_json() const {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [port, leases] : by_port_) {
        nlohmann::json list = nlohmann::json::array();
        for (const Lease& l : leases) {
            nlohmann::json e = {{"ip", format_ipv4(l.ip)}};
            if (l.expires != kNever) e["expires"] = l.expires;
            list.push_back(std::move(e));
        }
        j[port] = std::move(list);
    }
    return j;
}

DhcpLeases DhcpLeases::from_json(const nlohmann::json& j, uint64_t now) {
    if (!j.is_object()) throw std::invalid_argument("dhcp leases must be a JSON object");
    DhcpLeases out;
    for (const auto& [port, list] : j.items()) {
        if (!list.is_array()) throw std::invalid_argument("leases of '" + port + "': not a list");
        for (const auto& e : list) {
            uint32_t ip = 0;
            if (!e.is_object() || !e.contains("ip") || !e["ip"].is_string() ||
                !parse_ipv4(e["ip"].get<std::string>(), ip) || ip == 0)
                throw std::invalid_argument("a lease of '" + port + "' has no IPv4 address");
            uint64_t expires = kNever;
            if (e.contains("expires")) {
                if (!e["expires"].is_number_unsigned())
                    throw std::invalid_argument("a lease of '" + port + "': bad expires");
                expires = e["expires"].get<uint64_t>();
            }
            if (expires > now) out.grant(port, ip, expires);
        }
    }
    return out;
}

}  // namespace vsw
