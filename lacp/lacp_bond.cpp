// A bond's LACP: selection, fallback and the distributing set (lacp_bond.h).
#include "lacp/lacp_bond.h"

#include <algorithm>
#include <compare>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

namespace vsw::lacp {
namespace {

constexpr uint64_t kMalformedLogEveryMs = 10000;

// Where a member's link stands in the order of the system with the higher priority: the same
// order at both ends of the bond.
struct LinkOrder {
    uint16_t system_priority;
    Mac system;
    uint16_t port_priority;
    uint16_t port;
    auto operator<=>(const LinkOrder&) const = default;
};

LinkOrder link_order(const LacpMember& m) {
    const PortInfo actor = m.actor_info();
    const PortInfo& partner = m.partner();
    const bool ours = std::pair(actor.system_priority, actor.system) <
                      std::pair(partner.system_priority, partner.system);
    const PortInfo& by = ours ? actor : partner;
    return {by.system_priority, by.system, by.port_priority, by.port};
}

bool aggregatable(const PortInfo& p) {
    return p.state & state::kAggregation;
}

std::string describe_partner(const PortInfo& p) {
    return mac_to_string(p.system) + " key " + std::to_string(p.key);
}

}  // namespace

LacpBond::LacpBond(LacpBondSettings settings) : settings_(std::move(settings)) {
    const auto& m = settings_.members;
    if (m.empty() || m.size() > kMaxBondMembers)
        throw std::invalid_argument("a bond has 1 to " + std::to_string(kMaxBondMembers) +
                                    " members");
    const Mac system = settings_.actor.system;
    if (system == 0 || mac_is_multicast(system))
        throw std::invalid_argument("the bond's system MAC must be a unicast address");
    std::set<uint16_t> ports;
    std::set<std::string> names;
    for (const LacpMemberConfig& c : m) {
        if (c.port == 0 || !ports.insert(c.port).second)
            throw std::invalid_argument("member port numbers must be unique and not 0");
        if (c.name.empty() || !names.insert(c.name).second)
            throw std::invalid_argument("member names must be unique and not empty");
        if (c.mac == 0 || mac_is_multicast(c.mac))
            throw std::invalid_argument("member " + c.name + ": its MAC must be unicast");
    }
    if (settings_.actor.key == 0) settings_.actor.key = m[0].port;  // as OVS does
    for (const LacpMemberConfig& c : m) {
        members_.emplace_back(settings_.actor, c.port, c.port_priority);
        seen_.push_back({members_.back().receive_state(), members_.back().mux_state()});
    }
    selected_.assign(m.size(), Selected::kUnselected);
    verdicts_.assign(m.size(), "");
    malformed_logged_.assign(m.size(), LacpMember::kNever);
}

void LacpBond::set_carrier(size_t member, bool up, uint64_t now_ms) {
    LacpMember& m = members_.at(member);
    if (m.carrier() == up) return;
    m.set_carrier(up, now_ms);
    event(now_ms, member, up ? "carrier up" : "carrier down");
    settle(now_ms);
}

LacpduError LacpBond::receive_frame(size_t member, const uint8_t* frame, size_t len,
                                    uint64_t now_ms) {
    LacpMember& m = members_.at(member);
    Lacpdu pdu;
    const LacpduError e = decode_lacp_frame(frame, len, pdu);
    if (e != LacpduError::kNone) {
        m.count_malformed(e);
        uint64_t& logged = malformed_logged_[member];
        if (logged == LacpMember::kNever || now_ms >= logged + kMalformedLogEveryMs) {
            logged = now_ms;
            event(now_ms, member,
                  "LACPDU refused: " + std::string(lacpdu_error_name(e)) + " (" +
                      std::to_string(m.counters().malformed_rx) + " refused so far)");
        }
        return e;
    }
    m.receive(pdu, now_ms);
    settle(now_ms);
    return LacpduError::kNone;
}

std::vector<LacpTransmission> LacpBond::run(uint64_t now_ms) {
    for (LacpMember& m : members_) m.expire(now_ms);
    settle(now_ms);
    std::vector<LacpTransmission> out;
    for (size_t i = 0; i < members_.size(); ++i)
        if (auto pdu = members_[i].transmit(now_ms))
            out.push_back({i, encode_lacp_frame(*pdu, settings_.members[i].mac)});
    return out;
}

uint64_t LacpBond::next_run_ms(uint64_t now_ms) const {
    uint64_t next = LacpMember::kNever;
    for (const LacpMember& m : members_) next = std::min(next, m.next_deadline(now_ms));
    return next;
}

std::vector<LacpEvent> LacpBond::take_events() {
    return std::exchange(events_, {});
}

bool LacpBond::live_partner(size_t i) const {
    const LacpMember& m = members_[i];
    const ReceiveState rx = m.receive_state();
    return m.carrier() && (rx == ReceiveState::kCurrent || rx == ReceiveState::kExpired) &&
           !m.defaulted() && m.partner().system != 0 &&
           m.partner().system != settings_.actor.system;
}

void LacpBond::select(uint64_t now_ms) {
    lead_ = -1;
    for (size_t i = 0; i < members_.size(); ++i) {
        if (!live_partner(i)) continue;
        if (lead_ < 0) {
            lead_ = static_cast<int>(i);
            continue;
        }
        const LacpMember& lead = members_[static_cast<size_t>(lead_)];
        const bool sync = members_[i].partner_in_sync(), lead_sync = lead.partner_in_sync();
        if ((sync && !lead_sync) ||
            (sync == lead_sync && link_order(members_[i]) < link_order(lead)))
            lead_ = static_cast<int>(i);
    }
    for (size_t i = 0; i < members_.size(); ++i) {
        const LacpMember& m = members_[i];
        const PortInfo& p = m.partner();
        selected_[i] = Selected::kUnselected;
        if (!m.carrier() || settings_.actor.mode == LacpMode::kOff) {
            verdicts_[i].clear();  // said by the carrier's own event
            continue;
        }
        if (m.receive_state() == ReceiveState::kDefaulted || p.system == 0) {
            verdicts_[i].clear();  // no partner: said by the receive machine's event
            continue;
        }
        if (p.system == settings_.actor.system) {
            set_verdict(i, "not selected: the partner is this bond itself (a loop)", now_ms);
            continue;
        }
        if (!live_partner(i) || lead_ < 0) continue;
        const PortInfo& lp = members_[static_cast<size_t>(lead_)].partner();
        const bool same_lag =
            p.system_priority == lp.system_priority && p.system == lp.system && p.key == lp.key &&
            (static_cast<int>(i) == lead_ || (aggregatable(p) && aggregatable(lp)));
        if (same_lag) {
            selected_[i] = Selected::kSelected;
            set_verdict(i, "selected: partner " + describe_partner(p), now_ms);
        } else if (!aggregatable(p) || !aggregatable(lp)) {
            set_verdict(i,
                        "not selected: an individual link (aggregation bit clear) beside "
                        "the aggregator's partner " +
                            describe_partner(lp),
                        now_ms);
        } else {
            set_verdict(i,
                        "not selected: partner " + describe_partner(p) +
                            " differs from the aggregator's partner " + describe_partner(lp),
                        now_ms);
        }
    }
}

void LacpBond::settle(uint64_t now_ms) {
    select(now_ms);
    bool ready = true;  // every member waiting to attach has waited long enough
    for (size_t i = 0; i < members_.size(); ++i)
        if (selected_[i] == Selected::kSelected && members_[i].mux_state() == MuxState::kWaiting &&
            !members_[i].waiting_done(now_ms))
            ready = false;
    for (size_t i = 0; i < members_.size(); ++i) {
        members_[i].run_mux(selected_[i], ready, now_ms);
        members_[i].run_periodic(now_ms);
    }
    note_changes(now_ms);
    update_fallback(now_ms);
    update_distributing(now_ms);
}

void LacpBond::update_fallback(uint64_t now_ms) {
    auto eligible = [this](int i) {
        const LacpMember& m = members_[static_cast<size_t>(i)];
        return m.carrier() && m.receive_state() == ReceiveState::kDefaulted;
    };
    int next = -1;
    if (settings_.fallback && settings_.actor.mode != LacpMode::kOff && lead_ < 0) {
        if (fallback_member_ >= 0 && eligible(fallback_member_)) next = fallback_member_;
        for (int i = 0; next < 0 && i < static_cast<int>(members_.size()); ++i)
            if (eligible(i)) next = i;
    }
    if (next == fallback_member_) return;
    if (next < 0)
        bond_event(now_ms, lead_ >= 0 ? "fallback over: a LACP partner answered"
                                      : "fallback over: no member left");
    else
        bond_event(now_ms, std::string(fallback_member_ < 0 ? "no LACP partner: fallback to "
                                                              "active-backup on "
                                                            : "fallback: active-backup now on ") +
                               member_name(static_cast<size_t>(next)));
    fallback_member_ = next;
}

void LacpBond::update_distributing(uint64_t now_ms) {
    MemberMask d = 0;
    for (size_t i = 0; i < members_.size(); ++i) {
        const LacpMember& m = members_[i];
        bool takes;
        if (settings_.actor.mode == LacpMode::kOff) takes = m.carrier();
        else if (fallback_member_ >= 0) takes = static_cast<int>(i) == fallback_member_;
        else takes = m.carrier() && m.collecting_distributing();
        if (takes) d |= MemberMask{1} << i;
    }
    if (d == distributing_) return;
    distributing_ = d;
    ++generation_;
    std::string names;
    for (size_t i = 0; i < members_.size(); ++i)
        if (d & (MemberMask{1} << i)) names += (names.empty() ? "" : ", ") + member_name(i);
    bond_event(now_ms, "distributing: " + (names.empty() ? std::string("none") : names));
}

void LacpBond::note_changes(uint64_t now_ms) {
    for (size_t i = 0; i < members_.size(); ++i) {
        const LacpMember& m = members_[i];
        Seen& s = seen_[i];
        if (m.receive_state() != s.rx) {
            std::string text = "receive " + std::string(receive_state_name(s.rx)) + " -> " +
                               std::string(receive_state_name(m.receive_state()));
            if (m.receive_state() == ReceiveState::kCurrent)
                text += ": partner " + describe_partner(m.partner()) + " port " +
                        std::to_string(m.partner().port);
            if (m.receive_state() == ReceiveState::kExpired && s.rx == ReceiveState::kCurrent)
                text += ": partner timed out";
            event(now_ms, i, std::move(text));
            s.rx = m.receive_state();
        }
        if (m.mux_state() != s.mux) {
            event(now_ms, i,
                  "mux " + std::string(mux_state_name(s.mux)) + " -> " +
                      std::string(mux_state_name(m.mux_state())));
            s.mux = m.mux_state();
        }
    }
}

void LacpBond::set_verdict(size_t i, std::string verdict, uint64_t now_ms) {
    if (verdicts_[i] == verdict) return;
    verdicts_[i] = verdict;
    event(now_ms, i, std::move(verdict));
}

void LacpBond::event(uint64_t now_ms, size_t member, std::string text) {
    if (events_.size() >= kMaxEvents) events_.erase(events_.begin());
    events_.push_back({now_ms, member_name(member), std::move(text)});
}

void LacpBond::bond_event(uint64_t now_ms, std::string text) {
    if (events_.size() >= kMaxEvents) events_.erase(events_.begin());
    events_.push_back({now_ms, "", std::move(text)});
}

}  // namespace vsw::lacp
