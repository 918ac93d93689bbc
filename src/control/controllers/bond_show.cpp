// A bond as the operator reads it (bond_show.h).
#include "src/control/controllers/bond_show.h"

#include "core/mac.h"

namespace vsw {

using nlohmann::json;

std::string lacp_state_names(uint8_t s) {
    static constexpr std::pair<uint8_t, const char*> kBits[] = {
        {lacp::state::kActivity, "activity"},       {lacp::state::kTimeout, "timeout"},
        {lacp::state::kAggregation, "aggregation"}, {lacp::state::kSynchronization, "synchronized"},
        {lacp::state::kCollecting, "collecting"},   {lacp::state::kDistributing, "distributing"},
        {lacp::state::kDefaulted, "defaulted"},     {lacp::state::kExpired, "expired"}};
    std::string out;
    for (const auto& [bit, name] : kBits)
        if (s & bit) out += (out.empty() ? "" : ",") + std::string(name);
    return out;
}

std::string bucket_ranges(const std::array<uint8_t, kBondBuckets>& buckets, uint32_t distributing,
                          unsigned member) {
    if (!(distributing >> member & 1)) return "";
    std::string out;
    for (unsigned b = 0; b < kBondBuckets;) {
        if (buckets[b] != member) {
            ++b;
            continue;
        }
        unsigned e = b;
        while (e + 1 < kBondBuckets && buckets[e + 1] == member) ++e;
        out += (out.empty() ? "" : ",") + std::to_string(b);
        if (e > b) out += "-" + std::to_string(e);
        b = e + 1;
    }
    return out;
}

namespace {

json port_info(const lacp::PortInfo& p) {
    return {{"system_priority", p.system_priority},
            {"system", mac_to_string(p.system)},
            {"key", p.key},
            {"port_priority", p.port_priority},
            {"port", p.port},
            {"state", lacp_state_names(p.state)}};
}

std::string bond_status(const BondConfig& c, const lacp::LacpBond& l) {
    if (l.distributing() == 0) return "down";
    if (c.lacp == lacp::LacpMode::kOff) return "static";
    if (l.in_fallback()) return "fallback";
    return l.negotiated() ? "negotiated" : "down";
}

}  // namespace

json bond_show(const BondShowInput& in) {
    const lacp::LacpBond& l = in.lacp;
    const lacp::LacpActor& actor = l.settings().actor;
    json members = json::array();
    for (size_t i = 0; i < l.size(); ++i) {
        const lacp::LacpMember& m = l.member(i);
        const bool distributing = l.distributing() >> i & 1;
        json j = {
            {"name", l.member_name(i)},
            {"carrier", m.carrier()},
            {"distributing", distributing},
            {"active", in.active == static_cast<int8_t>(i)},
            {"buckets", bucket_ranges(in.buckets, l.distributing(), static_cast<unsigned>(i))}};
        if (in.config.lacp != lacp::LacpMode::kOff) {
            j["selected"] = l.selected(i);
            j["receive_state"] = std::string(lacp::receive_state_name(m.receive_state()));
            j["mux_state"] = std::string(lacp::mux_state_name(m.mux_state()));
            j["actor"] = port_info(m.actor_info());
            j["partner"] = port_info(m.partner());
            j["pdus_rx"] = m.counters().pdus_rx;
            j["pdus_tx"] = m.counters().pdus_tx;
            j["malformed_rx"] = m.counters().malformed_rx;
        }
        members.push_back(std::move(j));
    }
    json b = {{"name", in.name},
              {"bond_mode", bond_mode_name(in.config.mode)},
              {"lacp", lacp_mode_name(in.config.lacp)},
              {"status", bond_status(in.config, l)},
              {"members", std::move(members)}};
    if (in.config.lacp != lacp::LacpMode::kOff) {
        b["lacp_time"] = lacp_time_name(in.config.lacp_time);
        b["lacp_fallback"] = in.config.fallback;
        b["negotiated"] = l.negotiated();
        b["actor_system"] = mac_to_string(actor.system);
        b["actor_system_priority"] = actor.system_priority;
        b["actor_key"] = actor.key;
    }
    return b;
}

}  // namespace vsw
