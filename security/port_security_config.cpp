// A port's isolation settings (port_security_config.h).
#include "security/port_security_config.h"

#include <algorithm>

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

}  // namespace

bool is_security_setting(const std::string& key) {
    return key == "mac-limit" || key == "flood-rate" || key == "flood-burst";
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
    return "unknown port security setting '" + key + "'";
}

std::string validate_security(const PortSecurity& s) {
    if (s.flood_burst && !s.flood_rate) return "flood-burst needs flood-rate";
    return "";
}

std::vector<std::pair<std::string, std::string>> security_settings(const PortSecurity& s) {
    const auto word = [](uint32_t v) { return v ? std::to_string(v) : std::string("none"); };
    return {{"mac-limit", word(s.mac_limit)},
            {"flood-rate", word(s.flood_rate)},
            {"flood-burst", word(s.flood_burst)}};
}

uint32_t effective_flood_burst(const PortSecurity& s) {
    return s.flood_burst ? s.flood_burst : std::max(kMinFloodBurst, s.flood_rate / 10);
}

}  // namespace vsw
