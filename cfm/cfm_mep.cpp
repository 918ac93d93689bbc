// One local MEP (cfm_mep.h).
#include "cfm/cfm_mep.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "cfm/cfm_frame.h"

namespace vsw::cfm {
namespace {

constexpr uint64_t kLogEveryUs = 10'000'000;  // refusals and sequence gaps: one line per 10 s
constexpr uint64_t kHealthIntervals = kHealthFaultPeriods * 7 / 2;  // 21: CCMs expected

constexpr size_t fault_index(CfmFault f) {
    return static_cast<size_t>(f);
}

std::string ms_text(uint64_t us) {
    return std::to_string(us / 1000) + " ms";
}

std::string mep_text(uint16_t mpid, Mac mac) {
    return "MEP " + std::to_string(mpid) + " (" + mac_to_string(mac) + ")";
}

}  // namespace

CfmMep::CfmMep(const CfmConfig& config, Mac mac, uint64_t now_ms) : config_(config), mac_(mac) {
    if (!config_.enabled()) throw std::invalid_argument("a MEP needs cfm-mpid 1-8191");
    if (const std::string e = validate_cfm(config_); !e.empty()) throw std::invalid_argument(e);
    if (mac == 0 || mac_is_multicast(mac))
        throw std::invalid_argument("a MEP's MAC must be a unicast address");
    interval_us_ = ccm_interval_us(config_.interval);
    start_us_ = next_tx_us_ = now_ms * 1000;
    health_end_us_ = start_us_ + kHealthIntervals * interval_us_;
}

CfmRx CfmMep::receive(const uint8_t* frame, size_t len, uint64_t now_ms) {
    const uint64_t now_us = now_ms * 1000;
    if (cfm_frame_fate(frame, len, config_.level) != CfmFate::kStop) {
        ++counters_.passed_rx;
        return {CfmRxAction::kPassed, CcmError::kNone};
    }
    ReceivedCcm r;
    const CcmError e = decode_ccm_frame(frame, len, r);
    if (e != CcmError::kNone) {
        refused(e, now_us);
        refresh(now_us);
        return {CfmRxAction::kRefused, e};
    }
    refresh(now_us);  // the timers first: a CCM counts in the health window it arrives in
    take(r, now_us);
    refresh(now_us);
    return {CfmRxAction::kTaken, CcmError::kNone};
}

void CfmMep::take(const ReceivedCcm& r, uint64_t now_us) {
    ++counters_.ccms_rx;
    const Ccm& c = r.ccm;
    if (c.level < config_.level) {
        cause(CfmFault::kLevel, now_us,
              "CCM at level " + std::to_string(c.level) + " from " + mep_text(c.mepid, r.source) +
                  ", below this MEP's level " + std::to_string(config_.level));
        return;
    }
    if (c.maid != config_.maid) {
        cause(CfmFault::kMaid, now_us,
              "CCM from " + mep_text(c.mepid, r.source) + " with MAID " + maid_to_string(c.maid) +
                  ", not " + maid_to_string(config_.maid));
        return;
    }
    if (c.mepid == config_.mpid) {
        cause(CfmFault::kLoopback, now_us,
              "CCM with this MEP's own ID " + std::to_string(c.mepid) +
                  (r.source == mac_ ? ": its own CCM came back (a loop)"
                                    : " from " + mac_to_string(r.source) + ": a duplicate MEP ID"));
        return;
    }
    bool fresh = false;  // new, or back after a loss: no sequence to compare with
    RemoteMep* rm = remote_for(r, now_us, fresh);
    if (!rm) return;  // overflow, raised by remote_for
    bool faulty = false;
    if (c.interval != config_.interval) {
        faulty = true;
        cause(CfmFault::kInterval, now_us,
              "remote " + mep_text(c.mepid, r.source) + " sends every " +
                  std::string(ccm_interval_ms(c.interval)) + " ms, this MEP every " +
                  std::string(ccm_interval_ms(config_.interval)) + " ms");
    }
    if (c.rdi) {
        faulty = true;
        cause(CfmFault::kRdi, now_us,
              "remote " + mep_text(c.mepid, r.source) + " signals RDI: it sees a fault");
    }
    if (!fresh && c.sequence != rm->last_sequence + 1) {
        ++rm->sequence_errors;
        ++counters_.sequence_errors;
        if (sequence_logged_us_ == kNever || now_us >= sequence_logged_us_ + kLogEveryUs) {
            sequence_logged_us_ = now_us;
            event(now_us, "remote MEP " + std::to_string(c.mepid) + ": sequence " +
                              std::to_string(c.sequence) + " after " +
                              std::to_string(rm->last_sequence) + " (CCMs lost or reordered; " +
                              std::to_string(counters_.sequence_errors) + " so far)");
        }
    }
    rm->mac = r.source;
    rm->vlan = r.vlan;
    rm->last_seen_ms = now_us / 1000;
    rm->last_sequence = c.sequence;
    rm->rdi = c.rdi;
    rm->interval = c.interval;
    ++rm->ccms;
    heard_us_ = now_us;
    if (!faulty) ++health_good_;
}

RemoteMep* CfmMep::remote_for(const ReceivedCcm& r, uint64_t now_us, bool& fresh) {
    const uint16_t mpid = r.ccm.mepid;
    auto it = std::find_if(remotes_.begin(), remotes_.end(),
                           [mpid](const RemoteMep& m) { return m.mpid == mpid; });
    if (it != remotes_.end()) {
        if (it->lost) {
            event(now_us, "remote " + mep_text(mpid, r.source) + " back after " +
                              ms_text(now_us - it->last_seen_ms * 1000) + " of silence");
            it->lost = false;
            it->first_seen_ms = now_us / 1000;
            fresh = true;
        }
        return &*it;
    }
    if (remotes_.size() >= kMaxRemoteMeps) {
        // Make room by forgetting the lost MEP silent longest, if there is one.
        auto oldest = remotes_.end();
        for (auto i = remotes_.begin(); i != remotes_.end(); ++i)
            if (i->lost && (oldest == remotes_.end() || i->last_seen_ms < oldest->last_seen_ms))
                oldest = i;
        if (oldest == remotes_.end()) {
            cause(CfmFault::kOverflow, now_us,
                  "CCM from remote " + mep_text(mpid, r.source) + " dropped: already " +
                      std::to_string(kMaxRemoteMeps) + " remote MEPs");
            return nullptr;
        }
        event(now_us, "remote MEP " + std::to_string(oldest->mpid) +
                          " forgotten to make room (lost since " +
                          std::to_string(oldest->last_seen_ms) + " ms)");
        remotes_.erase(oldest);
    }
    RemoteMep m;
    m.mpid = mpid;
    m.first_seen_ms = now_us / 1000;
    remotes_.push_back(m);
    fresh = true;
    event(now_us, "remote " + mep_text(mpid, r.source) + " heard" +
                      (r.vlan ? " on VLAN " + std::to_string(r.vlan) : std::string()));
    return &remotes_.back();
}

void CfmMep::cause(CfmFault f, uint64_t now_us, const std::string& why) {
    if (!(faults_ & fault_bit(f))) event(now_us, why);
    cause_until_us_[fault_index(f)] = now_us + fault_period_us();
}

std::vector<CcmBytes> CfmMep::run(uint64_t now_ms) {
    const uint64_t now_us = now_ms * 1000;
    refresh(now_us);
    if (now_us < next_tx_us_) return {};
    Ccm c;
    c.level = config_.level;
    c.rdi = sending_rdi();
    c.interval = config_.interval;
    c.sequence = ++sequence_;
    c.mepid = config_.mpid;
    c.maid = config_.maid;
    ++counters_.ccms_tx;
    next_tx_us_ += interval_us_;
    if (next_tx_us_ <= now_us) next_tx_us_ = now_us + interval_us_;  // late: no burst
    std::vector<CcmBytes> out;
    out.push_back(encode_ccm_frame(c, mac_, config_.vlan));
    return out;
}

uint64_t CfmMep::next_run_ms(uint64_t now_ms) const {
    const uint64_t fp = fault_period_us();
    uint64_t next = std::min(next_tx_us_, health_end_us_);
    for (const RemoteMep& m : remotes_)
        next = std::min(next, m.last_seen_ms * 1000 + (m.lost ? kForgetFaultPeriods * fp : fp));
    if (!(faults_ & fault_bit(CfmFault::kRecv)))
        next = std::min(next, (heard_us_ == kNever ? start_us_ : heard_us_) + fp);
    for (size_t i = 0; i < std::size(cause_until_us_); ++i)  // those a CCM raised, to clear
        if (cause_until_us_[i] > now_ms * 1000) next = std::min(next, cause_until_us_[i]);
    return std::max(now_ms, (next + 999) / 1000);
}

void CfmMep::refresh(uint64_t now_us) {
    const uint64_t fp = fault_period_us();
    for (auto it = remotes_.begin(); it != remotes_.end();) {
        const uint64_t seen_us = it->last_seen_ms * 1000;
        if (!it->lost && now_us >= seen_us + fp) {
            it->lost = true;
            event(now_us, "remote " + mep_text(it->mpid, it->mac) + " lost: no CCM for " +
                              ms_text(now_us - seen_us));
        }
        if (it->lost && now_us >= seen_us + kForgetFaultPeriods * fp) {
            event(now_us, "remote MEP " + std::to_string(it->mpid) + " forgotten: no CCM for " +
                              ms_text(now_us - seen_us));
            it = remotes_.erase(it);
            continue;
        }
        ++it;
    }
    roll_health(now_us);
    CfmFaults f = 0;
    for (size_t i = 0; i < std::size(cause_until_us_); ++i)
        if (now_us < cause_until_us_[i]) f |= static_cast<CfmFaults>(1u << i);
    if (std::any_of(remotes_.begin(), remotes_.end(), [](const RemoteMep& m) { return m.lost; }))
        f |= fault_bit(CfmFault::kLoss);
    if (now_us >= (heard_us_ == kNever ? start_us_ : heard_us_) + fp)
        f |= fault_bit(CfmFault::kRecv);
    if (f == faults_) return;
    event(now_us, "faults changed from [" + cfm_faults_string(faults_) + "] to [" +
                      cfm_faults_string(f) + "]");
    faults_ = f;
}

void CfmMep::roll_health(uint64_t now_us) {
    if (now_us < health_end_us_) return;
    const uint64_t window = kHealthIntervals * interval_us_;
    // A window with no call at all in it had no CCM either.
    const uint64_t good = now_us >= health_end_us_ + window ? 0 : health_good_;
    size_t live = 0;
    for (const RemoteMep& m : remotes_) live += !m.lost;
    if (live > 1) health_ = -1;
    else if (live == 0) health_ = 0;
    else health_ = static_cast<int>(std::min<uint64_t>(100, good * 100 / kHealthIntervals));
    health_good_ = 0;
    health_end_us_ += (now_us - health_end_us_) / window * window + window;
}

void CfmMep::refused(CcmError e, uint64_t now_us) {
    ++counters_.refused_rx;
    counters_.last_error = e;
    if (refused_logged_us_ != kNever && now_us < refused_logged_us_ + kLogEveryUs) return;
    refused_logged_us_ = now_us;
    event(now_us, "CFM frame at or below level " + std::to_string(config_.level) +
                      " refused: " + std::string(ccm_error_name(e)) + " (" +
                      std::to_string(counters_.refused_rx) + " refused so far)");
}

std::vector<uint16_t> CfmMep::live_remote_mpids() const {
    std::vector<uint16_t> out;
    for (const RemoteMep& m : remotes_)
        if (!m.lost) out.push_back(m.mpid);
    return out;
}

std::vector<CfmEvent> CfmMep::take_events() {
    return std::exchange(events_, {});
}

void CfmMep::event(uint64_t now_us, std::string text) {
    if (events_.size() >= kMaxEvents) events_.erase(events_.begin());
    events_.push_back({now_us / 1000, std::move(text)});
}

}  // namespace vsw::cfm
