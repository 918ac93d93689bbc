// A port's CFM settings (cfm_settings.h).
#include "cfm/cfm_settings.h"

#include "core/parse.h"

namespace vsw {
namespace {

// "none" or a number in [lo, hi] into `field` (none: 0).
std::string set_none_or(uint16_t& field, const std::string& key, const std::string& value,
                        uint64_t lo, uint64_t hi) {
    if (value == "none") {
        field = 0;
        return "";
    }
    const auto v = parse_uint(value, lo, hi);
    if (!v)
        return key + " must be none or " + std::to_string(lo) + "-" + std::to_string(hi) +
               " (got '" + value + "')";
    field = static_cast<uint16_t>(*v);
    return "";
}

std::string none_or(uint16_t v) {
    return v ? std::to_string(v) : "none";
}

}  // namespace

bool is_cfm_setting(const std::string& key) {
    return key == "cfm-mpid" || key == "cfm-interval" || key == "cfm-level" || key == "cfm-maid" ||
           key == "cfm-vlan";
}

std::string apply_cfm_setting(CfmConfig& c, const std::string& key, const std::string& value) {
    if (key == "cfm-mpid") return set_none_or(c.mpid, key, value, 1, cfm::kMaxMepid);
    if (key == "cfm-vlan") return set_none_or(c.vlan, key, value, 1, 4094);
    if (key == "cfm-interval") {
        const auto i = cfm::ccm_interval_from_ms(value);
        if (!i)
            return "cfm-interval must be 3.3, 10, 100, 1000, 10000, 60000 or 600000 (ms), not '" +
                   value + "'";
        c.interval = *i;
        return "";
    }
    if (key == "cfm-level") {
        const auto v = parse_uint(value, 0, cfm::kMaxLevel);
        if (!v) return "cfm-level must be 0-7 (got '" + value + "')";
        c.level = static_cast<uint8_t>(*v);
        return "";
    }
    if (key == "cfm-maid") return cfm::parse_maid(value, c.maid);
    return "unknown cfm setting '" + key + "'";
}

std::string validate_cfm(const CfmConfig& c) {
    // Fields set directly rather than through apply_cfm_setting.
    if (c.mpid > cfm::kMaxMepid) return "cfm-mpid must be none or 1-8191";
    if (c.level > cfm::kMaxLevel) return "cfm-level must be 0-7";
    if (c.vlan > 4094) return "cfm-vlan must be none or 1-4094";
    const auto code = static_cast<unsigned>(c.interval);
    if (code < 1 || code > 7) return "cfm-interval: no such CCM interval";
    if (c.enabled()) return "";
    if (c == CfmConfig{}) return "";
    return "cfm-interval, cfm-level, cfm-maid and cfm-vlan apply with cfm-mpid=1-8191 (CFM is "
           "off with cfm-mpid=none)";
}

std::vector<std::pair<std::string, std::string>> cfm_settings(const CfmConfig& c) {
    if (!c.enabled()) return {};
    return {{"cfm-mpid", none_or(c.mpid)},
            {"cfm-interval", std::string(cfm::ccm_interval_ms(c.interval))},
            {"cfm-level", std::to_string(c.level)},
            {"cfm-maid", cfm::maid_to_string(c.maid)},
            {"cfm-vlan", none_or(c.vlan)}};
}

}  // namespace vsw
