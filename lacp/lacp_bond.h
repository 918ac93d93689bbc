// A bond's LACP: its members' machines (lacp_member.h), the selection across them, the fallback
// to active-backup, and the one question the datapath asks: which members distribute now.
//
// Selection. vsw's bond is one aggregator (one switch port), so at most one LAG is used at a time:
// the members whose partner is the same system (priority and MAC) with the same key. Which one,
// as OVS's lib/lacp.c chooses: among the members with a live partner (CURRENT or EXPIRED, not
// our own system: a loop), the lead is the one whose partner is in sync, then the one first in
// the order of the system with the higher priority (lower system priority, then lower MAC; its
// port priority, then port number), so both ends pick the same links. Every member whose
// partner matches the lead's is SELECTED; the others are UNSELECTED (their actor says it is not
// in sync, so their partner will not use them either) and an event says why. A partner that says
// its link is individual (aggregation bit clear) joins no other member: only as the lead.
//
// Fallback (lacp-fallback=on, OVS's lacp-fallback-ab): while no member has a live partner and
// at least one is DEFAULTED with its carrier up (a partner that speaks no LACP: its 3 s are
// over), one member distributes, as active-backup: the first with its carrier up, kept while its
// carrier stays up. The first LACPDU heard ends the fallback.
//
// lacp=off: every member with its carrier up distributes (how traffic is spread over them is
// the bond mode's, in the bond port).
//
// The distributing set changes only on events (a PDU, a timer, a carrier); `generation()` counts
// its changes, so the control thread publishes a new snapshot only then. Carrier loss and a
// partner timeout take the member out within the call that notices them.
//
// Driving it: set_carrier() and receive_frame() as things happen, run() when next_run_ms()
// says (at least every 100 ms is plenty) and send what it returns. Pure: time is passed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lacp/lacp_member.h"
#include "lacp/lacp_settings.h"
#include "lacp/lacpdu.h"

namespace vsw::lacp {

constexpr size_t kMaxBondMembers = 32;
using MemberMask = uint32_t;  // bit i: member i

// Something worth a log line: a member's machines moving, a selection verdict, the fallback,
// the distributing set, a malformed PDU (at most one per member per 10 s).
struct LacpEvent {
    uint64_t at_ms = 0;
    std::string member;  // empty: the bond as a whole
    std::string text;
};

struct LacpTransmission {
    size_t member = 0;  // send on this member
    LacpFrame frame;
};

class LacpBond {
  public:
    // Throws std::invalid_argument for no members or more than kMaxBondMembers, a zero or group
    // system MAC, a port number 0 or used twice, a member without a name or named twice.
    explicit LacpBond(LacpBondSettings settings);

    size_t size() const { return members_.size(); }

    void set_carrier(size_t member, bool up, uint64_t now_ms);
    // A slow protocols frame received on `member` (the whole frame, `len` bytes): a LACPDU is
    // taken in (call run() with the same time to answer it), anything else is refused with the
    // reason, counted on the member.
    LacpduError receive_frame(size_t member, const uint8_t* frame, size_t len, uint64_t now_ms);
    // Runs the timers and machines up to `now_ms`; returns the LACPDUs to send now.
    std::vector<LacpTransmission> run(uint64_t now_ms);
    // When run() next has something to do (LacpMember::kNever: nothing until an event).
    uint64_t next_run_ms(uint64_t now_ms) const;

    MemberMask distributing() const { return distributing_; }
    uint64_t generation() const { return generation_; }
    bool negotiated() const { return lead_ >= 0; }  // a LAG with a LACP partner is chosen
    bool in_fallback() const { return fallback_member_ >= 0; }
    bool selected(size_t member) const { return selected_[member] == Selected::kSelected; }
    const LacpMember& member(size_t i) const { return members_[i]; }
    const std::string& member_name(size_t i) const { return settings_.members[i].name; }
    const LacpBondSettings& settings() const { return settings_; }

    // The events since the last call (at most kMaxEvents kept: the oldest go first).
    std::vector<LacpEvent> take_events();
    static constexpr size_t kMaxEvents = 1024;

  private:
    bool live_partner(size_t i) const;
    void select(uint64_t now_ms);
    void settle(uint64_t now_ms);
    void update_fallback(uint64_t now_ms);
    void update_distributing(uint64_t now_ms);
    void note_changes(uint64_t now_ms);
    void set_verdict(size_t i, std::string verdict, uint64_t now_ms);
    void event(uint64_t now_ms, size_t member, std::string text);
    void bond_event(uint64_t now_ms, std::string text);

    LacpBondSettings settings_;
    std::vector<LacpMember> members_;
    std::vector<Selected> selected_;     // the selection's verdict per member
    std::vector<std::string> verdicts_;  // why, as last logged
    int lead_ = -1;                      // the member whose partner names the LAG; -1: none
    int fallback_member_ = -1;           // the active-backup member; -1: not in fallback
    MemberMask distributing_ = 0;
    uint64_t generation_ = 0;
    struct Seen {
        ReceiveState rx;
        MuxState mux;
    };
    std::vector<Seen> seen_;                  // each member's machines as last logged
    std::vector<uint64_t> malformed_logged_;  // when a malformed PDU was last logged, per member
    std::vector<LacpEvent> events_;
};

}  // namespace vsw::lacp
