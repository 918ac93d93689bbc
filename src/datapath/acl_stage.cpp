// The ACL stage (acl_stage.h).
#include "src/datapath/acl_stage.h"

#include <rte_mbuf.h>

#include <algorithm>

#include "conntrack/ct_track.h"
#include "core/burst.h"

namespace vsw {

namespace {

using conntrack::CtKeyError;
using conntrack::CtPacket;
using conntrack::CtState;
using conntrack::CtTable;

// Headers read: Ethernet, a tag, IPv4 with options or IPv6 with extension headers, TCP with
// options, and an ICMP error's embedded headers fit.
constexpr uint32_t kAclHeader = 256;

// What the first pass made of a frame.
enum class Kind : uint8_t {
    kPass,     // ARP, RARP, ND, MLD
    kDeny,     // not IP: acl_deny
    kInvalid,  // no connection key: ct_invalid
    kTracked,  // a key: the connection or the rules decide
};

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// The frame's ethertype behind at most one 802.1Q tag (0 if too short).
uint16_t ethertype_of(const uint8_t* f, uint32_t len) {
    if (len < 14) return 0;
    uint16_t t = be16(f + 12);
    if (t == 0x8100 && len >= 18) t = be16(f + 16);
    return t;
}

Kind first_look(const uint8_t* f, uint32_t len, uint32_t frame_len, uint16_t zone, CtPacket& p,
                acl::AclKey& key, acl::Direction dir) {
    switch (acl::acl_frame_class(ethertype_of(f, len))) {
        case acl::AclFrameClass::kPass: return Kind::kPass;
        case acl::AclFrameClass::kDrop: return Kind::kDeny;
        case acl::AclFrameClass::kIp: break;
    }
    const CtKeyError e = conntrack::read_ct_packet(f, len, frame_len, zone, p);
    if (e == CtKeyError::kUntracked) return Kind::kPass;
    if (e != CtKeyError::kNone) return Kind::kInvalid;
    // The classifier's view, in case the packet opens a connection: its ports (or ICMP type and
    // code) straight from the L4 header, for protocols the tracker keeps no ports of too.
    uint8_t icmp_type = 0, icmp_code = 0;
    const uint8_t* l4 = f + p.l4_offset;
    const bool l4_read = p.l4_offset + 4u <= len;
    if (l4_read && acl::is_icmp(p.key.protocol)) {
        icmp_type = l4[0];
        icmp_code = l4[1];
    }
    key = acl_key_of(p.key, p.side, dir, icmp_type, icmp_code);
    if (acl::has_ports(p.key.protocol)) {
        key.src_port = l4_read ? be16(l4) : 0;
        key.dst_port = l4_read ? be16(l4 + 2) : 0;
    }
    return Kind::kTracked;
}

}  // namespace

uint16_t acl_stage(const AclPort& a, rte_mbuf** pkts, uint16_t n, telemetry::PortCounters& c) {
    CtTable& table = *a.table.connections;
    CtPacket packet[kBurst];
    acl::AclKey key[kBurst];
    uint64_t hash[kBurst];
    Kind kind[kBurst];
    for (uint16_t i = 0; i < n; ++i) {
        const rte_mbuf* m = pkts[i];
        // The headers may span segments in a guest's chained frame: read them into `copy`.
        uint8_t copy[kAclHeader];
        const uint32_t len = std::min<uint32_t>(m->pkt_len, kAclHeader);
        const auto* f = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, len, copy));
        kind[i] = f ? first_look(f, len, m->pkt_len, a.zone, packet[i], key[i], a.direction)
                    : Kind::kInvalid;
        if (kind[i] != Kind::kTracked) continue;
        hash[i] = CtTable::hash(packet[i].key);
        table.prefetch(hash[i]);
    }
    for (uint16_t i = 0; i < n; ++i)
        if (kind[i] == Kind::kTracked) table.prefetch_entry(hash[i]);

    const uint8_t mark = a.direction == acl::Direction::kIngress ? kCtMarkIngress : kCtMarkEgress;
    rte_mbuf* refused[kBurst];
    uint16_t kept = 0, n_refused = 0;
    uint64_t refused_bytes = 0;
    for (uint16_t i = 0; i < n; ++i) {
        DropReason why = DropReason::kAclDeny;
        bool pass = false;
        switch (kind[i]) {
            case Kind::kPass: pass = true; break;
            case Kind::kDeny: break;
            case Kind::kInvalid: why = DropReason::kCtInvalid; break;
            case Kind::kTracked: {
                const CtPacket& p = packet[i];
                const conntrack::CtResult r =
                    conntrack::ct_check(table, p, hash[i], a.now_ms, a.table.timeouts);
                if (r.state == CtState::kEstablished || r.state == CtState::kRelated) {
                    pass = true;
                } else if (r.state == CtState::kInvalid) {
                    why = DropReason::kCtInvalid;
                } else if (a.rules.classify(key[i]).allow) {  // new: the rules decide
                    if (r.entry) {  // a repeated opening before a reply: judged, not committed
                        pass = true;
                        break;
                    }
                    const conntrack::CtCommitResult cr =
                        conntrack::ct_commit(table, p, hash[i], a.now_ms, a.table.timeouts, mark);
                    switch (cr.insert) {
                        case CtTable::InsertResult::kInserted: pass = true; break;
                        case CtTable::InsertResult::kExists:  // another PMD's: judged against it
                            pass = cr.result.state != CtState::kInvalid;
                            why = DropReason::kCtInvalid;
                            break;
                        case CtTable::InsertResult::kFull:
                        case CtTable::InsertResult::kZoneFull:
                            why = cr.result.state == CtState::kInvalid ? DropReason::kCtInvalid
                                                                       : DropReason::kCtFull;
                            break;
                    }
                }
                break;
            }
        }
        if (pass) {
            pkts[kept++] = pkts[i];
            continue;
        }
        c.drop(why);
        refused_bytes += pkts[i]->pkt_len;
        refused[n_refused++] = pkts[i];
    }
    if (n_refused) {
        if (a.direction == acl::Direction::kEgress) {  // received from the guest
            c.rx_packets.add(n_refused);
            c.rx_bytes.add(refused_bytes);
        }
        rte_pktmbuf_free_bulk(refused, n_refused);
    }
    return kept;
}

}  // namespace vsw
