#include "src/evpn/evpn_agent.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/ipv4.h"
#include "src/config/control_client.h"

namespace vsw::evpn {

using nlohmann::json;

namespace {

json vswd_call(const std::string& ctl, const json& req) {
    const json resp = json::parse(control_call(ctl, req.dump(), 5000));
    if (!resp.value("ok", false))
        throw std::runtime_error(resp.value("error", std::string("vswd refused the request")));
    return resp["result"];
}

}  // namespace

void Agent::log_change(const char* what, const std::string& detail) {
    std::fprintf(stderr, "vsw-evpn: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
}

bool Agent::connect_gobgp() {
    auto client = std::make_unique<GobgpClient>(opts_.gobgp);
    std::string err;
    const uint32_t asn = client->local_as(err);
    if (!asn) {
        if (err != last_error_) log_change("gobgpd not ready", err);
        last_error_ = err;
        return false;
    }
    // What gobgpd holds as ours (from before a restart of this agent): known, so that only
    // what is no longer wanted gets withdrawn, and what is wanted is not withdrawn first.
    std::vector<apipb::Path> mine;
    if (!client->list_local_paths(mine, err)) return false;
    originated_.clear();
    state_ = EvpnState(opts_.duplicates);
    for (const auto& p : mine) {
        std::string why;
        if (auto r = read_route(p, why)) {
            originated_[r->key] = p;
            state_.adopt(*r);
        }
    }
    client->start_watch();
    bgp_ = std::move(client);
    asn_ = asn;
    last_error_.clear();
    log_change("connected to gobgpd", opts_.gobgp + ", AS " + std::to_string(asn) + ", " +
                                          std::to_string(mine.size()) + " local EVPN paths found");
    return true;
}

void Agent::take_rib_events() {
    for (const auto& p : bgp_->take_events()) {
        std::string why;
        if (auto r = read_route(p, why)) state_.apply(*r);
    }
}

void Agent::originate(const std::map<std::string, apipb::Path>& want) {
    std::string err;
    for (const auto& [key, path] : want) {
        auto it = originated_.find(key);
        // Same NLRI, same attributes: nothing to do. Otherwise AddPath replaces the path in
        // place (an implicit withdraw on the wire, never a gap).
        if (it != originated_.end() && it->second.SerializeAsString() == path.SerializeAsString())
            continue;
        if (!bgp_->add_path(path, err)) {
            log_change("cannot originate", key + ": " + err);
            continue;
        }
        originated_[key] = path;
        log_change("originated", key);
    }
    // Withdrawals last: a MAC whose route changes NLRI (its IP became known) is never absent.
    for (auto it = originated_.begin(); it != originated_.end();) {
        if (want.count(it->first)) {
            ++it;
            continue;
        }
        if (bgp_->delete_path(it->second, err)) log_change("withdrawn", it->first);
        else log_change("cannot withdraw", it->first + ": " + err);
        it = originated_.erase(it);
    }
}

void Agent::program_vswd(const OverlayRemote& remote, const OverlayReport& report) {
    if (vswd_synced_ && remote == programmed_ && report == reported_) return;
    json req = to_json(remote);
    req["cmd"] = "vxlan-sync";
    req["report"] = to_json(report);
    vswd_call(opts_.vswd_ctl, req);
    programmed_ = remote;
    reported_ = report;
    if (!vswd_synced_) log_change("vswd programmed (full resync)", "");
    vswd_synced_ = true;
}

void Agent::take_clears(const json& vxlan_show) {
    if (!vxlan_show.contains("duplicate_clears")) return;  // an older vswd
    for (const DuplicateClear& c :
         clears_.take(duplicate_clears_from_json(vxlan_show["duplicate_clears"]))) {
        state_.clear_duplicates(c.vni, c.mac);
        log_change("duplicates cleared by the operator",
                   c.vni ? "VNI " + std::to_string(c.vni) + " MAC " + mac_to_string(c.mac) : "all");
    }
}

// One line when a conflict or a duplicate appears, one when it goes: not every round.
void Agent::log_report(const OverlayReport& now) {
    auto conflict_text = [](const MacConflict& c) {
        return "VNI " + std::to_string(c.vni) + " MAC " + mac_to_string(c.mac) + " VTEP " +
               format_ipv4(c.vtep) + " seq " + std::to_string(c.seq) +
               (c.remote_static ? " (static there)" : " (pinned here)");
    };
    auto duplicate_text = [](const DuplicateMac& d) {
        return "VNI " + std::to_string(d.vni) + " MAC " + mac_to_string(d.mac) + " at " +
               (d.vtep ? format_ipv4(d.vtep) : std::string("this host")) + " after " +
               std::to_string(d.moves) + " moves";
    };
    auto same_conflict = [](const MacConflict& a, const MacConflict& b) {
        return a.vni == b.vni && a.mac == b.mac && a.vtep == b.vtep;
    };
    auto same_duplicate = [](const DuplicateMac& a, const DuplicateMac& b) {
        return a.vni == b.vni && a.mac == b.mac;
    };
    auto has = [](const auto& list, const auto& x, auto same) {
        return std::any_of(list.begin(), list.end(), [&](const auto& y) { return same(x, y); });
    };
    for (const auto& c : now.conflicts)
        if (!has(logged_.conflicts, c, same_conflict))
            log_change("MAC conflict, another VTEP advertises a MAC not given up",
                       conflict_text(c));
    for (const auto& c : logged_.conflicts)
        if (!has(now.conflicts, c, same_conflict))
            log_change("MAC conflict over", conflict_text(c));
    for (const auto& d : now.duplicates)
        if (!has(logged_.duplicates, d, same_duplicate))
            log_change("duplicate MAC frozen", duplicate_text(d));
    for (const auto& d : logged_.duplicates)
        if (!has(now.duplicates, d, same_duplicate))
            log_change("duplicate MAC unfrozen", duplicate_text(d));
    logged_ = now;
}

void Agent::round() {
    if (!bgp_ && !connect_gobgp()) return;
    if (bgp_->broken()) {
        log_change("lost gobgpd", "reconnecting");
        bgp_.reset();
        return;
    }
    LocalView local;
    try {
        const json vxlan_show = vswd_call(opts_.vswd_ctl, {{"cmd", "vxlan-show"}});
        local = local_view(vxlan_show, vswd_call(opts_.vswd_ctl, {{"cmd", "fdb-show"}}));
        take_clears(vxlan_show);
    } catch (const std::exception& e) {
        if (vswd_synced_ || last_error_ != e.what()) log_change("vswd not reachable", e.what());
        last_error_ = e.what();
        vswd_synced_ = false;  // a vswd that comes back (maybe restarted) gets everything
        return;
    }
    take_rib_events();
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
    EvpnState::Decision d = state_.decide(local, asn_, static_cast<uint64_t>(now));
    originate(d.routes);
    log_report(d.report);
    try {
        program_vswd(d.remote, d.report);
    } catch (const std::exception& e) {
        log_change("cannot program vswd", e.what());
        vswd_synced_ = false;
    }
}

void Agent::run(const std::atomic<bool>& stop) {
    while (!stop.load()) {
        const auto start = std::chrono::steady_clock::now();
        round();
        std::this_thread::sleep_until(start + std::chrono::milliseconds(opts_.interval_ms));
    }
}

}  // namespace vsw::evpn
