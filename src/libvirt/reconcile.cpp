#include "src/libvirt/reconcile.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "acl/acl_syntax.h"

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

bool names(const PortConfig& p, const std::string& group) {
    return std::find(p.acl.groups.begin(), p.acl.groups.end(), group) != p.acl.groups.end();
}

// vswd's order of decision within a group: priority, deny before allow, then the group's order
// (ids ascending; wanted rules, which have none yet, keep theirs: stable sort).
bool decided_before(const acl::SecurityRule& a, const acl::SecurityRule& b) {
    const auto key = [](const acl::SecurityRule& r) {
        return std::make_tuple(r.priority, r.action == acl::Action::kDeny ? 0 : 1, r.id);
    };
    return key(a) < key(b);
}

}  // namespace

Plan plan_changes(const std::vector<PortConfig>& wanted, const std::vector<PortConfig>& current,
                  const std::function<bool(const PortConfig&)>& managed) {
    return plan_changes(wanted, {}, current, {}, managed, false);
}

std::vector<GroupChange> plan_group_rules(const std::string& name,
                                          const std::vector<acl::SecurityRule>& wanted,
                                          const std::vector<acl::SecurityRule>* current) {
    std::vector<GroupChange> out;
    std::vector<acl::SecurityRule> have;
    if (current) {
        have = *current;
    } else {
        out.push_back({GroupChange::Kind::kCreate, name});
        have = acl::make_security_group(name).rules;
    }
    std::set<std::string> have_words, want_words;
    for (const auto& r : have) have_words.insert(acl::rule_words(r));
    std::vector<acl::SecurityRule> add;
    for (const auto& r : wanted) {
        const std::string w = acl::rule_words(r);
        if (!want_words.insert(w).second) continue;  // the same rule twice: once is enough
        if (!have_words.count(w)) {
            acl::SecurityRule a = r;
            a.id = 0;
            add.push_back(a);
        }
    }
    std::vector<acl::SecurityRule> del;
    for (const auto& r : have)
        if (!want_words.count(acl::rule_words(r))) del.push_back(r);
    std::stable_sort(add.begin(), add.end(), decided_before);
    std::stable_sort(del.begin(), del.end(), decided_before);
    std::reverse(del.begin(), del.end());  // the last decided goes first

    std::vector<GroupChange> adds, dels;
    for (const auto& r : add) adds.push_back({GroupChange::Kind::kAddRule, name, r});
    for (const auto& r : del) dels.push_back({GroupChange::Kind::kDeleteRule, name, r});
    const bool break_first = !current || have.size() + add.size() > acl::kMaxRulesPerGroup;
    auto& first = break_first ? dels : adds;
    auto& second = break_first ? adds : dels;
    out.insert(out.end(), first.begin(), first.end());
    out.insert(out.end(), second.begin(), second.end());
    return out;
}

Plan plan_changes(const std::vector<PortConfig>& wanted, const GroupRules& wanted_groups,
                  const std::vector<PortConfig>& current,
                  const std::vector<CurrentGroup>& current_groups,
                  const std::function<bool(const PortConfig&)>& managed, bool left_behind) {
    Plan plan;
    std::vector<PortChange> later;
    std::set<std::string> conflicts;  // wanted ports whose names are held by others
    for (const PortConfig& cur : current)
        if (managed(cur) && !find(wanted, cur.name))
            plan.changes.push_back({PortChange::Kind::kDelete, cur});
    for (const PortConfig& want : wanted) {
        const PortConfig* cur = find(current, want.name);
        if (!cur) {
            later.push_back({PortChange::Kind::kAdd, want});
        } else if (!managed(*cur)) {
            conflicts.insert(want.name);
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

    const auto current_group = [&](const std::string& name) -> const CurrentGroup* {
        auto it = std::find_if(current_groups.begin(), current_groups.end(),
                               [&](const CurrentGroup& g) { return g.name == name; });
        return it == current_groups.end() ? nullptr : &*it;
    };
    for (const auto& entry : wanted_groups) {
        const std::string& name = entry.first;  // a plain reference: lambdas capture it (clang)
        const auto& rules = entry.second;
        const bool used = std::any_of(wanted.begin(), wanted.end(), [&](const PortConfig& p) {
            return names(p, name) && !conflicts.count(p.name);
        });
        if (!used) continue;
        const CurrentGroup* cur = current_group(name);
        auto steps = plan_group_rules(name, rules, cur ? &cur->rules : nullptr);
        plan.groups_before.insert(plan.groups_before.end(), steps.begin(), steps.end());
    }
    for (const CurrentGroup& g : current_groups) {
        if (wanted_groups.count(g.name)) continue;
        const std::string port = filter_group_port(g.name);
        if (port.empty()) continue;
        const PortConfig* owner = find(current, port);
        const bool ours = owner ? managed(*owner) : left_behind && g.ports.empty();
        if (!ours) continue;
        // Who names it once the ports are changed: ports not managed keep theirs; managed ones
        // become what is wanted (or go).
        std::vector<std::string> users;
        for (const std::string& user : g.ports) {
            const PortConfig* cur = find(current, user);
            const PortConfig* want = find(wanted, user);
            const bool stays = (cur && !managed(*cur)) || (want && names(*want, g.name));
            if (stays) users.push_back(user);
        }
        if (users.empty()) plan.groups_after.push_back({GroupChange::Kind::kDelete, g.name});
        else
            plan.log.push_back("security group " + g.name + " is still used by port " +
                               users.front() + (users.size() > 1 ? " and others" : "") +
                               "; not deleted");
    }
    return plan;
}

}  // namespace vsw::libvirt
