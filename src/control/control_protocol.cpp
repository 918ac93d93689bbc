#include "src/control/control_protocol.h"

#include <stdexcept>

#include "overlay/vxlan.h"
#include "vsw_version.h"

namespace vsw {

using nlohmann::json;

namespace {

std::string string_field(const json& req, const char* field) {
    auto it = req.find(field);
    if (it == req.end()) throw std::invalid_argument(std::string("missing field '") + field + "'");
    if (!it->is_string())
        throw std::invalid_argument(std::string("field '") + field + "' must be a string");
    return it->get<std::string>();
}

uint64_t number_field(const json& req, const char* field, uint64_t lo, uint64_t hi) {
    auto it = req.find(field);
    if (it == req.end()) throw std::invalid_argument(std::string("missing field '") + field + "'");
    if (!it->is_number_unsigned() || it->get<uint64_t>() < lo || it->get<uint64_t>() > hi)
        throw std::invalid_argument(std::string("field '") + field + "' must be a number from " +
                                    std::to_string(lo) + " to " + std::to_string(hi));
    return it->get<uint64_t>();
}

Settings settings_field(const json& req) {
    auto it = req.find("settings");
    if (it == req.end() || !it->is_object() || it->empty())
        throw std::invalid_argument("missing 'settings': give at least one KEY=VALUE");
    Settings out;
    for (const auto& [k, v] : it->items()) {
        if (!v.is_string()) throw std::invalid_argument("setting '" + k + "' must be a string");
        out.emplace_back(k, v.get<std::string>());
    }
    return out;
}

ControlResult dispatch(ControlApi& api, const json& req, int client_fd) {
    const std::string cmd = string_field(req, "cmd");
    if (cmd == "version") return ControlResult::ok({{"version", VSW_VERSION}});
    if (cmd == "show") return api.show();
    if (cmd == "stats") return api.stats(req.contains("port") ? string_field(req, "port") : "");
    if (cmd == "add-port") {
        PortConfig port = port_config_from_json(req);
        if (req.contains("settings"))  // add-port NAME ... KEY=VALUE: settings from the start
            for (const auto& [k, v] : settings_field(req))
                if (auto e = apply_port_setting(port, k, v); !e.empty())
                    return ControlResult::fail(e);
        if (auto e = validate_port_config(port); !e.empty()) return ControlResult::fail(e);
        return api.add_port(port);
    }
    if (cmd == "del-port") return api.del_port(string_field(req, "name"));
    if (cmd == "set-port") return api.set_port(string_field(req, "name"), settings_field(req));
    if (cmd == "set") return api.set_switch(settings_field(req));
    if (cmd == "fdb-show") return api.fdb_show();
    if (cmd == "fdb-flush") return api.fdb_flush();
    if (cmd == "mirror-add") {
        MirrorConfig m;
        m.name = string_field(req, "name");
        for (const auto& [k, v] : settings_field(req))
            if (auto e = apply_mirror_setting(m, k, v); !e.empty()) return ControlResult::fail(e);
        if (auto e = validate_mirror(m); !e.empty()) return ControlResult::fail(e);
        return api.mirror_add(m);
    }
    if (cmd == "mirror-del") return api.mirror_del(string_field(req, "name"));
    if (cmd == "mirror-show") return api.mirror_show();
    if (cmd == "ipfix-set") return api.ipfix_set(settings_field(req));
    if (cmd == "ipfix-del") return api.ipfix_del();
    if (cmd == "ipfix-show") return api.ipfix_show();
    if (cmd == "capture") {
        CaptureRequest c;
        if (auto e = capture_request_from_json(req, c); !e.empty()) return ControlResult::fail(e);
        if (client_fd < 0)
            return ControlResult::fail("capture needs a control connection to stream on");
        return api.capture(c, client_fd);
    }
    if (cmd == "vxlan-map")
        return api.vxlan_map(static_cast<uint16_t>(number_field(req, "vlan", 1, 4094)),
                             static_cast<uint32_t>(number_field(req, "vni", 1, kMaxVni)));
    if (cmd == "vxlan-unmap")
        return api.vxlan_unmap(static_cast<uint16_t>(number_field(req, "vlan", 1, 4094)));
    if (cmd == "vxlan-add" || cmd == "vxlan-del" || cmd == "vxlan-sync") {
        const RemoteOp op = cmd == "vxlan-add"   ? RemoteOp::kAdd
                            : cmd == "vxlan-del" ? RemoteOp::kDelete
                                                 : RemoteOp::kReplace;
        return api.vxlan_remote(op, overlay_remote_from_json(req));
    }
    if (cmd == "vxlan-show") return api.vxlan_show();
    return ControlResult::fail("unknown command '" + cmd + "'");
}

}  // namespace

std::string handle_request(ControlApi& api, const std::string& line, int client_fd) {
    ControlResult r;
    if (line.size() > kMaxRequestBytes) {
        r = ControlResult::fail("request too large");
    } else {
        try {
            json req = json::parse(line);
            if (!req.is_object()) throw std::invalid_argument("request must be a JSON object");
            r = dispatch(api, req, client_fd);
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
