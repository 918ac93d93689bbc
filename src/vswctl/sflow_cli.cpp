// vswctl's sFlow commands: set (KEY=VALUE), del, and the agent's tables.
#include <iostream>

#include "src/vswctl/cli.h"
#include "src/vswctl/table.h"

namespace vsw::ctl {

using nlohmann::json;

namespace {

constexpr const char* kUsage = "usage: vswctl sflow set KEY=VALUE... | del | show";
// sflow's lines of vswctl's help.
constexpr const char* kHelp =
    R"(  sflow set KEY=VALUE...             sFlow v5 to every collector: collectors=HOST:PORT[,...]
                                     (UDP, default port 6343; replaces the list),
                                     sampling=N (1 in N frames, at random; default 400),
                                     polling=S (counter samples per port; 0 none; default 30),
                                     header=BYTES (of each sampled frame, 14-256; default 128),
                                     agent=IP|auto, ports=LIST|all, max-datagram=BYTES;
                                     changes only what is given
  sflow del                          stop sFlow
  sflow show                         settings, ports, and per-collector counters
)";

void print_sflow(const json& r) {
    if (!print_settings_line(r, "sFlow")) return;
    std::cout << "agent address: " << str(r["agent_address"])
              << ";  frames sampled: " << str(r["sampled_packets"])
              << " (lost before export: " << str(r["lost_samples"]) << ")\n";
    const json& agent = r.contains("agent") ? r["agent"] : json::object();
    if (agent.contains("datagrams"))
        std::cout << "datagrams: " << str(agent["datagrams"])
                  << ";  flow samples: " << str(agent["flow_samples"])
                  << ";  counter samples: " << str(agent["counter_samples"]) << "\n";
    std::cout << "\n";
    Table ports({"PORT", "IFINDEX", "FLOW SAMPLES", "SAMPLE POOL", "DROPS"});
    for (const auto& p : r["ports"]) {
        json source = json::object();
        if (agent.contains("sources"))
            for (const auto& s : agent["sources"])
                if (s["ifindex"] == p["ifindex"]) source = s;
        ports.add({str(p["name"]), str(p["ifindex"]), str(source.value("flow_samples", json(0))),
                   str(source.value("sample_pool", json(0))), str(source.value("drops", json(0)))});
    }
    std::cout << ports.render() << "\n";
    Table t(
        {"COLLECTOR", "ADDRESS", "DATAGRAMS", "SAMPLES", "BYTES", "SEQUENCE", "FAILED", "ERROR"});
    if (agent.contains("collectors"))
        for (const auto& c : agent["collectors"])
            t.add({str(c["collector"]), str(c["address"]), str(c["messages"]), str(c["records"]),
                   str(c["octets"]), str(c["sequence"]), str(c["failed_messages"]),
                   c["error"].get<std::string>().empty() ? "-" : str(c["error"])});
    std::cout << t.render();
}

json sflow_request(const CliCall& c) {
    const auto& w = c.words;
    if (w.size() < 2) throw UsageError(kUsage);
    if (w[1] == "set" && w.size() > 2)
        return {{"cmd", "sflow-set"}, {"settings", settings_json(parse_settings(w, 2))}};
    if (w[1] == "del" && w.size() == 2) return {{"cmd", "sflow-del"}};
    if (w[1] == "show" && w.size() == 2) return {{"cmd", "sflow-show"}};
    throw UsageError(kUsage);
}

}  // namespace

void add_sflow_cli(CliTable& t) {
    t.add({.name = "sflow",
           .usage = kHelp,
           .request = sflow_request,
           .print = show_printer(print_sflow)});
}

}  // namespace vsw::ctl
