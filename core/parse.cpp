#include "core/parse.h"

#include <charconv>
#include <sstream>

namespace vsw {

std::optional<uint64_t> parse_uint(const std::string& s, uint64_t lo, uint64_t hi) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi)
        return std::nullopt;
    return v;
}

std::optional<std::vector<NumberRange>> parse_range_list(const std::string& s, uint64_t lo,
                                                         uint64_t hi, std::string* bad) {
    std::vector<NumberRange> out;
    size_t pos = 0;
    while (pos < s.size()) {
        const size_t comma = s.find(',', pos);
        const std::string item =
            s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        pos = comma == std::string::npos ? s.size() : comma + 1;
        const size_t dash = item.find('-');
        const auto first = parse_uint(item.substr(0, dash), lo, hi);
        const auto last =
            dash == std::string::npos ? first : parse_uint(item.substr(dash + 1), lo, hi);
        if (!first || !last || *last < *first) {
            if (bad) *bad = item;
            return std::nullopt;
        }
        out.push_back({*first, *last});
        if (comma == s.size() - 1) {
            if (bad) *bad = ",";
            return std::nullopt;
        }
    }
    return out;
}

std::string set_either(bool& flag, const std::string& value, const char* yes, const char* no,
                       const char* message) {
    if (value == yes) flag = true;
    else if (value == no) flag = false;
    else return std::string(message) + ", not '" + value + "'";
    return "";
}

std::string set_uint_setting(uint32_t& field, const std::string& key, const std::string& value,
                             uint64_t lo, uint64_t hi, const char* unit) {
    auto v = parse_uint(value, lo, hi);
    if (!v)
        return key + " must be " + std::to_string(lo) + "-" + std::to_string(hi) +
               (*unit ? " " : "") + unit + " (got '" + value + "')";
    field = static_cast<uint32_t>(*v);
    return "";
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

std::string join_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
}

std::string validate_port_name(const std::string& name) {
    if (name.empty() || name.size() > 32) return "port name must be 1 to 32 characters";
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok)
            return "port name '" + name + "' may contain only letters, digits, '_', '-' and '.'";
    }
    return "";
}

}  // namespace vsw
