// One packet's connection tracking (conntrack/ct_track.h) on a fake clock: UDP and ICMP with
// their timeouts, ICMP errors related to their connection, the table's bounds (new refused,
// established go on), expiry, zones.
#include "conntrack/ct_track.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "tests/conntrack/ct_lab.h"

using namespace vsw;
using namespace vsw::conntrack;
using namespace vsw::conntrack::testing;

namespace {

// Connections left after a sweep at the lab's time.
uint32_t left(CtLab& lab) {
    lab.sweep_all();
    return lab.table.size();
}

uint8_t status_of(const CtLab::Outcome& o) {
    return o.entry ? o.entry->status.load() : 0;
}

}  // namespace

TEST_CASE("UDP: new until a reply, then established; 30 s unreplied", "[conntrack]") {
    CtLab lab;
    const Frame q = udp4("10.0.0.2", 5000, "10.0.0.1", 53);
    const Frame a = udp4("10.0.0.1", 53, "10.0.0.2", 5000);
    const CtLab::Outcome first = lab.feed(q);
    CHECK(first.state == CtState::kNew);
    REQUIRE(first.entry);
    const CtLab::Outcome again = lab.feed(q);
    CHECK(again.state == CtState::kNew);  // no reply yet: the rules decide again
    CHECK(again.entry == first.entry);
    CHECK(lab.table.size() == 1);
    lab.advance(30.5);
    CHECK(left(lab) == 1);
    lab.advance(0.6);
    CHECK(left(lab) == 0);
    // A reply in time.
    CHECK(lab.state(q) == CtState::kNew);
    const CtLab::Outcome reply = lab.feed(a);
    CHECK(reply.state == CtState::kEstablished);
    CHECK(reply.dir == CtDir::kReply);
    CHECK(status_of(reply) == kCtSeenReply);
    CHECK(lab.state(q) == CtState::kEstablished);
}

TEST_CASE("UDP: a stream past 2 s is assured, 120 s", "[conntrack]") {
    CtLab lab;
    const Frame q = udp4("10.0.0.2", 5000, "10.0.0.1", 53);
    const Frame a = udp4("10.0.0.1", 53, "10.0.0.2", 5000);
    lab.feed(q);
    lab.feed(a);
    lab.advance(1);
    CHECK_FALSE(status_of(lab.feed(q)) & kCtAssured);  // within 2 s: 30 s still
    lab.advance(29.5);
    CHECK(left(lab) == 1);
    CHECK(lab.state(a) == CtState::kEstablished);  // now past 2 s: a stream
    CHECK(status_of(lab.feed(a)) & kCtAssured);
    lab.advance(120.5);
    CHECK(left(lab) == 1);
    lab.advance(0.6);
    CHECK(left(lab) == 0);
}

TEST_CASE("UDP over IPv6, SCTP and GRE follow the same rule", "[conntrack]") {
    CtLab lab;
    CHECK(lab.state(udp6("fd00::2", 5000, "fd00::1", 53)) == CtState::kNew);
    CHECK(lab.state(udp6("fd00::1", 53, "fd00::2", 5000)) == CtState::kEstablished);
    const Frame s1 =
        eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), kProtoSctp, sctp(2905, 2906)));
    const Frame s2 =
        eth(0x0800, ipv4(v4("10.0.0.2"), v4("10.0.0.1"), kProtoSctp, sctp(2906, 2905)));
    CHECK(lab.state(s1) == CtState::kNew);
    CHECK(lab.state(s2) == CtState::kEstablished);
    const Frame g1 = eth(0x0800, ipv4(v4("10.0.0.1"), v4("10.0.0.2"), 47, Frame(8, 0)));
    const Frame g2 = eth(0x0800, ipv4(v4("10.0.0.2"), v4("10.0.0.1"), 47, Frame(8, 0)));
    CHECK(lab.state(g1) == CtState::kNew);
    CHECK(lab.state(g2) == CtState::kEstablished);
    CHECK(lab.table.size() == 3);
}

TEST_CASE("ICMP echo: a request opens, its reply comes back; 30 s", "[conntrack]") {
    CtLab lab;
    const Frame ping = icmp4("10.0.0.2", "10.0.0.1", 8, 7);
    const Frame pong = icmp4("10.0.0.1", "10.0.0.2", 0, 7);
    SECTION("a reply with no request is invalid") {
        const CtLab::Outcome o = lab.feed(pong);
        CHECK(o.state == CtState::kInvalid);
        CHECK(o.reason == CtInvalid::kCannotOpen);
        CHECK(lab.table.size() == 0);
    }
    SECTION("request, reply, timeout") {
        CHECK(lab.state(ping) == CtState::kNew);
        CHECK(lab.state(ping) == CtState::kNew);  // a second request before a reply
        const CtLab::Outcome o = lab.feed(pong);
        CHECK(o.state == CtState::kEstablished);
        CHECK(o.dir == CtDir::kReply);
        CHECK(lab.state(ping) == CtState::kEstablished);
        lab.advance(30.5);
        CHECK(left(lab) == 1);
        lab.advance(0.6);
        CHECK(left(lab) == 0);
        CHECK(lab.feed(pong).reason == CtInvalid::kCannotOpen);
    }
    SECTION("the pinged host's own ping with the same identifier is another connection") {
        CHECK(lab.state(ping) == CtState::kNew);
        CHECK(lab.state(icmp4("10.0.0.1", "10.0.0.2", 8, 7)) == CtState::kNew);
        CHECK(lab.table.size() == 2);
        // 10.0.0.2's reply answers 10.0.0.1's request.
        const CtLab::Outcome o = lab.feed(icmp4("10.0.0.2", "10.0.0.1", 0, 7));
        CHECK(o.state == CtState::kEstablished);
        CHECK(o.dir == CtDir::kReply);
    }
    SECTION("ICMPv6 echo") {
        CHECK(lab.state(icmp6("fd00::2", "fd00::1", 128, 7)) == CtState::kNew);
        CHECK(lab.state(icmp6("fd00::1", "fd00::2", 129, 7)) == CtState::kEstablished);
        CHECK(lab.feed(icmp6("fd00::1", "fd00::2", 129, 8)).reason == CtInvalid::kCannotOpen);
    }
}

TEST_CASE("ICMP errors are related to their connection", "[conntrack]") {
    CtLab lab;
    const Frame dgram = udp4("10.0.0.2", 5000, "10.0.0.1", 53);
    const Frame unreachable = icmp4("10.0.0.1", "10.0.0.2", 3, 0, 3, ip_of(dgram));
    SECTION("about no connection: invalid") {
        const CtLab::Outcome o = lab.feed(unreachable);
        CHECK(o.state == CtState::kInvalid);
        CHECK(o.reason == CtInvalid::kNoRelated);
        CHECK(lab.table.size() == 0);
    }
    SECTION("about a UDP connection") {
        CtEntry* e = lab.feed(dgram).entry;
        REQUIRE(e);
        const uint64_t deadline = e->expires_ms.load();
        lab.advance(10);
        const CtLab::Outcome o = lab.feed(unreachable);
        CHECK(o.state == CtState::kRelated);
        CHECK(o.entry == e);
        CHECK(o.dir == CtDir::kReply);
        CHECK(e->expires_ms.load() == deadline);  // related packets refresh nothing
        CHECK(status_of(o) == 0);
        // From a router on the way, about the same datagram.
        CHECK(lab.state(icmp4("192.0.2.1", "10.0.0.2", 11, 0, 0, ip_of(dgram))) ==
              CtState::kRelated);
    }
    SECTION("about a TCP connection, and about a ping") {
        TcpConversation t;
        const Frame syn = t.c(kTcpSyn);
        lab.feed(syn);
        CHECK(lab.state(icmp4("10.0.0.2", "10.0.0.1", 3, 0, 13, ip_of(syn))) == CtState::kRelated);
        const Frame ping = icmp4("10.0.0.1", "10.0.0.9", 8, 1);
        lab.feed(ping);
        CHECK(lab.state(icmp4("192.0.2.1", "10.0.0.1", 11, 0, 0, ip_of(ping))) ==
              CtState::kRelated);
    }
    SECTION("ICMPv6") {
        const Frame d6 = udp6("fd00::2", 5000, "fd00::1", 53);
        lab.feed(d6);
        CHECK(lab.state(icmp6("fd00::1", "fd00::2", 1, 0, 4, ip_of(d6))) == CtState::kRelated);
        CHECK(lab.state(icmp6("2001:db8::1", "fd00::2", 2, 0, 0, ip_of(d6))) == CtState::kRelated);
    }
    SECTION("a connection in another zone is not related") {
        lab.feed(dgram);
        lab.zone = 2;
        CHECK(lab.feed(unreachable).reason == CtInvalid::kNoRelated);
    }
    SECTION("errors never open connections") {
        CtPacket p;
        REQUIRE(read_ct_packet(unreachable.data(), static_cast<uint32_t>(unreachable.size()),
                               static_cast<uint32_t>(unreachable.size()), 1,
                               p) == CtKeyError::kNone);
        const CtCommitResult c =
            ct_commit(lab.table, p, CtTable::hash(p.key), lab.now_ms, lab.timeouts);
        CHECK(c.result.state == CtState::kInvalid);
        CHECK(lab.table.size() == 0);
    }
}

TEST_CASE("commit refuses packets that cannot open", "[conntrack]") {
    CtLab lab;
    for (const Frame& f :
         {tcp4("10.0.0.1", 1, "10.0.0.2", 2, kTcpAck), icmp4("10.0.0.1", "10.0.0.2", 0, 1)}) {
        CtPacket p;
        REQUIRE(read_ct_packet(f.data(), static_cast<uint32_t>(f.size()),
                               static_cast<uint32_t>(f.size()), 1, p) == CtKeyError::kNone);
        const CtCommitResult c =
            ct_commit(lab.table, p, CtTable::hash(p.key), lab.now_ms, lab.timeouts);
        CHECK(c.result.state == CtState::kInvalid);
        CHECK(c.result.reason == CtInvalid::kCannotOpen);
    }
    CHECK(lab.table.size() == 0);
}

TEST_CASE("commit after another PMD committed the same connection", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    const Frame syn = t.c(kTcpSyn);
    CtPacket p;
    REQUIRE(read_ct_packet(syn.data(), static_cast<uint32_t>(syn.size()),
                           static_cast<uint32_t>(syn.size()), 1, p) == CtKeyError::kNone);
    const uint64_t h = CtTable::hash(p.key);
    // Both PMDs checked it (new, no entry), both commit.
    CHECK(ct_check(lab.table, p, h, lab.now_ms, lab.timeouts).entry == nullptr);
    const CtCommitResult first = ct_commit(lab.table, p, h, lab.now_ms, lab.timeouts);
    const CtCommitResult second = ct_commit(lab.table, p, h, lab.now_ms, lab.timeouts);
    CHECK(first.insert == CtTable::InsertResult::kInserted);
    CHECK(second.insert == CtTable::InsertResult::kExists);
    CHECK(second.result.state == CtState::kNew);  // the SYN again, against the first one's entry
    CHECK(second.result.entry == first.result.entry);
    CHECK(lab.table.size() == 1);
}

TEST_CASE("a full table refuses new connections; established ones go on", "[conntrack]") {
    CtLab lab(4);
    TcpConversation conns[4];
    for (int i = 0; i < 4; ++i) {
        conns[i].client.port = static_cast<uint16_t>(40000 + i);
        REQUIRE(lab.state(conns[i].c(kTcpSyn)) == CtState::kNew);
    }
    CHECK(lab.table.size() == 4);
    // A fifth: refused (ct_full), not tracked.
    TcpConversation extra;
    extra.client.port = 50000;
    const CtLab::Outcome o = lab.feed(extra.c(kTcpSyn));
    CHECK(o.full);
    CHECK(o.entry == nullptr);
    CHECK(lab.feed(udp4("10.0.0.7", 1, "10.0.0.8", 2)).full);
    CHECK(lab.feed(icmp4("10.0.0.7", "10.0.0.8", 8, 1)).full);
    // Its server's answer finds nothing: a SYN-ACK cannot open.
    CHECK(lab.feed(extra.s(kTcpSyn | kTcpAck)).reason == CtInvalid::kCannotOpen);
    // The four finish their handshakes and exchange data.
    for (auto& c : conns) {
        CHECK(lab.state(c.s(kTcpSyn | kTcpAck)) == CtState::kEstablished);
        CHECK(lab.state(c.c(kTcpAck)) == CtState::kEstablished);
        CHECK(lab.state(c.c(kTcpAck | kTcpPsh, 500)) == CtState::kEstablished);
        CHECK(lab.state(c.s(kTcpAck)) == CtState::kEstablished);
    }
    // One ends (RST): room for one more at once.
    CHECK(lab.state(conns[0].c(kTcpRst | kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(conns[0].c(kTcpAck)) == TcpState::kClose);
    CHECK(lab.feed(extra.c(kTcpSyn)).full);  // CLOSE still counts (10 s)...
    lab.advance(11.5);
    lab.sweep_all();  // ...until the sweep ends it
    CHECK_FALSE(lab.feed(extra.c(kTcpSyn)).full);
    CHECK(lab.table.size() == 4);
}

TEST_CASE("the per-zone bound: a zone full, others not", "[conntrack]") {
    CtLab lab(100, 2);
    CHECK(lab.state(udp4("10.0.0.1", 1, "10.0.0.2", 53)) == CtState::kNew);
    CHECK(lab.state(udp4("10.0.0.1", 2, "10.0.0.2", 53)) == CtState::kNew);
    CHECK(lab.feed(udp4("10.0.0.1", 3, "10.0.0.2", 53)).full);
    CHECK(lab.state(udp4("10.0.0.2", 53, "10.0.0.1", 1)) == CtState::kEstablished);  // goes on
    lab.zone = 2;
    CHECK_FALSE(lab.feed(udp4("10.0.0.1", 3, "10.0.0.2", 53)).full);
    CHECK(lab.table.zone_size(1) == 2);
    CHECK(lab.table.zone_size(2) == 1);
}

TEST_CASE("zones isolate", "[conntrack]") {
    CtLab lab;
    const Frame q = udp4("10.0.0.2", 5000, "10.0.0.1", 53);
    const Frame a = udp4("10.0.0.1", 53, "10.0.0.2", 5000);
    lab.zone = 1;
    lab.feed(q);
    lab.zone = 2;
    CHECK(lab.state(a) == CtState::kNew);  // the reply in another zone: a connection of its own
    CHECK(lab.table.size() == 2);
    TcpConversation t;
    lab.zone = 1;
    lab.feed(t.c(kTcpSyn));
    lab.zone = 2;
    CHECK(lab.feed(t.s(kTcpSyn | kTcpAck)).reason == CtInvalid::kCannotOpen);
    lab.zone = 1;
    CHECK(lab.state(t.s(kTcpSyn | kTcpAck)) == CtState::kEstablished);
}

TEST_CASE("expiry: a lookup ends an expired connection before the sweep does", "[conntrack]") {
    CtLab lab;
    const Frame q = udp4("10.0.0.2", 5000, "10.0.0.1", 53);
    CtEntry* old = lab.feed(q).entry;
    lab.advance(31.5);
    CHECK(lab.table.size() == 1);          // nobody looked yet
    const CtLab::Outcome o = lab.feed(q);  // a new connection in its place
    CHECK(o.state == CtState::kNew);
    CHECK(o.entry != old);
    CHECK(lab.table.size() == 1);
    CHECK(lab.sweep_all() == 1);  // the old one retired
}

TEST_CASE("listing connections and their counts", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    lab.feed(t.c(kTcpSyn));
    lab.feed(t.s(kTcpSyn | kTcpAck));
    lab.feed(t.c(kTcpAck));
    lab.feed(udp4("10.0.0.2", 5000, "10.0.0.1", 53));
    lab.zone = 3;
    lab.feed(icmp4("10.0.0.2", "10.0.0.1", 8, 1));
    const CtCounts all = lab.table.counts();
    CHECK(all.connections == 3);
    CHECK(all.tcp[static_cast<unsigned>(TcpState::kEstablished)] == 1);
    CHECK(all.udp == 1);
    CHECK(all.icmp == 1);
    CHECK(all.unreplied == 2);
    CHECK(all.assured == 1);
    CHECK(lab.table.counts(3).connections == 1);
    uint32_t cursor = 0;
    CtEntryView v[8];
    const size_t n = lab.table.list(cursor, v, 8);
    CHECK(n == 3);
    std::set<uint8_t> protocols;
    for (size_t i = 0; i < n; ++i) {
        protocols.insert(v[i].key.protocol);
        CHECK(v[i].expires_ms > lab.now_ms);
        if (v[i].key.protocol == kProtoTcp) {
            CHECK(v[i].tcp_state == TcpState::kEstablished);
            CHECK(v[i].orig_side == 0);  // 10.0.0.1 opened it, the lower address
        }
    }
    CHECK(protocols == std::set<uint8_t>{kProtoTcp, kProtoUdp, kProtoIcmp});
    CHECK(lab.table.list(cursor, v, 8) == 0);
}

TEST_CASE("state and reason names", "[conntrack]") {
    CHECK(ct_state_name(CtState::kRelated) == "related");
    CHECK(ct_invalid_name(CtInvalid::kCannotOpen) == "cannot_open");
    std::set<std::string_view> names;
    for (unsigned r = 0; r <= static_cast<unsigned>(CtInvalid::kNoRelated); ++r)
        names.insert(ct_invalid_name(static_cast<CtInvalid>(r)));
    CHECK(names.size() == static_cast<unsigned>(CtInvalid::kNoRelated) + 1);
}
