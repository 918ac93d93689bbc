// TCP connection tracking (conntrack/tcp_tracking.h) through the table, as the datapath will
// drive it: conversations of real segments between a client and a server, every state,
// every out-of-state segment Linux refuses, window checks, and the timeouts on a fake clock.
#include "conntrack/tcp_tracking.h"

#include <catch2/catch.hpp>

#include "tests/conntrack/ct_lab.h"

using namespace vsw;
using namespace vsw::conntrack;
using namespace vsw::conntrack::testing;

namespace {

// Opens `t`'s connection in `lab` with a three-way handshake.
void handshake(CtLab& lab, TcpConversation& t, const Frame& client_opts = {},
               const Frame& server_opts = {}) {
    REQUIRE(lab.state(t.c(kTcpSyn, 0, client_opts)) == CtState::kNew);
    REQUIRE(lab.state(t.s(kTcpSyn | kTcpAck, 0, server_opts)) == CtState::kEstablished);
    REQUIRE(lab.state(t.c(kTcpAck)) == CtState::kEstablished);
}

// The connection's status bits (0 if it has none).
uint8_t status(CtLab& lab, const Frame& any) {
    CtPacket p;
    read_ct_packet(any.data(), static_cast<uint32_t>(any.size()), static_cast<uint32_t>(any.size()),
                   lab.zone, p);
    CtEntry* e = lab.table.find(p.key, CtTable::hash(p.key));
    return e ? e->status.load() : 0;
}

// Whether the table still holds the connection after a sweep at the lab's time.
bool alive(CtLab& lab) {
    lab.sweep_all();
    return lab.table.size() == 1;
}

}  // namespace

TEST_CASE("TCP: the handshake, data both ways, FIN both ways", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    const Frame syn = t.c(kTcpSyn);
    const CtLab::Outcome o = lab.feed(syn);
    CHECK(o.state == CtState::kNew);
    REQUIRE(o.entry);
    CHECK(lab.tcp_state(syn) == TcpState::kSynSent);
    CHECK(lab.table.size() == 1);

    const CtLab::Outcome synack = lab.feed(t.s(kTcpSyn | kTcpAck));
    CHECK(synack.state == CtState::kEstablished);
    CHECK(synack.dir == CtDir::kReply);
    CHECK(synack.entry == o.entry);  // both directions find one entry
    CHECK(lab.tcp_state(syn) == TcpState::kSynRecv);
    CHECK(status(lab, syn) == kCtSeenReply);

    CHECK(lab.state(t.c(kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(syn) == TcpState::kEstablished);
    CHECK(status(lab, syn) == (kCtSeenReply | kCtAssured));

    CHECK(lab.state(t.c(kTcpAck | kTcpPsh, 1000)) == CtState::kEstablished);
    CHECK(lab.state(t.s(kTcpAck)) == CtState::kEstablished);
    CHECK(lab.state(t.s(kTcpAck | kTcpPsh, 3000)) == CtState::kEstablished);
    CHECK(lab.state(t.c(kTcpAck)) == CtState::kEstablished);

    CHECK(lab.state(t.c(kTcpFin | kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(syn) == TcpState::kFinWait);
    CHECK(lab.state(t.s(kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(syn) == TcpState::kCloseWait);
    CHECK(lab.state(t.s(kTcpFin | kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(syn) == TcpState::kLastAck);
    CHECK(lab.state(t.c(kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(syn) == TcpState::kTimeWait);
    CHECK(lab.table.size() == 1);
}

TEST_CASE("TCP: FINs crossing, the server closing first", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    handshake(lab, t);
    const Frame any = t.c(kTcpAck);
    CHECK(lab.state(any) == CtState::kEstablished);
    CHECK(lab.state(t.s(kTcpFin | kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(any) == TcpState::kFinWait);
    CHECK(lab.state(t.c(kTcpFin | kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(any) == TcpState::kLastAck);
    CHECK(lab.state(t.s(kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(any) == TcpState::kTimeWait);
}

TEST_CASE("TCP: RST from either side closes", "[conntrack]") {
    for (bool from_client : {true, false}) {
        CtLab lab;
        TcpConversation t;
        handshake(lab, t);
        const Frame rst = from_client ? t.c(kTcpRst) : t.s(kTcpRst | kTcpAck);
        CHECK(lab.state(rst) == CtState::kEstablished);
        CHECK(lab.tcp_state(rst) == TcpState::kClose);
        lab.advance(10.5);
        CHECK(alive(lab));
        lab.advance(1);
        CHECK_FALSE(alive(lab));  // CLOSE: 10 s (+ the 1 s slack)
    }
}

TEST_CASE("TCP: a RST below what the peer acknowledged is invalid", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    handshake(lab, t);
    lab.feed(t.s(kTcpAck | kTcpPsh, 5000));
    lab.feed(t.c(kTcpAck));  // the client acknowledged the server's 5000 bytes
    TcpConversation old = t;
    old.server.seq -= 4000;  // a RST inside data already acknowledged: a blind attack
    const CtLab::Outcome o = lab.feed(old.s(kTcpRst | kTcpAck));
    CHECK(o.state == CtState::kInvalid);
    CHECK(o.reason == CtInvalid::kInvalidRst);
    CHECK(lab.tcp_state(old.s(kTcpAck)) == TcpState::kEstablished);
    // At the right sequence number it closes.
    CHECK(lab.state(t.s(kTcpRst | kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(t.s(kTcpAck)) == TcpState::kClose);
}

TEST_CASE("TCP: a closed port's RST passes and ends the connection", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    CHECK(lab.state(t.c(kTcpSyn)) == CtState::kNew);
    TcpConversation rst = t;
    rst.server.seq = 0;
    const CtLab::Outcome o = lab.feed(rst.s(kTcpRst | kTcpAck));
    CHECK(o.state == CtState::kEstablished);
    CHECK(o.dir == CtDir::kReply);
    CHECK(lab.table.size() == 0);  // ended at once, as Linux does
    // The client aborting its own SYN before any answer: the same.
    CtLab lab2;
    TcpConversation u;
    CHECK(lab2.state(u.c(kTcpSyn)) == CtState::kNew);
    CHECK(lab2.state(u.c(kTcpRst)) == CtState::kNew);  // still the opener's, before a reply
    CHECK(lab2.table.size() == 0);
}

TEST_CASE("TCP: segments with no connection cannot open one", "[conntrack]") {
    CtLab lab;
    const uint8_t cases[] = {kTcpAck,           kTcpRst | kTcpAck, kTcpRst,
                             kTcpSyn | kTcpAck, kTcpFin | kTcpAck, kTcpAck | kTcpPsh};
    for (uint8_t flags : cases) {
        TcpConversation t;
        const CtLab::Outcome o = lab.feed(t.c(flags, flags & kTcpPsh ? 100 : 0));
        CHECK(o.state == CtState::kInvalid);
        CHECK(o.reason == CtInvalid::kCannotOpen);
    }
    CHECK(lab.table.size() == 0);
}

TEST_CASE("TCP: flag sets no TCP sends are invalid, connection or not", "[conntrack]") {
    int valid = 0;  // of the 32 sets of FIN, SYN, RST, ACK, URG
    for (unsigned f = 0; f < 64; ++f)
        if (!(f & kTcpPsh)) valid += tcp_flags_valid(static_cast<uint8_t>(f));
    CHECK(valid == 9);                                    // Linux's tcp_valid_flags
    CHECK(tcp_flags_valid(kTcpSyn | kTcpEce | kTcpCwr));  // ECN setup
    CHECK(tcp_flags_valid(kTcpAck | kTcpPsh | kTcpCwr));
    CHECK_FALSE(tcp_flags_valid(kTcpFin));  // FIN without ACK
    CtLab lab;
    TcpConversation t;
    handshake(lab, t);
    const uint8_t cases[] = {kTcpSyn | kTcpFin, kTcpSyn | kTcpRst, 0, kTcpFin | kTcpPsh | kTcpUrg,
                             kTcpFin};
    for (uint8_t flags : cases) {
        const CtLab::Outcome o = lab.feed(t.c(flags));
        CHECK(o.state == CtState::kInvalid);
        CHECK(o.reason == CtInvalid::kBadTcpFlags);
    }
    CHECK(lab.feed(TcpConversation{}.c(kTcpSyn | kTcpFin)).reason == CtInvalid::kBadTcpFlags);
    CHECK(lab.tcp_state(t.c(kTcpAck)) == TcpState::kEstablished);
}

TEST_CASE("TCP: out-of-state segments during the handshake", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    const Frame syn = t.c(kTcpSyn);
    REQUIRE(lab.state(syn) == CtState::kNew);
    SECTION("the client's ACK before the SYN-ACK") {
        TcpConversation early = t;
        early.client.ack = 500001;
        const CtLab::Outcome o = lab.feed(early.c(kTcpAck));
        CHECK(o.state == CtState::kInvalid);
        CHECK(o.reason == CtInvalid::kOutOfState);
    }
    SECTION("a SYN-ACK from the client") {
        const CtLab::Outcome o = lab.feed(t.c(kTcpSyn | kTcpAck));
        CHECK(o.state == CtState::kInvalid);
        CHECK(o.reason == CtInvalid::kOutOfState);
    }
    SECTION("the server's FIN before its SYN-ACK") {
        CHECK(lab.feed(t.s(kTcpFin | kTcpAck)).reason == CtInvalid::kOutOfState);
    }
    SECTION("the server's bare ACK: ignored, as Linux (maybe a half-open connection)") {
        CHECK(lab.state(t.s(kTcpAck)) == CtState::kEstablished);
    }
    CHECK(lab.tcp_state(syn) == TcpState::kSynSent);
}

TEST_CASE("TCP: retransmitted SYN and SYN-ACK", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    const Frame syn = t.c(kTcpSyn);
    REQUIRE(lab.state(syn) == CtState::kNew);
    const uint64_t deadline = lab.feed(syn).entry->expires_ms.load();
    lab.advance(3);
    const CtLab::Outcome again = lab.feed(syn);
    CHECK(again.state == CtState::kNew);  // still unanswered: the rules decide again
    REQUIRE(again.entry);
    CHECK(again.entry->expires_ms.load() == deadline);  // a retransmitted SYN renews nothing
    CHECK(lab.table.size() == 1);
    const Frame synack = t.s(kTcpSyn | kTcpAck);
    CHECK(lab.state(synack) == CtState::kEstablished);
    CHECK(lab.state(synack) == CtState::kEstablished);  // retransmitted: ignored, passes
    CHECK(lab.tcp_state(syn) == TcpState::kSynRecv);
    CHECK(lab.state(t.c(kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(syn) == TcpState::kEstablished);
}

TEST_CASE("TCP: simultaneous open", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    const Frame a_syn = t.c(kTcpSyn);
    REQUIRE(lab.state(a_syn) == CtState::kNew);
    CHECK(lab.state(t.s(kTcpSyn)) == CtState::kEstablished);  // the other side's own SYN
    CHECK(lab.tcp_state(a_syn) == TcpState::kSynSent2);
    TcpConversation a = t, b = t;  // each answers the other's SYN with its own ISN again
    a.client.seq -= 1;
    b.server.seq -= 1;
    CHECK(lab.state(a.c(kTcpSyn | kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(a_syn) == TcpState::kSynRecv);
    CHECK(lab.state(b.s(kTcpSyn | kTcpAck)) == CtState::kEstablished);
    CHECK(lab.state(t.c(kTcpAck)) == CtState::kEstablished);
    CHECK(lab.tcp_state(a_syn) == TcpState::kEstablished);
}

TEST_CASE("TCP: a SYN in ESTABLISHED is ignored", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    handshake(lab, t);
    TcpConversation again;
    CHECK(lab.state(again.c(kTcpSyn)) == CtState::kEstablished);
    CHECK(lab.tcp_state(t.c(kTcpAck)) == TcpState::kEstablished);
    CHECK(lab.table.size() == 1);
}

TEST_CASE("TCP: a new SYN reopens a connection in TIME_WAIT", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    handshake(lab, t);
    lab.feed(t.c(kTcpFin | kTcpAck));
    lab.feed(t.s(kTcpFin | kTcpAck));
    lab.feed(t.c(kTcpAck));
    const Frame probe = t.c(kTcpAck);
    REQUIRE(lab.tcp_state(probe) == TcpState::kTimeWait);
    CtEntry* old = lab.feed(probe).entry;
    TcpConversation next;
    next.client.seq = t.client.seq + 100000;
    const CtLab::Outcome o = lab.feed(next.c(kTcpSyn));
    CHECK(o.state == CtState::kNew);
    REQUIRE(o.entry);
    CHECK(o.entry != old);  // a new connection in its place
    CHECK(lab.tcp_state(probe) == TcpState::kSynSent);
    CHECK(lab.table.size() == 1);
    CHECK(status(lab, probe) == 0);
}

TEST_CASE("TCP: window tracking", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    handshake(lab, t);
    SECTION("data beyond the receiver's window") {
        TcpConversation far = t;
        far.client.seq += 200000;
        const CtLab::Outcome o = lab.feed(far.c(kTcpAck | kTcpPsh, 100));
        CHECK(o.state == CtState::kInvalid);
        CHECK(o.reason == CtInvalid::kSeqAboveWindow);
    }
    SECTION("acknowledging data never sent") {
        TcpConversation ahead = t;
        ahead.client.ack += 100000;
        const CtLab::Outcome o = lab.feed(ahead.c(kTcpAck));
        CHECK(o.state == CtState::kInvalid);
        CHECK(o.reason == CtInvalid::kAckAboveSent);
    }
    SECTION("acknowledged data retransmitted long after: ignored, passes") {
        for (int i = 0; i < 100; ++i) {
            lab.feed(t.c(kTcpAck | kTcpPsh, 1400));
            lab.feed(t.s(kTcpAck));
        }
        TcpConversation old = t;
        old.client.seq -= 100 * 1400;
        CHECK(lab.state(old.c(kTcpAck | kTcpPsh, 1400)) == CtState::kEstablished);
    }
    SECTION("in-window data of either side") {
        TcpConversation gap = t;
        gap.client.seq += 30000;  // ahead, but within 64240
        CHECK(lab.state(gap.c(kTcpAck | kTcpPsh, 100)) == CtState::kEstablished);
    }
    CHECK(lab.tcp_state(t.c(kTcpAck)) == TcpState::kEstablished);
}

TEST_CASE("TCP: window scaling, negotiated or not", "[conntrack]") {
    // The server advertises 1024 bytes: 16 KiB scaled by 2^4 if both sides sent the option.
    for (bool scaled : {true, false}) {
        CtLab lab;
        TcpConversation t;
        t.server.window = 1024;
        const Frame ws = scaled ? opt_wscale(4) : Frame{};
        handshake(lab, t, ws, ws);
        REQUIRE(lab.state(t.s(kTcpAck)) == CtState::kEstablished);  // a scaled window now
        TcpConversation ahead = t;
        ahead.client.seq += 10000;
        const CtLab::Outcome o = lab.feed(ahead.c(kTcpAck | kTcpPsh, 100));
        CHECK(o.state == (scaled ? CtState::kEstablished : CtState::kInvalid));
    }
    // The option from one side only: no scaling either way.
    CtLab lab;
    TcpConversation t;
    t.server.window = 1024;
    handshake(lab, t, opt_wscale(4), {});
    lab.feed(t.s(kTcpAck));
    TcpConversation ahead = t;
    ahead.client.seq += 10000;
    CHECK(lab.feed(ahead.c(kTcpAck | kTcpPsh, 100)).reason == CtInvalid::kSeqAboveWindow);
}

TEST_CASE("TCP: SACK blocks count as acknowledgements when permitted", "[conntrack]") {
    CtLab lab;
    TcpConversation t;
    handshake(lab, t, opt_sack_perm(), opt_sack_perm());
    lab.feed(t.s(kTcpAck | kTcpPsh, 3000));
    // The client acknowledges 1000 bytes and SACKs up to 3000: fine.
    TcpConversation partial = t;
    partial.client.ack -= 2000;
    CHECK(lab.state(partial.c(kTcpAck, 0, opt_sack(t.client.ack - 1000, t.client.ack))) ==
          CtState::kEstablished);
    // A SACK block beyond what the server sent is acknowledging data never sent.
    CHECK(lab.feed(partial.c(kTcpAck, 0, opt_sack(t.client.ack, t.client.ack + 5000))).reason ==
          CtInvalid::kAckAboveSent);
}

TEST_CASE("TCP: timeouts per state", "[conntrack]") {
    SECTION("SYN_SENT: 120 s") {
        CtLab lab;
        TcpConversation t;
        lab.feed(t.c(kTcpSyn));
        lab.advance(120.5);
        CHECK(alive(lab));
        lab.advance(0.6);
        CHECK_FALSE(alive(lab));
    }
    SECTION("SYN_RECV: 60 s") {
        CtLab lab;
        TcpConversation t;
        lab.feed(t.c(kTcpSyn));
        lab.feed(t.s(kTcpSyn | kTcpAck));
        lab.advance(60.5);
        CHECK(alive(lab));
        lab.advance(0.6);
        CHECK_FALSE(alive(lab));
    }
    SECTION("ESTABLISHED: 24 h, 300 s while data is unacknowledged") {
        CtLab lab;
        TcpConversation t;
        handshake(lab, t);
        lab.feed(t.c(kTcpAck | kTcpPsh, 100));  // unacknowledged
        lab.advance(300.5);
        CHECK(alive(lab));
        lab.advance(0.6);
        CHECK_FALSE(alive(lab));
        CtLab idle;
        TcpConversation u;
        handshake(idle, u);
        idle.advance(86400.5);
        CHECK(alive(idle));
        idle.advance(0.6);
        CHECK_FALSE(alive(idle));
    }
    SECTION("TIME_WAIT: 120 s; a lookup after the deadline ends it too") {
        CtLab lab;
        TcpConversation t;
        handshake(lab, t);
        lab.feed(t.c(kTcpFin | kTcpAck));
        lab.feed(t.s(kTcpFin | kTcpAck));
        lab.feed(t.c(kTcpAck));
        lab.advance(121.1);
        const CtLab::Outcome o = lab.feed(t.c(kTcpAck));
        CHECK(o.state == CtState::kInvalid);  // no connection any more
        CHECK(o.reason == CtInvalid::kCannotOpen);
        CHECK(lab.table.size() == 0);
    }
}

TEST_CASE("TCP: a SYN on an IPv6 connection", "[conntrack]") {
    CtLab lab;
    const Frame syn =
        eth(0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), kProtoTcp, tcp(40000, 443, 1, 0, kTcpSyn)));
    const Frame synack = eth(0x86dd, ipv6(v6("fd00::2"), v6("fd00::1"), kProtoTcp,
                                          tcp(443, 40000, 900, 2, kTcpSyn | kTcpAck)));
    const Frame ack = eth(
        0x86dd, ipv6(v6("fd00::1"), v6("fd00::2"), kProtoTcp, tcp(40000, 443, 2, 901, kTcpAck)));
    CHECK(lab.state(syn) == CtState::kNew);
    CHECK(lab.state(synack) == CtState::kEstablished);
    CHECK(lab.state(ack) == CtState::kEstablished);
    CHECK(lab.tcp_state(ack) == TcpState::kEstablished);
}

TEST_CASE("TCP: state names", "[conntrack]") {
    CHECK(tcp_state_name(TcpState::kEstablished) == "ESTABLISHED");
    CHECK(tcp_state_name(TcpState::kSynSent2) == "SYN_SENT2");
    CHECK(tcp_state_name(TcpState::kTimeWait) == "TIME_WAIT");
}
