#include "src/control/command_table.h"

#include <stdexcept>

namespace vsw {

using nlohmann::json;

std::string Request::string_field(const char* field) const {
    auto it = body_.find(field);
    if (it == body_.end())
        throw std::invalid_argument(std::string("missing field '") + field + "'");
    if (!it->is_string())
        throw std::invalid_argument(std::string("field '") + field + "' must be a string");
    return it->get<std::string>();
}

uint64_t Request::number_field(const char* field, uint64_t lo, uint64_t hi) const {
    auto it = body_.find(field);
    if (it == body_.end())
        throw std::invalid_argument(std::string("missing field '") + field + "'");
    if (!it->is_number_unsigned() || it->get<uint64_t>() < lo || it->get<uint64_t>() > hi)
        throw std::invalid_argument(std::string("field '") + field + "' must be a number from " +
                                    std::to_string(lo) + " to " + std::to_string(hi));
    return it->get<uint64_t>();
}

Settings Request::settings() const {
    auto it = body_.find("settings");
    if (it == body_.end() || !it->is_object() || it->empty())
        throw std::invalid_argument("missing 'settings': give at least one KEY=VALUE");
    Settings out;
    for (const auto& [k, v] : it->items()) {
        if (!v.is_string()) throw std::invalid_argument("setting '" + k + "' must be a string");
        out.emplace_back(k, v.get<std::string>());
    }
    return out;
}

void CommandTable::add(std::string name, CommandHandler handler, std::string view) {
    if (!commands_.emplace(name, std::move(handler)).second)
        throw std::logic_error("control command '" + name + "' registered twice");
    if (!view.empty() && !views_.emplace(std::move(view), name).second)
        throw std::logic_error("view of control command '" + name + "' named twice");
}

const CommandHandler* CommandTable::find(std::string_view name) const {
    auto it = commands_.find(name);
    return it == commands_.end() ? nullptr : &it->second;
}

ControlResult CommandTable::run(std::string_view name, const Request& request) const {
    const CommandHandler* h = find(name);
    if (!h) return ControlResult::fail("unknown command '" + std::string(name) + "'");
    try {
        return (*h)(request);
    } catch (const json::exception& e) {
        return ControlResult::fail(std::string("malformed request: ") + e.what());
    } catch (const std::exception& e) {
        return ControlResult::fail(e.what());
    }
}

ControlResult CommandTable::run(std::string_view name) const {
    const json empty = json::object();
    return run(name, Request(empty, -1));
}

std::vector<std::string> CommandTable::names() const {
    std::vector<std::string> out;
    for (const auto& [name, h] : commands_) out.push_back(name);
    return out;
}

std::map<std::string, json> CommandTable::views() const {
    std::map<std::string, json> out;
    for (const auto& [view, command] : views_) {
        ControlResult r = run(command);
        out[view] = r.error.empty() ? std::move(r.data) : json();
    }
    return out;
}

}  // namespace vsw
