#include "core/mac.h"

#include <cstdio>

namespace vsw {

std::string mac_to_string(Mac m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", unsigned(m >> 40 & 0xff),
                  unsigned(m >> 32 & 0xff), unsigned(m >> 24 & 0xff), unsigned(m >> 16 & 0xff),
                  unsigned(m >> 8 & 0xff), unsigned(m & 0xff));
    return buf;
}

std::optional<Mac> mac_from_string(std::string_view s) {
    if (s.size() != 17) return std::nullopt;
    Mac m = 0;
    for (int i = 0; i < 6; ++i) {
        if (i > 0 && s[i * 3 - 1] != ':') return std::nullopt;
        unsigned v = 0;
        for (int j = 0; j < 2; ++j) {
            char c = s[i * 3 + j];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= unsigned(c - '0');
            else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
            else return std::nullopt;
        }
        m = (m << 8) | v;
    }
    return m;
}

}  // namespace vsw
