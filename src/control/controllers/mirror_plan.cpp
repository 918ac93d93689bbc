// The mirror plan (mirror_plan.h).
#include "src/control/controllers/mirror_plan.h"

#include "core/vlan.h"

namespace vsw {

MirrorPlan plan_mirrors(const std::vector<MirrorConfig>& sessions, const MirrorPlanInputs& in) {
    MirrorPlan plan;
    if (sessions.empty()) return plan;
    plan.table = std::make_unique<MirrorTable>();
    MirrorTable& t = *plan.table;
    for (const MirrorConfig& c : sessions) {
        const auto out = in.port(c.output, c.local_ip);
        if (!out || t.n == kMaxMirrors) continue;
        const unsigned i = t.n++;
        MirrorSession& s = t.s[i];
        s.kind = c.kind;
        s.out_slot = out->slot;
        s.snaplen = c.snaplen;
        std::string err;
        auto vlans = parse_vlan_list(c.vlans, err);
        s.all_vlans = c.vlans.empty() || !vlans;
        if (vlans) s.vlans = *vlans;
        s.rspan_vlan = c.rspan_vlan;
        s.tsc_hz = in.tsc_hz;
        s.rt = in.runtime(c.name);
        if (is_erspan(c.kind)) {
            MirrorConfig resolved = c;
            if (!c.next_hop_mac) {
                resolved.next_hop_mac = in.neighbor_mac(c.gateway ? c.gateway : c.remote_ip);
                plan.arp_watch.push_back(out->slot);
            }
            s.next_hop_known = resolved.next_hop_mac != 0;
            s.owner = out->owner;
            build_erspan_template(resolved, out->source_mac, s);
        }
        for (const std::string& src : c.sources) {
            const auto p = in.port(src, 0);
            if (!p) continue;
            if (c.rx) t.rx[p->slot] = static_cast<uint16_t>(t.rx[p->slot] | 1u << i);
            if (c.tx) t.tx[p->slot] = static_cast<uint16_t>(t.tx[p->slot] | 1u << i);
        }
        if (c.kind == MirrorKind::kSpan) plan.span_outputs.push_back(out->slot);
    }
    return plan;
}

}  // namespace vsw
