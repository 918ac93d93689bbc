// One bond member's LACP machines (802.1AX-2008 5.4), driven by explicit time: every call takes
// `now_ms` (a monotonic clock in milliseconds) and nothing here reads a clock, so tests run
// minutes of protocol in microseconds.
//
//  * receive (5.4.12): PORT_DISABLED, EXPIRED, DEFAULTED, CURRENT, LACP_DISABLED. A PDU records
//    the partner and starts current_while: 3 s if our own lacp-time is fast (we asked for a PDU
//    a second), 90 s if slow. Its expiry makes the partner EXPIRED (out of sync: the member leaves
//    the distribution; short timeout asked for, 3 s more), then DEFAULTED (partner forgotten).
//  * periodic (5.4.13): every second while the PARTNER's timeout bit is short, every 30 s while
//    it is long, as the standard says (the partner asks, we send); only if one side is active.
//  * transmit (5.4.16): a PDU whenever something changed (NTT), at most 3 in any second; NTT
//    waits while the periodic machine is off (passive against a passive or unknown partner).
//  * mux (5.4.15), COUPLED control: DETACHED, WAITING (Aggregate_Wait_Time, 2 s), ATTACHED,
//    COLLECTING_DISTRIBUTING. Collecting and distributing start and stop together: the datapath
//    has one bit per member, and a member that receives but does not send (independent
//    control's COLLECTING) gains nothing in a switch; Linux bonding and OVS do the same.
//
// The selection (which members share the aggregator) is the bond's (lacp_bond.h): it tells each
// member SELECTED or UNSELECTED, and whether the aggregator is ready. The carrier going down, or
// the partner changing identity (another system, key or port: a new LAG), detaches the member at
// once, before any selection runs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "lacp/lacp_settings.h"
#include "lacp/lacpdu.h"

namespace vsw::lacp {

enum class ReceiveState : uint8_t { kPortDisabled, kExpired, kDefaulted, kCurrent, kLacpDisabled };
enum class MuxState : uint8_t { kDetached, kWaiting, kAttached, kCollectingDistributing };
// No STANDBY: every member that can join the aggregator does (no limit on active links).
enum class Selected : uint8_t { kUnselected, kSelected };

std::string_view receive_state_name(ReceiveState s);  // "CURRENT", ...
std::string_view mux_state_name(MuxState s);          // "COLLECTING_DISTRIBUTING", ...

struct LacpMemberCounters {
    uint64_t pdus_rx = 0;                         // LACPDUs taken in
    uint64_t pdus_tx = 0;                         // LACPDUs sent
    uint64_t malformed_rx = 0;                    // refused by the decoder
    LacpduError last_error = LacpduError::kNone;  // the last refusal's reason
};

class LacpMember {
  public:
    static constexpr uint64_t kNever = ~uint64_t{0};

    // `actor.key` must already be resolved (not 0). The carrier starts down.
    LacpMember(const LacpActor& actor, uint16_t port, uint16_t port_priority);

    // The link came up (receive machine to EXPIRED: partner asked to hurry) or went down
    // (PORT_DISABLED, partner out of sync, mux DETACHED at once).
    void set_carrier(bool up, uint64_t now_ms);
    // A decoded LACPDU received on this member (ignored while the carrier is down or LACP off).
    void receive(const Lacpdu& pdu, uint64_t now_ms);
    // A frame the decoder refused.
    void count_malformed(LacpduError e);
    // The receive machine's timer: CURRENT -> EXPIRED -> DEFAULTED.
    void expire(uint64_t now_ms);
    // The mux machine under the bond's selection; `ready`: every member waiting to attach to the
    // aggregator has waited long enough.
    void run_mux(Selected selected, bool ready, uint64_t now_ms);
    // The periodic machine: asks for a transmission when one is due.
    void run_periodic(uint64_t now_ms);
    // The transmit machine: the PDU to send now, if one is needed and allowed.
    std::optional<Lacpdu> transmit(uint64_t now_ms);
    // When one of the timers above next wants a call (kNever: none running).
    uint64_t next_deadline(uint64_t now_ms) const;

    // The actor's information as sent now, state bits included.
    PortInfo actor_info() const;
    // The partner as recorded (its synchronization bit is OUR verdict: its PDU said it is in sync
    // and described us as we are); zeros while DEFAULTED.
    const PortInfo& partner() const { return partner_; }
    bool partner_in_sync() const { return partner_.state & state::kSynchronization; }
    bool defaulted() const { return defaulted_; }
    bool carrier() const { return carrier_; }
    ReceiveState receive_state() const { return rx_; }
    MuxState mux_state() const { return mux_; }
    bool waiting_done(uint64_t now_ms) const {
        return mux_ == MuxState::kWaiting && now_ms >= wait_until_;
    }
    bool collecting_distributing() const { return mux_ == MuxState::kCollectingDistributing; }
    bool need_to_transmit() const { return ntt_; }
    const LacpMemberCounters& counters() const { return counters_; }

  private:
    bool lacp_enabled() const { return actor_.mode != LacpMode::kOff; }
    bool periodic_enabled() const;
    void enter_expired(uint64_t now_ms);
    void enter_defaulted();
    void enter_mux(MuxState s, uint64_t now_ms);

    LacpActor actor_;                     // the bond's system, key, mode and time
    uint16_t port_;                       // our port number
    uint16_t port_priority_;              // our port's priority (lower wins)
    bool carrier_ = false;                // the link is up (port_enabled)
    ReceiveState rx_;                     // the receive machine
    MuxState mux_ = MuxState::kDetached;  // the mux machine
    PortInfo partner_;       // Partner_Oper: what the last PDU said, or the defaults (zeros)
    bool defaulted_ = true;  // Actor_Oper_Port_State.Defaulted: partner_ holds the defaults
    bool ntt_ = true;        // Need To Transmit
    uint64_t current_while_until_ = kNever;  // receive machine's timer
    uint64_t wait_until_ = kNever;           // mux machine's wait_while
    uint64_t periodic_until_ = kNever;       // periodic machine's timer; kNever: NO_PERIODIC
    bool periodic_fast_ = false;             // the rate periodic_until_ was set for
    std::array<uint64_t, kMaxPdusPerFastPeriod> sent_at_{};  // the last transmissions, a ring
    unsigned sent_count_ = 0;                                // how many of sent_at_ are used
    unsigned sent_next_ = 0;  // where the next goes: the oldest once the ring is full
    LacpMemberCounters counters_;
};

}  // namespace vsw::lacp
