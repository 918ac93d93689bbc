// vswctl: the command-line client of vswd's control socket. The commands are a table
// (src/vswctl/cli.h), each registered beside its printer; this file parses the command line,
// checks that each option goes with the command given, and dispatches.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/config/control_client.h"
#include "src/vswctl/cli.h"
#include "vsw_version.h"

namespace po = boost::program_options;
using nlohmann::json;
using namespace vsw::ctl;

namespace {

const char* kUsageHead = R"(vswctl - control a running vswd

Usage: vswctl [--ctl PATH] [--json] COMMAND [ARGS]

Commands:
)";

[[noreturn]] void fail(const std::string& msg, int code = 1) {
    std::fprintf(stderr, "vswctl: %s\n", msg.c_str());
    std::exit(code);
}

// Asks vswd, prints its answer (as JSON with --json). Returns the exit status.
int call_vswd(const CliCommand& command, const CliCall& call) {
    const json req = command.request(call);
    json resp;
    try {
        resp = json::parse(vsw::control_call(call.ctl, req.dump()));
    } catch (const json::exception&) {
        fail("vswd sent a malformed answer");
    } catch (const std::exception& e) {
        fail(e.what());
    }
    if (!resp.value("ok", false)) fail(resp.value("error", std::string("request failed")));
    const json& r = resp["result"];
    if (call.as_json) std::cout << r.dump(2) << "\n";
    else if (command.print) command.print(call, r);
    else std::cout << "ok\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const CliTable commands = all_commands();
    std::string usage = kUsageHead;
    for (const CliCommand& c : commands.all()) usage += c.usage;
    usage += "\nOptions";

    std::string ctl = std::getenv("VSW_CTL") ? std::getenv("VSW_CTL") : "/run/vsw/vswd.ctl";
    bool as_json = false;
    std::vector<std::string> words;
    po::options_description desc(usage);
    desc.add_options()("help,h", "show this help")(
        "version", "print vswctl's version (the version command also asks vswd)")(
        "ctl", po::value(&ctl), "vswd control socket (default $VSW_CTL or /run/vsw/vswd.ctl)")(
        "json", po::bool_switch(&as_json), "print the daemon's JSON answer");
    std::map<std::string, std::string> owner;  // option -> the command it goes with
    for (const CliCommand& c : commands.all()) {
        if (c.declare) c.declare(desc);
        for (const std::string& o : c.options) owner[o] = c.name;
    }
    po::options_description hidden;
    hidden.add_options()("words", po::value(&words));
    po::options_description all;
    all.add(desc).add(hidden);
    po::positional_options_description pos;
    pos.add("words", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        fail(std::string(e.what()) + " (see vswctl --help)", 2);
    }
    if (vm.count("version")) {
        std::cout << "vswctl " VSW_VERSION "\n";
        return 0;
    }
    if (vm.count("help") || words.empty()) {
        std::cout << desc << "\n";
        return words.empty() && !vm.count("help") ? 2 : 0;
    }
    const CliCommand* command = commands.find(words[0]);
    if (!command) fail("unknown command '" + words[0] + "' (see vswctl --help)", 2);
    for (const auto& [option, value] : vm)
        if (auto it = owner.find(option);
            it != owner.end() && it->second != command->name && !value.defaulted())
            fail("--" + option + " goes with " + it->second + " (see vswctl --help)", 2);
    const CliCall call{words, vm, ctl, as_json};
    try {
        return command->run ? command->run(call) : call_vswd(*command, call);
    } catch (const UsageError& e) {
        fail(e.what(), 2);
    } catch (const std::exception& e) {
        fail(e.what());
    }
}
