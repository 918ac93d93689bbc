// A bond as the workers see it, in the snapshot: its members' slots, which of them take part
// now, and which member each hash bucket leaves by. Built by the bond controller whenever the
// distributing set changes (a LACPDU, a timeout, a carrier), never changed once published.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "bond/bond_config.h"
#include "core/limits.h"

namespace vsw {

constexpr unsigned kBondBuckets = 256;  // hash buckets, each carried by one member (as OVS's)

struct BondView {
    uint16_t slot = 0;                                              // the bond port's slot
    BondMode mode = BondMode::kActiveBackup;                        // how frames are spread
    uint8_t n_members = 0;                                          // entries used in member_slot
    std::array<uint16_t, kMaxBondMembersConfigured> member_slot{};  // by member index
    // Members collecting and distributing now (bit = member index): what they receive is taken
    // in, and they may be chosen to send. 802.1AX's coupled control: one bit for both.
    uint32_t distributing = 0;
    // The member that carries everything in active-backup, and floods in balance-slb (whose
    // frames to groups are taken from it only, so a flood the partner switch sends back on
    // another member is not taken twice); -1: none distributing.
    int8_t active = -1;
    std::array<uint8_t, kBondBuckets> bucket{};  // bucket -> member index (distributing ones)

    bool member_distributing(unsigned member) const { return distributing >> member & 1; }
};

struct BondTable {
    std::vector<BondView> bonds;  // one per bond port
    // By slot: the bond a port belongs to (an index in bonds) and its index among the members;
    // -1 for ports in no bond.
    std::array<int16_t, kMaxPorts> bond_of{};
    std::array<int8_t, kMaxPorts> member_index{};
    // By slot: the view of a bond port, or -1.
    std::array<int16_t, kMaxPorts> view_of{};

    BondTable() {
        bond_of.fill(-1);
        member_index.fill(-1);
        view_of.fill(-1);
    }
};

}  // namespace vsw
