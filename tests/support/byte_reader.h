// Big-endian reads for the tests' strict decoders (NetFlow, sFlow): core/bytes.h's readers with
// a bounds check, so that a message cut short throws instead of being read past its end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/bytes.h"

namespace vsw::test {

class ByteReader {
  public:
    explicit ByteReader(std::span<const uint8_t> m = {}) : m_(m) {}

    // The value at offset `at`. Throws std::runtime_error if it does not lie inside the message.
    uint8_t u8(size_t at) const { return m_[inside(at, 1)]; }
    uint16_t u16(size_t at) const { return get_be16(&m_[inside(at, 2)]); }
    uint32_t u32(size_t at) const { return get_be32(&m_[inside(at, 4)]); }
    uint64_t u64(size_t at) const { return uint64_t{u32(at)} << 32 | u32(at + 4); }
    std::vector<uint8_t> bytes(size_t at, size_t n) const {
        const auto from = m_.begin() + static_cast<std::ptrdiff_t>(inside(at, n));
        return {from, from + static_cast<std::ptrdiff_t>(n)};
    }

    // The same as a cursor: reads at `p` and moves `p` past what it read.
    uint32_t take_u32(size_t& p) const { return u32(std::exchange(p, p + 4)); }
    uint64_t take_u64(size_t& p) const { return u64(std::exchange(p, p + 8)); }
    std::vector<uint8_t> take_bytes(size_t& p, size_t n) const {
        return bytes(std::exchange(p, p + n), n);
    }

    size_t size() const { return m_.size(); }

  private:
    size_t inside(size_t at, size_t n) const {
        if (at + n > m_.size()) throw std::runtime_error("read past the end");
        return at;
    }

    std::span<const uint8_t> m_;  // the message
};

}  // namespace vsw::test
