// A bond port on the datapath. Its members are ethdev ports polled as any other; what a member
// receives goes through member_ingress() and then on as the bond's own burst (learning sees
// the bond as one port). What the switch sends to the bond leaves by one distributing member,
// chosen per frame by the bond mode: the active member (active-backup), the bucket of the
// source MAC and VLAN (balance-slb, floods by the active member), or the bucket of the L3/L4
// addresses (balance-tcp).
#pragma once

#include <cstdint>

#include "bond/bond_view.h"
#include "src/datapath/fdb.h"
#include "src/datapath/port.h"

struct rte_mbuf;
struct rte_ring;

namespace vsw {

// What member ingress needs to know besides the bond.
struct MemberIngress {
    const BondView& bond;
    unsigned member = 0;         // the member's index in the bond
    Port& port;                  // the member port
    bool punt_reserved = false;  // its link-local frames go up (LACP, CFM) with its slot
    rte_ring* punt = nullptr;    // the slow path up
    const Fdb& fdb;              // balance-slb's reflection check
    uint16_t untagged_vlan = 0;  // the bond's VLAN of untagged frames (0: a trunk)
    unsigned worker = 0;
};

// Counts what the member received, punts its link-local frames (with the member's slot), and
// drops what the bond must not take from it: anything while it is not collecting, anything on a
// backup member in active-backup, floods on a non-active member and reflections of our own MACs
// in balance-slb. Returns how many frames go on as the bond's (pkts compacted).
uint16_t member_ingress(const MemberIngress& in, rte_mbuf** pkts, uint16_t n);

// Sends `n` frames buffered for bond `b` by its members (each member's transmit counts and
// drops on the member); counts what left on the bond's own counters. Without a distributing
// member the frames are dropped as port_down.
void bond_transmit(const BondView& b, Port* const* ports, Port& bond, unsigned worker,
                   rte_mbuf** pkts, uint16_t n);

}  // namespace vsw
