#include "src/libvirt/vswd_link.h"

#include <nlohmann/json.hpp>

#include "acl/acl_syntax.h"
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

// A rule as `acl show` prints it ("direction=ingress ethertype=ipv4 ...") read back; throws
// std::invalid_argument if it does not parse.
acl::SecurityRule rule_from_words(const std::string& group, const std::string& words) {
    std::vector<std::string> args = {"rule-add", group};
    for (size_t at = 0; at < words.size();) {
        const size_t space = words.find(' ', at);
        const size_t end = space == std::string::npos ? words.size() : space;
        if (end > at) args.push_back(words.substr(at, end - at));
        at = end + 1;
    }
    acl::AclCommand c;
    if (auto e = acl::parse_acl_command(args, c); !e.empty())
        throw std::invalid_argument("rule '" + words + "': " + e);
    return c.rule;
}

json acl_request(std::vector<std::string> args) {
    return {{"cmd", "acl"}, {"args", std::move(args)}};
}

}  // namespace

std::optional<VswdPorts> VswdLink::ports(std::string& error) const {
    bool unreachable = false;
    auto r = call(ctl_, {{"cmd", "show"}}, error, unreachable);
    if (!r) return std::nullopt;
    VswdPorts out;
    try {
        out.socket_dir = r->at("socket_dir").get<std::string>();
        for (const json& p : r->at("ports")) out.ports.push_back(port_config_from_json(p));
    } catch (const std::exception& e) {
        error = std::string("unexpected answer to show: ") + e.what();
        return std::nullopt;
    }
    auto g = call(ctl_, acl_request({"show"}), error, unreachable);
    if (!g) {
        error = "acl show: " + error;
        return std::nullopt;
    }
    try {
        for (const json& j : g->at("groups")) {
            CurrentGroup group;
            group.name = j.at("name").get<std::string>();
            for (const json& rule : j.at("rules")) {
                acl::SecurityRule sr =
                    rule_from_words(group.name, rule.at("rule").get<std::string>());
                sr.id = rule.at("id").get<uint32_t>();
                group.rules.push_back(sr);
            }
            group.ports = j.at("ports").get<std::vector<std::string>>();
            out.groups.push_back(std::move(group));
        }
    } catch (const std::exception& e) {
        error = std::string("unexpected answer to acl show: ") + e.what();
        return std::nullopt;
    }
    return out;
}

std::string VswdLink::apply(const GroupChange& change, bool& unreachable) const {
    std::vector<std::string> args;
    switch (change.kind) {
        case GroupChange::Kind::kCreate: args = {"group-add", change.group}; break;
        case GroupChange::Kind::kDelete: args = {"group-del", change.group}; break;
        case GroupChange::Kind::kDeleteRule:
            args = {"rule-del", change.group, std::to_string(change.rule.id)};
            break;
        case GroupChange::Kind::kAddRule:
            args = {"rule-add", change.group};
            for (const auto& [k, v] : acl::rule_settings(change.rule)) args.push_back(k + "=" + v);
            break;
    }
    std::string error;
    call(ctl_, acl_request(std::move(args)), error, unreachable);
    return error;
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
