// MEPs against each other on a fake clock (tests/cfm/cfm_lab.h): what two ends of a link, or
// three on a segment, see of each other through encoded CCMs, and how they see a silence.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cfm/cfm_mep.h"
#include "tests/cfm/cfm_lab.h"

using namespace vsw;
using namespace vsw::cfm;
using namespace vsw::cfm::testing;

namespace {

bool has(const CfmMep& m, CfmFault f) {
    return m.faults() & fault_bit(f);
}

}  // namespace

TEST_CASE("CFM pair: two MEPs see each other, with no fault, for an hour", "[cfm]") {
    CfmMep a(mep_config(1), kMacA, 0), b(mep_config(2), kMacB, 0);
    CfmLab lab;
    lab.add(a);
    lab.add(b);
    lab.run_for(3600 * 1000);
    CHECK(a.faults() == 0);
    CHECK(b.faults() == 0);
    CHECK(a.live_remote_mpids() == std::vector<uint16_t>{2});
    CHECK(b.live_remote_mpids() == std::vector<uint16_t>{1});
    CHECK(a.remote_meps()[0].mac == kMacB);
    CHECK(a.remote_meps()[0].sequence_errors == 0);
    CHECK(a.health() == 100);
    CHECK(b.health() == 100);
    CHECK(a.counters().ccms_tx == 3601);  // 0 s to 3600 s included
    CHECK(b.counters().ccms_rx == 3601);
    CHECK(b.remote_meps()[0].last_sequence == 3601);
    CHECK(lab.refused == 0);
    CHECK(lab.passed == 0);
    CHECK(lab.stalls == 0);
    CHECK(lab.wakeups < 2 * 3601 + 400);  // CCMs, health windows: no busy waiting
}

TEST_CASE(
    "CFM pair: a silent partner is a fault within 350 ms at interval 100; RDI goes back, "
    "and all clears when it speaks again",
    "[cfm]") {
    CfmMep a(mep_config(1, CcmInterval::k100ms), kMacA, 0);
    CfmMep b(mep_config(2, CcmInterval::k100ms), kMacB, 0);
    CfmLab lab;
    lab.add(a);
    lab.add(b);
    lab.run_for(10000);
    REQUIRE(a.faults() == 0);
    REQUIRE(b.faults() == 0);
    // b's CCMs stop reaching a (one way: a's still reach b).
    lab.silence(1);
    const uint64_t cut = lab.now;
    const uint64_t last_heard = a.remote_meps()[0].last_seen_ms;
    lab.run_until(last_heard + 300);  // 3 intervals: nothing yet
    CHECK(a.faults() == 0);
    const uint64_t fault_at = lab.run_until_true([&] { return a.has_fault(); }, 1000);
    CHECK(fault_at == last_heard + 350);
    CHECK(fault_at - cut <= 350);
    CHECK(a.faults() == (fault_bit(CfmFault::kLoss) | fault_bit(CfmFault::kRecv)));
    // a now sends RDI; b hears it at a's next CCM, within one interval.
    const uint64_t rdi_at = lab.run_until_true([&] { return b.has_fault(); }, 1000);
    CHECK(rdi_at - fault_at <= 100);
    CHECK(b.faults() == fault_bit(CfmFault::kRdi));
    CHECK(b.remote_meps()[0].rdi);
    lab.run_for(5000);
    CHECK(b.faults() == fault_bit(CfmFault::kRdi));  // it stays while a sends RDI
    CHECK_FALSE(b.sending_rdi());                    // and is not echoed
    // The path comes back: a clears at b's next CCM, b 3.5 intervals after a's last RDI.
    lab.unsilence(1);
    const uint64_t back = lab.now;
    const uint64_t a_clear = lab.run_until_true([&] { return !a.has_fault(); }, 1000);
    CHECK(a_clear - back <= 100);
    const uint64_t b_clear = lab.run_until_true([&] { return !b.has_fault(); }, 1000);
    CHECK(b_clear - a_clear <= 350 + 100);
    lab.run_for(10000);
    CHECK(a.faults() == 0);
    CHECK(b.faults() == 0);
    CHECK(lab.stalls == 0);
}

TEST_CASE("CFM pair: at 3.3 ms they keep each other fault-free; a silence is a fault in 12 ms",
          "[cfm]") {
    CfmMep a(mep_config(1, CcmInterval::k3ms), kMacA, 0);
    CfmMep b(mep_config(2, CcmInterval::k3ms), kMacB, 0);
    CfmLab lab;
    lab.add(a);
    lab.add(b);
    lab.run_for(10000);
    CHECK(a.faults() == 0);
    CHECK(b.faults() == 0);
    CHECK(a.counters().ccms_tx == 3001);  // 300 a second, and the one at 10 s
    CHECK(b.remote_meps()[0].sequence_errors == 0);
    CHECK(a.health() >= 95);  // a CCM may land in the next 70 ms window on a ms clock
    lab.silence(0);
    const uint64_t last_heard = b.remote_meps()[0].last_seen_ms;
    const uint64_t fault_at = lab.run_until_true([&] { return b.has_fault(); }, 100);
    CHECK(fault_at == last_heard + 12);  // 3.5 x 3333 us = 11.665 ms, on a ms clock
    CHECK(has(b, CfmFault::kLoss));
    CHECK(lab.stalls == 0);
}

TEST_CASE("CFM pair: different MAIDs are a cross-connect at both ends", "[cfm]") {
    CfmConfig ca = mep_config(1, CcmInterval::k100ms), cb = mep_config(2, CcmInterval::k100ms);
    REQUIRE(parse_maid("md/other", cb.maid) == "");
    CfmMep a(ca, kMacA, 0), b(cb, kMacB, 0);
    CfmLab lab;
    lab.add(a);
    lab.add(b);
    lab.run_for(1000);
    CHECK(a.faults() == (fault_bit(CfmFault::kMaid) | fault_bit(CfmFault::kRecv)));
    CHECK(b.faults() == (fault_bit(CfmFault::kMaid) | fault_bit(CfmFault::kRecv)));
    CHECK(a.remote_meps().empty());
    CHECK(lab.taken == lab.delivered);  // read, stopped: none forwarded
}

TEST_CASE(
    "CFM pair: levels 3 and 0: the lower one's CCMs are `level` above, the higher one's "
    "pass below",
    "[cfm]") {
    CfmMep high(mep_config(1, CcmInterval::k100ms, 3), kMacA, 0);
    CfmMep low(mep_config(2, CcmInterval::k100ms, 0), kMacB, 0);
    CfmLab lab;
    lab.add(high);
    lab.add(low);
    lab.run_for(1000);
    CHECK(high.faults() == (fault_bit(CfmFault::kLevel) | fault_bit(CfmFault::kRecv)));
    CHECK(low.faults() == fault_bit(CfmFault::kRecv));  // level 3 is not its business
    CHECK(low.counters().ccms_rx == 0);
    CHECK(low.counters().passed_rx == high.counters().ccms_tx);
    CHECK(lab.passed == high.counters().ccms_tx);
}

TEST_CASE("CFM pair: different intervals are `interval` at both ends", "[cfm]") {
    CfmMep a(mep_config(1, CcmInterval::k100ms), kMacA, 0);
    CfmMep b(mep_config(2, CcmInterval::k1s), kMacB, 0);
    CfmLab lab;
    lab.add(a);
    lab.add(b);
    // Each end always has a fault, so each sends RDI, and each sees the other's.
    lab.run_for(5000);  // b's CCM just arrived at a
    CHECK(a.faults() == (fault_bit(CfmFault::kInterval) | fault_bit(CfmFault::kRdi)));
    lab.run_for(400);  // b's 1 s is a silence for a's 350 ms timer, and ended interval's 350 ms
    CHECK(a.faults() == (fault_bit(CfmFault::kLoss) | fault_bit(CfmFault::kRecv)));
    CHECK(b.faults() == (fault_bit(CfmFault::kInterval) | fault_bit(CfmFault::kRdi)));
    CHECK(b.remote_meps()[0].interval == CcmInterval::k100ms);
}

TEST_CASE("CFM segment: three MEPs each see the other two; health is undefined", "[cfm]") {
    CfmMep a(mep_config(1), kMacA, 0), b(mep_config(2), kMacB, 0), c(mep_config(3), kMacC, 0);
    CfmLab lab;
    lab.add(a);
    lab.add(b);
    lab.add(c);
    lab.run_for(60000);
    for (const CfmMep* m : {&a, &b, &c}) {
        CHECK(m->faults() == 0);
        CHECK(m->live_remote_mpids().size() == 2);
        CHECK(m->health() == -1);
    }
    // c goes silent: a and b each lose it (and send RDI, which each then sees from the other).
    lab.silence(2);
    lab.run_for(3500);  // c's last CCM at 60 s
    CHECK(a.faults() == fault_bit(CfmFault::kLoss));
    CHECK(b.faults() == fault_bit(CfmFault::kLoss));
    CHECK(a.live_remote_mpids() == std::vector<uint16_t>{2});
    lab.run_for(500);  // their next CCMs carry RDI
    CHECK(a.faults() == (fault_bit(CfmFault::kLoss) | fault_bit(CfmFault::kRdi)));
    CHECK(c.faults() == fault_bit(CfmFault::kRdi));
    // c is forgotten 35 s after its last CCM (at 95 s); a's and b's last RDI went out at 94 s,
    // so the rdi faults it raised end at 97.5 s.
    lab.run_until(94999);
    CHECK(has(a, CfmFault::kLoss));
    lab.run_until(95000);
    CHECK(a.faults() == fault_bit(CfmFault::kRdi));
    CHECK(a.remote_meps().size() == 1);
    lab.run_until(97499);
    CHECK(a.faults() == fault_bit(CfmFault::kRdi));
    lab.run_until(97500);
    CHECK(a.faults() == 0);
    CHECK(b.faults() == 0);
    CHECK(a.remote_meps().size() == 1);
    CHECK(c.faults() == 0);
    CHECK(lab.stalls == 0);
}
