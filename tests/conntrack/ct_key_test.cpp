// A connection's key from a frame's bytes (conntrack/ct_key.h): every protocol, both
// directions, ICMP errors, and every refusal.
#include "conntrack/ct_key.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <set>
#include <string>

#include "tests/conntrack/ct_frames.h"

using namespace vsw;
using namespace vsw::conntrack;
using namespace vsw::conntrack::testing;

namespace {

CtKeyError parse(const Frame& f, CtPacket& p, uint16_t zone = 7) {
    return read_ct_packet(f.data(), static_cast<uint32_t>(f.size()),
                          static_cast<uint32_t>(f.size()), zone, p);
}

CtPacket packet(const Frame& f, uint16_t zone = 7) {
    CtPacket p;
    REQUIRE(parse(f, p, zone) == CtKeyError::kNone);
    return p;
}

CtKeyError refusal(const Frame& f) {
    CtPacket p;
    return parse(f, p);
}

// The refusal of `f` when only its first `n` bytes are contiguous (the rest in other segments).
CtKeyError refusal_cut(const Frame& f, size_t n) {
    CtPacket p;
    return read_ct_packet(f.data(), static_cast<uint32_t>(n), static_cast<uint32_t>(f.size()), 0,
                          p);
}

bool addr4_is(const uint8_t* a, const char* ip) {
    uint8_t b[16] = {};
    put_be32(b, v4(ip));
    return memcmp(a, b, 16) == 0;
}

bool addr6_is(const uint8_t* a, const char* ip) {
    const Ipv6Address b = v6(ip);
    return memcmp(a, b.data(), 16) == 0;
}

// The frame with its IP header's byte `at` (from the start of IP) set to `v`.
Frame poke(Frame f, size_t at, uint8_t v) {
    f[14 + at] = v;
    return f;
}

}  // namespace

TEST_CASE("ct key: TCP over IPv4, both directions give one key", "[conntrack]") {
    const CtPacket a = packet(tcp4("10.0.0.2", 40000, "10.0.0.1", 22, kTcpSyn));
    const CtPacket b = packet(tcp4("10.0.0.1", 22, "10.0.0.2", 40000, kTcpSyn | kTcpAck));
    CHECK(a.key == b.key);
    CHECK(a.side != b.side);
    CHECK(a.key.family == 4);
    CHECK(a.key.protocol == kProtoTcp);
    CHECK(a.key.zone == 7);
    // The lower address first, with its port.
    CHECK(addr4_is(a.key.addr[0], "10.0.0.1"));
    CHECK(addr4_is(a.key.addr[1], "10.0.0.2"));
    CHECK(a.key.port[0] == 22);
    CHECK(a.key.port[1] == 40000);
    CHECK(a.side == 1);  // 10.0.0.2 sent the SYN
    CHECK(a.l3_offset == 14);
    CHECK(a.l4_offset == 34);
    CHECK_FALSE(a.related);
}

TEST_CASE("ct key: zones and VLAN tags", "[conntrack]") {
    const Frame f = tcp4("10.0.0.2", 40000, "10.0.0.1", 22, kTcpSyn);
    CHECK_FALSE(packet(f, 1).key == packet(f, 2).key);  // zones never share a key
    const Frame tagged = eth(
        0x0800, ipv4(v4("10.0.0.2"), v4("10.0.0.1"), kProtoTcp, tcp(40000, 22, 1000, 0, kTcpSyn)),
        true, 100);
    const CtPacket t = packet(tagged);
    CHECK(t.key == packet(f).key);
    CHECK(t.l3_offset == 18);
}

TEST_CASE("ct key: same address, the ports order the endpoints", "[conntrack]") {
    const CtPacket a = packet(tcp4("10.0.0.1", 5000, "10.0.0.1", 80, kTcpSyn));
    const CtPacket b = packet(tcp4("10.0.0.1", 80, "10.0.0.1", 5000, kTcpSyn | kTcpAck));
    CHECK(a.key == b.key);
    CHECK(a.key.port[0] == 80);
    CHECK(a.side == 1);
    CHECK(b.side == 0);
}

TEST_CASE("ct key: IPv4 options are skipped", "[conntrack]") {
    const Frame opts = {0x94, 0x04, 0, 0};  // router alert
    const Frame f =
        eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), kProtoUdp, udp(53, 5353), 0, opts));
    const CtPacket p = packet(f);
    CHECK(p.key.port[0] == 53);
    CHECK(p.key.port[1] == 5353);
    CHECK(p.l4_offset == 14 + 24);
}

TEST_CASE("ct key: the TCP segment window tracking needs", "[conntrack]") {
    const Frame opts = cat(cat(opt_wscale(7), opt_sack_perm()), opt_sack(5000, 6000));
    const Frame f =
        eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), kProtoTcp,
                         tcp(1, 2, 0x11223344, 4000, kTcpAck | kTcpPsh, 512, opts, 100)));
    const CtPacket p = packet(f);
    CHECK(p.tcp.seq == 0x11223344);
    CHECK(p.tcp.ack == 4000);
    CHECK(p.tcp.sack == 6000);
    CHECK(p.tcp.window == 512);
    CHECK(p.tcp.flags == (kTcpAck | kTcpPsh));
    CHECK(p.tcp.wscale == 7);
    CHECK(p.tcp.sack_perm);
    CHECK(p.tcp.payload == 100);
    // A window scale above 14 is 14 (RFC 7323); no options: no scale, SACK is the ACK.
    const CtPacket big = packet(eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), kProtoTcp,
                                                 tcp(1, 2, 1, 0, kTcpSyn, 512, opt_wscale(20)))));
    CHECK(big.tcp.wscale == 14);
    const CtPacket none = packet(tcp4("10.0.0.1", 1, "10.0.0.2", 2, kTcpAck, 9, 77));
    CHECK(none.tcp.wscale == kNoWindowScale);
    CHECK_FALSE(none.tcp.sack_perm);
    CHECK(none.tcp.sack == 77);
    CHECK(none.tcp.payload == 0);
}

TEST_CASE("ct key: Ethernet padding is not payload", "[conntrack]") {
    Frame f = tcp4("10.0.0.1", 1, "10.0.0.2", 2, kTcpAck);  // 54 bytes
    f.resize(60, 0);                                        // padded to the minimum
    CHECK(packet(f).tcp.payload == 0);
}

TEST_CASE("ct key: UDP over IPv6 behind extension headers", "[conntrack]") {
    // hop-by-hop -> destination options -> routing -> UDP
    const Frame payload = ext(60, ext(43, ext(kProtoUdp, udp(5353, 53))));
    const Frame f = eth(0x86dd, ipv6(v6("2001:db8::2"), v6("2001:db8::1"), 0, payload));
    const CtPacket p = packet(f);
    CHECK(p.key.family == 6);
    CHECK(p.key.protocol == kProtoUdp);
    CHECK(addr6_is(p.key.addr[0], "2001:db8::1"));
    CHECK(addr6_is(p.key.addr[1], "2001:db8::2"));
    CHECK(p.key.port[0] == 53);
    CHECK(p.key.port[1] == 5353);
    CHECK(p.side == 1);
    CHECK(p.l4_offset == 14 + 40 + 24);
    CHECK(p.key == packet(udp6("2001:db8::1", 53, "2001:db8::2", 5353)).key);
}

TEST_CASE("ct key: IPv6 AH, an atomic fragment, and ESP", "[conntrack]") {
    // AH: length in 4-byte units minus 2 (here 16 bytes).
    Frame ah = {kProtoTcp, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0};
    const Frame f =
        eth(0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), 51, cat(ah, tcp(1, 2, 1, 0, kTcpSyn))));
    CHECK(packet(f).key.protocol == kProtoTcp);
    CHECK(packet(f).key.port[1] == 2);
    // An atomic fragment (offset 0, no more fragments: RFC 6946) is a whole packet.
    const Frame atomic =
        eth(0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), 44, frag6(kProtoUdp, 0, false, udp(7, 9))));
    CHECK(packet(atomic).key.port[1] == 9);
    // ESP: nothing readable after it; tracked by addresses and protocol.
    const Frame esp = eth(0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), 50, Frame(24, 0xee)));
    const CtPacket e = packet(esp);
    CHECK(e.key.protocol == 50);
    CHECK(e.key.port[0] == 0);
    CHECK(e.key.port[1] == 0);
}

TEST_CASE("ct key: SCTP ports, other protocols by addresses", "[conntrack]") {
    const CtPacket s =
        packet(eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), kProtoSctp, sctp(2905, 2906))));
    CHECK(s.key.protocol == kProtoSctp);
    CHECK(s.key.port[0] == 2905);
    CHECK(s.key.port[1] == 2906);
    const CtPacket gre = packet(eth(0x0800, ipv4(v4("10.0.0.2"), v4("10.0.0.1"), 47, Frame(8, 0))));
    CHECK(gre.key.protocol == 47);
    CHECK(gre.key.port[0] == 0);
    CHECK(gre.side == 1);
}

TEST_CASE("ct key: ICMP echo, request and reply share a key", "[conntrack]") {
    const CtPacket req = packet(icmp4("10.0.0.2", "10.0.0.1", 8, 0x4242));
    const CtPacket rep = packet(icmp4("10.0.0.1", "10.0.0.2", 0, 0x4242));
    CHECK(req.key == rep.key);
    CHECK_FALSE(req.icmp_reply);
    CHECK(rep.icmp_reply);
    CHECK(req.side == 1);
    CHECK(rep.side == 0);
    CHECK(req.key.port[0] == 0x4242);
    CHECK(req.key.port[1] == (8 << 8 | 1));  // echo, asked by endpoint 1 (10.0.0.2)
    // Another identifier, another query type, or the other side asking: other connections.
    CHECK_FALSE(packet(icmp4("10.0.0.2", "10.0.0.1", 8, 0x4243)).key == req.key);
    CHECK_FALSE(packet(icmp4("10.0.0.2", "10.0.0.1", 13, 0x4242)).key == req.key);
    CHECK_FALSE(packet(icmp4("10.0.0.1", "10.0.0.2", 8, 0x4242)).key == req.key);
    // Timestamp, information and address mask queries pair up the same way.
    CHECK(packet(icmp4("10.0.0.2", "10.0.0.1", 13, 5)).key ==
          packet(icmp4("10.0.0.1", "10.0.0.2", 14, 5)).key);
    CHECK(packet(icmp4("10.0.0.2", "10.0.0.1", 15, 5)).key ==
          packet(icmp4("10.0.0.1", "10.0.0.2", 16, 5)).key);
    CHECK(packet(icmp4("10.0.0.2", "10.0.0.1", 17, 5)).key ==
          packet(icmp4("10.0.0.1", "10.0.0.2", 18, 5)).key);
}

TEST_CASE("ct key: a ping to oneself", "[conntrack]") {
    const CtPacket req = packet(icmp4("10.0.0.1", "10.0.0.1", 8, 9));
    const CtPacket rep = packet(icmp4("10.0.0.1", "10.0.0.1", 0, 9));
    CHECK(req.key == rep.key);
    CHECK(req.side == 0);
    CHECK(rep.side == 1);
}

TEST_CASE("ct key: ICMPv6 echo and node information", "[conntrack]") {
    const CtPacket req = packet(icmp6("fd00::2", "fd00::1", 128, 77));
    const CtPacket rep = packet(icmp6("fd00::1", "fd00::2", 129, 77));
    CHECK(req.key == rep.key);
    CHECK(req.key.protocol == kProtoIcmpv6);
    CHECK(rep.icmp_reply);
    CHECK(packet(icmp6("fd00::2", "fd00::1", 139, 1)).key ==
          packet(icmp6("fd00::1", "fd00::2", 140, 1)).key);
}

TEST_CASE("ct key: an ICMP error is related to the connection it embeds", "[conntrack]") {
    // 10.0.0.2:5000 -> 10.0.0.1:53 over UDP; 10.0.0.1 answers port unreachable.
    const Frame dgram = udp4("10.0.0.2", 5000, "10.0.0.1", 53);
    const CtPacket orig = packet(dgram);
    const CtPacket err = packet(icmp4("10.0.0.1", "10.0.0.2", 3, 0, 3, ip_of(dgram)));
    CHECK(err.related);
    CHECK(err.key == orig.key);
    CHECK(err.side != orig.side);  // it travels like a reply
    // From a router on the way (time exceeded): related all the same.
    const CtPacket ttl = packet(icmp4("192.0.2.1", "10.0.0.2", 11, 0, 0, ip_of(dgram)));
    CHECK(ttl.related);
    CHECK(ttl.key == orig.key);
    CHECK(ttl.side == err.side);
    // Only the first 8 bytes of the embedded L4 header are needed.
    Frame cut = ip_of(dgram);
    cut.resize(28);
    CHECK(packet(icmp4("10.0.0.1", "10.0.0.2", 3, 0, 3, cut)).key == orig.key);
    // Source quench, redirect, parameter problem too.
    for (uint8_t type : {4, 5, 12})
        CHECK(packet(icmp4("10.0.0.1", "10.0.0.2", type, 0, 0, ip_of(dgram))).related);
}

TEST_CASE("ct key: ICMP errors about TCP and about an echo request", "[conntrack]") {
    const Frame syn = tcp4("10.0.0.2", 40000, "10.0.0.1", 22, kTcpSyn);
    const CtPacket e = packet(icmp4("10.0.0.1", "10.0.0.2", 3, 0, 13, ip_of(syn)));
    CHECK(e.related);
    CHECK(e.key == packet(syn).key);
    const Frame ping = icmp4("10.0.0.2", "10.0.0.1", 8, 99);
    const CtPacket t = packet(icmp4("192.0.2.1", "10.0.0.2", 11, 0, 0, ip_of(ping)));
    CHECK(t.related);
    CHECK(t.key == packet(ping).key);
    // About the reply (from the pinged host back): the same connection.
    const Frame pong = icmp4("10.0.0.1", "10.0.0.2", 0, 99);
    CHECK(packet(icmp4("192.0.2.1", "10.0.0.1", 11, 0, 0, ip_of(pong))).key == packet(ping).key);
}

TEST_CASE("ct key: ICMPv6 errors", "[conntrack]") {
    const Frame dgram = udp6("fd00::2", 5000, "fd00::1", 53);
    for (uint8_t type : {1, 2, 3, 4}) {
        const CtPacket e = packet(icmp6("fd00::1", "fd00::2", type, 0, 0, ip_of(dgram)));
        CHECK(e.related);
        CHECK(e.key == packet(dgram).key);
    }
}

TEST_CASE("ct key: refusals", "[conntrack]") {
    const Frame syn = tcp4("10.0.0.2", 40000, "10.0.0.1", 22, kTcpSyn);
    SECTION("not IP") {
        CHECK(refusal(eth(0x0806, Frame(28, 0))) == CtKeyError::kNotIp);
        CHECK(refusal(eth(0x88cc, Frame(40, 0))) == CtKeyError::kNotIp);
        // A second tag (QinQ inside): not read.
        CHECK(refusal(eth(0x8100, cat({0, 20, 0x08, 0x00}, ip_of(syn)), true)) ==
              CtKeyError::kNotIp);
    }
    SECTION("truncated, at every layer") {
        for (size_t n : {0, 13, 14 + 19, 14 + 20 + 19})
            CHECK(refusal_cut(syn, n) == CtKeyError::kTruncated);
        CHECK(refusal_cut(eth(0x0800, ip_of(syn), true), 16) == CtKeyError::kTruncated);
        CHECK(refusal_cut(udp4("10.0.0.1", 1, "10.0.0.2", 2), 14 + 20 + 7) ==
              CtKeyError::kTruncated);
        CHECK(refusal_cut(icmp4("10.0.0.1", "10.0.0.2", 8, 1), 14 + 20 + 7) ==
              CtKeyError::kTruncated);
        CHECK(refusal_cut(udp6("fd00::1", 1, "fd00::2", 2), 14 + 39) == CtKeyError::kTruncated);
        CHECK(refusal_cut(
                  eth(0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), 0, ext(kProtoUdp, udp(1, 2)))),
                  14 + 40 + 7) == CtKeyError::kTruncated);
        // Cut short as a whole frame: the IP length is then wrong.
        CHECK(refusal(Frame(syn.begin(), syn.end() - 1)) == CtKeyError::kBadIpHeader);
        // Headers must be in the contiguous bytes; the payload may be elsewhere.
        CHECK(refusal_cut(syn, 40) == CtKeyError::kTruncated);
        CtPacket p;
        CHECK(read_ct_packet(syn.data(), static_cast<uint32_t>(syn.size()), 9000, 0, p) ==
              CtKeyError::kNone);
    }
    SECTION("TCP options past the contiguous bytes") {
        const Frame f = eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), kProtoTcp,
                                         tcp(1, 2, 1, 0, kTcpSyn, 100, opt_wscale(3), 0)));
        CHECK(refusal_cut(f, f.size() - 1) == CtKeyError::kTruncated);
    }
    SECTION("bad IP headers") {
        CHECK(refusal(poke(syn, 0, 0x55)) == CtKeyError::kBadIpHeader);  // version 5
        CHECK(refusal(poke(syn, 0, 0x44)) == CtKeyError::kBadIpHeader);  // IHL 16 bytes
        CHECK(refusal(poke(syn, 2, 0x10)) == CtKeyError::kBadIpHeader);  // total past the frame
        CHECK(refusal(poke(poke(syn, 2, 0), 3, 19)) == CtKeyError::kBadIpHeader);  // < IHL
        const Frame u = udp6("fd00::1", 1, "fd00::2", 2);
        CHECK(refusal(poke(u, 0, 0x40)) == CtKeyError::kBadIpHeader);           // version 4
        CHECK(refusal(poke(poke(u, 4, 0), 5, 0)) == CtKeyError::kBadIpHeader);  // jumbogram
        CHECK(refusal(poke(u, 4, 0x10)) == CtKeyError::kBadIpHeader);           // past the frame
        // An extension header longer than the payload.
        const Frame e = eth(
            0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), 0, Frame{kProtoUdp, 5, 0, 0, 0, 0, 0, 0}));
        CHECK(refusal(e) == CtKeyError::kBadIpHeader);
    }
    SECTION("bad L4 headers") {
        Frame f = syn;
        f[14 + 20 + 12] = 0x40;  // data offset 16 bytes
        CHECK(refusal(f) == CtKeyError::kBadL4Header);
        f[14 + 20 + 12] = 0x60;  // 24 bytes, in a 20-byte payload
        CHECK(refusal(f) == CtKeyError::kBadL4Header);
        Frame u = udp4("10.0.0.1", 1, "10.0.0.2", 2);
        u[14 + 20 + 5] = 7;  // UDP length below its header
        CHECK(refusal(u) == CtKeyError::kBadL4Header);
        u[14 + 20 + 5] = 13;  // beyond the IP payload (12)
        CHECK(refusal(u) == CtKeyError::kBadL4Header);
        const Frame short_icmp =
            eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), kProtoIcmp, Frame(4, 8)));
        Frame padded = short_icmp;
        padded.resize(60, 0);  // 8 bytes there, but IP says 4
        CHECK(refusal(padded) == CtKeyError::kBadL4Header);
    }
    SECTION("fragments, first and later") {
        const Frame first =
            eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), kProtoUdp, udp(1, 2), 0x2000));
        const Frame later =
            eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), kProtoUdp, Frame(16, 0), 0x0003));
        const Frame last =
            eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), kProtoUdp, Frame(16, 0), 0x0010));
        CHECK(refusal(first) == CtKeyError::kFragment);
        CHECK(refusal(later) == CtKeyError::kFragment);
        CHECK(refusal(last) == CtKeyError::kFragment);
        // Don't-fragment is not a fragment.
        CHECK(refusal(eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), kProtoUdp, udp(1, 2),
                                       0x4000))) == CtKeyError::kNone);
        const Frame first6 = eth(
            0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), 44, frag6(kProtoUdp, 0, true, udp(1, 2))));
        const Frame later6 = eth(0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), 44,
                                              frag6(kProtoUdp, 8, false, Frame(8, 0))));
        CHECK(refusal(first6) == CtKeyError::kFragment);
        CHECK(refusal(later6) == CtKeyError::kFragment);
    }
    SECTION("too many IPv6 extension headers") {
        Frame chain = udp(1, 2);
        uint8_t next = kProtoUdp;
        for (int i = 0; i < 9; ++i) {
            chain = ext(next, chain);
            next = 60;
        }
        CHECK(refusal(eth(0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), next, chain))) ==
              CtKeyError::kTooManyExtensions);
        chain = udp(1, 2);
        next = kProtoUdp;
        for (int i = 0; i < 8; ++i) {
            chain = ext(next, chain);
            next = 60;
        }
        CHECK(refusal(eth(0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), next, chain))) ==
              CtKeyError::kNone);
    }
    SECTION("ICMP types that are neither queries nor errors") {
        CHECK(refusal(icmp4("10.0.0.1", "10.0.0.2", 9, 0)) ==
              CtKeyError::kIcmpType);  // router advert
        CHECK(refusal(icmp4("10.0.0.1", "10.0.0.2", 42, 0)) == CtKeyError::kIcmpType);
        CHECK(refusal(icmp6("fd00::1", "fd00::2", 200, 0)) == CtKeyError::kIcmpType);
        CHECK(refusal(icmp6("fd00::1", "fd00::2", 137, 0)) == CtKeyError::kIcmpType);  // redirect
        CHECK(refusal(icmp6("fd00::1", "fd00::2", 0, 0)) == CtKeyError::kIcmpType);
    }
    SECTION("neighbour discovery and MLD are untracked") {
        for (uint8_t type : {130, 131, 132, 133, 134, 135, 136, 143})
            CHECK(refusal(icmp6("fe80::1", "ff02::1", type, 0)) == CtKeyError::kUntracked);
    }
    SECTION("ICMP errors whose embedded packet cannot be read") {
        const Frame dgram = udp4("10.0.0.2", 5000, "10.0.0.1", 53);
        Frame cut = ip_of(dgram);
        cut.resize(20 + 3);  // not even the ports
        CHECK(refusal(icmp4("10.0.0.1", "10.0.0.2", 3, 0, 3, cut)) == CtKeyError::kBadIcmpError);
        cut.resize(19);
        CHECK(refusal(icmp4("10.0.0.1", "10.0.0.2", 3, 0, 3, cut)) == CtKeyError::kBadIcmpError);
        // An error about an error.
        const Frame inner = icmp4("10.0.0.2", "10.0.0.1", 3, 0, 3, ip_of(dgram));
        CHECK(refusal(icmp4("10.0.0.1", "10.0.0.2", 3, 0, 3, ip_of(inner))) ==
              CtKeyError::kBadIcmpError);
        // About a later fragment.
        const Frame later =
            eth(0x0800, ipv4(v4("10.0.0.2"), v4("10.0.0.1"), kProtoUdp, Frame(16, 0), 0x0003));
        CHECK(refusal(icmp4("10.0.0.1", "10.0.0.2", 11, 0, 1, ip_of(later))) ==
              CtKeyError::kBadIcmpError);
        // IPv6 embedded in ICMPv4.
        CHECK(refusal(icmp4("10.0.0.1", "10.0.0.2", 3, 0, 3,
                            ip_of(udp6("fd00::2", 1, "fd00::1", 2)))) == CtKeyError::kBadIcmpError);
    }
    SECTION("ICMP errors not sent to the embedded packet's source") {
        const Frame dgram = udp4("10.0.0.2", 5000, "10.0.0.1", 53);
        CHECK(refusal(icmp4("10.0.0.1", "10.0.0.9", 3, 0, 3, ip_of(dgram))) ==
              CtKeyError::kIcmpErrorAddress);
        const Frame d6 = udp6("fd00::2", 5000, "fd00::1", 53);
        CHECK(refusal(icmp6("fd00::1", "fd00::9", 1, 0, 4, ip_of(d6))) ==
              CtKeyError::kIcmpErrorAddress);
    }
}

TEST_CASE("ct key: every refusal has its own name", "[conntrack]") {
    std::set<std::string_view> names;
    for (unsigned e = 0; e <= static_cast<unsigned>(CtKeyError::kIcmpErrorAddress); ++e)
        names.insert(ct_key_error_name(static_cast<CtKeyError>(e)));
    CHECK(names.size() == static_cast<unsigned>(CtKeyError::kIcmpErrorAddress) + 1);
    CHECK(ct_key_error_name(CtKeyError::kFragment) == "fragment");
}
