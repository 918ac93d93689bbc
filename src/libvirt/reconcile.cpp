#include "src/libvirt/reconcile.h"

#include <algorithm>

namespace vsw::libvirt {
namespace {

const PortConfig* find(const std::vector<PortConfig>& ports, const std::string& name) {
    auto it = std::find_if(ports.begin(), ports.end(),
                           [&](const PortConfig& p) { return p.name == name; });
    return it == ports.end() ? nullptr : &*it;
}

// What set-port can change in place; the type and socket need a new port.
bool same_attachment(const PortConfig& a, const PortConfig& b) {
    return a.type == b.type && a.socket == b.socket && a.devargs == b.devargs && a.owner == b.owner;
}

}  // namespace

Plan plan_changes(const std::vector<PortConfig>& wanted, const std::vector<PortConfig>& current,
                  const std::function<bool(const PortConfig&)>& managed) {
    Plan plan;
    std::vector<PortChange> later;
    for (const PortConfig& cur : current)
        if (managed(cur) && !find(wanted, cur.name))
            plan.changes.push_back({PortChange::Kind::kDelete, cur});
    for (const PortConfig& want : wanted) {
        const PortConfig* cur = find(current, want.name);
        if (!cur) {
            later.push_back({PortChange::Kind::kAdd, want});
        } else if (!managed(*cur)) {
            plan.log.push_back(
                "port name " + want.name + " is taken by a port " +
                (cur->owner.empty() ? "the operator created" : "of owner " + cur->owner) +
                "; interface not connected");
        } else if (!same_attachment(*cur, want)) {
            plan.changes.push_back({PortChange::Kind::kDelete, *cur});
            later.push_back({PortChange::Kind::kAdd, want});
        } else if (!(*cur == want)) {
            later.push_back({PortChange::Kind::kUpdate, want});
        }
    }
    plan.changes.insert(plan.changes.end(), later.begin(), later.end());
    return plan;
}

}  // namespace vsw::libvirt
