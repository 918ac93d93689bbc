// Mirror sessions' commands: mirror-add (checked settings), mirror-del, mirror-show.
#pragma once

#include <functional>
#include <string>

#include "src/control/command_table.h"
#include "telemetry/mirror/mirror_config.h"

namespace vsw {

struct MirrorCommands {
    std::function<ControlResult(const MirrorConfig&)> add{};  // a validated session
    std::function<ControlResult(const std::string&)> del{};   // by name
    std::function<ControlResult()> show{};                    // sessions and their counters
};

void register_mirror_commands(CommandTable& table, const MirrorCommands& handlers);

}  // namespace vsw
