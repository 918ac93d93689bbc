// IPFIX export's commands: ipfix-set (settings, changing only what is given), ipfix-del,
// ipfix-show.
#pragma once

#include <functional>

#include "src/config/config.h"
#include "src/control/command_table.h"

namespace vsw {

struct IpfixCommands {
    std::function<ControlResult(const Settings&)> set{};  // KEY=VALUE, strings
    std::function<ControlResult()> del{};                 // export off
    std::function<ControlResult()> show{};                // settings, flows, collectors
};

void register_ipfix_commands(CommandTable& table, const IpfixCommands& handlers);

}  // namespace vsw
