// Duplicate MAC detection (RFC 7432 section 15.1; FRR's `dup-addr-detection max-moves N time M
// freeze H`): a MAC seen moving (here -> a remote VTEP, back, or between remote VTEPs)
// max_moves times within window_s seconds is a duplicate - two guests with one MAC, or a
// loop - and is frozen where it is now: vsw-evpn stops following it for hold_s seconds (0:
// until an operator clears it). Counting is FRR's: the window opens at the first move and the
// count restarts once it has passed. A MAC that goes away (aged, withdrawn) has not moved; where
// it appears next is compared with where it was. Pure logic: unit-tested with a fake clock.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/mac.h"

namespace vsw::evpn {

struct DuplicateOptions {
    uint32_t max_moves = 5;   // moves within window_s that make a duplicate (2 to 1000)
    uint32_t window_s = 180;  // seconds (2 to 1800)
    uint32_t hold_s = 180;    // how long a duplicate stays frozen; 0: until cleared
};

class DuplicateDetector {
  public:
    using Key = std::pair<uint32_t, Mac>;  // (VNI, MAC)
    static constexpr uint32_t kHere = 0;   // a place: kHere or a remote VTEP's address

    explicit DuplicateDetector(DuplicateOptions o = {}) : opts_(o) {}
    const DuplicateOptions& options() const { return opts_; }

    // Where `key` is this round (`now`: seconds). Returns true if this sighting froze it.
    bool observe(const Key& key, uint32_t place, uint64_t now);
    // Unfreezes what has been frozen for hold_s (none when hold_s is 0).
    void expire(uint64_t now);
    // Unfreezes one MAC (true if it was frozen), or all; counting restarts from where it is.
    bool clear(const Key& key);
    void clear_all();

    struct Frozen {
        uint32_t place;  // where it was frozen
        uint32_t moves;  // the moves that froze it
        uint64_t since;  // when
    };
    const Frozen* frozen(const Key& key) const;
    const std::map<Key, Frozen>& frozen_all() const { return frozen_; }

  private:
    struct Track {
        uint32_t place = 0;
        uint64_t window_start = 0;  // the first move of the current window
        uint32_t moves = 0;         // in the current window
        uint64_t last_seen = 0;
    };
    DuplicateOptions opts_;
    std::map<Key, Track> tracks_;  // MACs seen lately: forgotten window_s after their last sighting
    std::map<Key, Frozen> frozen_;
};

}  // namespace vsw::evpn
