// vswctl's security groups and connection tracking: `acl ...` (groups and rules; a port takes
// groups with set-port NAME security-groups=A,B) and `conntrack show|set|flush`, whose listing
// reads like `conntrack -L`.
#include <iostream>

#include "src/vswctl/cli.h"
#include "src/vswctl/table.h"

namespace vsw::ctl {

using nlohmann::json;

namespace {

constexpr const char* kAclUsage =
    "usage: vswctl acl group-add GROUP | group-del GROUP | rule-add GROUP KEY=VALUE... | "
    "rule-del GROUP RULE-ID | show [GROUP]";
constexpr const char* kAclHelp =
    R"(  acl group-add GROUP                a security group, with Neutron's egress allow-all
                                     rules (IPv4 and IPv6)
  acl group-del GROUP                (no port may have it)
  acl rule-add GROUP KEY=VALUE...    a rule: direction=ingress|egress (required),
                                     ethertype=ipv4|ipv6, protocol=tcp|udp|icmp|icmpv6|N|any,
                                     port=P[-Q], icmp-type=T [icmp-code=C],
                                     remote=PREFIX | remote-group=GROUP,
                                     action=allow|deny, priority=0-65535 (lower first);
                                     prints its id
  acl rule-del GROUP RULE-ID
  acl show [GROUP]                   groups, their rules and the ports that have them
)";
constexpr const char* kCtUsage =
    "usage: vswctl conntrack show [PORT] | set KEY=VALUE... | flush [PORT]";
constexpr const char* kCtHelp =
    R"(  conntrack show [PORT]              tracked connections (as conntrack -L) and counts
                                     per state, of a port's zone or all
  conntrack set KEY=VALUE...         max=N (connections in all; at the next start once
                                     the table exists), zone-max=N (per port, 0: none)
  conntrack flush [PORT]             forget connections (established ones become invalid)
)";

void print_acl(const CliCall& c, const json& r) {
    if (c.words.size() >= 2 && c.words[1] == "rule-add") {
        std::cout << "rule " << str(r["rule"]) << " added to " << str(r["group"]) << "\n";
        return;
    }
    if (c.words.size() < 2 || c.words[1] != "show") {
        std::cout << "ok\n";
        return;
    }
    for (const auto& g : r["groups"]) {
        std::string ports;
        for (const auto& p : g["ports"]) ports += (ports.empty() ? "" : ",") + str(p);
        std::cout << "group " << str(g["name"]) << " (ports: " << (ports.empty() ? "none" : ports)
                  << ")\n";
        Table t({"ID", "RULE"});
        for (const auto& rule : g["rules"]) t.add({str(rule["id"]), str(rule["rule"])});
        std::cout << t.render() << "\n";
    }
}

std::string endpoint(const json& t) {
    std::string s = "src=" + str(t["src"]) + " dst=" + str(t["dst"]);
    if (t.contains("sport")) s += " sport=" + str(t["sport"]) + " dport=" + str(t["dport"]);
    if (t.contains("type")) s += " type=" + str(t["type"]) + " id=" + str(t["id"]);
    return s;
}

void print_conntrack(const CliCall& c, const json& r) {
    if (c.words.size() < 2 || c.words[1] != "show") {
        std::cout << (r.contains("flushed") ? "flushed " + str(r["flushed"]) + " connection(s)"
                                            : std::string("ok"))
                  << "\n";
        if (r.contains("note")) std::cout << "note: " << str(r["note"]) << "\n";
        return;
    }
    for (const auto& k : r.value("connections", json::array())) {
        std::cout << str(k["protocol"]) << " " << str(k["timeout_s"]) << " " << str(k["state"])
                  << " " << endpoint(k["original"]) << " " << endpoint(k["reply"])
                  << (k["assured"].get<bool>() ? " [ASSURED]" : "") << " port=" << str(k["port"])
                  << " opened=" << str(k["opened"]) << "\n";
    }
    if (r.value("truncated", false)) std::cout << "(listing truncated)\n";
    const json& n = r["counts"];
    std::cout << "connections: " << str(n["connections"]) << " of " << str(r["capacity"])
              << " (max " << str(r["max"]) << ", per port " << str(r["zone-max"]) << ")\n";
    Table t({"PORT", "CONNECTIONS", "TCP", "UDP", "ICMP", "OTHER", "UNREPLIED", "ASSURED"});
    for (const auto& p : r["ports"]) {
        std::string tcp;
        for (const auto& [state, count] : p["tcp"].items())
            tcp += (tcp.empty() ? "" : " ") + state + ":" + str(count);
        t.add({str(p["name"]), str(p["connections"]), tcp.empty() ? "0" : tcp, str(p["udp"]),
               str(p["icmp"]), str(p["other"]), str(p["unreplied"]), str(p["assured"])});
    }
    std::cout << t.render();
}

json acl_request(const CliCall& c) {
    if (c.words.size() < 2) throw UsageError(kAclUsage);
    return {{"cmd", "acl"}, {"args", std::vector<std::string>(c.words.begin() + 1, c.words.end())}};
}

json conntrack_request(const CliCall& c) {
    const auto& w = c.words;
    if (w.size() < 2) throw UsageError(kCtUsage);
    if (w[1] == "show" && w.size() <= 3) {
        json j = {{"cmd", "conntrack-show"}, {"list", true}};
        if (w.size() == 3) j["port"] = w[2];
        return j;
    }
    if (w[1] == "set" && w.size() > 2)
        return {{"cmd", "conntrack-set"}, {"settings", settings_json(parse_settings(w, 2))}};
    if (w[1] == "flush" && w.size() <= 3) {
        json j = {{"cmd", "conntrack-flush"}};
        if (w.size() == 3) j["port"] = w[2];
        return j;
    }
    throw UsageError(kCtUsage);
}

}  // namespace

void add_acl_cli(CliTable& t) {
    t.add({.name = "acl", .usage = kAclHelp, .request = acl_request, .print = print_acl});
    t.add({.name = "conntrack",
           .usage = kCtHelp,
           .request = conntrack_request,
           .print = print_conntrack});
}

}  // namespace vsw::ctl
