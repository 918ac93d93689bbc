#include "src/control/control_protocol.h"

#include <stdexcept>

namespace vsw {

using nlohmann::json;

std::string handle_request(const CommandTable& commands, const std::string& line, int client_fd) {
    ControlResult r;
    if (line.size() > kMaxRequestBytes) {
        r = ControlResult::fail("request too large");
    } else {
        try {
            json req = json::parse(line);
            if (!req.is_object()) throw std::invalid_argument("request must be a JSON object");
            const Request request(req, client_fd);
            r = commands.run(request.string_field("cmd"), request);
        } catch (const json::exception& e) {
            r = ControlResult::fail(std::string("malformed request: ") + e.what());
        } catch (const std::exception& e) {
            r = ControlResult::fail(e.what());
        }
    }
    json resp = r.error.empty() ? json{{"ok", true}, {"result", r.data}}
                                : json{{"ok", false}, {"error", r.error}};
    return resp.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace vsw
