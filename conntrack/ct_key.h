// A connection's key, read strictly from a frame's bytes: what connection tracking finds a
// packet's connection by. Pure byte parsing (no DPDK): the datapath calls it per packet of a
// port with security groups, the unit tests and the fuzzer (tests/fuzz/ct_key_fuzz.cpp) call it
// directly. The bytes come from guests and cables: every length is checked, nothing is read
// past the frame, and a frame that cannot be classified is refused with a reason.
//
// What is read: Ethernet, at most one 802.1Q tag, IPv4 (options skipped) or IPv6 (at most 8
// extension headers: hop-by-hop, routing, destination options, fragment, AH), then
//   TCP, UDP, SCTP         the two ports (TCP also its sequence numbers, window, flags and the
//                          options window tracking needs: window scale, SACK-permitted, SACK)
//   ICMP / ICMPv6 queries  echo (and ICMP's timestamp, information, address mask; ICMPv6's node
//                          information): the identifier and the query, as Linux's conntrack
//   ICMP / ICMPv6 errors   destination unreachable, time exceeded, parameter problem (and
//                          ICMP's source quench and redirect, ICMPv6's packet too big): the key of
//                          the packet they embed, marked related, as Linux does
//   other IP protocols     (GRE, ESP...) addresses and protocol only.
//
// The key is direction-independent: both directions of a connection give the same key (its
// endpoints in a canonical order), and the packet says which endpoint sent it (`side`).
//
// Fragments are refused (kFragment), first and later alike. Linux reassembles before tracking;
// a switch cannot without buffering guests' packets. Refusing them is the safe rule: later
// fragments carry no ports, so they could only be matched by (addresses, protocol, IP id)
// after their first fragment, which lets overlapping or reordered fragments through
// (RFC 1858, RFC 3128) and needs a table of its own; passing first fragments alone would only
// deliver halves. TCP never fragments (path MTU discovery); a guest that sends larger UDP or
// ICMP datagrams than its MTU loses them. IPv6 atomic fragments (offset 0, no more fragments,
// RFC 6946) are whole packets and are read as such.
//
// Not checked (as a switch should not): IP and L4 checksums (guests offload them, and the
// receiver checks them).
#pragma once

#include <cstdint>
#include <string_view>

namespace vsw::conntrack {

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoIcmpv6 = 58;
constexpr uint8_t kProtoSctp = 132;

constexpr unsigned kMaxIpv6Extensions = 8;  // extension headers read before refusing

// 40 bytes with no padding, so that it hashes and compares as plain bytes. Unused bytes are 0.
//
// The endpoints are ordered: (addr[0], port[0]) <= (addr[1], port[1]) as bytes, so both
// directions give one key. ICMP queries have no ports: port[0] is the query's identifier and
// port[1] is the request's type << 8 | the endpoint that asked (0 or 1); only the addresses are
// ordered.
struct CtKey {
    uint8_t addr[2][16];  // the endpoints' addresses (IPv4: the first 4 bytes, network order)
    uint16_t port[2];     // TCP/UDP/SCTP: the endpoints' ports (host order); ICMP: see above
    uint16_t zone;        // the zone the caller gave (one per port): zones never share entries
    uint8_t family;       // 4 or 6
    uint8_t protocol;     // IP protocol (IPv6: the upper layer after the extension headers)

    bool operator==(const CtKey&) const = default;
};
static_assert(sizeof(CtKey) == 40, "CtKey must have no hidden padding");

// TCP flags (the header's 13th byte).
constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpSyn = 0x02;
constexpr uint8_t kTcpRst = 0x04;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpAck = 0x10;
constexpr uint8_t kTcpUrg = 0x20;
constexpr uint8_t kTcpEce = 0x40;
constexpr uint8_t kTcpCwr = 0x80;

constexpr uint8_t kNoWindowScale = 0xff;  // TcpSegment::wscale when the option is absent

// What window tracking needs of a TCP segment.
struct TcpSegment {
    uint32_t seq = 0;                 // sequence number
    uint32_t ack = 0;                 // acknowledgement number (meaningful with kTcpAck)
    uint32_t sack = 0;                // the highest right edge of its SACK blocks, or `ack`
    uint32_t payload = 0;             // data bytes: the IP payload minus the TCP header
    uint16_t window = 0;              // advertised window, unscaled
    uint8_t flags = 0;                // kTcp* bits
    uint8_t wscale = kNoWindowScale;  // window scale option (capped at 14), or kNoWindowScale
    bool sack_perm = false;           // carries the SACK-permitted option
};

// One packet as connection tracking sees it.
struct CtPacket {
    CtKey key;                // its connection (an ICMP error: the connection it is about)
    uint8_t side = 0;         // the key's endpoint that sent it (an ICMP error: the endpoint the
                              // embedded packet went to, so the error travels like a reply to it)
    bool related = false;     // an ICMP error about `key`'s connection
    bool icmp_reply = false;  // an ICMP query's reply (echo reply...): it never opens a connection
    uint16_t l3_offset = 0;   // where the IP header starts in the frame (after any tag)
    uint16_t l4_offset = 0;   // where the L4 header starts (the ICMP header for an error)
    TcpSegment tcp;           // TCP (not related): the segment
};

// Why a frame has no key. X(enumerator, name): one list, the enum and the names.
#define VSW_CT_KEY_ERRORS(X)                                                                      \
    X(kNone, "none")                                                                              \
    X(kNotIp, "not_ip")              /* not IPv4/IPv6 behind at most one tag: ARP, LLDP... */     \
    X(kTruncated, "truncated")       /* a header past the frame's contiguous bytes */             \
    X(kBadIpHeader, "bad_ip_header") /* version, header length, a length past the frame */        \
    X(kBadL4Header, "bad_l4_header") /* TCP data offset, UDP length: past the IP payload */       \
    X(kFragment, "fragment")         /* an IPv4 or IPv6 fragment, first or later */               \
    X(kTooManyExtensions, "too_many_extensions") /* more than 8 IPv6 extension headers */         \
    X(kIcmpType, "icmp_type")          /* an ICMP type that opens nothing, relates to nothing */  \
    X(kUntracked, "untracked")         /* ICMPv6 ND and MLD: untracked, the rules alone decide */ \
    X(kBadIcmpError, "bad_icmp_error") /* an ICMP error about an unreadable packet, a later       \
                                          fragment, or another error */                           \
    X(kIcmpErrorAddress, "icmp_error_address") /* an ICMP error not sent to the source of         \
                                                  the packet it embeds */

enum class CtKeyError : uint8_t {
#define VSW_X(e, name) e,
    VSW_CT_KEY_ERRORS(VSW_X)
#undef VSW_X
};

std::string_view ct_key_error_name(CtKeyError e);

// Reads the packet in the frame whose first `len` bytes are contiguous at `frame`; `frame_len`
// is the whole frame's length (>= len: the rest may sit in other segments; only headers must be
// contiguous). `zone` goes into the key. On kNone `out` holds the packet; otherwise `out` holds
// nothing meaningful.
CtKeyError read_ct_packet(const uint8_t* frame, uint32_t len, uint32_t frame_len, uint16_t zone,
                          CtPacket& out);

// Orders a key whose endpoint 0 is a packet's sender and endpoint 1 its receiver (ports as on
// the wire; an ICMP query's as described above, requester included); returns the sender's
// side in the ordered key.
uint8_t canonicalize(CtKey& key);

}  // namespace vsw::conntrack
