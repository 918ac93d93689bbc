// Frames for connection tracking tests, built byte by byte (Ethernet, 802.1Q, IPv4 with
// options, IPv6 with extension headers, TCP with options, UDP, SCTP, ICMP and ICMPv6), and a
// TCP conversation that keeps both sides' sequence numbers.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "conntrack/ct_key.h"
#include "core/bytes.h"
#include "core/ipv4.h"
#include "core/ipv6.h"

namespace vsw::conntrack::testing {

using Frame = std::vector<uint8_t>;

inline uint32_t v4(const char* s) {
    uint32_t ip = 0;
    parse_ipv4(s, ip);
    return ip;
}

inline Ipv6Address v6(const char* s) {
    Ipv6Address a{};
    uint8_t len = 0;
    parse_ipv6_prefix(s, a, len);
    return a;
}

inline Frame cat(Frame a, const Frame& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Ethernet (02:..:02 -> 02:..:01), tagged with `vlan` if `tagged`.
inline Frame eth(uint16_t ethertype, const Frame& payload, bool tagged = false,
                 uint16_t vlan = 10) {
    Frame f = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};
    if (tagged)
        f.insert(f.end(),
                 {0x81, 0x00, static_cast<uint8_t>(vlan >> 8), static_cast<uint8_t>(vlan)});
    f.push_back(static_cast<uint8_t>(ethertype >> 8));
    f.push_back(static_cast<uint8_t>(ethertype));
    return cat(f, payload);
}

// An IPv4 packet; `frag` is the flags/offset field (0x2000: more fragments).
inline Frame ipv4(uint32_t src, uint32_t dst, uint8_t protocol, const Frame& l4, uint16_t frag = 0,
                  const Frame& options = {}) {
    Frame h(20 + options.size(), 0);
    h[0] = static_cast<uint8_t>(0x40 | (h.size() / 4));
    put_be16(&h[2], static_cast<uint16_t>(h.size() + l4.size()));
    put_be16(&h[4], 0x1234);
    put_be16(&h[6], frag);
    h[8] = 64;
    h[9] = protocol;
    put_be32(&h[12], src);
    put_be32(&h[16], dst);
    std::copy(options.begin(), options.end(), h.begin() + 20);
    return cat(h, l4);
}

// An IPv6 packet; `payload` starts with whatever `next` names (extension headers included).
inline Frame ipv6(const Ipv6Address& src, const Ipv6Address& dst, uint8_t next,
                  const Frame& payload) {
    Frame h(40, 0);
    h[0] = 0x60;
    put_be16(&h[4], static_cast<uint16_t>(payload.size()));
    h[6] = next;
    h[7] = 64;
    std::copy(src.begin(), src.end(), h.begin() + 8);
    std::copy(dst.begin(), dst.end(), h.begin() + 24);
    return cat(h, payload);
}

// An IPv6 extension header of 8 bytes (hop-by-hop, routing, destination options) before `rest`.
inline Frame ext(uint8_t next, const Frame& rest) {
    Frame h = {next, 0, 1, 4, 0, 0, 0, 0};  // a PadN option fills it
    return cat(h, rest);
}

// A fragment header: offset in 8-byte units, `more` fragments.
inline Frame frag6(uint8_t next, uint16_t offset, bool more, const Frame& rest) {
    Frame h = {next, 0, 0, 0, 0, 0, 0x12, 0x34};
    put_be16(&h[2], static_cast<uint16_t>(offset << 3 | (more ? 1 : 0)));
    return cat(h, rest);
}

inline Frame tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                 uint16_t window = 64240, const Frame& options = {}, uint32_t payload = 0) {
    Frame h(20 + options.size(), 0);
    put_be16(&h[0], sport);
    put_be16(&h[2], dport);
    put_be32(&h[4], seq);
    put_be32(&h[8], ack);
    h[12] = static_cast<uint8_t>((h.size() / 4) << 4);
    h[13] = flags;
    put_be16(&h[14], window);
    std::copy(options.begin(), options.end(), h.begin() + 20);
    h.resize(h.size() + payload, 0x61);
    return h;
}

inline Frame udp(uint16_t sport, uint16_t dport, uint32_t payload = 4) {
    Frame h(8 + payload, 0x75);
    put_be16(&h[0], sport);
    put_be16(&h[2], dport);
    put_be16(&h[4], static_cast<uint16_t>(h.size()));
    put_be16(&h[6], 0);
    return h;
}

inline Frame sctp(uint16_t sport, uint16_t dport) {
    Frame h(16, 0);
    put_be16(&h[0], sport);
    put_be16(&h[2], dport);
    return h;
}

// ICMP or ICMPv6 (the same layout): type, code, checksum 0, identifier, sequence, data.
inline Frame icmp(uint8_t type, uint8_t code, uint16_t id, uint16_t seq, const Frame& data = {}) {
    Frame h(8, 0);
    h[0] = type;
    h[1] = code;
    put_be16(&h[4], id);
    put_be16(&h[6], seq);
    return cat(h, data);
}

// Whole frames, IPv4 (Ethernet untagged).
inline Frame tcp4(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t flags,
                  uint32_t seq = 1000, uint32_t ack = 0) {
    return eth(0x0800, ipv4(v4(src), v4(dst), kProtoTcp, tcp(sport, dport, seq, ack, flags)));
}
inline Frame udp4(const char* src, uint16_t sport, const char* dst, uint16_t dport) {
    return eth(0x0800, ipv4(v4(src), v4(dst), kProtoUdp, udp(sport, dport)));
}
inline Frame icmp4(const char* src, const char* dst, uint8_t type, uint16_t id, uint8_t code = 0,
                   const Frame& data = {}) {
    return eth(0x0800, ipv4(v4(src), v4(dst), kProtoIcmp, icmp(type, code, id, 1, data)));
}
inline Frame udp6(const char* src, uint16_t sport, const char* dst, uint16_t dport) {
    return eth(0x86dd, ipv6(v6(src), v6(dst), kProtoUdp, udp(sport, dport)));
}
inline Frame icmp6(const char* src, const char* dst, uint8_t type, uint16_t id, uint8_t code = 0,
                   const Frame& data = {}) {
    return eth(0x86dd, ipv6(v6(src), v6(dst), kProtoIcmpv6, icmp(type, code, id, 1, data)));
}

// The IP packet inside an Ethernet frame (untagged): what an ICMP error embeds.
inline Frame ip_of(const Frame& f) {
    return Frame(f.begin() + 14, f.end());
}

// Window scale, SACK-permitted, SACK blocks, MSS options.
inline Frame opt_wscale(uint8_t shift) {
    return {1, 3, 3, shift};
}
inline Frame opt_sack_perm() {
    return {1, 1, 4, 2};
}
inline Frame opt_sack(uint32_t left, uint32_t right) {
    Frame o = {1, 1, 5, 10, 0, 0, 0, 0, 0, 0, 0, 0};
    put_be32(&o[4], left);
    put_be32(&o[8], right);
    return o;
}

// A TCP conversation between a client and a server over IPv4: each side keeps its sequence
// number and acknowledges everything the other sent.
struct TcpConversation {
    struct Side {
        uint32_t ip;              // address
        uint16_t port;            // port
        uint32_t seq;             // next sequence number to send
        uint32_t ack = 0;         // what it acknowledges
        uint16_t window = 64240;  // its window
    };
    Side client{v4("10.0.0.1"), 40000, 1000};  // opens
    Side server{v4("10.0.0.2"), 22, 500000};   // answers

    // A segment from `from` to `to` with `flags` and `payload` bytes; moves `from`'s sequence
    // number and makes `to` acknowledge it.
    Frame send(Side& from, Side& to, uint8_t flags, uint32_t payload = 0,
               const Frame& options = {}) {
        const Frame f =
            eth(0x0800, ipv4(from.ip, to.ip, kProtoTcp,
                             tcp(from.port, to.port, from.seq, flags & kTcpAck ? from.ack : 0,
                                 flags, from.window, options, payload)));
        from.seq += payload + (flags & kTcpSyn ? 1 : 0) + (flags & kTcpFin ? 1 : 0);
        to.ack = from.seq;
        return f;
    }
    Frame c(uint8_t flags, uint32_t payload = 0, const Frame& options = {}) {
        return send(client, server, flags, payload, options);
    }
    Frame s(uint8_t flags, uint32_t payload = 0, const Frame& options = {}) {
        return send(server, client, flags, payload, options);
    }
};

}  // namespace vsw::conntrack::testing
