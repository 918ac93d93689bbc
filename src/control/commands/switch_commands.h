// The switch's own commands: version, the views (show, stats), ports (add, delete, set), the
// switch settings and the FDB. Requests are read and checked here; the handlers get typed,
// validated arguments. A handler left empty leaves its command out of the table.
#pragma once

#include <functional>
#include <string>

#include "src/config/config.h"
#include "src/control/command_table.h"

namespace vsw {

struct SwitchCommands {
    std::function<ControlResult()> show{};                        // ports and their state
    std::function<ControlResult(const std::string&)> stats{};     // one port, or "" for all
    std::function<ControlResult(const PortConfig&)> add_port{};   // a validated configuration
    std::function<ControlResult(const std::string&)> del_port{};  // by name
    std::function<ControlResult(const std::string&, const Settings&)>
        set_port{};                                              // name, KEY=VALUE
    std::function<ControlResult(const Settings&)> set_switch{};  // switch-wide KEY=VALUE
    std::function<ControlResult()> fdb_show{};                   // learned and remote MACs
    std::function<ControlResult()> fdb_flush{};                  // forget the learned ones
};

// version, show, stats, add-port, del-port, set-port, set, fdb-show, fdb-flush.
void register_switch_commands(CommandTable& table, const SwitchCommands& handlers);

}  // namespace vsw
