// The connection table's bounds (ct_limits.h).
#include "conntrack/ct_limits.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/parse.h"

namespace vsw::conntrack {

std::string apply_ct_limit(CtLimits& l, const std::string& key, const std::string& value) {
    CtLimits next = l;
    std::string e;
    if (key == "max")
        e = set_uint_setting(next.max, key, value, kMinCtMax, kMaxCtMax, "connections");
    else if (key == "zone-max")
        e = set_uint_setting(next.zone_max, key, value, 0, kMaxCtMax, "connections");
    else return "unknown conntrack setting '" + key + "' (known: max, zone-max)";
    if (e.empty()) l = next;
    return e;
}

std::string validate_ct_limits(const CtLimits& l) {
    if (l.max < kMinCtMax || l.max > kMaxCtMax)
        return "max: " + std::to_string(l.max) + " is outside " + std::to_string(kMinCtMax) + "-" +
               std::to_string(kMaxCtMax);
    if (l.zone_max > l.max)
        return "zone-max " + std::to_string(l.zone_max) + " is above max " + std::to_string(l.max);
    return "";
}

nlohmann::json to_json(const CtLimits& l) {
    return {{"max", l.max}, {"zone-max", l.zone_max}};
}

CtLimits ct_limits_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::invalid_argument("conntrack: not an object");
    CtLimits l;
    for (const auto& [k, v] : j.items()) {
        if (!v.is_number_unsigned())
            throw std::invalid_argument("conntrack: " + k + " is not a number");
        if (auto e = apply_ct_limit(l, k, std::to_string(v.get<uint64_t>())); !e.empty())
            throw std::invalid_argument("conntrack: " + e);
    }
    if (auto e = validate_ct_limits(l); !e.empty()) throw std::invalid_argument("conntrack: " + e);
    return l;
}

}  // namespace vsw::conntrack
