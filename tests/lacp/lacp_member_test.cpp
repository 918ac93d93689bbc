// One member's LACP machines (lacp/lacp_member.h) on a fake clock, fed PDUs made by hand.
#include "lacp/lacp_member.h"

#include <catch2/catch.hpp>

using namespace vsw;
using namespace vsw::lacp;

namespace {

constexpr Mac kUs = 0x020000000a00;
constexpr Mac kThem = 0x020000000b00;

LacpActor actor(LacpMode mode = LacpMode::kActive, LacpTime time = LacpTime::kFast) {
    LacpActor a;
    a.mode = mode;
    a.time = time;
    a.system = kUs;
    a.key = 7;
    return a;
}

// A PDU from the partner's port 1 that describes `m` as it is now (so it asks for nothing).
Lacpdu from_partner(const LacpMember& m, uint8_t partner_state) {
    Lacpdu pdu;
    pdu.actor = {32768, kThem, 9, 32768, 1, partner_state};
    pdu.partner = m.actor_info();
    return pdu;
}

// One pass of the machines at `now`, as the bond runs them; true if a PDU went out.
bool step(LacpMember& m, uint64_t now, Selected selected = Selected::kUnselected) {
    m.expire(now);
    m.run_mux(selected, true, now);
    m.run_periodic(now);
    return m.transmit(now).has_value();
}

// PDUs sent in [from, to), the machines run every millisecond.
int sent_between(LacpMember& m, uint64_t from, uint64_t to) {
    int n = 0;
    for (uint64_t t = from; t < to; ++t) n += step(m, t);
    return n;
}

constexpr uint8_t kActiveShort = state::kActivity | state::kTimeout | state::kAggregation;
constexpr uint8_t kActiveLong = state::kActivity | state::kAggregation;

}  // namespace

TEST_CASE("LACP member: an active member with a silent partner asks fast, then falls to 30 s") {
    LacpMember m(actor(), 1, 32768);
    CHECK(m.receive_state() == ReceiveState::kPortDisabled);
    CHECK_FALSE(m.transmit(0));  // carrier down: nothing goes out
    m.set_carrier(true, 0);
    CHECK(m.receive_state() == ReceiveState::kExpired);
    const uint8_t s = m.actor_info().state;
    CHECK(s == (kActiveShort | state::kDefaulted | state::kExpired));
    // EXPIRED asks the partner for short timeouts, so the periodic machine runs fast.
    CHECK(sent_between(m, 0, 3000) == 3);  // at 0 (carrier up), 1000, 2000
    CHECK(m.receive_state() == ReceiveState::kExpired);
    CHECK_FALSE(step(m, 3000));
    CHECK(m.receive_state() == ReceiveState::kDefaulted);
    CHECK(m.partner() == PortInfo{});
    // DEFAULTED: the default partner has the long timeout: every 30 s.
    CHECK(sent_between(m, 3001, 33000) == 0);
    CHECK(sent_between(m, 33000, 63001) == 2);
    CHECK(m.counters().pdus_tx == 5);
}

TEST_CASE("LACP member: the PARTNER's timeout bit sets our rate") {
    LacpMember m(actor(LacpMode::kActive, LacpTime::kSlow), 1, 32768);
    m.set_carrier(true, 0);
    m.receive(from_partner(m, kActiveShort), 0);
    sent_between(m, 0, 5000);
    CHECK(sent_between(m, 5000, 15000) == 10);  // the partner asked for a PDU a second
    m.receive(from_partner(m, kActiveLong), 15000);
    CHECK(sent_between(m, 15000, 45000) == 0);  // now every 30 s, from the change on
    CHECK(sent_between(m, 45000, 45001) == 1);
    // A partner that asks for short timeouts again gets a PDU at once.
    m.receive(from_partner(m, kActiveShort), 50000);
    CHECK(sent_between(m, 50000, 50001) == 1);
    // Our own slow time: the partner is timed out after 90 s, not 3.
    m.expire(50000 + 89999);
    CHECK(m.receive_state() == ReceiveState::kCurrent);
    m.expire(50000 + 90000);
    CHECK(m.receive_state() == ReceiveState::kExpired);
}

TEST_CASE("LACP member: receive machine CURRENT, EXPIRED after 3 s, DEFAULTED 3 s later") {
    LacpMember m(actor(), 1, 32768);
    m.set_carrier(true, 0);
    m.receive(from_partner(m, kActiveShort | state::kSynchronization), 1000);
    CHECK(m.receive_state() == ReceiveState::kCurrent);
    CHECK(m.partner().system == kThem);
    CHECK(m.partner().key == 9);
    CHECK_FALSE(m.defaulted());
    CHECK_FALSE(m.actor_info().state & (state::kDefaulted | state::kExpired));
    m.expire(3999);
    CHECK(m.receive_state() == ReceiveState::kCurrent);
    m.expire(4000);
    CHECK(m.receive_state() == ReceiveState::kExpired);
    CHECK_FALSE(m.partner_in_sync());
    CHECK(m.partner().system == kThem);  // still known while EXPIRED
    CHECK(m.actor_info().state & state::kExpired);
    m.expire(6999);
    CHECK(m.receive_state() == ReceiveState::kExpired);
    m.expire(7000);
    CHECK(m.receive_state() == ReceiveState::kDefaulted);
    CHECK(m.partner() == PortInfo{});
    CHECK(m.actor_info().state & state::kDefaulted);
}

TEST_CASE("LACP member: the partner is in sync only if it describes us as we are") {
    LacpMember m(actor(), 1, 32768);
    m.set_carrier(true, 0);
    Lacpdu pdu = from_partner(m, kActiveShort | state::kSynchronization);
    pdu.partner.key = 8;  // it believes we have another key
    m.receive(pdu, 0);
    CHECK_FALSE(m.partner_in_sync());
    CHECK(m.need_to_transmit());  // and we must tell it
    m.receive(from_partner(m, kActiveShort | state::kSynchronization), 10);
    CHECK(m.partner_in_sync());
    m.receive(from_partner(m, kActiveShort), 20);  // it says it is not in sync
    CHECK_FALSE(m.partner_in_sync());
}

TEST_CASE(
    "LACP member: coupled mux: wait 2 s, attach, collect and distribute with a synced partner") {
    LacpMember m(actor(), 1, 32768);
    m.set_carrier(true, 0);
    m.receive(from_partner(m, kActiveShort), 0);
    m.run_mux(Selected::kSelected, true, 0);
    CHECK(m.mux_state() == MuxState::kWaiting);
    m.run_mux(Selected::kSelected, true, 1999);
    CHECK(m.mux_state() == MuxState::kWaiting);
    m.run_mux(Selected::kSelected, false, 2000);  // the aggregator is not ready: others wait
    CHECK(m.mux_state() == MuxState::kWaiting);
    m.run_mux(Selected::kSelected, true, 2000);
    CHECK(m.mux_state() == MuxState::kAttached);  // the partner is not in sync yet
    CHECK(m.actor_info().state & state::kSynchronization);
    CHECK_FALSE(m.actor_info().state & (state::kCollecting | state::kDistributing));
    m.receive(from_partner(m, kActiveShort | state::kSynchronization), 2100);
    m.run_mux(Selected::kSelected, true, 2100);
    CHECK(m.collecting_distributing());
    CHECK((m.actor_info().state & (state::kCollecting | state::kDistributing)) ==
          (state::kCollecting | state::kDistributing));
    // The partner drops sync: back to ATTACHED, both bits at once.
    m.receive(from_partner(m, kActiveShort), 2200);
    m.run_mux(Selected::kSelected, true, 2200);
    CHECK(m.mux_state() == MuxState::kAttached);
    CHECK_FALSE(m.actor_info().state & (state::kCollecting | state::kDistributing));
    m.run_mux(Selected::kUnselected, true, 2300);
    CHECK(m.mux_state() == MuxState::kDetached);
    CHECK_FALSE(m.actor_info().state & state::kSynchronization);
}

TEST_CASE("LACP member: carrier loss leaves at once; a new partner link detaches too") {
    LacpMember m(actor(), 1, 32768);
    m.set_carrier(true, 0);
    m.receive(from_partner(m, kActiveShort | state::kSynchronization), 0);
    m.run_mux(Selected::kSelected, true, 0);
    m.run_mux(Selected::kSelected, true, 2000);
    m.receive(from_partner(m, kActiveShort | state::kSynchronization), 2000);
    m.run_mux(Selected::kSelected, true, 2000);
    REQUIRE(m.collecting_distributing());
    // Another key from the partner's side: another LAG, the member detaches before any selection.
    Lacpdu other = from_partner(m, kActiveShort | state::kSynchronization);
    other.actor.key = 10;
    m.receive(other, 2500);
    CHECK(m.mux_state() == MuxState::kDetached);
    m.run_mux(Selected::kSelected, true, 2500);
    m.run_mux(Selected::kSelected, true, 4500);
    m.receive(other, 4500);
    m.run_mux(Selected::kSelected, true, 4500);
    REQUIRE(m.collecting_distributing());
    m.set_carrier(false, 5000);
    CHECK(m.mux_state() == MuxState::kDetached);
    CHECK(m.receive_state() == ReceiveState::kPortDisabled);
    CHECK_FALSE(m.partner_in_sync());
    CHECK_FALSE(m.transmit(5000));
    m.receive(other, 5001);  // nothing is taken in while down
    CHECK(m.receive_state() == ReceiveState::kPortDisabled);
}

TEST_CASE("LACP member: at most 3 PDUs in any second, however much changes") {
    LacpMember m(actor(), 1, 32768);
    m.set_carrier(true, 0);
    int sent = 0;
    for (uint64_t t = 0; t < 1000; t += 100) {
        Lacpdu pdu = from_partner(m, kActiveShort);
        pdu.partner.key = static_cast<uint16_t>(100 + t);  // a new mistake each time: NTT
        m.receive(pdu, t);
        sent += m.transmit(t).has_value();
    }
    CHECK(sent == 3);
    CHECK(m.need_to_transmit());  // still owed
    CHECK(m.next_deadline(900) == 1000);
    CHECK(m.transmit(1000));
    CHECK_FALSE(m.transmit(1000));
}

TEST_CASE("LACP member: a passive member speaks only to an active partner") {
    LacpMember m(actor(LacpMode::kPassive), 1, 32768);
    m.set_carrier(true, 0);
    CHECK(sent_between(m, 0, 10000) == 0);
    CHECK_FALSE(m.actor_info().state & state::kActivity);
    m.receive(from_partner(m, kActiveShort), 10000);
    CHECK(sent_between(m, 10000, 10001) == 1);  // what it owed
    CHECK(sent_between(m, 10001, 13001) == 3);  // and every second, as the partner asks
}

TEST_CASE("LACP member: lacp=off runs no machine") {
    LacpMember m(actor(LacpMode::kOff), 1, 32768);
    m.set_carrier(true, 0);
    CHECK(m.receive_state() == ReceiveState::kLacpDisabled);
    m.receive(from_partner(m, kActiveShort), 0);
    CHECK(m.receive_state() == ReceiveState::kLacpDisabled);
    CHECK(sent_between(m, 0, 5000) == 0);
    CHECK(m.next_deadline(0) == LacpMember::kNever);
}
