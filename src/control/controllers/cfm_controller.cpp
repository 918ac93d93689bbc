// CFM's control side (cfm_controller.h).
#include "src/control/controllers/cfm_controller.h"

#include <rte_mbuf.h>

#include <cstdio>
#include <map>
#include <stdexcept>

#include "cfm/cfm_mep.h"
#include "cfm/maid.h"

namespace vsw {

namespace {

using nlohmann::json;

class CfmController final : public Controller {
  public:
    explicit CfmController(const SwitchServices& services) : sw_(services) {
        sw_.slow_path->claim(PuntReason::kCfm, [this](const Punt& p) { take_frame(p); });
    }

    void register_commands(CommandTable& t) override {
        t.add(
            "cfm-show", [this](const Request&) { return show(); }, "cfm");
    }

    // The ports with a MEP: their level, and the bit that sends their CFM frames up.
    void publish(Snapshot& next) override {
        reconcile();
        for (const auto& [slot, mep] : meps_) {
            next.features[slot] |= port_feature::kCfm;
            next.cfm_level[slot] = mep->config().level;
        }
    }

    void poll() override {
        if (meps_.empty()) return;
        const uint64_t now = sw_.clock_ms();
        for (auto& [slot, mep] : meps_) {
            if (now >= mep->next_run_ms(now))
                for (const cfm::CcmBytes& ccm : mep->run(now)) sw_.slow_path->send(slot, ccm);
            SwitchPort* p = sw_.port_at(slot);
            for (const cfm::CfmEvent& e : mep->take_events())
                std::fprintf(stderr, "vswd: cfm %s mpid %u: %s\n", p ? p->config.name.c_str() : "?",
                             mep->config().mpid, e.text.c_str());
            if (p) p->cfm_fault = mep->has_fault();
            if (auto& [faults, since] = changed_[slot]; faults != mep->faults()) {
                faults = mep->faults();
                since = now;
            }
        }
    }

    int poll_interval_ms() const override {
        int ms = 0;
        for (const auto& [slot, mep] : meps_) {
            const int want = mep->interval_us() < 10'000 ? 1 : 10;
            if (ms == 0 || want < ms) ms = want;
        }
        return ms;
    }

    void port_removed(uint16_t slot) override {
        meps_.erase(slot);
        changed_.erase(slot);
    }

    void add_to_port_view(const SwitchPort& p, json& view) const override {
        if (auto it = meps_.find(p.slot); it != meps_.end())
            view["cfm_faults"] = cfm::cfm_faults_string(it->second->faults());
    }

  private:
    // A MEP for each port with cfm-mpid, made again when its settings (or MAC) change.
    void reconcile() {
        std::map<uint16_t, std::unique_ptr<cfm::CfmMep>> next;
        for (SwitchPort* p : sw_.ports()) {
            if (!p->config.cfm.enabled()) {
                p->cfm_fault = false;
                continue;
            }
            const Mac mac = frame_source_mac(*p, 0);
            auto old = meps_.find(p->slot);
            if (old != meps_.end() && old->second->config() == p->config.cfm &&
                old->second->mac() == mac) {
                next.emplace(p->slot, std::move(old->second));
                continue;
            }
            try {
                next.emplace(p->slot,
                             std::make_unique<cfm::CfmMep>(p->config.cfm, mac, sw_.clock_ms()));
                std::fprintf(stderr, "vswd: cfm %s: MEP %u, level %u, interval %s ms, MAID %s\n",
                             p->config.name.c_str(), p->config.cfm.mpid, p->config.cfm.level,
                             std::string(cfm::ccm_interval_ms(p->config.cfm.interval)).c_str(),
                             cfm::maid_to_string(p->config.cfm.maid).c_str());
            } catch (const std::invalid_argument& e) {
                std::fprintf(stderr, "vswd: cfm %s: %s\n", p->config.name.c_str(), e.what());
            }
        }
        meps_ = std::move(next);
    }

    void take_frame(const Punt& p) {
        auto it = meps_.find(p.slot);
        if (!p.frame || it == meps_.end()) return;
        it->second->receive(rte_pktmbuf_mtod(p.frame, const uint8_t*), p.frame->data_len,
                            sw_.clock_ms());
    }

    ControlResult show() const {
        const uint64_t now = sw_.clock_ms();
        json meps = json::array();
        for (const SwitchPort* p : sw_.ports()) {
            auto it = meps_.find(p->slot);
            if (it == meps_.end()) continue;
            const cfm::CfmMep& m = *it->second;
            json remotes = json::array();
            for (const cfm::RemoteMep& r : m.remote_meps())
                remotes.push_back({{"mpid", r.mpid},
                                   {"mac", mac_to_string(r.mac)},
                                   {"vlan", r.vlan},
                                   {"rdi", r.rdi},
                                   {"interval", std::string(cfm::ccm_interval_ms(r.interval))},
                                   {"lost", r.lost},
                                   {"ccms", r.ccms},
                                   {"sequence_errors", r.sequence_errors},
                                   {"last_seen_ms_ago", now - r.last_seen_ms}});
            const cfm::CfmMepCounters& c = m.counters();
            meps.push_back({{"port", p->config.name},
                            {"mpid", m.config().mpid},
                            {"level", m.config().level},
                            {"interval", std::string(cfm::ccm_interval_ms(m.config().interval))},
                            {"maid", cfm::maid_to_string(m.config().maid)},
                            {"vlan", m.config().vlan},
                            {"mac", mac_to_string(m.mac())},
                            {"fault", m.has_fault()},
                            {"faults", cfm::cfm_faults_string(m.faults())},
                            {"faults_changed_ms_ago", now - faults_changed_at(p->slot)},
                            {"rdi_sent", m.sending_rdi()},
                            {"health", m.health()},
                            {"ccms_tx", c.ccms_tx},
                            {"ccms_rx", c.ccms_rx},
                            {"refused_rx", c.refused_rx},
                            {"remote_mpids", m.live_remote_mpids()},
                            {"remote_meps", std::move(remotes)}});
        }
        return ControlResult::ok({{"meps", std::move(meps)}});
    }

    uint64_t faults_changed_at(uint16_t slot) const {
        auto it = changed_.find(slot);
        return it == changed_.end() ? 0 : it->second.second;
    }

    const SwitchServices& sw_;
    std::map<uint16_t, std::unique_ptr<cfm::CfmMep>> meps_;  // by the port's slot
    // By slot: the faults as last seen by poll() and when they changed (switch clock, ms).
    std::map<uint16_t, std::pair<cfm::CfmFaults, uint64_t>> changed_;
};

}  // namespace

std::unique_ptr<Controller> make_cfm_controller(const SwitchServices& services) {
    return std::make_unique<CfmController>(services);
}

}  // namespace vsw
