// vswctl's bond view: `bond show` (a bond port is made with add-port --type bond and changed
// with set-port). One table of members per bond, as `ovs-appctl bond/show` and `lacp/show`.
#include <iostream>

#include "src/vswctl/cli.h"
#include "src/vswctl/table.h"

namespace vsw::ctl {

using nlohmann::json;

namespace {

constexpr const char* kUsage = "usage: vswctl bond show";
constexpr const char* kHelp =
    R"(  bond show                          each bond: mode, LACP status, actor system and key;
                                     per member its carrier, whether it distributes, the
                                     LACP machines, actor and partner (system, key, port,
                                     state bits) and the hash buckets it carries
)";

std::string port_info(const json& p) {
    return str(p["system"]) + " pri " + str(p["system_priority"]) + " key " + str(p["key"]) +
           " port " + str(p["port"]) + " [" + str(p["state"]) + "]";
}

void print_bonds(const json& r) {
    for (const auto& b : r["bonds"]) {
        std::cout << "bond " << str(b["name"]) << ": " << str(b["bond_mode"]) << ", lacp "
                  << str(b["lacp"]);
        if (b.contains("lacp_time"))
            std::cout << " (" << str(b["lacp_time"])
                      << (b["lacp_fallback"].get<bool>() ? ", fallback" : "") << "), actor "
                      << str(b["actor_system"]) << " pri " << str(b["actor_system_priority"])
                      << " key " << str(b["actor_key"]);
        std::cout << ", status " << str(b["status"]) << "\n";
        const bool lacp = b.contains("lacp_time");
        Table t(lacp ? std::vector<std::string>{"MEMBER", "CARRIER", "DISTRIBUTING", "RECEIVE",
                                                "MUX", "ACTOR", "PARTNER", "PDUS RX/TX", "BUCKETS"}
                     : std::vector<std::string>{"MEMBER", "CARRIER", "DISTRIBUTING", "BUCKETS"});
        for (const auto& m : b["members"]) {
            std::string dist = m["distributing"].get<bool>() ? "yes" : "no";
            if (m["active"].get<bool>()) dist += " (active)";
            const std::string buckets = str(m["buckets"]).empty() ? "-" : str(m["buckets"]);
            if (lacp)
                t.add({str(m["name"]), m["carrier"].get<bool>() ? "up" : "down", dist,
                       str(m["receive_state"]), str(m["mux_state"]), port_info(m["actor"]),
                       port_info(m["partner"]), str(m["pdus_rx"]) + "/" + str(m["pdus_tx"]),
                       buckets});
            else t.add({str(m["name"]), m["carrier"].get<bool>() ? "up" : "down", dist, buckets});
        }
        std::cout << t.render();
    }
}

}  // namespace

void add_bond_cli(CliTable& t) {
    const auto request = [](const CliCall& c) -> json {
        if (c.words.size() != 2 || c.words[1] != "show") throw UsageError(kUsage);
        return {{"cmd", "bond-show"}};
    };
    t.add({.name = "bond", .usage = kHelp, .request = request, .print = show_printer(print_bonds)});
}

}  // namespace vsw::ctl
