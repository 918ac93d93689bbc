// A bond's LACP (lacp/lacp_bond.h): two bonds talking through encoded frames on a fake clock
// (tests/lacp/lacp_lab.h): negotiation, timeouts fast and slow, carrier loss, a partner key that
// differs, passive ends, the fallback to active-backup, lacp=off, malformed PDUs.
#include "lacp/lacp_bond.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/lacp/lacp_lab.h"

using namespace vsw;
using namespace vsw::lacp;
using namespace vsw::lacp::testing;

namespace {

constexpr Mac kSystemA = 0x020000000a00;
constexpr Mac kSystemB = 0x020000000b00;

bool has_event(const std::vector<LacpEvent>& events, const std::string& member,
               const std::string& part) {
    for (const LacpEvent& e : events)
        if (e.member == member && e.text.find(part) != std::string::npos) return true;
    return false;
}

// Two bonds of two members each, cabled member to member.
struct Pair {
    LacpBond a;
    LacpBond b;
    LacpLab lab;
    Pair(LacpBondSettings sa, LacpBondSettings sb) : a(std::move(sa)), b(std::move(sb)) {
        lab.add(a);
        lab.add(b);
        lab.plug(a, 0, b, 0);
        lab.plug(a, 1, b, 1);
    }
    bool both_distributing() const { return a.distributing() == 0b11 && b.distributing() == 0b11; }
};

}  // namespace

TEST_CASE("LACP bond: two active bonds reach COLLECTING_DISTRIBUTING on both sides in seconds") {
    Pair p(bond_settings(kSystemA, 2), bond_settings(kSystemB, 2));
    CHECK(p.a.distributing() == 0);
    REQUIRE(p.lab.run_until([&] { return p.both_distributing(); }, 5000));
    CHECK(p.lab.now <= 3000);  // the 2 s aggregate wait, and a few exchanges
    CHECK(p.lab.refused == 0);
    for (const LacpBond* bond : {&p.a, &p.b})
        for (size_t i = 0; i < 2; ++i) {
            const LacpMember& m = bond->member(i);
            CHECK(m.receive_state() == ReceiveState::kCurrent);
            CHECK(m.mux_state() == MuxState::kCollectingDistributing);
            CHECK(m.actor_info().state ==
                  (state::kActivity | state::kTimeout | state::kAggregation |
                   state::kSynchronization | state::kCollecting | state::kDistributing));
            CHECK(bond->selected(i));
        }
    CHECK(p.a.negotiated());
    CHECK(p.a.member(1).partner().system == kSystemB);
    CHECK(p.a.member(1).partner().port == 2);
    CHECK(p.a.member(1).partner().key == 1);  // the first member's port number
    const auto events = p.a.take_events();
    CHECK(has_event(events, "eth0", "CURRENT: partner 02:00:00:00:0b:00 key 1 port 1"));
    CHECK(has_event(events, "eth1", "mux ATTACHED -> COLLECTING_DISTRIBUTING"));
    CHECK(has_event(events, "", "distributing: eth0, eth1"));
    CHECK(p.a.take_events().empty());
    // Steady state: nothing changes, a PDU a second each way.
    p.lab.run_for(500);  // between two periodic PDUs: the window below holds 10 of them
    const uint64_t generation = p.a.generation();
    const uint64_t frames = p.lab.cables[0].b_to_a_frames;
    p.lab.run_for(10000);
    CHECK(p.a.generation() == generation);
    CHECK(p.lab.cables[0].b_to_a_frames - frames == 10);
    CHECK(p.a.next_run_ms(p.lab.now) <= p.lab.now + 1000);
}

TEST_CASE("LACP bond: a partner that stops speaking is out after 3 fast intervals") {
    Pair p(bond_settings(kSystemA, 2), bond_settings(kSystemB, 2));
    REQUIRE(p.lab.run_until([&] { return p.both_distributing(); }, 5000));
    p.lab.run_for(500);
    p.lab.cables[1].b_to_a = false;  // b's eth1 falls silent towards a
    const uint64_t last = p.lab.cables[1].last_b_to_a;
    p.lab.run_until([&] { return p.lab.now >= last + 3000 - kStepMs; }, 10000);
    CHECK(p.a.distributing() == 0b11);  // 2.99 s
    p.lab.run_for(2 * kStepMs);
    CHECK(p.a.distributing() == 0b01);  // 3 s
    CHECK(p.a.member(1).receive_state() == ReceiveState::kExpired);
    CHECK(has_event(p.a.take_events(), "eth1", "CURRENT -> EXPIRED: partner timed out"));
    p.lab.run_for(3000);
    CHECK(p.a.member(1).receive_state() == ReceiveState::kDefaulted);
    // a detached its eth1 (not in sync any more): b takes it out too.
    CHECK(p.b.distributing() == 0b01);
    CHECK(p.a.distributing() == 0b01);
}

TEST_CASE("LACP bond: lacp-time=slow: a PDU every 30 s, the partner out after 90 s") {
    Pair p(bond_settings(kSystemA, 2, LacpMode::kActive, LacpTime::kSlow),
           bond_settings(kSystemB, 2, LacpMode::kActive, LacpTime::kSlow));
    REQUIRE(p.lab.run_until([&] { return p.both_distributing(); }, 10000));
    p.lab.run_for(60000);  // past the fast start (EXPIRED asks for fast PDUs)
    const uint64_t frames = p.lab.cables[0].b_to_a_frames;
    p.lab.run_for(300000);
    CHECK(p.lab.cables[0].b_to_a_frames - frames == 10);
    CHECK(p.both_distributing());
    p.lab.cables[0].b_to_a = false;
    const uint64_t last = p.lab.cables[0].last_b_to_a;
    p.lab.run_until([&] { return p.lab.now >= last + 90000 - kStepMs; }, 100000);
    CHECK(p.a.distributing() == 0b11);
    p.lab.run_for(2 * kStepMs);
    CHECK(p.a.distributing() == 0b10);
}

TEST_CASE("LACP bond: carrier loss takes the member out at once, on both sides") {
    Pair p(bond_settings(kSystemA, 2), bond_settings(kSystemB, 2));
    REQUIRE(p.lab.run_until([&] { return p.both_distributing(); }, 5000));
    p.a.take_events();
    const uint64_t generation = p.a.generation();
    p.lab.cut(0);  // no run in between
    CHECK(p.a.distributing() == 0b10);
    CHECK(p.b.distributing() == 0b10);
    CHECK(p.a.generation() == generation + 1);
    CHECK(p.a.member(0).mux_state() == MuxState::kDetached);
    const auto events = p.a.take_events();
    CHECK(has_event(events, "eth0", "carrier down"));
    CHECK(has_event(events, "", "distributing: eth1"));
    p.lab.run_for(5000);
    CHECK(p.a.distributing() == 0b10);  // nothing on a dead link
    p.lab.reconnect(0);
    CHECK(p.lab.run_until([&] { return p.both_distributing(); }, 5000));
}

TEST_CASE("LACP bond: a member whose partner answers with another key is left out") {
    // b is two bonds of one system: key 7 on the first cable, key 9 on the second.
    LacpBondSettings sa = bond_settings(kSystemA, 2);
    sa.actor.system_priority = 100;  // a's order picks the lead: its port 1
    LacpBondSettings sb7 = bond_settings(kSystemB, 1);
    sb7.actor.key = 7;
    LacpBondSettings sb9 = bond_settings(kSystemB, 1);
    sb9.actor.key = 9;
    sb9.members[0] = {"eth1", 2, 32768, kSystemB + 2};
    LacpBond a(sa), b7(sb7), b9(sb9);
    LacpLab lab;
    lab.add(a);
    lab.add(b7);
    lab.add(b9);
    lab.plug(a, 0, b7, 0);
    lab.plug(a, 1, b9, 0);
    lab.run_for(6000);
    CHECK(a.distributing() == 0b01);
    CHECK(a.selected(0));
    CHECK_FALSE(a.selected(1));
    CHECK(b7.distributing() == 1);
    CHECK(b9.distributing() == 0);  // a never says it is in sync on that link
    CHECK_FALSE(a.member(1).actor_info().state & state::kSynchronization);
    CHECK(has_event(a.take_events(), "eth1",
                    "not selected: partner 02:00:00:00:0b:00 key 9 differs from the "
                    "aggregator's partner 02:00:00:00:0b:00 key 7"));
}

TEST_CASE("LACP bond: passive against passive never negotiates; active against passive does") {
    SECTION("passive-passive") {
        Pair p(bond_settings(kSystemA, 2, LacpMode::kPassive),
               bond_settings(kSystemB, 2, LacpMode::kPassive));
        p.lab.run_for(20000);
        CHECK(p.a.distributing() == 0);
        CHECK(p.b.distributing() == 0);
        for (const Cable& c : p.lab.cables) CHECK(c.a_to_b_frames + c.b_to_a_frames == 0);
        CHECK_FALSE(p.a.negotiated());
    }
    SECTION("active-passive") {
        Pair p(bond_settings(kSystemA, 2, LacpMode::kActive),
               bond_settings(kSystemB, 2, LacpMode::kPassive));
        REQUIRE(p.lab.run_until([&] { return p.both_distributing(); }, 5000));
        CHECK(p.b.member(0).counters().pdus_tx > 0);
        CHECK_FALSE(p.b.member(0).actor_info().state & state::kActivity);
        CHECK(p.a.member(0).partner().state & state::kSynchronization);
    }
}

TEST_CASE("LACP bond: lacp-fallback: active-backup while the partner is silent") {
    LacpBondSettings s = bond_settings(kSystemA, 2);
    s.fallback = true;
    LacpBond a(s);
    LacpLab lab;
    lab.add(a);
    a.set_carrier(0, true, 0);  // cables to a switch that speaks no LACP
    a.set_carrier(1, true, 0);
    lab.run_for(2990);
    CHECK(a.distributing() == 0);  // EXPIRED: 3 s to answer
    CHECK_FALSE(a.in_fallback());
    lab.run_for(20);
    CHECK(a.in_fallback());
    CHECK(a.distributing() == 0b01);
    CHECK(has_event(a.take_events(), "", "no LACP partner: fallback to active-backup on eth0"));
    a.set_carrier(0, false, lab.now);
    CHECK(a.distributing() == 0b10);
    a.set_carrier(0, true, lab.now);
    lab.run_for(10000);
    CHECK(a.distributing() == 0b10);  // kept while its carrier stays up
    // The partner starts speaking LACP: the fallback ends, the LAG forms.
    LacpBond b(bond_settings(kSystemB, 2));
    lab.add(b);
    lab.cables.push_back({&a, 0, &b, 0});
    lab.cables.push_back({&a, 1, &b, 1});
    b.set_carrier(0, true, lab.now);
    b.set_carrier(1, true, lab.now);
    CHECK(
        lab.run_until([&] { return a.distributing() == 0b11 && b.distributing() == 0b11; }, 35000));
    CHECK_FALSE(a.in_fallback());
    CHECK(has_event(a.take_events(), "", "fallback over: a LACP partner answered"));
}

TEST_CASE("LACP bond: without fallback a silent partner means no traffic") {
    LacpBond a(bond_settings(kSystemA, 2));
    LacpLab lab;
    lab.add(a);
    a.set_carrier(0, true, 0);
    a.set_carrier(1, true, 0);
    lab.run_for(10000);
    CHECK(a.distributing() == 0);
    CHECK_FALSE(a.in_fallback());
}

TEST_CASE("LACP bond: lacp=off distributes on every member with its carrier up") {
    Pair p(bond_settings(kSystemA, 2, LacpMode::kOff), bond_settings(kSystemB, 2, LacpMode::kOff));
    CHECK(p.a.distributing() == 0b11);
    p.lab.run_for(5000);
    for (const Cable& c : p.lab.cables) CHECK(c.a_to_b_frames + c.b_to_a_frames == 0);
    p.lab.cut(1);
    CHECK(p.a.distributing() == 0b01);
}

TEST_CASE("LACP bond: a member cabled to its own bond is a loop, never selected") {
    LacpBond a(bond_settings(kSystemA, 2));
    LacpLab lab;
    lab.add(a);
    lab.plug(a, 0, a, 1);
    lab.run_for(5000);
    CHECK(a.distributing() == 0);
    CHECK_FALSE(a.negotiated());
    CHECK(has_event(a.take_events(), "eth0", "the partner is this bond itself"));
}

TEST_CASE("LACP bond: malformed PDUs refused with their reason, counted, logged sparingly") {
    Pair p(bond_settings(kSystemA, 2), bond_settings(kSystemB, 2));
    REQUIRE(p.lab.run_until([&] { return p.both_distributing(); }, 5000));
    p.a.take_events();
    LacpFrame f = encode_lacp_frame({}, kSystemB + 1);
    f[17] = 19;  // the actor TLV's length
    for (int i = 0; i < 5; ++i)
        CHECK(p.a.receive_frame(0, f.data(), f.size(), p.lab.now) == LacpduError::kBadActorTlv);
    CHECK(p.a.receive_frame(0, f.data(), 50, p.lab.now) == LacpduError::kTooShort);
    CHECK(p.a.member(0).counters().malformed_rx == 6);
    CHECK(p.a.member(0).counters().last_error == LacpduError::kTooShort);
    const auto events = p.a.take_events();
    CHECK(events.size() == 1);
    CHECK(has_event(events, "eth0", "LACPDU refused: bad_actor_tlv (1 refused so far)"));
    CHECK(p.both_distributing());  // nothing else changed
}

TEST_CASE("LACP bond: settings that cannot work are refused") {
    CHECK_THROWS_AS(LacpBond(bond_settings(kSystemA, 0)), std::invalid_argument);
    CHECK_THROWS_AS(LacpBond(bond_settings(0, 2)), std::invalid_argument);
    CHECK_THROWS_AS(LacpBond(bond_settings(0x010000000000, 2)), std::invalid_argument);
    LacpBondSettings s = bond_settings(kSystemA, 2);
    s.members[1].port = 1;
    CHECK_THROWS_AS(LacpBond(s), std::invalid_argument);
    s = bond_settings(kSystemA, 2);
    s.members[1].name = "eth0";
    CHECK_THROWS_AS(LacpBond(s), std::invalid_argument);
    CHECK_THROWS_AS(LacpBond(bond_settings(kSystemA, kMaxBondMembers + 1)), std::invalid_argument);
}
