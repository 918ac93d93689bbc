// libvirt traffic filters as port security settings (traffic_filter.h).
#include "src/libvirt/traffic_filter.h"

#include <algorithm>
#include <array>

#include "core/mac.h"

namespace vsw::libvirt {
namespace {

// What a filter checks, in vsw's terms.
enum class Check {
    kNothing,   // accepts only: nothing to enforce
    kMac,       // source MAC (and ARP sender MAC)
    kMacIp,     // ... and source IP (and ARP sender IP)
    kCleanAll,  // ... and only the ethertypes clean-traffic lets out
};

struct KnownFilter {
    const char* name;
    Check check;
};

constexpr std::array kFilters = {
    KnownFilter{"clean-traffic", Check::kCleanAll},
    KnownFilter{"no-ip-spoofing", Check::kMacIp},
    KnownFilter{"no-arp-spoofing", Check::kMacIp},
    KnownFilter{"no-arp-ip-spoofing", Check::kMacIp},
    KnownFilter{"no-mac-spoofing", Check::kMac},
    KnownFilter{"no-arp-mac-spoofing", Check::kMac},
    KnownFilter{"qemu-announce-self", Check::kMac},
    KnownFilter{"allow-incoming-ipv4", Check::kNothing},
};

std::string join(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
    return s;
}

void add_unique(std::vector<std::string>& items, const std::string& item) {
    if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
}

// The MAC parameters, normalised (a bad one is kept as written: applying it fails, closed).
void add_mac(std::vector<std::string>& macs, const std::string& value) {
    auto m = mac_from_string(value);
    add_unique(macs, m ? mac_to_string(*m) : value);
}

// allowed-ips from the IP parameters or, without any, from CTRL_IP_LEARNING.
std::string allowed_ips(const std::vector<std::string>& ips, const std::string& learning,
                        FilterSettings& out) {
    if (!ips.empty()) {
        if (!learning.empty())
            out.notes.push_back("CTRL_IP_LEARNING=" + learning +
                                " ignored: the IP parameters are given (as libvirt does)");
        return join(ips);
    }
    if (learning.empty() || learning == "any" || learning == "dhcp") return "dhcp";
    if (learning == "none") return "none";
    out.refusal = "CTRL_IP_LEARNING='" + learning + "' is not any, dhcp or none";
    return "none";
}

}  // namespace

FilterSettings filter_settings(const FilterRef& filter, const std::string& mac) {
    FilterSettings out;
    const auto known = std::find_if(kFilters.begin(), kFilters.end(),
                                    [&](const KnownFilter& f) { return filter.name == f.name; });
    if (known == kFilters.end()) {
        out.refusal = "traffic filter '" + filter.name.substr(0, 64) +
                      "' is not one vsw enforces (clean-traffic, no-mac-spoofing, "
                      "no-ip-spoofing, no-arp-spoofing, no-arp-mac-spoofing, no-arp-ip-spoofing, "
                      "qemu-announce-self, allow-incoming-ipv4)";
        return out;
    }
    std::vector<std::string> macs = {mac}, ips;
    std::string learning;
    bool ipv6 = false;
    for (const auto& [name, value] : filter.parameters) {
        if (name == "MAC") add_mac(macs, value);
        else if (name == "IP") {
            add_unique(ips, value);
            ipv6 = ipv6 || value.find(':') != std::string::npos;
        } else if (name == "CTRL_IP_LEARNING") learning = value;
        else if (name == "DHCPSERVER")
            out.notes.push_back(
                "DHCPSERVER ignored: vsw takes DHCP answers from trusted ports "
                "(trusted=on), whichever server it is");
        else out.notes.push_back("filter parameter " + name.substr(0, 64) + " ignored");
    }
    if (known->check == Check::kNothing) return out;
    out.settings = {{"port-security", "on"}, {"allowed-macs", join(macs)}};
    if (known->check == Check::kMac) out.settings.emplace_back("allowed-ips", "any");
    else out.settings.emplace_back("allowed-ips", allowed_ips(ips, learning, out));
    out.settings.emplace_back("allowed-ethertypes", known->check != Check::kCleanAll ? "any"
                                                    : ipv6 ? "ipv4,arp,rarp,ipv6"
                                                           : "ipv4,arp,rarp");
    return out;
}

Settings mac_locked_settings(const std::string& mac) {
    return {{"port-security", "on"},
            {"allowed-macs", mac},
            {"allowed-ips", "any"},
            {"allowed-ethertypes", "any"}};
}

}  // namespace vsw::libvirt
