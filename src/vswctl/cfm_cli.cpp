// vswctl's CFM view: `cfm show` (a port's MEP is set with set-port NAME cfm-mpid=N ...). One
// line per MEP and one per remote MEP it hears, as OVS's cfm/show.
#include <iostream>

#include "src/vswctl/cli.h"
#include "src/vswctl/table.h"

namespace vsw::ctl {

using nlohmann::json;

namespace {

constexpr const char* kUsage = "usage: vswctl cfm show";
constexpr const char* kHelp =
    R"(  cfm show                           each port's CFM MEP (cfm-mpid=...): level, interval,
                                     MAID, faults, health; the remote MEPs it hears
)";

void print_cfm(const json& r) {
    Table t({"PORT", "MPID", "LEVEL", "INTERVAL", "MAID", "FAULTS", "HEALTH", "CCMS TX/RX",
             "REMOTE MEPS"});
    for (const auto& m : r["meps"]) {
        std::string remotes;
        for (const auto& rm : m["remote_meps"])
            remotes += (remotes.empty() ? "" : ", ") + str(rm["mpid"]) + " " + str(rm["mac"]) +
                       (rm["lost"].get<bool>() ? " lost" : "") +
                       (rm["rdi"].get<bool>() ? " rdi" : "") + " (" + str(rm["last_seen_ms_ago"]) +
                       " ms ago)";
        const int health = m["health"].get<int>();
        t.add({str(m["port"]), str(m["mpid"]), str(m["level"]), str(m["interval"]) + " ms",
               str(m["maid"]), str(m["faults"]).empty() ? "none" : str(m["faults"]),
               health < 0 ? "-" : std::to_string(health) + "%",
               str(m["ccms_tx"]) + "/" + str(m["ccms_rx"]), remotes.empty() ? "-" : remotes});
    }
    std::cout << t.render();
}

}  // namespace

void add_cfm_cli(CliTable& t) {
    const auto request = [](const CliCall& c) -> json {
        if (c.words.size() != 2 || c.words[1] != "show") throw UsageError(kUsage);
        return {{"cmd", "cfm-show"}};
    };
    t.add({.name = "cfm", .usage = kHelp, .request = request, .print = show_printer(print_cfm)});
}

}  // namespace vsw::ctl
