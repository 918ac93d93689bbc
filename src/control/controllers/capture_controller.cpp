// Packet capture's control side (capture_controller.h).
#include "src/control/controllers/capture_controller.h"

#include <unistd.h>

#include "src/control/commands/capture_commands.h"

namespace vsw {

using nlohmann::json;

void CaptureController::register_commands(CommandTable& t) {
    register_capture_commands(
        t, {.capture = [this](const CaptureRequest& r, int fd) { return capture(r, fd); }});
}

ControlResult CaptureController::capture(const CaptureRequest& r, int client_fd) {
    SwitchPort* p = sw_.find_port(r.port);
    if (!p) return ControlResult::fail("no port named '" + r.port + "'");
    for (const auto& s : captures_)
        if (s->slot() == p->slot && !s->is_detached())
            return ControlResult::fail("port " + r.port + " is already being captured");
    if (captures_.size() >= kMaxCaptures)
        return ControlResult::fail("too many captures running (at most " +
                                   std::to_string(kMaxCaptures) + ")");
    const int fd = ::dup(client_fd);
    if (fd < 0) return ControlResult::fail("cannot keep the connection for the capture");
    std::string error;
    auto s = CaptureSession::create(r, p->slot, fd, created_++, error);
    if (!s) return ControlResult::fail(error);
    captures_.push_back(std::move(s));
    // The tap is attached by poll(), after this answer went out: frames never overtake it on
    // the connection.
    json answer = to_json(r);
    answer["type"] = port_type_name(p->config.type);
    answer["description"] = p->config.description;
    return ControlResult::ok(answer);
}

void CaptureController::detach(CaptureSession& s, const char* reason) {
    if (SwitchPort* p = sw_.port_at(s.slot()); p && p->capture.load() == s.tap()) {
        p->capture.store(nullptr, std::memory_order_release);
        sw_.synchronize();
    }
    s.detached(reason);
}

void CaptureController::port_removed(uint16_t slot) {
    for (auto& s : captures_)
        if (s->slot() == slot && !s->is_detached()) detach(*s, "the port was deleted");
}

void CaptureController::poll() {
    for (auto& s : captures_) {
        if (!s->started() && !s->is_detached()) {
            SwitchPort* p = sw_.port_at(s->slot());
            if (!p) {  // cannot happen: nothing runs between the answer and this call
                s->detached("the port was deleted");
                continue;
            }
            p->capture.store(s->tap(), std::memory_order_release);
            s->start();
        } else if (s->wants_detach() && !s->is_detached()) {
            detach(*s, nullptr);
        }
    }
    std::erase_if(captures_, [](const auto& s) { return s->finished(); });
}

void CaptureController::add_to_show(json& show) const {
    json list = json::array();
    for (const auto& s : captures_) {
        if (s->is_detached()) continue;
        json j = s->status();
        j["port"] = s->request().port;
        list.push_back(j);
    }
    show["captures"] = list;
}

void CaptureController::shutdown() {
    for (auto& s : captures_) detach(*s, "vswd is shutting down");
    captures_.clear();  // each sends its end record first
}

}  // namespace vsw
