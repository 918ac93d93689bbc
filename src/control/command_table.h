// The control commands as a table: each request name ("add-port", "mirror-show", ...) maps to a
// handler that reads its own arguments from the request and answers. Each feature registers its
// commands (src/control/commands/), so a new command edits no dispatcher, no interface and no
// stand-in of one. (Control plane only: the datapath never sees it.)
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/config/config.h"

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

// One request as its handler sees it. The field readers throw std::invalid_argument with the
// operator's message, which becomes the answer.
class Request {
  public:
    Request(const nlohmann::json& body, int client_fd) : body_(body), client_fd_(client_fd) {}
    Request(nlohmann::json&&, int) = delete;  // it keeps a reference: the body must outlive it

    const nlohmann::json& body() const { return body_; }
    // The connection it came on (a capture streams on it); -1: none.
    int client_fd() const { return client_fd_; }
    bool has(const char* field) const { return body_.contains(field); }
    std::string string_field(const char* field) const;
    uint64_t number_field(const char* field, uint64_t lo, uint64_t hi) const;
    // "settings": {"KEY": "VALUE", ...}, at least one, in order.
    Settings settings() const;

  private:
    const nlohmann::json& body_;
    int client_fd_;
};

using CommandHandler = std::function<ControlResult(const Request&)>;

// Applies a request's KEY=VALUE settings to `target` with `apply`, checks the whole with
// `validate`, and hands it to `handler`; the first error is the answer instead.
template <class T, class Handler, class Apply, class Validate>
ControlResult configure_then(const Handler& handler, T target, const Settings& settings,
                             Apply apply, Validate validate) {
    for (const auto& [k, v] : settings)
        if (auto e = apply(target, k, v); !e.empty()) return ControlResult::fail(e);
    if (auto e = validate(target); !e.empty()) return ControlResult::fail(e);
    return handler(target);
}

class CommandTable {
  public:
    // Registers a command; a name registered twice is a programming error (std::logic_error).
    // A command that takes no arguments and answers with a view may name it `view`: the metrics
    // (Prometheus, DPDK telemetry) read its answer under that name (views()).
    void add(std::string name, CommandHandler handler, std::string view = "");
    // The handler of `name`, or null.
    const CommandHandler* find(std::string_view name) const;
    // Runs `name` with `request`; an unknown name or a handler's exception is an error answer.
    ControlResult run(std::string_view name, const Request& request) const;
    // Runs a command that takes no arguments (a view).
    ControlResult run(std::string_view name) const;
    std::vector<std::string> names() const;
    // Every view's answer by its view name ({"show": ..., "mirrors": ...}), as the metrics
    // refresh takes them; a view that failed is null.
    std::map<std::string, nlohmann::json> views() const;

  private:
    std::map<std::string, CommandHandler, std::less<>> commands_;  // by request name
    std::map<std::string, std::string> views_;                     // view name -> command
};

}  // namespace vsw
