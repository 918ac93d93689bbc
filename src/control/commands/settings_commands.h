// The commands of a feature configured by settings alone (ipfix, sflow): NAME-set (KEY=VALUE
// settings, changing only what is given), NAME-del (the feature off) and NAME-show (its view,
// named NAME for the metrics).
#pragma once

#include <functional>
#include <string>

#include "src/config/config.h"
#include "src/control/command_table.h"

namespace vsw {

struct SettingsCommands {
    std::function<ControlResult(const Settings&)> set{};  // KEY=VALUE, strings
    std::function<ControlResult()> del{};                 // off
    std::function<ControlResult()> show{};                // settings, state, counters
};

void register_settings_commands(CommandTable& table, const std::string& name,
                                const SettingsCommands& handlers);

}  // namespace vsw
