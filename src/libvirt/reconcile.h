// What to ask of vswd so that the ports it has for some domains become the ports those domains
// should have. Pure: the agent feeds it vswd's port list and executes the plan.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "src/config/config.h"

namespace vsw::libvirt {

struct PortChange {
    enum class Kind { kAdd, kDelete, kUpdate } kind;
    PortConfig config;  // kAdd: the port; kUpdate: its new settings; kDelete: only the name counts
};

struct Plan {
    std::vector<PortChange> changes;  // deletions first, then updates and additions
    std::vector<std::string> log;     // conflicts, for the operator
};

// `current`: every port vswd has. `managed(p)`: whether a current port belongs to the domains
// being reconciled (those not wanted any more are deleted). A wanted name held by a port that
// is not managed (the operator's, or another domain's) is a conflict: logged, left alone.
Plan plan_changes(const std::vector<PortConfig>& wanted, const std::vector<PortConfig>& current,
                  const std::function<bool(const PortConfig&)>& managed);

}  // namespace vsw::libvirt
