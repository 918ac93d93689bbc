// One MEP (cfm/cfm_mep.h) on a fake clock, fed CCMs made by hand: what it sends, when, and
// every fault it raises and clears.
#include "cfm/cfm_mep.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/cfm/cfm_lab.h"

using namespace vsw;
using namespace vsw::cfm;
using namespace vsw::cfm::testing;

namespace {

// A CCM from remote MEP `mpid` at `source`, as a peer configured like `c` would send it.
CcmBytes ccm_from(const CfmConfig& c, uint16_t mpid, uint32_t seq, Mac source = kMacB,
                  bool rdi = false) {
    Ccm ccm;
    ccm.level = c.level;
    ccm.rdi = rdi;
    ccm.interval = c.interval;
    ccm.sequence = seq;
    ccm.mepid = mpid;
    ccm.maid = c.maid;
    return encode_ccm_frame(ccm, source, c.vlan);
}

CfmRx feed(CfmMep& m, const CcmBytes& f, uint64_t now) {
    return m.receive(f.data(), f.size(), now);
}

// The one CCM run() returns at `now` (fails if none or several).
ReceivedCcm sent(CfmMep& m, uint64_t now) {
    const std::vector<CcmBytes> out = m.run(now);
    REQUIRE(out.size() == 1);
    ReceivedCcm r;
    REQUIRE(decode_ccm_frame(out[0].data(), out[0].size(), r) == CcmError::kNone);
    return r;
}

bool has(const CfmMep& m, CfmFault f) {
    return m.faults() & fault_bit(f);
}

bool logged(const std::vector<CfmEvent>& events, const std::string& part) {
    for (const CfmEvent& e : events)
        if (e.text.find(part) != std::string::npos) return true;
    return false;
}

// Runs `m` every millisecond in [from, to); the CCMs it sends.
int sent_between(CfmMep& m, uint64_t from, uint64_t to) {
    int n = 0;
    for (uint64_t t = from; t < to; ++t) n += static_cast<int>(m.run(t).size());
    return n;
}

}  // namespace

TEST_CASE("CFM MEP: a CCM every interval from the start, sequence numbers counting up from 1",
          "[cfm]") {
    CfmConfig c = mep_config(7);
    c.level = 2;
    c.vlan = 10;
    CfmMep m(c, kMacA, 5000);
    const ReceivedCcm first = sent(m, 5000);
    CHECK(first.ccm.mepid == 7);
    CHECK(first.ccm.sequence == 1);
    CHECK(first.ccm.level == 2);
    CHECK(first.ccm.interval == CcmInterval::k1s);
    CHECK(first.ccm.maid == ovs_maid());
    CHECK_FALSE(first.ccm.rdi);
    CHECK(first.source == kMacA);
    CHECK(first.vlan == 10);
    CHECK(m.next_run_ms(5000) == 6000);
    CHECK(m.run(5999).empty());
    CHECK(sent(m, 6000).ccm.sequence == 2);
    CHECK(sent(m, 7000).ccm.sequence == 3);
    CHECK(m.sequence() == 3);
    CHECK(m.counters().ccms_tx == 3);
    // A late call sends one CCM, not the ones it missed, and the rhythm starts again from there.
    CHECK(sent(m, 12500).ccm.sequence == 4);
    CHECK(m.run(12500).empty());
    CHECK(m.next_run_ms(12500) == 13500);
}

TEST_CASE("CFM MEP: the 3.3 ms interval sends 300 CCMs a second, 3 or 4 ms apart", "[cfm]") {
    CfmMep m(mep_config(1, CcmInterval::k3ms), kMacA, 0);
    uint64_t last = 0;
    int n = 0;
    for (uint64_t t = 0; t < 1000; ++t) {
        if (m.run(t).empty()) continue;
        if (n++ > 0) {
            INFO("at " << t);
            CHECK((t - last == 3 || t - last == 4));
        }
        last = t;
    }
    CHECK(n == 300);
    // Driven by next_run_ms alone, the same.
    CfmMep e(mep_config(1, CcmInterval::k3ms), kMacA, 0);
    int m2 = 0;
    for (uint64_t t = 0; t < 1000; t = e.next_run_ms(t)) m2 += static_cast<int>(e.run(t).size());
    CHECK(m2 == 300);
    CHECK(e.fault_period_us() == 11665);  // 3.5 x 3333 us
}

TEST_CASE("CFM MEP: alone, recv after 3.5 intervals (not before), then RDI in its CCMs", "[cfm]") {
    CfmMep m(mep_config(1, CcmInterval::k100ms), kMacA, 0);
    CHECK(sent_between(m, 0, 350) == 4);  // 0, 100, 200, 300
    CHECK(m.faults() == 0);
    CHECK(m.next_run_ms(349) == 350);  // the silence's deadline
    m.run(350);
    CHECK(m.faults() == fault_bit(CfmFault::kRecv));
    CHECK(m.sending_rdi());
    CHECK(sent(m, 400).ccm.rdi);
    const auto events = m.take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].at_ms == 350);
    CHECK(events[0].text == "faults changed from [] to [recv]");
    CHECK(m.health() == -1);  // not measured yet
}

TEST_CASE(
    "CFM MEP: a remote MEP heard goes in the table; its silence is `loss` at 3.5 "
    "intervals exactly",
    "[cfm]") {
    const CfmConfig c = mep_config(1, CcmInterval::k100ms);
    CfmMep m(c, kMacA, 0);
    for (uint32_t i = 0; i <= 10; ++i) {
        m.run(i * 100);
        CHECK(feed(m, ccm_from(c, 2, 100 + i), i * 100 + 5).action == CfmRxAction::kTaken);
    }
    REQUIRE(m.remote_meps().size() == 1);
    const RemoteMep& r = m.remote_meps()[0];
    CHECK(r.mpid == 2);
    CHECK(r.mac == kMacB);
    CHECK(r.first_seen_ms == 5);
    CHECK(r.last_seen_ms == 1005);
    CHECK(r.last_sequence == 110);
    CHECK(r.interval == CcmInterval::k100ms);
    CHECK(r.ccms == 11);
    CHECK(r.sequence_errors == 0);
    CHECK_FALSE(r.lost);
    CHECK(m.live_remote_mpids() == std::vector<uint16_t>{2});
    CHECK(logged(m.take_events(), "remote MEP 2 (02:00:00:00:0b:01) heard"));
    // Its last CCM at 1005: no fault after 3 intervals, nor 1 ms before 3.5.
    for (uint64_t t = 1100; t < 1355; t = m.next_run_ms(t)) m.run(t);
    m.run(1305);
    m.run(1354);
    CHECK(m.faults() == 0);
    CHECK(m.next_run_ms(1354) == 1355);
    m.run(1355);
    CHECK(m.faults() == (fault_bit(CfmFault::kLoss) | fault_bit(CfmFault::kRecv)));
    CHECK(m.remote_meps()[0].lost);
    CHECK(m.live_remote_mpids().empty());
    CHECK(logged(m.take_events(), "remote MEP 2 (02:00:00:00:0b:01) lost: no CCM for 350 ms"));
    // Back: both clear with its first CCM.
    CHECK(feed(m, ccm_from(c, 2, 200), 2000).action == CfmRxAction::kTaken);
    CHECK(m.faults() == 0);
    CHECK(m.remote_meps()[0].first_seen_ms == 2000);
    CHECK(m.remote_meps()[0].sequence_errors == 0);  // no gap counted across the loss
    const auto events = m.take_events();
    CHECK(logged(events, "back after 995 ms of silence"));
    CHECK(logged(events, "faults changed from [recv loss] to []"));
}

TEST_CASE("CFM MEP: a lost remote MEP is forgotten after 10 x 3.5 intervals; recv stays", "[cfm]") {
    const CfmConfig c = mep_config(1, CcmInterval::k100ms);
    CfmMep m(c, kMacA, 0);
    feed(m, ccm_from(c, 2, 1), 0);
    m.run(350);
    CHECK(has(m, CfmFault::kLoss));
    m.run(3499);
    CHECK(m.remote_meps().size() == 1);
    CHECK(m.next_run_ms(3450) == 3500);
    m.run(3500);
    CHECK(m.remote_meps().empty());
    CHECK(m.faults() == fault_bit(CfmFault::kRecv));
    CHECK(logged(m.take_events(), "remote MEP 2 forgotten: no CCM for 3500 ms"));
}

TEST_CASE(
    "CFM MEP: a remote's RDI is the `rdi` fault until 3.5 intervals after its last RDI; "
    "it is not echoed",
    "[cfm]") {
    const CfmConfig c = mep_config(1, CcmInterval::k100ms);
    CfmMep m(c, kMacA, 0);
    for (uint32_t i = 0; i < 5; ++i) feed(m, ccm_from(c, 2, i + 1, kMacB, true), i * 100);
    CHECK(m.faults() == fault_bit(CfmFault::kRdi));
    CHECK(m.remote_meps()[0].rdi);
    CHECK_FALSE(m.sending_rdi());  // rdi alone: our CCMs stay clean
    CHECK_FALSE(sent(m, 400).ccm.rdi);
    CHECK(logged(m.take_events(), "remote MEP 2 (02:00:00:00:0b:01) signals RDI: it sees a fault"));
    // Its CCMs without RDI from 500 on: the fault clears 350 ms after the last RDI (at 400).
    for (uint32_t i = 5; i < 8; ++i) {
        feed(m, ccm_from(c, 2, i + 1), i * 100);
        m.run(i * 100);
    }
    CHECK_FALSE(m.remote_meps()[0].rdi);
    m.run(749);
    CHECK(has(m, CfmFault::kRdi));
    m.run(750);
    CHECK(m.faults() == 0);
}

TEST_CASE("CFM MEP: another MAID at our level is `maid`; the sender is not a remote MEP", "[cfm]") {
    const CfmConfig c = mep_config(1, CcmInterval::k100ms);
    CfmMep m(c, kMacA, 0);
    CfmConfig other = c;
    REQUIRE(parse_maid("md1/ma1", other.maid) == "");
    CHECK(feed(m, ccm_from(other, 2, 1), 10).action == CfmRxAction::kTaken);
    CHECK(m.faults() == fault_bit(CfmFault::kMaid));
    CHECK(m.remote_meps().empty());
    CHECK(m.sending_rdi());
    CHECK(sent(m, 10).ccm.rdi);
    const auto events = m.take_events();
    CHECK(logged(events, "CCM from MEP 2 (02:00:00:00:0b:01) with MAID md1/ma1, not ovs/ovs"));
    CHECK(logged(events, "faults changed from [] to [maid]"));
    // Our partner meanwhile: recv never rises while it speaks; maid clears 350 ms after 10.
    for (uint64_t t = 100; t < 400; t += 100) feed(m, ccm_from(c, 3, uint32_t(t / 100)), t);
    m.run(359);
    CHECK(has(m, CfmFault::kMaid));
    m.run(360);
    CHECK(m.faults() == 0);
}

TEST_CASE("CFM MEP: the level rule; a CCM from a lower level is `level`", "[cfm]") {
    const CfmConfig c = mep_config(1, CcmInterval::k100ms, 3);
    CfmMep m(c, kMacA, 0);
    CfmConfig above = c, below = c;
    above.level = 4;
    below.level = 2;
    // Above: ordinary traffic, the MEP untouched.
    CHECK(feed(m, ccm_from(above, 2, 1), 0).action == CfmRxAction::kPassed);
    CHECK(m.faults() == 0);
    CHECK(m.counters().passed_rx == 1);
    // At our level: ours.
    CHECK(feed(m, ccm_from(c, 2, 1), 0).action == CfmRxAction::kTaken);
    // Below: stopped, and a cross-connect.
    CHECK(feed(m, ccm_from(below, 5, 1, kMacC), 0).action == CfmRxAction::kTaken);
    CHECK(m.faults() == fault_bit(CfmFault::kLevel));
    CHECK(logged(m.take_events(),
                 "CCM at level 2 from MEP 5 (02:00:00:00:0c:01), below this "
                 "MEP's level 3"));
    CHECK(m.remote_meps().size() == 1);
    // An LBM at our level stops here too, refused as not a CCM; above, it passes.
    CcmBytes lbm = ccm_from(c, 2, 1);
    lbm[15] = 3;
    CHECK(feed(m, lbm, 1).action == CfmRxAction::kRefused);
    CHECK(feed(m, lbm, 1).reason == CcmError::kNotCcm);
    lbm[14] = 0xe0;  // level 7
    CHECK(feed(m, lbm, 1).action == CfmRxAction::kPassed);
    // Not CFM at all: passed.
    std::vector<uint8_t> ip(64, 0);
    ip[12] = 0x08;
    CHECK(feed(m, ip, 1).action == CfmRxAction::kPassed);
    CHECK(m.counters().passed_rx == 3);
    CHECK(m.counters().refused_rx == 2);
    CHECK(m.counters().last_error == CcmError::kNotCcm);
}

TEST_CASE("CFM MEP: a remote announcing another interval is `interval`, still a remote MEP",
          "[cfm]") {
    const CfmConfig c = mep_config(1, CcmInterval::k1s);
    CfmMep m(c, kMacA, 0);
    CfmConfig fast = c;
    fast.interval = CcmInterval::k100ms;
    feed(m, ccm_from(fast, 2, 1), 0);
    CHECK(m.faults() == fault_bit(CfmFault::kInterval));
    REQUIRE(m.remote_meps().size() == 1);
    CHECK(m.remote_meps()[0].interval == CcmInterval::k100ms);
    CHECK(logged(m.take_events(), "sends every 100 ms, this MEP every 1000 ms"));
    // It stops sending (and so does the fault's cause): interval clears at 3500, loss rises then.
    m.run(3499);
    CHECK(m.faults() == fault_bit(CfmFault::kInterval));
    m.run(3500);
    CHECK(m.faults() == (fault_bit(CfmFault::kLoss) | fault_bit(CfmFault::kRecv)));
}

TEST_CASE("CFM MEP: our own MEP ID coming back is `loopback`: a loop, or a duplicate", "[cfm]") {
    const CfmConfig c = mep_config(9, CcmInterval::k100ms);
    CfmMep m(c, kMacA, 0);
    const CcmBytes own = m.run(0).at(0);
    CHECK(feed(m, own, 1).action == CfmRxAction::kTaken);
    CHECK(m.faults() == fault_bit(CfmFault::kLoopback));
    CHECK(m.remote_meps().empty());
    CHECK(logged(m.take_events(), "its own CCM came back (a loop)"));
    m.run(351);
    CHECK(m.faults() == fault_bit(CfmFault::kRecv));  // our own CCMs are not a partner
    feed(m, ccm_from(c, 9, 1, kMacC), 400);
    CHECK(has(m, CfmFault::kLoopback));
    CHECK(logged(m.take_events(), "from 02:00:00:00:0c:01: a duplicate MEP ID"));
}

TEST_CASE("CFM MEP: the remote MEP table holds 64; the 65th is `overflow` unless one is lost",
          "[cfm]") {
    const CfmConfig c = mep_config(1, CcmInterval::k100ms);
    CfmMep m(c, kMacA, 0);
    for (uint16_t id = 2; id < 2 + kMaxRemoteMeps; ++id)
        CHECK(feed(m, ccm_from(c, id, 1, kMacB + id), 0).action == CfmRxAction::kTaken);
    CHECK(m.remote_meps().size() == kMaxRemoteMeps);
    CHECK(m.faults() == 0);
    CHECK(feed(m, ccm_from(c, 100, 1), 50).action == CfmRxAction::kTaken);
    CHECK(m.remote_meps().size() == kMaxRemoteMeps);
    CHECK(m.faults() == fault_bit(CfmFault::kOverflow));
    CHECK(logged(m.take_events(), "dropped: already 64 remote MEPs"));
    // All but MEP 2 keep speaking; at 350 MEP 2 is lost, and its place goes to a newcomer.
    for (uint16_t id = 3; id < 2 + kMaxRemoteMeps; ++id)
        feed(m, ccm_from(c, id, 2, kMacB + id), 300);
    m.run(350);
    CHECK(m.faults() == (fault_bit(CfmFault::kLoss) | fault_bit(CfmFault::kOverflow)));
    CHECK(feed(m, ccm_from(c, 100, 2), 360).action == CfmRxAction::kTaken);
    CHECK(m.remote_meps().size() == kMaxRemoteMeps);
    CHECK(m.remote_meps().back().mpid == 100);
    CHECK(m.remote_meps().front().mpid == 3);
    CHECK(logged(m.take_events(), "remote MEP 2 forgotten to make room"));
    CHECK(m.faults() == fault_bit(CfmFault::kOverflow));  // 350 ms after the dropped CCM
    m.run(399);
    CHECK(m.faults() == fault_bit(CfmFault::kOverflow));
    m.run(400);
    CHECK(m.faults() == 0);
}

TEST_CASE("CFM MEP: sequence gaps counted per remote MEP, logged at most every 10 s", "[cfm]") {
    const CfmConfig c = mep_config(1, CcmInterval::k1s);
    CfmMep m(c, kMacA, 0);
    feed(m, ccm_from(c, 2, 10), 0);
    feed(m, ccm_from(c, 2, 11), 1000);
    feed(m, ccm_from(c, 2, 13), 2000);  // 12 lost
    feed(m, ccm_from(c, 2, 12), 3000);  // late
    CHECK(m.remote_meps()[0].sequence_errors == 2);
    CHECK(m.counters().sequence_errors == 2);
    const auto events = m.take_events();
    CHECK(logged(events, "remote MEP 2: sequence 13 after 11"));
    CHECK_FALSE(logged(events, "sequence 12 after 13"));  // within 10 s of the last line
    CHECK(m.faults() == 0);                               // gaps are no fault (as in OVS)
    feed(m, ccm_from(c, 2, 0xffffffff), 4000);
    feed(m, ccm_from(c, 2, 0), 5000);  // wraps: no gap
    CHECK(m.remote_meps()[0].sequence_errors == 3);
}

TEST_CASE("CFM MEP: health, as OVS's: CCMs that arrived clean over 21 intervals", "[cfm]") {
    const CfmConfig c = mep_config(1, CcmInterval::k100ms);
    CfmMep m(c, kMacA, 0);
    m.run(2099);
    CHECK(m.health() == -1);
    m.run(2100);
    CHECK(m.health() == 0);  // no remote MEP
    // One remote, every interval from 2100 on: 21 of 21.
    uint32_t seq = 1;
    for (uint64_t t = 2100; t < 4200; t += 100) feed(m, ccm_from(c, 2, seq++), t);
    m.run(4200);
    CHECK(m.health() == 100);
    // Every other interval (the loss timer still satisfied at 200 ms): 11 of 21 -> 52.
    for (uint64_t t = 4200; t < 6300; t += 200) feed(m, ccm_from(c, 2, seq++), t);
    m.run(6300);
    CHECK(m.health() == 52);
    // With RDI: received, but not clean.
    for (uint64_t t = 6300; t < 8400; t += 100) feed(m, ccm_from(c, 2, seq++, kMacB, true), t);
    m.run(8400);
    CHECK(m.health() == 0);
    // Two remote MEPs: undefined.
    for (uint64_t t = 8400; t < 10500; t += 100) {
        feed(m, ccm_from(c, 2, seq++), t);
        feed(m, ccm_from(c, 3, seq), t);
    }
    m.run(10500);
    CHECK(m.health() == -1);
}

TEST_CASE("CFM MEP: malformed frames at our level refused, counted, logged every 10 s", "[cfm]") {
    const CfmConfig c = mep_config(1, CcmInterval::k1min);  // no recv fault in this test
    CfmMep m(c, kMacA, 0);
    CcmBytes f = ccm_from(c, 2, 1);
    f[17] = 74;  // first TLV offset
    CHECK(feed(m, f, 0).action == CfmRxAction::kRefused);
    CHECK(feed(m, f, 0).reason == CcmError::kBadFirstTlvOffset);
    f = ccm_from(c, 2, 1);
    f.resize(60);
    CHECK(feed(m, f, 5000).reason == CcmError::kTooShort);
    CHECK(feed(m, f, 10000).reason == CcmError::kTooShort);
    CHECK(m.counters().refused_rx == 4);
    CHECK(m.counters().last_error == CcmError::kTooShort);
    CHECK(m.remote_meps().empty());
    const auto events = m.take_events();
    REQUIRE(events.size() == 2);  // at 0 and at 10000
    CHECK(events[0].text ==
          "CFM frame at or below level 0 refused: bad_first_tlv_offset (1 refused so far)");
    CHECK(events[1].text == "CFM frame at or below level 0 refused: too_short (4 refused so far)");
}

TEST_CASE("CFM MEP: Open vSwitch's CCMs, as it sends them, keep the MEP fault-free", "[cfm]") {
    CfmMep m(mep_config(1), kMacA, 0);
    for (uint32_t i = 0; i < 60; ++i) {
        m.run(i * 1000);
        // OVS (lib/cfm.c): level 0, version 0, interval code 4, first TLV offset 70, its MAID.
        std::vector<uint8_t> f = {0x01, 0x80, 0xc2, 0,    0,    0x30, 0x02, 0,    0,
                                  0,    0x0b, 0x01, 0x89, 0x02, 0x00, 0x01, 0x04, 70};
        const uint32_t seq = i + 1;
        f.insert(f.end(), {uint8_t(seq >> 24), uint8_t(seq >> 16), uint8_t(seq >> 8), uint8_t(seq),
                           0x00, 0x02, 4, 3, 'o', 'v', 's', 2, 3, 'o', 'v', 's'});
        f.resize(89);
        CHECK(feed(m, f, i * 1000 + 3).action == CfmRxAction::kTaken);
    }
    CHECK(m.faults() == 0);
    CHECK(m.live_remote_mpids() == std::vector<uint16_t>{2});
    CHECK(m.remote_meps()[0].sequence_errors == 0);
    CHECK(m.health() == 100);
}

TEST_CASE("CFM MEP: refuses a config it cannot run", "[cfm]") {
    CHECK_THROWS_AS(CfmMep(CfmConfig{}, kMacA, 0), std::invalid_argument);  // cfm-mpid none
    CfmConfig bad = mep_config(1);
    bad.level = 9;
    CHECK_THROWS_AS(CfmMep(bad, kMacA, 0), std::invalid_argument);
    CHECK_THROWS_AS(CfmMep(mep_config(1), 0, 0), std::invalid_argument);
    CHECK_THROWS_AS(CfmMep(mep_config(1), 0x0180c2000030, 0), std::invalid_argument);
    CHECK_NOTHROW(CfmMep(mep_config(8191), kMacA, 0));
}

TEST_CASE("CFM MEP: fault names as OVS prints them", "[cfm]") {
    CHECK(cfm_faults_string(0) == "");
    CHECK(cfm_faults_string(fault_bit(CfmFault::kRecv) | fault_bit(CfmFault::kLoss)) ==
          "recv loss");
    CHECK(cfm_fault_name(CfmFault::kLoopback) == "loopback");
    CHECK(cfm_fault_name(CfmFault::kInterval) == "interval");
    CHECK(fault_bit(CfmFault::kRecv) == 1);  // OVS's bit order for the faults it has
    CHECK(fault_bit(CfmFault::kRdi) == 2);
    CHECK(fault_bit(CfmFault::kMaid) == 4);
    CHECK(fault_bit(CfmFault::kLoopback) == 8);
    CHECK(fault_bit(CfmFault::kOverflow) == 16);
}
