// vswctl's commands as a table: each command is its name, its lines of the help, the options
// that go with it, and either a request to vswd plus a printer for the answer, or a run of its
// own (capture, top, libvirt-xml). Each feature defines its commands beside its printers
// (switch_cli.cpp, mirror_cli.cpp, ipfix_cli.cpp, ...) and adds one line to cli_commands.cpp;
// vswctl_main.cpp only parses the command line and dispatches.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/config/config.h"

namespace vsw::ctl {

namespace po = boost::program_options;

// A mistake on the command line: vswctl prints the message and exits with status 2.
struct UsageError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// What a command gets from the command line.
struct CliCall {
    const std::vector<std::string>& words;  // words[0] is the command's name
    const po::variables_map& options;       // every option given (and defaults)
    const std::string& ctl;                 // vswd's control socket
    bool as_json;                           // --json: print vswd's answer as it is

    // An option's value, or `fallback` when it was not given.
    template <class T>
    T option(const char* name, T fallback = T()) const {
        return options.count(name) ? options[name].as<T>() : fallback;
    }
    bool given(const char* name) const { return options.count(name) && !options[name].defaulted(); }
    // Fails unless there are lo..hi words after the command's name.
    void expect_args(size_t lo, size_t hi) const;
};

struct CliCommand {
    std::string name{};                  // the first word: "mirror"
    std::string usage{};                 // its lines of the help's command list
    std::vector<std::string> options{};  // the options that go with it (declared by `declare`)
    std::function<void(po::options_description&)> declare{};  // adds them to the parser
    // A request to vswd (throws UsageError) and the printer of its answer (null: "ok")...
    std::function<nlohmann::json(const CliCall&)> request{};
    std::function<void(const CliCall&, const nlohmann::json& answer)> print{};
    // ... or a run of its own, which returns the exit status.
    std::function<int(const CliCall&)> run{};
};

class CliTable {
  public:
    void add(CliCommand command);  // a name added twice is a programming error
    const CliCommand* find(const std::string& name) const;
    const std::vector<CliCommand>& all() const { return commands_; }

  private:
    std::vector<CliCommand> commands_;  // in registration (help) order
};

// Every feature's commands, registered in cli_commands.cpp.
CliTable all_commands();

// A command's string options, each with its help: declared as --NAME, the help prefixed by the
// command's name ("ipfix set: ...").
struct StringOption {
    const char* name;  // the option, without "--"
    const char* help;  // its help text
};
void declare_string_options(po::options_description& d, const std::string& command,
                            std::span<const StringOption> options);
std::vector<std::string> option_names(std::span<const StringOption> options);

// Helpers for printers and request builders.
std::string str(const nlohmann::json& j);  // a value for a table cell ("-" for null)
// KEY=VALUE words from words[from] on; at least one (UsageError otherwise).
Settings parse_settings(const std::vector<std::string>& words, size_t from);
nlohmann::json settings_json(const Settings& s);
// The printer of a command whose `show` answer `print` prints; its other subcommands print "ok".
std::function<void(const CliCall&, const nlohmann::json&)> show_printer(
    std::function<void(const nlohmann::json&)> print);
// The first line of a settings feature's show (ipfix, sflow): "WHAT: off", then false (nothing
// more to print), or "WHAT: KEY=VALUE ..." from the answer's "config".
bool print_settings_line(const nlohmann::json& r, const char* what);

}  // namespace vsw::ctl
