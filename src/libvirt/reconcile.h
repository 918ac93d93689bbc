// What to ask of vswd so that the ports it has for some domains become the ports those domains
// should have, with the security groups their traffic filters need. Pure: the agent feeds it
// vswd's ports and groups and executes the plan.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "acl/security_group.h"
#include "src/config/config.h"
#include "src/libvirt/port_mapping.h"

namespace vsw::libvirt {

struct PortChange {
    enum class Kind { kAdd, kDelete, kUpdate } kind;
    PortConfig config;  // kAdd: the port; kUpdate: its new settings; kDelete: only the name counts
};

// A security group as vswd has it (`acl show`).
struct CurrentGroup {
    std::string name;
    std::vector<acl::SecurityRule> rules;  // with their ids
    std::vector<std::string> ports;        // the ports that name it
};

// One `vswctl acl` command.
struct GroupChange {
    enum class Kind { kCreate, kAddRule, kDeleteRule, kDelete } kind;
    std::string group;
    acl::SecurityRule rule{};  // kAddRule: the rule; kDeleteRule: rule.id names it (and the rest
                               // says what it was, for the log)
};

struct Plan {
    std::vector<GroupChange> groups_before;  // groups made as the ports below will want them
    std::vector<PortChange> changes;         // deletions first, then updates and additions
    std::vector<GroupChange> groups_after;   // groups no port names any more, deleted
    std::vector<std::string> log;            // conflicts, for the operator
};

// `current`: every port vswd has. `managed(p)`: whether a current port belongs to the domains
// being reconciled (those not wanted any more are deleted). A wanted name held by a port that
// is not managed (the operator's, or another domain's) is a conflict: logged, left alone.
Plan plan_changes(const std::vector<PortConfig>& wanted, const std::vector<PortConfig>& current,
                  const std::function<bool(const PortConfig&)>& managed);

// The same with security groups. `wanted_groups`: the groups the wanted ports name, with their
// rules; `current_groups`: every group vswd has. Each wanted group is made to hold exactly its
// rules before any port change (plan_group_rules), unless every wanted port naming it is a
// conflict. A current group that is not wanted is deleted after the port changes when it is
// vsw-libvirt's (filter_group_port names a managed port, or, with `left_behind`, names no port
// at all while no port uses it: a group whose deletion failed or was interrupted) and no port
// will name it any more (one that is not managed and still names it is logged and keeps it).
Plan plan_changes(const std::vector<PortConfig>& wanted, const GroupRules& wanted_groups,
                  const std::vector<PortConfig>& current,
                  const std::vector<CurrentGroup>& current_groups,
                  const std::function<bool(const PortConfig&)>& managed, bool left_behind);

// The acl commands that make group `name` hold exactly `wanted` (current: its rules with ids,
// or null when the group does not exist: it is created, with Neutron's two egress rules, which
// then count as its current rules). Rules are compared by their words (acl::rule_words): the
// same rules in another order, or ids, change nothing. The order keeps every state in between
// as closed as the filter before or after: new rules are added in decision order (priority,
// deny before allow), then old ones deleted from the last decided; each state in between
// decides a packet as the old list or the new one would, so it allows only what one of them
// allows, and connections both allow survive vswd's re-judging. A group that is new, or that
// could not hold both lists (acl::kMaxRulesPerGroup), loses its old rules first (from the last
// decided) and then gets the new ones (in decision order): every state in between is a first
// part of one list, which decides what it matches as that list does and denies the rest (no
// rule: vsw denies), so it is closed, never open.
std::vector<GroupChange> plan_group_rules(const std::string& name,
                                          const std::vector<acl::SecurityRule>& wanted,
                                          const std::vector<acl::SecurityRule>* current);

}  // namespace vsw::libvirt
