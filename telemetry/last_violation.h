// The last frame a port refused for isolation's sake (port security, a pinned or limited MAC):
// its reason, source MAC and the source address it claimed, for `vswctl port-security show`.
// Written only when a frame is refused, by the one worker that polls the port; read by the
// control thread through a sequence lock (it retries while a write is under way).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>

#include "core/drop_reasons.h"
#include "core/mac.h"

namespace vsw::telemetry {

struct Violation {
    DropReason reason = DropReason::kSpoofedMac;
    Mac mac = 0;
    uint8_t family = 0;               // 4 or 6: `ip` holds an address; 0: none
    std::array<uint8_t, 16> ip = {};  // network byte order (IPv4 in the first 4 bytes)
    uint64_t tsc = 0;                 // when (the worker's TSC)
};

// The source address a frame claims: IPv4 source, ARP sender, IPv6 source (after one tag).
inline void read_claimed_source(const uint8_t* f, uint32_t len, Violation& v) {
    uint32_t l3 = 14;
    if (len < 14) return;
    uint16_t type = static_cast<uint16_t>(f[12] << 8 | f[13]);
    if (type == 0x8100 && len >= 18) {
        type = static_cast<uint16_t>(f[16] << 8 | f[17]);
        l3 = 18;
    }
    if (type == 0x0800 && len >= l3 + 16) {
        v.family = 4;
        std::memcpy(v.ip.data(), f + l3 + 12, 4);
    } else if (type == 0x0806 && len >= l3 + 18) {
        v.family = 4;
        std::memcpy(v.ip.data(), f + l3 + 14, 4);
    } else if (type == 0x86dd && len >= l3 + 24) {
        v.family = 6;
        std::memcpy(v.ip.data(), f + l3 + 8, 16);
    }
}

class LastViolation {
  public:
    void record(const Violation& v) {  // the port's worker only
        const uint32_t s = seq_.load(std::memory_order_relaxed);
        seq_.store(s + 1, std::memory_order_relaxed);  // odd: being written
        std::atomic_thread_fence(std::memory_order_release);
        for (size_t i = 0; i < kWords; ++i) {
            uint64_t w;
            std::memcpy(&w, reinterpret_cast<const uint8_t*>(&v) + 8 * i, 8);
            words_[i].store(w, std::memory_order_relaxed);
        }
        seq_.store(s + 2, std::memory_order_release);
    }

    std::optional<Violation> read() const {
        for (int attempt = 0; attempt < 100; ++attempt) {
            const uint32_t before = seq_.load(std::memory_order_acquire);
            if (before == 0) return std::nullopt;  // never written
            if (before & 1) continue;
            Violation v;
            for (size_t i = 0; i < kWords; ++i) {
                const uint64_t w = words_[i].load(std::memory_order_relaxed);
                std::memcpy(reinterpret_cast<uint8_t*>(&v) + 8 * i, &w, 8);
            }
            std::atomic_thread_fence(std::memory_order_acquire);
            if (seq_.load(std::memory_order_relaxed) == before) return v;
        }
        return std::nullopt;
    }

  private:
    static_assert(sizeof(Violation) % 8 == 0);
    static constexpr size_t kWords = sizeof(Violation) / 8;
    std::atomic<uint32_t> seq_{0};
    std::array<std::atomic<uint64_t>, kWords> words_{};
};

}  // namespace vsw::telemetry
