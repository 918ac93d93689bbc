// Security groups and connection tracking as the workers see them: the connection table every
// PMD shares, its timeouts, and each port's compiled rules. Built by the ACL controller and
// published with the snapshot; a published table never changes (its connections are the
// connection table's business: ct_table.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "acl/acl_classifier.h"
#include "conntrack/ct_key.h"
#include "conntrack/ct_table.h"
#include "conntrack/ct_timeouts.h"
#include "core/limits.h"

namespace vsw {

// A connection's CtEntry::mark: which way its port's rules saw its first packet, so that
// changed rules can judge it again (acl_key_of).
constexpr uint8_t kCtMarkEgress = 0;   // from the guest (Neutron's egress)
constexpr uint8_t kCtMarkIngress = 1;  // to the guest (ingress)

struct AclTable {
    conntrack::CtTable* connections = nullptr;  // shared by every PMD; the controller owns it
    conntrack::CtTimeouts timeouts{};           // per protocol and state
    uint64_t tsc_per_ms = 1;                    // the switch clock's ticks per millisecond
    // By slot: the port's security groups compiled, or null (no groups: no ACL, no tracking).
    const acl::AclClassifier* rules[kMaxPorts] = {};
    std::vector<std::shared_ptr<const acl::AclClassifier>> keep{};  // what `rules` points into
};

// The zone of a port's connections: one per port, so two guests' connections never meet, and a
// connection between two ports with groups is tracked twice (once in each zone), as Neutron's
// firewall on both ends tracks it.
inline uint16_t acl_zone(uint16_t slot) {
    return slot;
}

// The classifier's key for a packet its `sender` endpoint sent in connection `k`, seen by its
// port in direction `dir`; ICMP: the query's type and code (`icmp_type`, `icmp_code`).
acl::AclKey acl_key_of(const conntrack::CtKey& k, uint8_t sender, acl::Direction dir,
                       uint8_t icmp_type, uint8_t icmp_code);

// A tracked connection's first packet as the rules judged it (its mark gives the direction),
// for judging it again when they change. ICMP: its request type, code 0 (the key keeps no code).
acl::AclKey acl_key_of(const conntrack::CtEntryView& c);

}  // namespace vsw
