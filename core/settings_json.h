// A feature's settings as a section of the state file: a JSON object of the same KEY=VALUE
// strings that its `vswctl ... set` sends, so that one parser reads both (IPFIX, sFlow).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace vsw {

// {"KEY": "VALUE", ...}
inline nlohmann::json settings_object(const std::vector<std::pair<std::string, std::string>>& s) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : s) j[k] = v;
    return j;
}

// Reads section `name` with `apply(config, key, value)` for each setting and `validate(config)`
// for the whole (both return "" or the error). Throws std::invalid_argument naming the section.
template <class Config, class Apply, class Validate>
Config config_from_settings_object(const nlohmann::json& j, const std::string& name, Apply apply,
                                   Validate validate) {
    if (!j.is_object()) throw std::invalid_argument("'" + name + "' must be an object");
    Config c;
    for (const auto& [k, v] : j.items()) {
        if (!v.is_string())
            throw std::invalid_argument(name + " setting '" + k + "' must be a string");
        if (auto e = apply(c, k, v.template get<std::string>()); !e.empty())
            throw std::invalid_argument(name + ": " + e);
    }
    if (auto e = validate(c); !e.empty()) throw std::invalid_argument(name + ": " + e);
    return c;
}

}  // namespace vsw
