// Packet capture's command: capture (a checked request; the frames follow the answer on the
// request's connection).
#pragma once

#include <functional>

#include "src/control/command_table.h"
#include "telemetry/capture/capture_request.h"

namespace vsw {

struct CaptureCommands {
    // Starts capturing; `client_fd` is the control connection (the handler keeps its own
    // duplicate of it).
    std::function<ControlResult(const CaptureRequest&, int client_fd)> capture{};
};

void register_capture_commands(CommandTable& table, const CaptureCommands& handlers);

}  // namespace vsw
