// vswctl's IPFIX commands: set (options or KEY=VALUE), del, and the exporter's tables.
#include <algorithm>
#include <iostream>
#include <utility>

#include "src/vswctl/cli.h"
#include "src/vswctl/table.h"

namespace vsw::ctl {

using nlohmann::json;

namespace {

constexpr const char* kUsage =
    "usage: vswctl ipfix set [--collector HOST:PORT]... [--obs-domain N] ... | del | show";

// ipfix set's options besides --collector: option name -> help (values are checked by vswd).
constexpr StringOption kSetOptions[] = {
    {"obs-domain", "observation domain id (0-4294967295)"},
    {"sampling", "meter 1 frame in N (1 = all)"},
    {"sampling-mode", "deterministic or random"},
    {"active-timeout", "seconds: long flows are reported this often"},
    {"idle-timeout", "seconds without frames before a flow ends"},
    {"cache-max", "flows held at once (all PMDs together)"},
    {"template-interval", "seconds between template re-sends"},
    {"mtu", "path MTU to the collectors (bytes)"}};

void print_ipfix(const json& r) {
    if (!print_settings_line(r, "IPFIX export")) return;
    std::cout << "\nflows in cache: " << str(r["active_flows"]) << "/" << str(r["cache_max"])
              << ";  frames metered: " << str(r["metered_packets"])
              << " (not sampled: " << str(r["not_sampled_packets"])
              << ", ignored: " << str(r["ignored_packets"]) << ")\nrecords: " << str(r["records"])
              << " (cache full evictions: " << str(r["evicted_flows"])
              << ", lost before export: " << str(r["lost_records"]) << ")\n\n";
    Table t({"COLLECTOR", "ADDRESS", "MESSAGES", "RECORDS", "BYTES", "SEQUENCE", "FAILED MSGS",
             "FAILED RECORDS", "ERROR"});
    if (r.contains("exporter"))
        for (const auto& c : r["exporter"]["collectors"])
            t.add({str(c["collector"]), str(c["address"]), str(c["messages"]), str(c["records"]),
                   str(c["octets"]), str(c["sequence"]), str(c["failed_messages"]),
                   str(c["failed_records"]),
                   c["error"].get<std::string>().empty() ? "-" : str(c["error"])});
    std::cout << t.render();
}

json ipfix_request(const CliCall& c) {
    const auto& w = c.words;
    if (w.size() < 2) throw UsageError(kUsage);
    if (w[1] == "set") {
        json settings = json::object();
        if (c.given("collector")) {
            std::string list;
            for (const auto& col : c.option<std::vector<std::string>>("collector"))
                list += (list.empty() ? "" : ",") + col;
            settings["collectors"] = list;
        }
        for (const StringOption& o : kSetOptions)
            if (c.given(o.name)) settings[o.name] = c.option<std::string>(o.name);
        if (w.size() > 2)  // KEY=VALUE works too
            for (const auto& [k, v] : parse_settings(w, 2)) settings[k] = v;
        if (settings.empty())
            throw UsageError("ipfix set: give at least one option (see vswctl --help)");
        return {{"cmd", "ipfix-set"}, {"settings", settings}};
    }
    if (c.given("collector") || std::any_of(std::begin(kSetOptions), std::end(kSetOptions),
                                            [&](const StringOption& o) { return c.given(o.name); }))
        throw UsageError("--collector, --obs-domain, --sampling, ... go with ipfix set");
    if (w[1] == "del" && w.size() == 2) return {{"cmd", "ipfix-del"}};
    if (w[1] == "show" && w.size() == 2) return {{"cmd", "ipfix-show"}};
    throw UsageError(kUsage);
}

}  // namespace

void add_ipfix_cli(CliTable& t) {
    std::vector<std::string> options = option_names(kSetOptions);
    options.push_back("collector");
    t.add(
        {.name = "ipfix",
         .usage =
             R"(  ipfix set [--collector HOST:PORT]... [--obs-domain N] [--sampling N] [--sampling-mode MODE]
            [--active-timeout S] [--idle-timeout S] [--cache-max N] [--template-interval S] [--mtu N]
                                     IPFIX flow export to every collector (HOST:PORT for UDP,
                                     tcp://HOST:PORT for TCP; NetFlow:
                                     netflow9://HOST:PORT, netflow5://HOST:PORT (IPv4 only); --collector
                                     replaces the list; other options change only what they
                                     name). MODE: deterministic (every N-th frame) or random
  ipfix del                          stop exporting (flows in the cache are exported first)
  ipfix show                         settings, flows, records, and per-collector counters
)",
         .options = options,
         .declare =
             [](po::options_description& d) {
                 d.add_options()(
                     "collector", po::value<std::vector<std::string>>()->composing(),
                     "ipfix set: HOST:PORT, tcp://, netflow9://, netflow5:// (repeat for several)");
                 declare_string_options(d, "ipfix set", kSetOptions);
             },
         .request = ipfix_request,
         .print = show_printer(print_ipfix)});
}

}  // namespace vsw::ctl
