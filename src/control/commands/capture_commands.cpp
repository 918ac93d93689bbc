#include "src/control/commands/capture_commands.h"

namespace vsw {

void register_capture_commands(CommandTable& t, const CaptureCommands& h) {
    if (!h.capture) return;
    t.add("capture", [f = h.capture](const Request& r) {
        CaptureRequest c;
        if (auto e = capture_request_from_json(r.body(), c); !e.empty())
            return ControlResult::fail(e);
        if (r.client_fd() < 0)
            return ControlResult::fail("capture needs a control connection to stream on");
        return f(c, r.client_fd());
    });
}

}  // namespace vsw
