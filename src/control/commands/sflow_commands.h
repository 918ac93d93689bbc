// sFlow's commands: sflow-set (settings, changing only what is given), sflow-del, sflow-show.
#pragma once

#include <functional>

#include "src/config/config.h"
#include "src/control/command_table.h"

namespace vsw {

struct SflowCommands {
    std::function<ControlResult(const Settings&)> set{};  // KEY=VALUE, strings
    std::function<ControlResult()> del{};                 // sFlow off
    std::function<ControlResult()> show{};                // settings, samplers, collectors
};

void register_sflow_commands(CommandTable& table, const SflowCommands& handlers);

}  // namespace vsw
