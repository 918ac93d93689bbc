// A bench for CFM tests: MEPs on one shared segment (CCMs are multicast: what one sends reaches
// every other), run together on one fake clock that jumps from one MEP's next_run_ms() to the
// next, so every deadline is met exactly as a controller that sleeps until then would meet it.
// What a MEP sends reaches the others as encoded bytes in the same millisecond; the path from
// one MEP to another can be blocked (a silent partner, a one-way cut).
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "cfm/cfm_mep.h"

namespace vsw::cfm::testing {

constexpr Mac kMacA = 0x020000000a01;
constexpr Mac kMacB = 0x020000000b01;
constexpr Mac kMacC = 0x020000000c01;

// An enabled config: MEP ID `mpid`, everything else at the defaults unless given.
inline CfmConfig mep_config(uint16_t mpid, CcmInterval interval = CcmInterval::k1s,
                            uint8_t level = 0) {
    CfmConfig c;
    c.mpid = mpid;
    c.interval = interval;
    c.level = level;
    return c;
}

class CfmLab {
  public:
    uint64_t now = 0;
    std::vector<CfmMep*> meps;
    std::set<std::pair<size_t, size_t>> blocked;  // (from, to): frames from one never reach to
    uint64_t delivered = 0;                       // frames that reached a MEP
    uint64_t taken = 0, passed = 0, refused = 0;  // what the receivers did with them
    uint64_t wakeups = 0;                         // ticks run

    size_t add(CfmMep& m) {
        meps.push_back(&m);
        return meps.size() - 1;
    }

    void silence(size_t from) {
        for (size_t to = 0; to < meps.size(); ++to) blocked.insert({from, to});
    }
    void unsilence(size_t from) {
        for (size_t to = 0; to < meps.size(); ++to) blocked.erase({from, to});
    }

    // Every MEP runs at `now`; what it sends is delivered at once.
    void tick() {
        ++wakeups;
        for (size_t i = 0; i < meps.size(); ++i)
            for (const CcmBytes& f : meps[i]->run(now)) deliver(i, f);
    }

    // When the next MEP wants to run (after a tick at `now`: always later than now).
    uint64_t next_wakeup() const {
        uint64_t next = CfmMep::kNever;
        for (const CfmMep* m : meps) next = std::min(next, m->next_run_ms(now));
        return next;
    }

    // Ticks at every wake-up up to and including `until` (now ends at `until`).
    void run_until(uint64_t until) {
        tick();
        for (uint64_t next = wakeup_after(); next <= until; next = wakeup_after()) {
            now = next;
            tick();
        }
        now = until;
    }
    void run_for(uint64_t ms) { run_until(now + ms); }

    // Runs until `done()` holds after a tick, or `ms` pass; the time it held, or kNever.
    template <class Done>
    uint64_t run_until_true(Done done, uint64_t ms) {
        const uint64_t until = now + ms;
        tick();
        if (done()) return now;
        for (uint64_t next = wakeup_after(); next <= until; next = wakeup_after()) {
            now = next;
            tick();
            if (done()) return now;
        }
        now = until;
        return CfmMep::kNever;
    }

    uint64_t stalls = 0;  // wake-ups asked for that were not in the future (none expected)

  private:
    // The next wake-up; one that is not in the future (next_run_ms wrong) is counted and
    // moved 1 ms on.
    uint64_t wakeup_after() {
        const uint64_t next = next_wakeup();
        if (next > now) return next;
        ++stalls;
        return now + 1;
    }

    void deliver(size_t from, const CcmBytes& f) {
        for (size_t to = 0; to < meps.size(); ++to) {
            if (to == from || blocked.count({from, to})) continue;
            ++delivered;
            switch (meps[to]->receive(f.data(), f.size(), now).action) {
                case CfmRxAction::kTaken: ++taken; break;
                case CfmRxAction::kPassed: ++passed; break;
                case CfmRxAction::kRefused: ++refused; break;
            }
        }
    }
};

}  // namespace vsw::cfm::testing
