// One member's LACP machines (lacp_member.h).
#include "lacp/lacp_member.h"

#include <algorithm>

namespace vsw::lacp {
namespace {

// The fields that name a partner's link: a change is a new LAG for this member (update_Selected).
bool same_link(const PortInfo& a, const PortInfo& b) {
    return a.system_priority == b.system_priority && a.system == b.system && a.key == b.key &&
           a.port_priority == b.port_priority && a.port == b.port &&
           (a.state & state::kAggregation) == (b.state & state::kAggregation);
}

// The state bits whose difference between what the partner believes of us and what we are calls
// for a transmission (update_NTT).
constexpr uint8_t kNttBits =
    state::kActivity | state::kTimeout | state::kSynchronization | state::kAggregation;

}  // namespace

std::string_view receive_state_name(ReceiveState s) {
    switch (s) {
        case ReceiveState::kPortDisabled: return "PORT_DISABLED";
        case ReceiveState::kExpired: return "EXPIRED";
        case ReceiveState::kDefaulted: return "DEFAULTED";
        case ReceiveState::kCurrent: return "CURRENT";
        case ReceiveState::kLacpDisabled: return "LACP_DISABLED";
    }
    return "?";
}

std::string_view mux_state_name(MuxState s) {
    switch (s) {
        case MuxState::kDetached: return "DETACHED";
        case MuxState::kWaiting: return "WAITING";
        case MuxState::kAttached: return "ATTACHED";
        case MuxState::kCollectingDistributing: return "COLLECTING_DISTRIBUTING";
    }
    return "?";
}

LacpMember::LacpMember(const LacpActor& actor, uint16_t port, uint16_t port_priority)
    : actor_(actor),
      port_(port),
      port_priority_(port_priority),
      rx_(actor.mode == LacpMode::kOff ? ReceiveState::kLacpDisabled
                                       : ReceiveState::kPortDisabled) {}

PortInfo LacpMember::actor_info() const {
    uint8_t s = state::kAggregation;  // a bond member can always be aggregated
    if (actor_.mode == LacpMode::kActive) s |= state::kActivity;
    if (actor_.time == LacpTime::kFast) s |= state::kTimeout;
    if (mux_ == MuxState::kAttached || mux_ == MuxState::kCollectingDistributing)
        s |= state::kSynchronization;
    if (mux_ == MuxState::kCollectingDistributing) s |= state::kCollecting | state::kDistributing;
    if (defaulted_) s |= state::kDefaulted;
    if (rx_ == ReceiveState::kExpired) s |= state::kExpired;
    return {actor_.system_priority, actor_.system, actor_.key, port_priority_, port_, s};
}

void LacpMember::set_carrier(bool up, uint64_t now_ms) {
    if (up == carrier_) return;
    carrier_ = up;
    if (!lacp_enabled()) return;
    if (up) {
        enter_expired(now_ms);  // PORT_DISABLED -> EXPIRED: the partner is asked to hurry
        ntt_ = true;
        return;
    }
    rx_ = ReceiveState::kPortDisabled;
    partner_.state &= ~state::kSynchronization;
    current_while_until_ = kNever;
    periodic_until_ = kNever;
    if (mux_ != MuxState::kDetached) enter_mux(MuxState::kDetached, now_ms);
}

void LacpMember::receive(const Lacpdu& pdu, uint64_t now_ms) {
    if (!carrier_ || !lacp_enabled()) return;
    ++counters_.pdus_rx;
    const PortInfo me = actor_info();
    // update_NTT: the partner's idea of us is out of date.
    const PortInfo& seen = pdu.partner;
    if (seen.port != me.port || seen.port_priority != me.port_priority ||
        seen.system != me.system || seen.system_priority != me.system_priority ||
        seen.key != me.key || ((seen.state ^ me.state) & kNttBits))
        ntt_ = true;
    // update_Selected: another partner link than the one recorded is another LAG.
    const bool moved = !same_link(pdu.actor, partner_);
    // recordPDU: the partner is in sync if it says so and describes us as we are (or is an
    // individual link, which needs no agreement on the aggregate).
    const bool describes_us = seen.port == me.port && seen.port_priority == me.port_priority &&
                              seen.system == me.system &&
                              seen.system_priority == me.system_priority && seen.key == me.key &&
                              ((seen.state ^ me.state) & state::kAggregation) == 0;
    const bool says_sync = pdu.actor.state & state::kSynchronization;
    const bool individual = !(pdu.actor.state & state::kAggregation);
    const bool in_sync = says_sync && (describes_us || individual);
    partner_ = pdu.actor;
    partner_.state = static_cast<uint8_t>((partner_.state & ~state::kSynchronization) |
                                          (in_sync ? state::kSynchronization : 0));
    defaulted_ = false;
    rx_ = ReceiveState::kCurrent;
    current_while_until_ =
        now_ms + (actor_.time == LacpTime::kFast ? kShortTimeoutMs : kLongTimeoutMs);
    if (moved && mux_ != MuxState::kDetached) enter_mux(MuxState::kDetached, now_ms);
}

void LacpMember::count_malformed(LacpduError e) {
    ++counters_.malformed_rx;
    counters_.last_error = e;
}

void LacpMember::expire(uint64_t now_ms) {
    if (!carrier_ || !lacp_enabled() || now_ms < current_while_until_) return;
    if (rx_ == ReceiveState::kCurrent) enter_expired(now_ms);
    else if (rx_ == ReceiveState::kExpired) enter_defaulted();
}

void LacpMember::enter_expired(uint64_t now_ms) {
    rx_ = ReceiveState::kExpired;
    partner_.state &= ~state::kSynchronization;
    partner_.state |= state::kTimeout;  // send fast to the partner: it may answer in time
    current_while_until_ = now_ms + kShortTimeoutMs;
}

void LacpMember::enter_defaulted() {
    rx_ = ReceiveState::kDefaulted;
    defaulted_ = true;
    partner_ = PortInfo{};  // the defaults: no partner, passive, long timeout
    current_while_until_ = kNever;
    // update_Default_Selected: the partner changed (to none), the member's LAG with it.
    if (mux_ != MuxState::kDetached) {
        mux_ = MuxState::kDetached;
        ntt_ = true;
    }
}

void LacpMember::run_mux(Selected selected, bool ready, uint64_t now_ms) {
    const bool is_selected = selected == Selected::kSelected && carrier_ && lacp_enabled();
    for (int step = 0; step < 4; ++step) {  // at most DETACHED -> ... -> COLLECTING_DISTRIBUTING
        MuxState next = mux_;
        switch (mux_) {
            case MuxState::kDetached:
                if (is_selected) next = MuxState::kWaiting;
                break;
            case MuxState::kWaiting:
                if (!is_selected) next = MuxState::kDetached;
                else if (ready && now_ms >= wait_until_) next = MuxState::kAttached;
                break;
            case MuxState::kAttached:
                if (!is_selected) next = MuxState::kDetached;
                else if (partner_in_sync()) next = MuxState::kCollectingDistributing;
                break;
            case MuxState::kCollectingDistributing:
                if (!is_selected || !partner_in_sync()) next = MuxState::kAttached;
                break;
        }
        if (next == mux_) return;
        enter_mux(next, now_ms);
    }
}

void LacpMember::enter_mux(MuxState s, uint64_t now_ms) {
    mux_ = s;
    if (s == MuxState::kWaiting) wait_until_ = now_ms + kAggregateWaitMs;
    else ntt_ = true;  // our synchronization, collecting or distributing bit changed
}

bool LacpMember::periodic_enabled() const {
    return carrier_ && lacp_enabled() &&
           (actor_.mode == LacpMode::kActive || (partner_.state & state::kActivity));
}

void LacpMember::run_periodic(uint64_t now_ms) {
    if (!periodic_enabled()) {
        periodic_until_ = kNever;  // NO_PERIODIC
        return;
    }
    const bool fast = partner_.state & state::kTimeout;
    const uint64_t period = fast ? kFastPeriodicMs : kSlowPeriodicMs;
    if (periodic_until_ == kNever || fast != periodic_fast_) {
        // Entering FAST_PERIODIC or SLOW_PERIODIC; from slow to fast through PERIODIC_TX.
        if (periodic_until_ != kNever && fast) ntt_ = true;
        periodic_fast_ = fast;
        periodic_until_ = now_ms + period;
        return;
    }
    if (now_ms >= periodic_until_) {
        ntt_ = true;  // PERIODIC_TX
        periodic_until_ = now_ms + period;
    }
}

std::optional<Lacpdu> LacpMember::transmit(uint64_t now_ms) {
    if (!ntt_ || !periodic_enabled()) return std::nullopt;
    if (sent_count_ == kMaxPdusPerFastPeriod && now_ms < sent_at_[sent_next_] + kFastPeriodicMs)
        return std::nullopt;  // three in the last second: NTT waits
    sent_at_[sent_next_] = now_ms;
    sent_next_ = (sent_next_ + 1) % kMaxPdusPerFastPeriod;
    sent_count_ = std::min(sent_count_ + 1, kMaxPdusPerFastPeriod);
    ntt_ = false;
    ++counters_.pdus_tx;
    return Lacpdu{actor_info(), partner_, 0};
}

uint64_t LacpMember::next_deadline(uint64_t now_ms) const {
    uint64_t next = kNever;
    if (carrier_ && lacp_enabled()) next = std::min(next, current_while_until_);
    next = std::min(next, periodic_until_);
    if (mux_ == MuxState::kWaiting) next = std::min(next, wait_until_);
    if (ntt_ && periodic_enabled()) {
        const bool limited =
            sent_count_ == kMaxPdusPerFastPeriod && now_ms < sent_at_[sent_next_] + kFastPeriodicMs;
        next = std::min(next, limited ? sent_at_[sent_next_] + kFastPeriodicMs : now_ms);
    }
    return next;
}

}  // namespace vsw::lacp
