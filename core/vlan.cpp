#include "core/vlan.h"

#include "core/parse.h"

namespace vsw {

const char* vlan_mode_name(VlanMode m) {
    switch (m) {
        case VlanMode::kTrunk: return "trunk";
        case VlanMode::kAccess: return "access";
        case VlanMode::kNativeTagged: return "native-tagged";
        case VlanMode::kNativeUntagged: return "native-untagged";
    }
    return "?";
}

std::optional<VlanMode> vlan_mode_from_name(const std::string& s) {
    for (VlanMode m :
         {VlanMode::kTrunk, VlanMode::kAccess, VlanMode::kNativeTagged, VlanMode::kNativeUntagged})
        if (s == vlan_mode_name(m)) return m;
    return std::nullopt;
}

std::optional<VlanSet> parse_vlan_list(const std::string& s, std::string& error) {
    std::string bad;
    const auto ranges = parse_range_list(s, 0, kMaxVlan - 1, &bad);
    if (!ranges) {
        error = bad == "," ? "VLAN list ends with ','"
                           : "'" + bad + "' is not a VLAN (0-4094) or a range such as 20-30";
        return std::nullopt;
    }
    VlanSet set;
    for (const NumberRange& r : *ranges)
        for (uint64_t v = r.first; v <= r.last; ++v) set.set(v);
    return set;
}

std::string format_vlan_list(const VlanSet& set) {
    std::string out;
    for (unsigned v = 0; v <= kMaxVlan; ++v) {
        if (!set.test(v)) continue;
        unsigned end = v;
        while (end + 1 <= kMaxVlan && set.test(end + 1)) ++end;
        if (!out.empty()) out += ',';
        out += std::to_string(v);
        if (end > v) out += "-" + std::to_string(end);
        v = end;
    }
    return out;
}

}  // namespace vsw
