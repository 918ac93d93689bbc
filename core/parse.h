// Parsing of numbers and number lists from operators' words ("42", "1,3-4"): exact, bounded,
// nothing else accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vsw {

// Parses a decimal integer within [lo, hi]; nullopt on anything else.
std::optional<uint64_t> parse_uint(const std::string& s, uint64_t lo, uint64_t hi);

struct NumberRange {
    uint64_t first;  // lowest number of the range
    uint64_t last;   // highest (== first for a single number)
};

// "10,20-30" -> {{10, 10}, {20, 30}}, every number within [lo, hi] and no range backwards;
// "" -> no ranges. nullopt for anything else, with `bad` (if given) set to the item that is
// not a number or range, or to "," when the list ends with a comma.
std::optional<std::vector<NumberRange>> parse_range_list(const std::string& s, uint64_t lo,
                                                         uint64_t hi, std::string* bad = nullptr);

// A setting that is one of two words: `yes` sets `flag`, `no` clears it. "" or `message` with
// ", not 'VALUE'" appended.
std::string set_either(bool& flag, const std::string& value, const char* yes, const char* no,
                       const char* message);

// A number setting: `field` = value if it is within [lo, hi]. "" or "KEY must be LO-HI UNIT (got
// 'VALUE')".
std::string set_uint_setting(uint32_t& field, const std::string& key, const std::string& value,
                             uint64_t lo, uint64_t hi, const char* unit);

// "a,b,,c" -> {"a", "b", "c"} (empty items left out), and back with commas.
std::vector<std::string> split_list(const std::string& s);
std::string join_list(const std::vector<std::string>& items);

// Names of ports and mirror sessions: 1 to 32 of [A-Za-z0-9_.-]. "" or the operator's message.
std::string validate_port_name(const std::string& name);

}  // namespace vsw
