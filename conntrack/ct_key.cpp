// A connection's key from a frame's bytes (ct_key.h). Each layer checks what it reads against
// two bounds: the contiguous bytes (`len`: headers must be there) and the lengths the IP header
// gives (the packet's real extent; bytes beyond it are Ethernet padding).
#include "conntrack/ct_key.h"

#include <cstring>

#include "core/bytes.h"

namespace vsw::conntrack {
namespace {

constexpr std::string_view kErrorNames[] = {
#define VSW_X(e, name) name,
    VSW_CT_KEY_ERRORS(VSW_X)
#undef VSW_X
};

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;

// IPv6 extension headers.
constexpr uint8_t kHopByHop = 0, kRouting = 43, kFragmentHeader = 44, kAh = 51, kDestOptions = 60;

// The IP layer of a packet: where its addresses are and what follows.
struct L3 {
    const uint8_t* src = nullptr;  // source address in the frame
    const uint8_t* dst = nullptr;  // destination address in the frame
    uint8_t family = 0;            // 4 or 6
    uint8_t protocol = 0;          // upper-layer protocol
    uint32_t l4 = 0;               // offset of the upper-layer header in the frame
    uint32_t l4_len = 0;           // upper-layer bytes per the IP lengths (outer packets only)
};

// Which packet is being read: the frame's own, or the one an ICMP error embeds (whose IP
// lengths describe the original packet, of which only the start is there).
enum class Layer { kOuter, kEmbedded };

CtKeyError read_ipv4(const uint8_t* f, uint32_t off, uint32_t len, uint32_t frame_len, Layer layer,
                     L3& l3) {
    if (len < off + 20) return CtKeyError::kTruncated;
    const uint8_t* ip = f + off;
    const uint32_t ihl = (ip[0] & 0xfu) * 4u;
    if ((ip[0] >> 4) != 4 || ihl < 20) return CtKeyError::kBadIpHeader;
    if (len < off + ihl) return CtKeyError::kTruncated;
    const uint32_t total = get_be16(ip + 2);
    const uint16_t frag = get_be16(ip + 6);
    const bool more_fragments = frag & 0x2000;
    const uint32_t offset = frag & 0x1fff;
    if (layer == Layer::kOuter) {
        if (total < ihl || total > frame_len - off) return CtKeyError::kBadIpHeader;
        if (more_fragments || offset) return CtKeyError::kFragment;
        l3.l4_len = total - ihl;
    } else if (offset) {
        return CtKeyError::kBadIcmpError;  // a later fragment: no L4 header to read
    }
    l3.src = ip + 12;
    l3.dst = ip + 16;
    l3.family = 4;
    l3.protocol = ip[9];
    l3.l4 = off + ihl;
    return CtKeyError::kNone;
}

CtKeyError read_ipv6(const uint8_t* f, uint32_t off, uint32_t len, uint32_t frame_len, Layer layer,
                     L3& l3) {
    if (len < off + 40) return CtKeyError::kTruncated;
    const uint8_t* ip = f + off;
    if ((ip[0] >> 4) != 6) return CtKeyError::kBadIpHeader;
    const uint32_t payload = get_be16(ip + 4);
    // The packet's end: the IP lengths for the frame's own packet (a jumbogram's payload length 0
    // is refused: no switch port carries one), whatever was embedded for an ICMP error's.
    uint32_t end = len;
    if (layer == Layer::kOuter) {
        if (payload == 0 || payload > frame_len - off - 40) return CtKeyError::kBadIpHeader;
        end = off + 40 + payload;
    }
    uint8_t next = ip[6];
    uint32_t at = off + 40;
    for (unsigned n = 0;; ++n) {
        if (next != kHopByHop && next != kRouting && next != kDestOptions && next != kAh &&
            next != kFragmentHeader)
            break;
        if (n == kMaxIpv6Extensions) return CtKeyError::kTooManyExtensions;
        if (len < at + 8) return CtKeyError::kTruncated;  // every extension header is 8+ bytes
        const uint8_t* h = f + at;
        uint32_t size = 8u * (1u + h[1]);
        if (next == kAh) size = 4u * (2u + h[1]);
        if (next == kFragmentHeader) {
            size = 8;
            const uint16_t frag = get_be16(h + 2);
            const bool first = (frag & 0xfff8) == 0;
            const bool more = frag & 1;
            if (layer == Layer::kOuter && (more || !first)) return CtKeyError::kFragment;
            if (layer == Layer::kEmbedded && !first) return CtKeyError::kBadIcmpError;
        }
        if (at + size > end) {
            return layer == Layer::kOuter ? CtKeyError::kBadIpHeader : CtKeyError::kBadIcmpError;
        }
        if (at + size > len) return CtKeyError::kTruncated;  // headers must be contiguous
        next = h[0];
        at += size;
    }
    l3.src = ip + 8;
    l3.dst = ip + 24;
    l3.family = 6;
    l3.protocol = next;
    l3.l4 = at;
    l3.l4_len = end - at;
    return CtKeyError::kNone;
}

// The key with the packet's sender as endpoint 0 (not yet ordered).
void put_addresses(const L3& l3, uint16_t zone, CtKey& k) {
    memset(&k, 0, sizeof k);
    const size_t n = l3.family == 4 ? 4 : 16;
    memcpy(k.addr[0], l3.src, n);
    memcpy(k.addr[1], l3.dst, n);
    k.family = l3.family;
    k.protocol = l3.protocol;
    k.zone = zone;
}

bool has_ports(uint8_t protocol) {
    return protocol == kProtoTcp || protocol == kProtoUdp || protocol == kProtoSctp;
}

// ICMP query types and their replies. The request's type keys the connection.
struct IcmpQuery {
    uint8_t request;  // the request's type (0: not a query)
    bool reply;       // the packet is the reply
};

IcmpQuery icmp_query(uint8_t family, uint8_t type) {
    if (family == 4) {
        switch (type) {
            case 8: return {8, false};  // echo
            case 0: return {8, true};
            case 13: return {13, false};  // timestamp
            case 14: return {13, true};
            case 15: return {15, false};  // information
            case 16: return {15, true};
            case 17: return {17, false};  // address mask
            case 18: return {17, true};
            default: return {0, false};
        }
    }
    switch (type) {
        case 128: return {128, false};  // echo
        case 129: return {128, true};
        case 139: return {139, false};  // node information
        case 140: return {139, true};
        default: return {0, false};
    }
}

bool icmp_is_error(uint8_t family, uint8_t type) {
    if (family == 4) return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    return type >= 1 && type <= 4;
}

// ICMPv6 types Linux leaves untracked (MLD and neighbour discovery but redirects).
bool icmpv6_untracked(uint8_t type) {
    return (type >= 130 && type <= 136) || type == 143;
}

// The ICMP query's fields in a key whose endpoint 0 sent `type`.
void put_icmp_query(const uint8_t* icmp, IcmpQuery q, CtKey& k) {
    k.port[0] = get_be16(icmp + 4);                               // identifier
    k.port[1] = static_cast<uint16_t>(q.request << 8 | q.reply);  // the receiver asked if a reply
}

// TCP options window tracking uses (as Linux's tcp_options and tcp_sack): window scale,
// SACK-permitted, and the highest SACK right edge.
void read_tcp_options(const uint8_t* o, uint32_t n, TcpSegment& s) {
    uint32_t i = 0;
    while (i < n) {
        const uint8_t kind = o[i];
        if (kind == 0) return;  // end of options
        if (kind == 1) {        // no-op
            ++i;
            continue;
        }
        if (i + 2 > n) return;
        const uint8_t size = o[i + 1];
        if (size < 2 || i + size > n) return;  // silly or partial: stop, as Linux does
        if (kind == 3 && size == 3) {
            s.wscale = o[i + 2] > 14 ? 14 : o[i + 2];
        } else if (kind == 4 && size == 2) {
            s.sack_perm = true;
        } else if (kind == 5 && size >= 10 && (size - 2) % 8 == 0) {
            for (uint32_t b = i + 2; b < i + size; b += 8) {
                const uint32_t right = get_be32(o + b + 4);
                if (static_cast<int32_t>(right - s.sack) > 0) s.sack = right;
            }
        }
        i += size;
    }
}

CtKeyError read_tcp(const uint8_t* f, uint32_t len, const L3& l3, TcpSegment& s) {
    if (len < l3.l4 + 20) return CtKeyError::kTruncated;
    const uint8_t* t = f + l3.l4;
    const uint32_t doff = (t[12] >> 4) * 4u;
    if (doff < 20 || doff > l3.l4_len) return CtKeyError::kBadL4Header;
    if (len < l3.l4 + doff) return CtKeyError::kTruncated;
    s.seq = get_be32(t + 4);
    s.ack = get_be32(t + 8);
    s.sack = s.ack;
    s.flags = t[13];
    s.window = get_be16(t + 14);
    s.payload = l3.l4_len - doff;
    s.wscale = kNoWindowScale;
    s.sack_perm = false;
    read_tcp_options(t + 20, doff - 20, s);
    return CtKeyError::kNone;
}

// The key of the packet an ICMP error embeds, at `off` (its IP header) in the frame.
CtKeyError read_embedded(const uint8_t* f, uint32_t off, uint32_t len, const L3& outer,
                         CtPacket& out) {
    L3 in;
    const CtKeyError e = outer.family == 4 ? read_ipv4(f, off, len, len, Layer::kEmbedded, in)
                                           : read_ipv6(f, off, len, len, Layer::kEmbedded, in);
    if (e != CtKeyError::kNone) return CtKeyError::kBadIcmpError;
    // Linux: the error must go to where the embedded packet came from.
    if (memcmp(outer.dst, in.src, outer.family == 4 ? 4 : 16) != 0)
        return CtKeyError::kIcmpErrorAddress;
    CtKey& k = out.key;
    put_addresses(in, out.key.zone, k);
    const uint8_t icmp = in.family == 4 ? kProtoIcmp : kProtoIcmpv6;
    if (has_ports(in.protocol)) {
        if (len < in.l4 + 4) return CtKeyError::kBadIcmpError;  // Linux needs the ports only
        k.port[0] = get_be16(f + in.l4);
        k.port[1] = get_be16(f + in.l4 + 2);
    } else if (in.protocol == icmp) {
        if (len < in.l4 + 8) return CtKeyError::kBadIcmpError;
        const IcmpQuery q = icmp_query(in.family, f[in.l4]);
        if (q.request == 0) return CtKeyError::kBadIcmpError;  // an error about an error
        put_icmp_query(f + in.l4, q, k);
    }
    // The embedded packet went from its side to the other; the error comes back the other way.
    out.side = static_cast<uint8_t>(1 - canonicalize(k));
    out.related = true;
    return CtKeyError::kNone;
}

CtKeyError read_icmp(const uint8_t* f, uint32_t len, const L3& l3, CtPacket& out) {
    if (len < l3.l4 + 8) return CtKeyError::kTruncated;
    if (l3.l4_len < 8) return CtKeyError::kBadL4Header;
    const uint8_t type = f[l3.l4];
    if (icmp_is_error(l3.family, type)) return read_embedded(f, l3.l4 + 8, len, l3, out);
    const IcmpQuery q = icmp_query(l3.family, type);
    if (q.request) {
        put_icmp_query(f + l3.l4, q, out.key);
        out.icmp_reply = q.reply;
        out.side = canonicalize(out.key);
        return CtKeyError::kNone;
    }
    if (l3.family == 6 && icmpv6_untracked(type)) return CtKeyError::kUntracked;
    return CtKeyError::kIcmpType;
}

CtKeyError read_l4(const uint8_t* f, uint32_t len, const L3& l3, CtPacket& out) {
    switch (l3.protocol) {
        case kProtoTcp: {
            const CtKeyError e = read_tcp(f, len, l3, out.tcp);
            if (e != CtKeyError::kNone) return e;
            break;
        }
        case kProtoUdp: {
            if (len < l3.l4 + 8) return CtKeyError::kTruncated;
            const uint32_t ulen = get_be16(f + l3.l4 + 4);
            if (ulen < 8 || ulen > l3.l4_len) return CtKeyError::kBadL4Header;
            break;
        }
        case kProtoSctp:
            if (len < l3.l4 + 12) return CtKeyError::kTruncated;
            if (l3.l4_len < 12) return CtKeyError::kBadL4Header;
            break;
        case kProtoIcmp:
            if (l3.family != 4) break;  // ICMP (v4) in IPv6: tracked as any other protocol
            return read_icmp(f, len, l3, out);
        case kProtoIcmpv6:
            if (l3.family != 6) break;
            return read_icmp(f, len, l3, out);
        default: break;
    }
    if (has_ports(l3.protocol)) {
        out.key.port[0] = get_be16(f + l3.l4);
        out.key.port[1] = get_be16(f + l3.l4 + 2);
    }
    out.side = canonicalize(out.key);
    return CtKeyError::kNone;
}

}  // namespace

std::string_view ct_key_error_name(CtKeyError e) {
    return kErrorNames[static_cast<unsigned>(e)];
}

namespace {

// memcmp's order of two 16-byte addresses, as two big-endian words (a call to memcmp per
// packet was a tenth of the ACL stage's time).
int address_order(const uint8_t* a, const uint8_t* b) {
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&a1, a + 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, b + 8, 8);
    a0 = __builtin_bswap64(a0), b0 = __builtin_bswap64(b0);
    if (a0 != b0) return a0 < b0 ? -1 : 1;
    a1 = __builtin_bswap64(a1), b1 = __builtin_bswap64(b1);
    if (a1 != b1) return a1 < b1 ? -1 : 1;
    return 0;
}

}  // namespace

uint8_t canonicalize(CtKey& k) {
    const bool icmp = k.protocol == kProtoIcmp || k.protocol == kProtoIcmpv6;
    const int order = address_order(k.addr[0], k.addr[1]);
    if (icmp) {
        if (order == 0) {  // to itself: the requester is endpoint 0, the sender says its side
            const auto side = static_cast<uint8_t>(k.port[1] & 1);
            k.port[1] &= 0xff00;
            return side;
        }
        if (order < 0) return 0;
        uint8_t tmp[16];
        memcpy(tmp, k.addr[0], 16);
        memcpy(k.addr[0], k.addr[1], 16);
        memcpy(k.addr[1], tmp, 16);
        k.port[1] ^= 1;  // the requester's endpoint number changes with the order
        return 1;
    }
    if (order < 0 || (order == 0 && k.port[0] <= k.port[1])) return 0;
    uint8_t tmp[16];
    memcpy(tmp, k.addr[0], 16);
    memcpy(k.addr[0], k.addr[1], 16);
    memcpy(k.addr[1], tmp, 16);
    const uint16_t p = k.port[0];
    k.port[0] = k.port[1];
    k.port[1] = p;
    return 1;
}

CtKeyError read_ct_packet(const uint8_t* frame, uint32_t len, uint32_t frame_len, uint16_t zone,
                          CtPacket& out) {
    if (frame_len < len) frame_len = len;
    if (len < 14) return CtKeyError::kTruncated;
    uint32_t off = 12;
    uint16_t type = get_be16(frame + off);
    if (type == kEtherVlan) {
        if (len < 18) return CtKeyError::kTruncated;
        off += 4;
        type = get_be16(frame + off);
    }
    off += 2;
    if (type != kEtherIpv4 && type != kEtherIpv6) return CtKeyError::kNotIp;
    L3 l3;
    const CtKeyError e = type == kEtherIpv4
                             ? read_ipv4(frame, off, len, frame_len, Layer::kOuter, l3)
                             : read_ipv6(frame, off, len, frame_len, Layer::kOuter, l3);
    if (e != CtKeyError::kNone) return e;
    put_addresses(l3, zone, out.key);
    out.related = false;
    out.icmp_reply = false;
    out.l3_offset = static_cast<uint16_t>(off);
    out.l4_offset = static_cast<uint16_t>(l3.l4);
    out.tcp = TcpSegment{};
    return read_l4(frame, len, l3, out);
}

}  // namespace vsw::conntrack
