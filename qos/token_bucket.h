// Token buckets for shaping and policing, in integer TSC arithmetic.
//
// A bucket holds up to `burst` bytes of credit and gains `rate` bytes per second. Callers charge
// the bytes they actually moved, so the credit may go negative: a deficit that later refills
// pay back (rte_vhost dequeues packets, not bytes, so a burst can overshoot the credit it started
// with). The refill carries the remainder of rate * elapsed / hz forward, so no fraction of a byte
// is ever lost and long-run accuracy is exact. Header-only and inline: it sits on the datapath.
#pragma once

#include <algorithm>
#include <cstdint>

namespace vsw::qos {

class TokenBucket {
  public:
    TokenBucket() = default;
    // rate: bytes per second (> 0); burst: bytes; hz: clock ticks per second; now: current tick.
    TokenBucket(uint64_t rate, uint64_t burst, uint64_t hz, uint64_t now)
        : rate_(rate),
          burst_(static_cast<int64_t>(burst)),
          hz_(hz),
          tokens_(static_cast<int64_t>(burst)),
          last_(now) {}

    // Brings the credit up to `now`, never beyond `burst`.
    void refill(uint64_t now) {
        if (now <= last_) return;
        const unsigned __int128 scaled =
            static_cast<unsigned __int128>(now - last_) * rate_ + remainder_;
        last_ = now;
        const unsigned __int128 add = scaled / hz_;
        remainder_ = static_cast<uint64_t>(scaled % hz_);
        const unsigned __int128 room = static_cast<unsigned __int128>(burst_ - tokens_);
        if (add >= room) {
            tokens_ = burst_;
            remainder_ = 0;  // a full bucket does not bank fractions
        } else {
            tokens_ += static_cast<int64_t>(add);
        }
    }

    bool positive() const { return tokens_ > 0; }
    bool has(uint64_t bytes) const { return tokens_ >= static_cast<int64_t>(bytes); }
    void charge(uint64_t bytes) { tokens_ -= static_cast<int64_t>(bytes); }
    // Gives back a charge for bytes that did not leave after all (no refill in between).
    void refund(uint64_t bytes) {
        tokens_ = std::min(burst_, tokens_ + static_cast<int64_t>(bytes));
    }
    int64_t tokens() const { return tokens_; }

    // New rate and burst, keeping the credit (capped at the new burst).
    void reconfigure(uint64_t rate, uint64_t burst) {
        rate_ = rate;
        burst_ = static_cast<int64_t>(burst);
        tokens_ = std::min(tokens_, burst_);
    }

    uint64_t rate() const { return rate_; }
    uint64_t burst() const { return static_cast<uint64_t>(burst_); }

  private:
    uint64_t rate_ = 0;       // bytes per second
    int64_t burst_ = 0;       // capacity in bytes
    uint64_t hz_ = 1;         // ticks per second
    int64_t tokens_ = 0;      // credit in bytes; negative = deficit
    uint64_t last_ = 0;       // tick of the last refill
    uint64_t remainder_ = 0;  // (elapsed * rate) % hz carried to the next refill
};

// A committed bucket with an optional peak bucket (a two-rate meter, RFC 2698 style): traffic
// passes while both have credit; the peak bucket bounds how fast a full committed bucket drains.
class Shaper {
  public:
    Shaper() = default;
    Shaper(uint64_t rate, uint64_t burst, uint64_t peak_rate, uint64_t peak_burst, uint64_t hz,
           uint64_t now)
        : committed_(rate, burst, hz, now),
          has_peak_(peak_rate != 0),
          peak_(peak_rate ? peak_rate : 1, peak_burst, hz, now) {}

    void refill(uint64_t now) {
        committed_.refill(now);
        if (has_peak_) peak_.refill(now);
    }
    bool positive() const { return committed_.positive() && (!has_peak_ || peak_.positive()); }
    bool has(uint64_t bytes) const {
        return committed_.has(bytes) && (!has_peak_ || peak_.has(bytes));
    }
    void refund(uint64_t bytes) {
        committed_.refund(bytes);
        if (has_peak_) peak_.refund(bytes);
    }
    void charge(uint64_t bytes) {
        committed_.charge(bytes);
        if (has_peak_) peak_.charge(bytes);
    }
    int64_t tokens() const { return committed_.tokens(); }

  private:
    TokenBucket committed_;  // the configured rate and burst
    bool has_peak_ = false;  // tx-peak configured
    TokenBucket peak_;       // peak rate, small burst
};

}  // namespace vsw::qos
