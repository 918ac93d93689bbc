// vswctl capture: asks vswd for a port's frames and writes them as pcapng, to a file or to
// standard output (-w -, for a pipe into tshark or tcpdump).
#pragma once

#include <string>

#include "telemetry/capture/capture_request.h"

namespace vsw::ctl {

// Runs a capture until vswd ends it (count, time limit, port deleted) or until SIGINT/SIGTERM,
// after which vswd is asked to stop and the file is completed. Progress and the summary go to
// standard error. Returns an exit status; throws std::runtime_error with the operator's message.
int run_capture(const std::string& ctl_path, const CaptureRequest& request,
                const std::string& output);

}  // namespace vsw::ctl
