#include "src/vswctl/cli.h"

#include <cstdio>
#include <iostream>

namespace vsw::ctl {

using nlohmann::json;

void CliCall::expect_args(size_t lo, size_t hi) const {
    if (words.size() - 1 < lo || words.size() - 1 > hi)
        throw UsageError("wrong number of arguments for '" + words[0] + "' (see vswctl --help)");
}

void CliTable::add(CliCommand command) {
    if (find(command.name)) throw std::logic_error("vswctl command '" + command.name + "' twice");
    commands_.push_back(std::move(command));
}

const CliCommand* CliTable::find(const std::string& name) const {
    for (const CliCommand& c : commands_)
        if (c.name == name) return &c;
    return nullptr;
}

void declare_string_options(po::options_description& d, const std::string& command,
                            std::span<const StringOption> options) {
    for (const StringOption& o : options)
        d.add_options()(o.name, po::value<std::string>(), (command + ": " + o.help).c_str());
}

std::vector<std::string> option_names(std::span<const StringOption> options) {
    std::vector<std::string> out;
    for (const StringOption& o : options) out.push_back(o.name);
    return out;
}

std::string str(const json& j) {
    if (j.is_string()) return j.get<std::string>();
    if (j.is_null()) return "-";
    if (j.is_number_float()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", j.get<double>());
        return buf;
    }
    return j.dump();
}

Settings parse_settings(const std::vector<std::string>& words, size_t from) {
    Settings out;
    for (size_t i = from; i < words.size(); ++i) {
        auto eq = words[i].find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError("expected KEY=VALUE, got '" + words[i] + "'");
        out.emplace_back(words[i].substr(0, eq), words[i].substr(eq + 1));
    }
    if (out.empty()) throw UsageError("give at least one KEY=VALUE");
    return out;
}

json settings_json(const Settings& s) {
    json j = json::object();
    for (const auto& [k, v] : s) j[k] = v;
    return j;
}

std::function<void(const CliCall&, const json&)> show_printer(
    std::function<void(const json&)> print) {
    return [print = std::move(print)](const CliCall& c, const json& r) {
        if (c.words.size() > 1 && c.words[1] == "show") print(r);
        else std::cout << "ok\n";
    };
}

bool print_settings_line(const json& r, const char* what) {
    std::cout << what << ":";
    if (!r.value("enabled", false)) {
        std::cout << " off\n";
        return false;
    }
    for (const auto& [k, v] : r["config"].items()) std::cout << " " << k << "=" << str(v);
    std::cout << "\n";
    return true;
}

}  // namespace vsw::ctl
