// vswctl's port security view: `port-security show` (the settings themselves are set-port's).
#include <iostream>

#include "src/vswctl/cli.h"
#include "src/vswctl/table.h"

namespace vsw::ctl {

using nlohmann::json;

namespace {

constexpr const char* kUsage = "usage: vswctl port-security show";
constexpr const char* kHelp =
    R"(  port-security show                 each port's isolation: allowed and learned MACs and
                                     addresses, violations by reason, the last frame refused
                                     (its reason, source MAC and claimed address)
)";

void print_port_security(const json& r) {
    Table t({"PORT", "SECURITY", "ALLOWED", "LEARNED", "VIOLATIONS", "LAST REFUSED"});
    for (const auto& p : r["ports"]) {
        std::string allowed = "-";
        if (p.value("port-security", "off") == "on")
            allowed = str(p["allowed-macs"]) + " " + str(p["allowed-ips"]) +
                      (p.value("trusted", "off") == "on" ? " trusted" : "");
        std::string learned;
        if (p.contains("learned_macs"))
            learned = str(p["learned_macs"]) + "/" + str(p["mac-limit"]) + " MACs";
        for (const auto& ip : p.value("learned-ips", json::array()))
            learned += (learned.empty() ? "" : " ") + str(ip["ip"]);
        std::string violations = str(p["violations_total"]);
        for (const auto& [reason, n] : p["violations"].items())
            if (n.get<uint64_t>()) violations += " " + reason + "=" + str(n);
        std::string last = "-";
        if (p.contains("last_violation")) {
            const json& v = p["last_violation"];
            last = str(v["reason"]) + " " + str(v["mac"]) +
                   (v.contains("ip") ? " " + str(v["ip"]) : "") + " " + str(v["seconds_ago"]) +
                   " s ago";
        }
        t.add({str(p["name"]), str(p["port-security"]), allowed, learned.empty() ? "-" : learned,
               violations, last});
    }
    std::cout << t.render();
}

}  // namespace

void add_port_security_cli(CliTable& t) {
    // One form only: the settings themselves are set-port's.
    const auto request = [](const CliCall& c) -> json {
        if (c.words.size() != 2 || c.words[1] != "show") throw UsageError(kUsage);
        return {{"cmd", "port-security-show"}};
    };
    t.add({.name = "port-security",
           .usage = kHelp,
           .request = request,
           .print = show_printer(print_port_security)});
}

}  // namespace vsw::ctl
