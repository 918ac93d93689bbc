// A bench for LACP bond tests: bonds whose members are joined by cables, run together on one
// fake clock; what one sends along a cable reaches the other end as encoded bytes, in the same
// millisecond. A direction of a cable can be silenced (a partner that stops speaking) and a cable
// cut (both carriers down).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lacp/lacp_bond.h"

namespace vsw::lacp::testing {

constexpr uint64_t kStepMs = 10;  // how often every bond runs

struct Cable {
    LacpBond* a;
    size_t a_member;
    LacpBond* b;
    size_t b_member;
    bool a_to_b = true;  // frames from a reach b
    bool b_to_a = true;
    uint64_t a_to_b_frames = 0;
    uint64_t b_to_a_frames = 0;
    uint64_t last_b_to_a = 0;  // when b's last frame reached a
};

class LacpLab {
  public:
    uint64_t now = 0;
    std::vector<LacpBond*> bonds;
    std::vector<Cable> cables;
    uint64_t refused = 0;  // frames a receiver refused (none expected)

    void add(LacpBond& b) { bonds.push_back(&b); }

    // Joins two members and brings both carriers up; returns the cable's index.
    size_t plug(LacpBond& a, size_t am, LacpBond& b, size_t bm) {
        cables.push_back({&a, am, &b, bm});
        a.set_carrier(am, true, now);
        b.set_carrier(bm, true, now);
        return cables.size() - 1;
    }

    void cut(size_t cable) {
        Cable& c = cables[cable];
        c.a->set_carrier(c.a_member, false, now);
        c.b->set_carrier(c.b_member, false, now);
    }

    void reconnect(size_t cable) {
        Cable& c = cables[cable];
        c.a->set_carrier(c.a_member, true, now);
        c.b->set_carrier(c.b_member, true, now);
    }

    // Every bond runs at `now`; what it sends is delivered at once.
    void tick() {
        for (LacpBond* bond : bonds)
            for (const LacpTransmission& t : bond->run(now)) deliver(bond, t);
    }

    // Ticks every kStepMs for `ms` milliseconds (from now, up to but not at now + ms).
    void run_for(uint64_t ms) {
        for (const uint64_t end = now + ms; now < end; now += kStepMs) tick();
    }

    // Ticks until `done()` holds or `ms` pass; true if it held.
    template <class Done>
    bool run_until(Done done, uint64_t ms) {
        for (const uint64_t end = now + ms; now < end; now += kStepMs) {
            tick();
            if (done()) return true;
        }
        return false;
    }

  private:
    void deliver(LacpBond* from, const LacpTransmission& t) {
        for (Cable& c : cables) {
            if (c.a == from && c.a_member == t.member) {
                if (!c.a_to_b) return;
                ++c.a_to_b_frames;
                receive(*c.b, c.b_member, t);
                return;
            }
            if (c.b == from && c.b_member == t.member) {
                if (!c.b_to_a) return;
                ++c.b_to_a_frames;
                c.last_b_to_a = now;
                receive(*c.a, c.a_member, t);
                return;
            }
        }
    }

    void receive(LacpBond& to, size_t member, const LacpTransmission& t) {
        if (to.receive_frame(member, t.frame.data(), t.frame.size(), now) != LacpduError::kNone)
            ++refused;
    }
};

// A bond of `n` members eth0..: port numbers 1.., member MACs the system's + 1...
inline LacpBondSettings bond_settings(Mac system, size_t n, LacpMode mode = LacpMode::kActive,
                                      LacpTime time = LacpTime::kFast) {
    LacpBondSettings s;
    s.actor.mode = mode;
    s.actor.time = time;
    s.actor.system = system;
    for (size_t i = 0; i < n; ++i)
        s.members.push_back(
            {"eth" + std::to_string(i), static_cast<uint16_t>(i + 1), 32768, system + 1 + i});
    return s;
}

}  // namespace vsw::lacp::testing
