// Packet capture, control side: starting, ending and reaping capture sessions.
#include <rte_rcu_qsbr.h>
#include <unistd.h>

#include "src/control/switch.h"

namespace vsw {

using nlohmann::json;

ControlResult Switch::capture(const CaptureRequest& r, int client_fd) {
    SwitchPort* p = find(r.port);
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
    auto s = CaptureSession::create(r, p->slot, fd, captures_created_++, error);
    if (!s) return ControlResult::fail(error);
    captures_.push_back(std::move(s));
    // The tap is attached by service_captures(), after this answer went out: frames never
    // overtake it on the connection.
    json answer = to_json(r);
    answer["type"] = port_type_name(p->config.type);
    answer["description"] = p->config.description;
    return ControlResult::ok(answer);
}

void Switch::detach_capture(CaptureSession& s, const char* reason) {
    if (SwitchPort* p = slots_[s.slot()].get(); p && p->capture.load() == s.tap()) {
        p->capture.store(nullptr, std::memory_order_release);
        if (opts_.rcu && !workers_.empty())
            rte_rcu_qsbr_synchronize(opts_.rcu, RTE_QSBR_THRID_INVALID);
    }
    s.detached(reason);
}

void Switch::end_captures(uint16_t slot, const char* reason) {
    for (auto& s : captures_)
        if (s->slot() == slot && !s->is_detached()) detach_capture(*s, reason);
}

void Switch::service_captures() {
    for (auto& s : captures_) {
        if (!s->started() && !s->is_detached()) {
            SwitchPort* p = slots_[s->slot()].get();
            if (!p) {  // cannot happen: nothing runs between the answer and this call
                s->detached("the port was deleted");
                continue;
            }
            p->capture.store(s->tap(), std::memory_order_release);
            s->start();
        } else if (s->wants_detach() && !s->is_detached()) {
            detach_capture(*s, nullptr);
        }
    }
    std::erase_if(captures_, [](const auto& s) { return s->finished(); });
}

json Switch::captures_view() const {
    json list = json::array();
    for (const auto& s : captures_) {
        if (s->is_detached()) continue;
        json j = s->status();
        j["port"] = s->request().port;
        list.push_back(j);
    }
    return list;
}

}  // namespace vsw
