#include "src/libvirt/vswd_link.h"

#include <nlohmann/json.hpp>

#include "src/config/control_client.h"

namespace vsw::libvirt {

using nlohmann::json;

namespace {

// One request; returns the "result", or nullopt with `error` (and `unreachable` if vswd did not
// answer at all).
std::optional<json> call(const std::string& ctl, const json& request, std::string& error,
                         bool& unreachable) {
    unreachable = false;
    std::string line;
    try {
        line = control_call(ctl, request.dump(), 10000);
    } catch (const std::exception& e) {
        unreachable = true;
        error = e.what();
        return std::nullopt;
    }
    try {
        json resp = json::parse(line);
        if (!resp.value("ok", false)) {
            error = resp.value("error", std::string("request failed"));
            return std::nullopt;
        }
        return resp["result"];
    } catch (const json::exception& e) {
        error = std::string("malformed answer from vswd: ") + e.what();
    }
    return std::nullopt;
}

}  // namespace

std::optional<VswdPorts> VswdLink::ports(std::string& error) const {
    bool unreachable = false;
    auto r = call(ctl_, {{"cmd", "show"}}, error, unreachable);
    if (!r) return std::nullopt;
    try {
        VswdPorts out;
        out.socket_dir = r->at("socket_dir").get<std::string>();
        for (const json& p : r->at("ports")) out.ports.push_back(port_config_from_json(p));
        return out;
    } catch (const std::exception& e) {
        error = std::string("unexpected answer to show: ") + e.what();
        return std::nullopt;
    }
}

std::string VswdLink::apply(const PortChange& change, bool& unreachable) const {
    const PortConfig& p = change.config;
    json req;
    switch (change.kind) {
        case PortChange::Kind::kAdd:
            req = to_json(p);
            req["cmd"] = "add-port";
            break;
        case PortChange::Kind::kDelete: req = {{"cmd", "del-port"}, {"name", p.name}}; break;
        case PortChange::Kind::kUpdate: {
            // A JSON object has no order; port_settings' result does not depend on it.
            json settings = json::object();
            for (const auto& [k, v] : port_settings(p)) settings[k] = v;
            req = {{"cmd", "set-port"}, {"name", p.name}, {"settings", settings}};
            break;
        }
    }
    std::string error;
    call(ctl_, req, error, unreachable);
    return error;
}

}  // namespace vsw::libvirt
