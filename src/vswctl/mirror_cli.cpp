// vswctl's mirror commands: add, del, and the sessions' table.
#include <iostream>

#include "src/vswctl/cli.h"
#include "src/vswctl/table.h"

namespace vsw::ctl {

using nlohmann::json;

namespace {

constexpr const char* kUsage = "usage: vswctl mirror add|del|show ...";

void print_mirrors(const json& r) {
    Table t({"MIRROR", "TYPE", "SOURCES", "DIRECTION", "VLANS", "OUTPUT", "DETAILS", "PACKETS",
             "BYTES", "TRUNCATED", "DROPPED"});
    for (const auto& m : r["mirrors"]) {
        std::string details;
        for (const char* k : {"rspan-vlan", "local-ip", "remote-ip", "session-id", "index", "hw-id",
                              "granularity", "next-hop-mac", "gateway", "next-hop", "snaplen"})
            if (m.contains(k))
                details += std::string(details.empty() ? "" : " ") + k + "=" + str(m[k]);
        const auto& c = m["counters"];
        t.add({str(m["name"]), str(m["type"]), str(m["sources"]), str(m["direction"]),
               str(m.value("vlans", json("all"))), str(m["output"]),
               details.empty() ? "-" : details, str(c["packets"]), str(c["bytes"]),
               str(c["truncated"]), str(c["dropped"])});
    }
    std::cout << t.render();
}

json mirror_request(const CliCall& c) {
    const auto& w = c.words;
    if (w.size() < 2) throw UsageError(kUsage);
    if (w[1] == "add") {
        if (w.size() < 4) throw UsageError("usage: vswctl mirror add NAME KEY=VALUE...");
        return {{"cmd", "mirror-add"},
                {"name", w[2]},
                {"settings", settings_json(parse_settings(w, 3))}};
    }
    if (w[1] == "del") {
        if (w.size() != 3) throw UsageError("usage: vswctl mirror del NAME");
        return {{"cmd", "mirror-del"}, {"name", w[2]}};
    }
    if (w[1] == "show") {
        if (w.size() != 2) throw UsageError("usage: vswctl mirror show");
        return {{"cmd", "mirror-show"}};
    }
    throw UsageError(kUsage);
}

}  // namespace

void add_mirror_cli(CliTable& t) {
    t.add(
        {.name = "mirror",
         .usage =
             R"(  mirror add NAME KEY=VALUE...       a mirror session: sources=PORT[,PORT] direction=rx|tx|both
                                     vlans=LIST snaplen=BYTES output=PORT, and for
                                     RSPAN: rspan-vlan=N (output = the uplink);
                                     ERSPAN: erspan=2|3 local-ip=A remote-ip=A session-id=N
                                     [next-hop-mac=M | gateway=A (ARP; default: remote-ip)]
                                     [index=N (II)] [hw-id=N granularity=0-3 (III)]
                                     [ttl=N dscp=N]; without them: SPAN to output
  mirror del NAME                    remove a mirror session
  mirror show                        sessions and their counters
)",
         .request = mirror_request,
         .print = show_printer(print_mirrors)});
}

}  // namespace vsw::ctl
