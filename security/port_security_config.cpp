// A port's isolation settings (port_security_config.h).
#include "security/port_security_config.h"

#include <algorithm>
#include <cstdio>

#include "core/ipv4.h"
#include "core/parse.h"

namespace vsw {

namespace {

// `value` as a number in 1..max, or "none" for 0. "" or the error.
std::string set_count(uint32_t& field, const std::string& key, const std::string& value,
                      uint32_t max, const char* unit) {
    if (value == "none") {
        field = 0;
        return "";
    }
    auto v = parse_uint(value, 1, max);
    if (!v)
        return key + " must be 1 to " + std::to_string(max) + " " + unit + ", or none, not '" +
               value + "'";
    field = static_cast<uint32_t>(*v);
    return "";
}

std::string set_macs(std::vector<Mac>& out, const std::string& value) {
    std::vector<Mac> macs;
    for (const std::string& item : split_list(value == "none" ? "" : value)) {
        auto m = mac_from_string(item);
        if (!m || mac_is_multicast(*m) || *m == 0)
            return "allowed-macs: '" + item + "' is not a unicast MAC address";
        if (std::find(macs.begin(), macs.end(), *m) == macs.end()) macs.push_back(*m);
    }
    if (macs.size() > kMaxAllowedMacs)
        return "allowed-macs: at most " + std::to_string(kMaxAllowedMacs) + " addresses";
    out = std::move(macs);
    return "";
}

// A list of IPv4 and IPv6 addresses or prefixes, "dhcp" among them, or "any" alone.
std::string set_ips(PortSecurity& s, const std::string& value) {
    PortSecurity ips;
    for (const std::string& item : split_list(value == "none" ? "" : value)) {
        if (item == "any") {
            ips.any_ip = true;
        } else if (item == "dhcp") {
            ips.learn_dhcp = true;
        } else if (item.find(':') != std::string::npos) {
            Ipv6Prefix p;
            if (!parse_ipv6_prefix(item, p.addr, p.len))
                return "allowed-ips: '" + item + "' is not an IPv6 address or prefix";
            ips.allowed_ipv6.push_back(p);
        } else {
            Ipv4Prefix p;
            if (!parse_ipv4_prefix(item, p.ip, p.len))
                return "allowed-ips: '" + item + "' is not an IPv4 address or prefix";
            ips.allowed_ipv4.push_back(p);
        }
    }
    const size_t n = ips.allowed_ipv4.size() + ips.allowed_ipv6.size();
    if (ips.any_ip && (n || ips.learn_dhcp))
        return "allowed-ips: 'any' stands alone (every address is allowed)";
    if (n > kMaxAllowedIps)
        return "allowed-ips: at most " + std::to_string(kMaxAllowedIps) + " addresses or prefixes";
    s.allowed_ipv4 = std::move(ips.allowed_ipv4);
    s.allowed_ipv6 = std::move(ips.allowed_ipv6);
    s.any_ip = ips.any_ip;
    s.learn_dhcp = ips.learn_dhcp;
    return "";
}

// A list of ethertypes, "default" (clean-traffic's) or "any".
std::string set_ethertypes(PortSecurity& s, const std::string& value) {
    if (value == "any") {
        s.ethertypes.clear();
        s.any_ethertype = true;
        return "";
    }
    static const std::pair<const char*, uint16_t> kNames[] = {
        {"ipv4", 0x0800}, {"arp", 0x0806}, {"ipv6", 0x86dd}, {"rarp", 0x8035}};
    std::vector<uint16_t> types;
    for (const std::string& item : split_list(value == "default" ? "" : value)) {
        uint16_t t = 0;
        for (const auto& [name, type] : kNames)
            if (item == name) t = type;
        const bool hex = item.starts_with("0x") && item.size() > 2 && item.size() <= 6 &&
                         item.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos;
        if (!t && hex) {
            const auto v = std::stoul(item.substr(2), nullptr, 16);  // 1-4 hex digits: no throw
            if (v >= 0x600) t = static_cast<uint16_t>(v);
        }
        if (!t)
            return "allowed-ethertypes: '" + item +
                   "' is not ipv4, arp, ipv6, rarp, an ethertype 0x0600-0xffff, default or any";
        if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
    }
    if (types.size() > kMaxEthertypes)
        return "allowed-ethertypes: at most " + std::to_string(kMaxEthertypes);
    s.ethertypes = std::move(types);
    s.any_ethertype = false;
    return "";
}

std::string ethertype_word(uint16_t t) {
    switch (t) {
        case 0x0800: return "ipv4";
        case 0x0806: return "arp";
        case 0x86dd: return "ipv6";
        case 0x8035: return "rarp";
        default: {
            char buf[8];
            snprintf(buf, sizeof buf, "0x%04x", t);
            return buf;
        }
    }
}

}  // namespace

bool is_security_setting(const std::string& key) {
    return key == "mac-limit" || key == "flood-rate" || key == "flood-burst" ||
           key == "port-security" || key == "allowed-macs" || key == "allowed-ips" ||
           key == "allowed-ethertypes" || key == "trusted";
}

std::string apply_security_setting(PortSecurity& s, const std::string& key,
                                   const std::string& value) {
    if (key == "mac-limit") return set_count(s.mac_limit, key, value, kMaxMacLimit, "MACs");
    if (key == "flood-rate") {
        auto e = set_count(s.flood_rate, key, value, kMaxFloodRate, "packets/s");
        if (e.empty() && !s.flood_rate) s.flood_burst = 0;
        return e;
    }
    if (key == "flood-burst") return set_count(s.flood_burst, key, value, kMaxFloodRate, "packets");
    if (key == "port-security" || key == "trusted") {
        if (value != "on" && value != "off") return key + " must be 'on' or 'off'";
        (key == "trusted" ? s.trusted : s.enabled) = value == "on";
        return "";
    }
    if (key == "allowed-macs") return set_macs(s.allowed_macs, value);
    if (key == "allowed-ips") return set_ips(s, value);
    if (key == "allowed-ethertypes") return set_ethertypes(s, value);
    return "unknown port security setting '" + key + "'";
}

std::string validate_security(const PortSecurity& s) {
    if (s.flood_burst && !s.flood_rate) return "flood-burst needs flood-rate";
    if (s.enabled && s.allowed_macs.empty())
        return "port-security=on needs allowed-macs (the guest's MAC addresses)";
    return "";
}

std::vector<std::pair<std::string, std::string>> security_settings(const PortSecurity& s) {
    const auto word = [](uint32_t v) { return v ? std::to_string(v) : std::string("none"); };
    return {{"mac-limit", word(s.mac_limit)},      {"flood-rate", word(s.flood_rate)},
            {"flood-burst", word(s.flood_burst)},  {"allowed-macs", allowed_macs_str(s)},
            {"allowed-ips", allowed_ips_str(s)},   {"allowed-ethertypes", ethertypes_str(s)},
            {"trusted", s.trusted ? "on" : "off"}, {"port-security", s.enabled ? "on" : "off"}};
}

std::string allowed_macs_str(const PortSecurity& s) {
    std::vector<std::string> items;
    for (Mac m : s.allowed_macs) items.push_back(mac_to_string(m));
    return items.empty() ? "none" : join_list(items);
}

std::string allowed_ips_str(const PortSecurity& s) {
    if (s.any_ip) return "any";
    std::vector<std::string> items;
    if (s.learn_dhcp) items.push_back("dhcp");
    for (const Ipv4Prefix& p : s.allowed_ipv4)
        items.push_back(format_ipv4(p.ip) + (p.len == 32 ? "" : "/" + std::to_string(p.len)));
    for (const Ipv6Prefix& p : s.allowed_ipv6)
        items.push_back(format_ipv6(p.addr) + (p.len == 128 ? "" : "/" + std::to_string(p.len)));
    return items.empty() ? "none" : join_list(items);
}

std::string ethertypes_str(const PortSecurity& s) {
    if (s.any_ethertype) return "any";
    std::vector<std::string> items;
    for (uint16_t t : s.ethertypes) items.push_back(ethertype_word(t));
    return items.empty() ? "default" : join_list(items);
}

uint32_t effective_flood_burst(const PortSecurity& s) {
    return s.flood_burst ? s.flood_burst : std::max(kMinFloodBurst, s.flood_rate / 10);
}

}  // namespace vsw
