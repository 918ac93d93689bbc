// The ACL stage: a port's security groups with connection tracking, on the frames its guest
// sends (Neutron's egress, in the ingress list after port security) and on the frames sent to
// it (ingress, in the flush list before the egress step). Per frame, in this order:
//
//   ARP, RARP                        pass (acl_frame_class)
//   other non-IP                     acl_deny
//   IPv6 ND and MLD                  pass: untracked, as Neutron lets them through
//   unreadable, fragment, an ICMP type that opens nothing
//                                    ct_invalid (conntrack/ct_key.h says why each)
//   a tracked connection's packet    the connection decides: established and related pass,
//                                    out of state is ct_invalid
//   a new connection's packet        the port's rules (acl_classifier.h); allowed: committed
//                                    to the port's zone, or ct_full when the table or the zone
//                                    is full; denied: acl_deny
//
// The burst's connection lookups overlap: hashes and bucket prefetches for every frame, then
// entry prefetches, then the checks. No allocation, no lock but a TCP connection's spin flag
// and an insert's bucket bit (ct_table.h), no call through a pointer.
#pragma once

#include <cstdint>

#include "acl/security_group.h"
#include "conntrack/ct_key.h"
#include "core/burst.h"
#include "src/datapath/acl_table.h"
#include "telemetry/port_counters.h"

struct rte_mbuf;

namespace vsw {

// A burst's packets as the stage reads them: a worker's, kept between bursts so that a call
// does not clear 3 KB of arrays it overwrites anyway.
struct AclScratch {
    conntrack::CtPacket packet[kBurst];  // the connection's view of each frame
    uint32_t l4_word[kBurst];            // each frame's first 4 L4 bytes (the rules' ports)
    uint64_t hash[kBurst];               // each key's hash
};

// What the stage needs of the port and the round.
struct AclPort {
    const AclTable& table;                               // the snapshot's
    const acl::AclClassifier& rules;                     // the port's
    uint16_t zone = 0;                                   // the port's connections (acl_zone)
    acl::Direction direction = acl::Direction::kEgress;  // from the guest, or to it
    uint64_t now_ms = 0;                                 // the switch clock
    AclScratch& scratch;                                 // the worker's
};

// Keeps the frames the port's groups and their connections allow (pkts compacted, order kept),
// frees and counts the rest. Returns how many remain. Refused frames from the guest count as
// received too, as port security's do.
uint16_t acl_stage(const AclPort& a, rte_mbuf** pkts, uint16_t n, telemetry::PortCounters& c);

}  // namespace vsw
