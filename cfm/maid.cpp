// The MAID and its operator's forms (maid.h).
#include "cfm/maid.h"

#include <algorithm>

namespace vsw::cfm {
namespace {

constexpr uint8_t kMdFormatNone = 1;    // no MD name present
constexpr uint8_t kMdFormatString = 4;  // MD name: a character string
constexpr uint8_t kMaFormatString = 2;  // short MA name: a character string

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
}

bool good_name(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), name_char);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Writes format, length and name at `p`; returns where the next field goes.
uint8_t* put_name(uint8_t* p, uint8_t format, std::string_view name) {
    p[0] = format;
    p[1] = static_cast<uint8_t>(name.size());
    std::copy(name.begin(), name.end(), p + 2);
    return p + 2 + name.size();
}

std::string parse_hex(std::string_view hex, Maid& out) {
    if (hex.empty() || hex.size() % 2 || hex.size() > 2 * kMaidLength)
        return "a cfm-maid in hex takes 2 to 96 hex digits, an even number";
    Maid m{};
    for (size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return "cfm-maid: '" + std::string(hex) + "' is not hex";
        m[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
    }
    out = m;
    return "";
}

// The name at `p` (format, length, then the name), if it is one parse_maid() writes.
bool read_name(const Maid& m, size_t& at, uint8_t format, std::string_view& name) {
    if (at + 2 > kMaidLength || m[at] != format) return false;
    const size_t len = m[at + 1];
    if (at + 2 + len > kMaidLength) return false;
    name = std::string_view(reinterpret_cast<const char*>(m.data()) + at + 2, len);
    at += 2 + len;
    return good_name(name);
}

}  // namespace

Maid ovs_maid() {
    Maid m{};
    put_name(put_name(m.data(), kMdFormatString, "ovs"), kMaFormatString, "ovs");
    return m;
}

std::string parse_maid(std::string_view text, Maid& out) {
    if (text.starts_with("0x")) return parse_hex(text.substr(2), out);
    const size_t slash = text.find('/');
    const std::string_view md = slash == std::string_view::npos ? "" : text.substr(0, slash);
    const std::string_view ma = slash == std::string_view::npos ? text : text.substr(slash + 1);
    if ((slash != std::string_view::npos && !good_name(md)) || !good_name(ma))
        return "cfm-maid must be MD/MA or MA (names of letters, digits, '.', '_', ':', '-') or "
               "0xHEX, not '" +
               std::string(text) + "'";
    const size_t room = md.empty() ? kMaidLength - 3 : kMaidLength - 4;  // formats and lengths
    if (md.size() + ma.size() > room)
        return "cfm-maid: the names take at most " + std::to_string(room) + " characters";
    Maid m{};
    uint8_t* p = m.data();
    if (md.empty()) *p++ = kMdFormatNone;
    else p = put_name(p, kMdFormatString, md);
    put_name(p, kMaFormatString, ma);
    out = m;
    return "";
}

std::string maid_to_string(const Maid& m) {
    size_t at = 0;
    std::string_view md, ma;
    bool named = false;
    if (m[0] == kMdFormatNone) {
        at = 1;
        named = read_name(m, at, kMaFormatString, ma);
    } else {
        named = read_name(m, at, kMdFormatString, md) && read_name(m, at, kMaFormatString, ma);
    }
    // Named, nothing after the names but zeros, and not read as hex: the operator's form reads
    // back the same.
    named = named && !(md.empty() ? ma : md).starts_with("0x");
    if (named &&
        std::all_of(m.begin() + static_cast<long>(at), m.end(), [](uint8_t b) { return b == 0; }))
        return md.empty() ? std::string(ma) : std::string(md) + "/" + std::string(ma);
    size_t used = kMaidLength;
    while (used > 1 && m[used - 1] == 0) --used;
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out = "0x";
    for (size_t i = 0; i < used; ++i) {
        out += kDigits[m[i] >> 4];
        out += kDigits[m[i] & 0xf];
    }
    return out;
}

}  // namespace vsw::cfm
