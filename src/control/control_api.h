// What the control protocol can ask of the switch. Implemented by Switch; unit tests of the
// protocol put a fake in front of the handler. (Control plane only: the datapath never sees it.)
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "src/config/config.h"
#include "telemetry/capture/capture_request.h"

namespace vsw {

// error empty: success, `data` is the answer; otherwise `error` is the operator's message and
// nothing changed.
struct ControlResult {
    std::string error;    // message for the operator, or ""
    nlohmann::json data;  // the answer on success

    static ControlResult fail(std::string e) { return {std::move(e), nullptr}; }
    static ControlResult ok(nlohmann::json d = nlohmann::json::object()) {
        return {"", std::move(d)};
    }
};

class ControlApi {
  public:
    virtual ~ControlApi() = default;
    virtual ControlResult add_port(const PortConfig& port) = 0;
    virtual ControlResult del_port(const std::string& name) = 0;
    virtual ControlResult set_port(const std::string& name, const Settings& settings) = 0;
    virtual ControlResult set_switch(const Settings& settings) = 0;
    virtual ControlResult show() = 0;
    virtual ControlResult stats(const std::string& port) = 0;  // "" = every port
    virtual ControlResult fdb_show() = 0;
    virtual ControlResult fdb_flush() = 0;
    virtual ControlResult mirror_add(const MirrorConfig& m) = 0;
    virtual ControlResult mirror_del(const std::string& name) = 0;
    virtual ControlResult mirror_show() = 0;
    virtual ControlResult ipfix_set(const Settings& settings) = 0;  // changes only what is given
    virtual ControlResult ipfix_del() = 0;
    virtual ControlResult ipfix_show() = 0;
    // Starts capturing a port; on success the frames follow the answer on `client_fd` (the
    // control connection: the implementation keeps its own duplicate of it).
    virtual ControlResult capture(const CaptureRequest& r, int client_fd) = 0;
    // VXLAN overlay: VLAN <-> VNI mappings (persisted), the control plane's remote VTEPs and
    // MACs (add to / delete from / replace what there is), and the view of it all.
    virtual ControlResult vxlan_map(uint16_t vlan, uint32_t vni) = 0;
    virtual ControlResult vxlan_unmap(uint16_t vlan) = 0;
    virtual ControlResult vxlan_remote(RemoteOp op, const OverlayRemote& r) = 0;
    virtual ControlResult vxlan_show() = 0;
};

}  // namespace vsw
