// The ACL stage (acl_stage.h).
#include "src/datapath/acl_stage.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "conntrack/ct_track.h"
#include "core/burst.h"

namespace vsw {

namespace {

using conntrack::CtKeyError;
using conntrack::CtPacket;
using conntrack::CtState;
using conntrack::CtTable;

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// Headers read: Ethernet, a tag, IPv4 with options or IPv6 with extension headers, TCP with
// options, and an ICMP error's embedded headers fit.
constexpr uint32_t kAclHeader = 256;

// What the first pass made of a frame.
enum class Kind : uint8_t {
    kPass,     // ARP, RARP, ND, MLD
    kDeny,     // not IP: acl_deny
    kInvalid,  // no connection key: ct_invalid
    kTracked,  // a key: the connection or the rules decide
    kSame,     // the previous frame's UDP flow, the same way: its fate (see UdpSignature)
};

// A burst usually carries runs of one flow. A UDP datagram moves its connection only by its
// direction (the reply bit) and its time (the deadline, which moves at most once a second): the
// next frame of the same flow the same way, in the same burst, meets the connection the first
// left, and shares its fate without a lookup. Only plain headers are compared, as bytes: IPv4
// without options or fragments, IPv6 without extension headers (TCP moves its state with every
// segment and is always tracked frame by frame).
struct UdpSignature {
    uint64_t words[5] = {};  // addresses and ports as in the frame, zero-padded
    bool plain = false;      // false: not a plain UDP frame

    bool operator==(const UdpSignature& o) const {
        return plain && o.plain &&
               ((words[0] ^ o.words[0]) | (words[1] ^ o.words[1]) | (words[2] ^ o.words[2]) |
                (words[3] ^ o.words[3]) | (words[4] ^ o.words[4])) == 0;
    }
};

UdpSignature udp_signature(const uint8_t* f, uint32_t len) {
    UdpSignature s;
    if (len < 14) return s;
    uint32_t l3 = 14;
    uint16_t type = be16(f + 12);
    if (type == 0x8100 && len >= 18) {
        type = be16(f + 16);
        l3 = 18;
    }
    if (type == 0x0800 && len >= l3 + 28 && f[l3] == 0x45 && f[l3 + 9] == 17 &&
        (be16(f + l3 + 6) & 0x3fff) == 0) {
        // Addresses, then the ports: read as whole words (a 4-byte store read back as 8 would
        // stall the compare on store forwarding).
        uint32_t ports;
        std::memcpy(&s.words[0], f + l3 + 12, 8);
        std::memcpy(&ports, f + l3 + 20, 4);
        s.words[1] = ports;
        s.plain = true;
    } else if (type == 0x86dd && len >= l3 + 48 && f[l3 + 6] == 17) {
        std::memcpy(s.words, f + l3 + 8, 36);
        s.words[4] |= uint64_t{1} << 63;  // never an IPv4 frame's (its fifth word is zero)
        s.plain = true;
    }
    return s;
}

// The frame's ethertype behind at most one 802.1Q tag (0 if too short).
uint16_t ethertype_of(const uint8_t* f, uint32_t len) {
    if (len < 14) return 0;
    uint16_t t = be16(f + 12);
    if (t == 0x8100 && len >= 18) t = be16(f + 16);
    return t;
}

// What the rules read of a packet: its key, and the first 4 bytes of its L4 header (ports, or
// ICMP's type and code) for protocols the tracker keeps no ports of.
Kind first_look(const uint8_t* f, uint32_t len, uint32_t frame_len, uint16_t zone, CtPacket& p,
                uint32_t& l4_word) {
    switch (acl::acl_frame_class(ethertype_of(f, len))) {
        case acl::AclFrameClass::kPass: return Kind::kPass;
        case acl::AclFrameClass::kDrop: return Kind::kDeny;
        case acl::AclFrameClass::kIp: break;
    }
    const CtKeyError e = conntrack::read_ct_packet(f, len, frame_len, zone, p);
    if (e == CtKeyError::kUntracked) return Kind::kPass;
    if (e != CtKeyError::kNone) return Kind::kInvalid;
    const uint8_t* l4 = f + p.l4_offset;
    l4_word = p.l4_offset + 4u <= len
                  ? uint32_t{l4[0]} << 24 | uint32_t{l4[1]} << 16 | uint32_t{l4[2]} << 8 | l4[3]
                  : 0;
    return Kind::kTracked;
}

// The classifier's view of a packet that would open a connection: its ports (or ICMP type and
// code) straight from the L4 header.
acl::AclKey rules_key(const CtPacket& p, uint32_t l4_word, acl::Direction dir) {
    const uint8_t protocol = p.key.protocol;
    const bool icmp = acl::is_icmp(protocol);
    acl::AclKey k = acl_key_of(p.key, p.side, dir, icmp ? static_cast<uint8_t>(l4_word >> 24) : 0,
                               icmp ? static_cast<uint8_t>(l4_word >> 16) : 0);
    if (acl::has_ports(protocol)) {
        k.src_port = static_cast<uint16_t>(l4_word >> 16);
        k.dst_port = static_cast<uint16_t>(l4_word);
    }
    return k;
}

}  // namespace

uint16_t acl_stage(const AclPort& a, rte_mbuf** pkts, uint16_t n, telemetry::PortCounters& c) {
    CtTable& table = *a.table.connections;
    CtPacket* packet = a.scratch.packet;
    uint32_t* l4_word = a.scratch.l4_word;
    uint64_t* hash = a.scratch.hash;
    Kind kind[kBurst];
    UdpSignature run;  // the UDP flow the previous frame was, if it was tracked
    for (uint16_t i = 0; i < n; ++i) {
        const rte_mbuf* m = pkts[i];
        // The headers may span segments in a guest's chained frame: read them into `copy`.
        uint8_t copy[kAclHeader];
        const uint32_t len = std::min<uint32_t>(m->pkt_len, kAclHeader);
        const auto* f = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, len, copy));
        const UdpSignature sig = f ? udp_signature(f, len) : UdpSignature{};
        if (i > 0 && sig == run) {
            kind[i] = Kind::kSame;
            continue;
        }
        kind[i] =
            f ? first_look(f, len, m->pkt_len, a.zone, packet[i], l4_word[i]) : Kind::kInvalid;
        run = kind[i] == Kind::kTracked ? sig : UdpSignature{};
    }
    // Hashed in a pass of their own: the keys were just written field by field, and reading
    // them back as words at once would stall on store forwarding.
    for (uint16_t i = 0; i < n; ++i) {
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
    DropReason why = DropReason::kAclDeny;  // the previous frame's fate (kSame)
    bool pass = false;
    for (uint16_t i = 0; i < n; ++i) {
        if (kind[i] != Kind::kSame) {
            why = DropReason::kAclDeny;
            pass = false;
        }
        switch (kind[i]) {
            case Kind::kSame: break;
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
                } else if (a.rules.classify(rules_key(p, l4_word[i], a.direction))
                               .allow) {  // new: the rules decide
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
