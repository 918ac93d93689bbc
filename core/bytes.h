// Big-endian (network order) reads and writes of header fields, byte by byte: no alignment
// assumptions, no DPDK.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vsw {

inline void put_be16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

inline void put_be32(uint8_t* p, uint32_t v) {
    put_be16(p, static_cast<uint16_t>(v >> 16));
    put_be16(p + 2, static_cast<uint16_t>(v));
}

inline uint16_t get_be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

inline uint32_t get_be32(const uint8_t* p) {
    return static_cast<uint32_t>(get_be16(p)) << 16 | get_be16(p + 2);
}

// Writes fields one after another from `p` on, for encoders that build a message in a buffer
// they have sized: no bounds checks. Each value is cut to the field's width.
struct BeWriter {
    uint8_t* p;  // where the next field goes

    void u8(uint64_t v) { *p++ = static_cast<uint8_t>(v); }
    void u16(uint64_t v) {
        put_be16(p, static_cast<uint16_t>(v));
        p += 2;
    }
    void u32(uint64_t v) {
        put_be32(p, static_cast<uint32_t>(v));
        p += 4;
    }
    void u64(uint64_t v) {
        u32(v >> 32);
        u32(v);
    }
    void bytes(const void* b, size_t n) {
        if (n) memcpy(p, b, n);
        p += n;
    }
};

}  // namespace vsw
