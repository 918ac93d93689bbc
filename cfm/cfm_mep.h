// One local Maintenance End Point (IEEE 802.1ag, continuity check only, as Open vSwitch's
// lib/cfm.c), driven by explicit time: every call takes `now_ms` (a monotonic clock in
// milliseconds) and nothing here reads a clock, so tests run hours of protocol in milliseconds.
//
//  * Sending: a CCM every interval from construction on, its sequence number one more than the
//    last (the first is 1, as OVS's), RDI set while the MEP has any fault but `rdi` itself (a
//    fault caused only by the far end's RDI does not echo back: two MEPs would hold each other
//    in RDI for ever). Times are kept in microseconds inside: the 3 1/3 ms interval is 3333 us,
//    and CCMs go out on the first call at or after each multiple of it (3 or 4 ms apart, 300 a
//    second; OVS sends code 1 every 3 ms, and its 10 ms fault timer sees 3 of ours).
//  * Receiving: receive() applies the level rule (cfm_frame.h): CFM frames above our level pass,
//    those at or below stop here. A CCM at our level with our MAID from another MEP ID updates
//    the remote MEP table (at most kMaxRemoteMeps entries); anything else at or below our level
//    raises a fault (cfm_fault.h) or is refused with the decoder's reason: kNotCcm for loopback,
//    linktrace and Y.1731 frames, which this MEP does not answer (a caller that wants those
//    through after all can forward on that reason). The VLAN a CCM came on is recorded, never
//    checked (OVS may send on a random VLAN).
//  * Faults: a remote MEP silent for 3.5 of OUR intervals (OVS and 802.1ag assume every MEP of
//    the association uses the same one) is lost (`loss`) until it is heard again, or forgotten
//    kForgetFaultPeriods x 3.5 intervals after its last CCM (or sooner when the table needs its
//    place). `recv`: no CCM from any remote MEP for 3.5 intervals, from construction on. The
//    faults a CCM raises (rdi, maid, loopback, overflow, level, interval) clear 3.5 intervals
//    after the last CCM that raised them. So with interval 100, a partner's silence is a fault
//    350 ms after its last CCM, and never before.
//  * Health (OVS's cfm_health): with exactly one remote MEP, the percentage of the CCMs expected
//    over the last 21 intervals (6 x 3.5) that arrived without raising a fault; 0 with none,
//    -1 (undefined) with several or before the first 21 intervals.
//  * Events: log lines on every change (faults, remote MEPs appearing, lost, back, forgotten, the
//    first CCM of each fault), refused frames and sequence gaps at most once per 10 s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cfm/ccm.h"
#include "cfm/cfm_fault.h"
#include "cfm/cfm_settings.h"
#include "core/mac.h"

namespace vsw::cfm {

constexpr size_t kMaxRemoteMeps = 64;         // OVS keeps 256; a port rarely sees more than one
constexpr unsigned kForgetFaultPeriods = 10;  // a lost remote MEP is kept this many x 3.5
                                              // intervals after its last CCM
constexpr unsigned kHealthFaultPeriods = 6;   // OVS's CFM_HEALTH_INTERVAL

// What the MEP knows of another MEP of its association.
struct RemoteMep {
    uint16_t mpid = 0;                        // its MEP ID
    Mac mac = 0;                              // the source MAC of its last CCM
    uint16_t vlan = 0;                        // the VLAN of its last CCM; 0: untagged
    uint64_t first_seen_ms = 0;               // when it appeared (or came back after a loss)
    uint64_t last_seen_ms = 0;                // its last CCM
    uint32_t last_sequence = 0;               // that CCM's sequence number
    bool rdi = false;                         // that CCM carried RDI
    CcmInterval interval = CcmInterval::k1s;  // the interval that CCM announced
    bool lost = false;                        // silent for 3.5 intervals (the `loss` fault)
    uint64_t ccms = 0;                        // CCMs taken from it
    uint64_t sequence_errors = 0;  // CCMs whose sequence number was not the previous one + 1
};

enum class CfmRxAction : uint8_t {
    kTaken,    // a CCM at or below our level, read (it may have raised a fault): drop the frame
    kPassed,   // not CFM, or CFM above our level: ordinary traffic, forward it
    kRefused,  // CFM at or below our level that is no usable CCM: drop it; `reason` says why
};

struct CfmRx {
    CfmRxAction action = CfmRxAction::kPassed;
    CcmError reason = CcmError::kNone;  // kRefused: the decoder's reason (kNotCcm: LBM, LTM...)
};

struct CfmMepCounters {
    uint64_t ccms_tx = 0;                   // CCMs sent
    uint64_t ccms_rx = 0;                   // CCMs taken in (faulty ones included)
    uint64_t refused_rx = 0;                // frames refused
    uint64_t passed_rx = 0;                 // frames passed (not CFM, or above our level)
    uint64_t sequence_errors = 0;           // over every remote MEP
    CcmError last_error = CcmError::kNone;  // the last refusal's reason
};

// Something worth a log line.
struct CfmEvent {
    uint64_t at_ms = 0;
    std::string text;
};

using CcmBytes = std::vector<uint8_t>;  // an encoded frame, Ethernet header included

class CfmMep {
  public:
    static constexpr uint64_t kNever = ~uint64_t{0};

    // `config` must be enabled and valid (validate_cfm), `mac` (the port's, the CCMs' source)
    // unicast and not zero; std::invalid_argument otherwise. The first CCM is due at `now_ms`.
    CfmMep(const CfmConfig& config, Mac mac, uint64_t now_ms);

    // A frame received on the port (the whole frame, `len` bytes, any FCS may follow).
    CfmRx receive(const uint8_t* frame, size_t len, uint64_t now_ms);
    // Runs the timers up to `now_ms`; returns the CCM to send now, if one is due (at most one:
    // a late call sends one, not a burst).
    std::vector<CcmBytes> run(uint64_t now_ms);
    // When run() next has something to do (a CCM, a silence turning into a fault, a fault to
    // clear); `now_ms` if it is already due.
    uint64_t next_run_ms(uint64_t now_ms) const;

    CfmFaults faults() const { return faults_; }
    bool has_fault() const { return faults_ != 0; }
    bool sending_rdi() const { return (faults_ & ~fault_bit(CfmFault::kRdi)) != 0; }
    int health() const { return health_; }
    const std::vector<RemoteMep>& remote_meps() const { return remotes_; }
    std::vector<uint16_t> live_remote_mpids() const;  // those not lost, as OVS lists them
    uint32_t sequence() const { return sequence_; }   // of the last CCM sent
    const CfmConfig& config() const { return config_; }
    Mac mac() const { return mac_; }
    const CfmMepCounters& counters() const { return counters_; }
    uint64_t interval_us() const { return interval_us_; }
    uint64_t fault_period_us() const { return interval_us_ * 7 / 2; }  // 3.5 intervals

    // The events since the last call (at most kMaxEvents kept: the oldest go first).
    std::vector<CfmEvent> take_events();
    static constexpr size_t kMaxEvents = 256;

  private:
    void take(const ReceivedCcm& r, uint64_t now_us);
    RemoteMep* remote_for(const ReceivedCcm& r, uint64_t now_us, bool& fresh);
    void cause(CfmFault f, uint64_t now_us, const std::string& why);
    void refresh(uint64_t now_us);
    void roll_health(uint64_t now_us);
    void refused(CcmError e, uint64_t now_us);
    void event(uint64_t now_us, std::string text);

    CfmConfig config_;                // what the operator set
    Mac mac_;                         // the CCMs' source
    uint64_t interval_us_;            // between two CCMs
    uint64_t start_us_;               // construction
    uint64_t next_tx_us_;             // when the next CCM is due
    uint32_t sequence_ = 0;           // the last CCM's sequence number
    uint64_t heard_us_ = kNever;      // the last CCM that updated a remote MEP; kNever: none yet
    std::vector<RemoteMep> remotes_;  // in the order they appeared
    // Per fault a CCM raises: present until then (0: never raised).
    uint64_t cause_until_us_[static_cast<size_t>(CfmFault::kCount)] = {};
    CfmFaults faults_ = 0;                  // as last computed (and logged)
    int health_ = -1;                       // see health()
    uint64_t health_end_us_;                // when the current health window ends
    uint64_t health_good_ = 0;              // CCMs without a fault in the current window
    uint64_t refused_logged_us_ = kNever;   // the last refusal logged
    uint64_t sequence_logged_us_ = kNever;  // the last sequence gap logged
    CfmMepCounters counters_;
    std::vector<CfmEvent> events_;
};

}  // namespace vsw::cfm
