// Reading parts of a JSON view by reference. nlohmann's json::value(key, default) returns a
// copy, so a pointer or reference into its result dangles once the statement ends.
#pragma once

#include <nlohmann/json.hpp>

namespace vsw {

// j[key] if j is an object that has it, else null.
inline const nlohmann::json& json_field(const nlohmann::json& j, const char* key) {
    static const nlohmann::json kNull;
    if (!j.is_object()) return kNull;
    auto it = j.find(key);
    return it == j.end() ? kNull : *it;
}

// j[key] if it is an array, else an empty array.
inline const nlohmann::json& json_list(const nlohmann::json& j, const char* key) {
    static const nlohmann::json kEmpty = nlohmann::json::array();
    const nlohmann::json& v = json_field(j, key);
    return v.is_array() ? v : kEmpty;
}

}  // namespace vsw
