// vswctl's switch commands: the views (show, stats), ports, switch settings, the FDB, version.
#include <iostream>

#include "src/vswctl/cli.h"
#include "src/vswctl/table.h"
#include "vsw_version.h"

namespace vsw::ctl {

using nlohmann::json;

namespace {

// A port's isolation settings in a few words: "locked" (port-security=on, "trusted" too),
// "mac-limit 8", "flood 1000/s"; "-" when it has none (port-security show has the detail).
std::string security_summary(const json& p) {
    std::string out;
    const auto add = [&out](const std::string& s) { out += (out.empty() ? "" : ",") + s; };
    if (p.value("port-security", "off") == "on")
        add(p.value("trusted", "off") == "on" ? "locked trusted" : "locked");
    if (p.contains("mac-limit")) add("mac-limit " + str(p["mac-limit"]));
    if (p.contains("flood-rate")) add("flood " + str(p["flood-rate"]) + "/s");
    return out.empty() ? "-" : out;
}

void print_show(const json& r) {
    Table t({"PORT", "TYPE", "STATE", "ADMIN", "VLAN", "BANDWIDTH", "SECURITY", "PMD", "QUEUES",
             "OWNER", "ENDPOINT", "FEATURES"});
    for (const auto& p : r["ports"]) {
        std::string endpoint =
            p.contains("socket") ? str(p["socket"]) : str(p.value("devargs", json()));
        if (p.contains("members")) endpoint = "members " + str(p["members"]);
        std::string state = str(p["state"]);
        if (p.contains("error")) state += " (" + str(p["error"]) + ")";
        if (p.contains("bond_status")) state += " (" + str(p["bond_status"]) + ")";
        if (p.contains("bond")) state += " (in " + str(p["bond"]) + ")";
        if (p.contains("span_output_of"))
            state += " (SPAN output of " + str(p["span_output_of"]) + ")";
        const std::string owner =
            p.value("owner", std::string("-"));  // "libvirt:UUID" -> "libvirt"
        // A guest's negotiated features, or the offloads a dpdk port's device carries out.
        const std::string features = p.contains("device_does")
                                         ? "device: " + str(p["device_does"])
                                         : str(p.value("features", json("-")));
        t.add({str(p["name"]), str(p["type"]), state, str(p["admin"]), str(p["vlan"]),
               str(p["qos"]), security_summary(p), str(p["worker"]),
               str(p.value("queues", json(0))), owner.substr(0, owner.find(':')), endpoint,
               features});
    }
    std::cout << t.render();
    // Why a port is down, when whoever took it down said so (vsw-libvirt: "nwfilter: ...").
    std::string down;
    for (const auto& p : r["ports"])
        if (str(p["admin"]) == "down" && !p.value("description", std::string()).empty())
            down += "  " + str(p["name"]) + ": " + str(p["description"]) + "\n";
    if (!down.empty()) std::cout << "\nAdmin down:\n" << down;
    // How each guest's frames come in, when one copy is on anywhere (else all use rte_vhost).
    std::string tx;
    bool any_one_copy = false;
    for (const auto& p : r["ports"]) {
        if (!p.contains("tx_path")) continue;
        const json& x = p["tx_path"];
        any_one_copy |= str(x["one_copy"]) == "on";
        tx += "  " + str(p["name"]) + ": " +
              (str(x["path"]) == "one-copy"
                   ? "one copy (" + str(x["frames"]) + " frames, " + str(x["referenced"]) +
                         " with the payload referenced, " + str(x["refused"]) + " refused)"
                   : "rte_vhost (" + str(x.value("why", json(""))) + ")") +
              "\n";
    }
    if (any_one_copy) std::cout << "\nGuest TX:\n" << tx;
    const auto& pool = r["mbuf_pool"];
    std::cout << "\nFDB: " << str(r["fdb"]["entries"]) << "/" << str(r["fdb"]["max"])
              << " entries, aging " << str(r["settings"]["fdb-aging-time"])
              << " s;  PMDs: " << str(r["pmds"]) << ";  mbufs in use: "
              << (pool.is_null() ? "-" : str(pool["in_use"]) + "/" + str(pool["size"]))
              << ";  sockets: " << str(r.value("socket_dir", json())) << "\n";
    for (const auto& c : r.value("captures", json::array()))
        std::cout << "Capturing " << str(c["port"]) << " (" << str(c["direction"]) << ", snaplen "
                  << str(c["snaplen"]) << "): " << str(c["frames"]) << " frames, "
                  << str(c["dropped"]) << " lost\n";
}

void print_stats(const json& r) {
    Table t({"PORT", "RX_PKTS", "RX_BYTES", "TX_PKTS", "TX_BYTES", "FLOODED", "DROPS"});
    std::vector<std::string> drop_lines;
    for (const auto& p : r["ports"]) {
        t.add({str(p["name"]), str(p["rx_packets"]), str(p["rx_bytes"]), str(p["tx_packets"]),
               str(p["tx_bytes"]), str(p["flooded"]), str(p["drops_total"])});
        std::string reasons;
        for (const auto& [reason, n] : p["drops"].items())
            if (n.get<uint64_t>()) reasons += " " + reason + "=" + str(n);
        if (p["learn_full"].get<uint64_t>())
            reasons += " (learn_full=" + str(p["learn_full"]) + ")";
        if (!reasons.empty()) drop_lines.push_back("  " + str(p["name"]) + ":" + reasons);
    }
    std::cout << t.render();
    std::vector<std::string> shaping;
    for (const auto& p : r["ports"]) {
        if (p.contains("tx_shaping"))
            shaping.push_back("  " + str(p["name"]) + " guest-TX: tokens " +
                              str(p["tx_shaping"]["tokens"]) + " B, throttled rounds " +
                              str(p["tx_shaping"]["throttled_rounds"]));
        if (p.contains("rx_shaping"))
            shaping.push_back("  " + str(p["name"]) + " guest-RX (" + str(p["rx_shaping"]["mode"]) +
                              "): tokens " + str(p["rx_shaping"]["tokens"]) + " B, queue " +
                              str(p["rx_shaping"]["queue_packets"]) + " frames / " +
                              str(p["rx_shaping"]["queue_bytes"]) + " B of " +
                              str(p["rx_shaping"]["limit_bytes"]) + ", queued " +
                              str(p["rx_shaping"]["queued_packets"]));
    }
    if (!shaping.empty()) {
        std::cout << "\nShaping:\n";
        for (const auto& l : shaping) std::cout << l << "\n";
    }
    // Backpressure: frames that waited for a guest's full RX ring, rounds a sender was held.
    std::vector<std::string> waits;
    for (const auto& p : r["ports"]) {
        const auto waited = p.value("tx_waited", uint64_t{0}),
                   held = p.value("rx_held", uint64_t{0});
        if (waited || held)
            waits.push_back("  " + str(p["name"]) + ": waited for its guest " +
                            std::to_string(waited) + " frames, held back " + std::to_string(held) +
                            " rounds");
    }
    if (!waits.empty()) {
        std::cout << "\nBackpressure:\n";
        for (const auto& l : waits) std::cout << l << "\n";
    }
    if (!drop_lines.empty()) {
        std::cout << "\nDrops by reason:\n";
        for (const auto& l : drop_lines) std::cout << l << "\n";
    }
    Table pmd({"PMD", "LCORE", "RX_PKTS", "BUSY%", "CYCLES/PKT", "SLEEPS"});
    for (const auto& p : r["pmds"])
        pmd.add({str(p["id"]), str(p["lcore"]), str(p["rx_packets"]), str(p["busy_pct"]),
                 str(p["cycles_per_packet"]), str(p["sleeps"])});
    std::cout << "\n" << pmd.render();
    const auto& pool = r["mbuf_pool"];
    std::string floods;
    for (const auto& [vlan, n] : r["vlan_floods"].items()) floods += " " + vlan + ":" + str(n);
    if (!floods.empty()) std::cout << "\nFloods per VLAN (vlan:frames):" << floods << "\n";
    std::cout << "\nmbufs in use: " << str(pool["in_use"]) << "/" << str(pool["size"])
              << ";  FDB entries: " << str(r["fdb"]["entries"])
              << " (aged out: " << str(r["fdb"]["aged"]) << ")\n";
}

void print_fdb(const json& r) {
    Table t({"VLAN", "MAC", "PORT", "AGE"});
    for (const auto& e : r["entries"]) {
        if (e.contains("remote"))  // behind a remote VTEP: the control plane's, never aged
            t.add({str(e["vlan"]), str(e["mac"]),
                   "vxlan " + str(e["remote"]) + " vni " + str(e["vni"]), "-"});
        else
            t.add({str(e["vlan"]), str(e["mac"]),
                   str(e["port"]) + (e.contains("ip") ? " ip " + str(e["ip"]) : ""),
                   e.contains("pinned") ? "pinned" : str(e["age"])});
    }
    std::cout << t.render() << r["entries"].size() << " entries (max " << str(r["max"])
              << ", aging " << str(r["aging_time"]) << " s)\n";
}

json add_port_request(const CliCall& c) {
    if (c.words.size() < 2)
        throw UsageError("usage: vswctl add-port NAME --type TYPE ... [KEY=VALUE...]");
    json req = {{"cmd", "add-port"},
                {"name", c.words[1]},
                {"type", c.option<std::string>("type", "vhost-user-client")}};
    if (c.words.size() > 2) req["settings"] = settings_json(parse_settings(c.words, 2));
    for (const char* field : {"socket", "devargs", "description", "owner"})
        if (const auto v = c.option<std::string>(field); !v.empty()) req[field] = v;
    return req;
}

}  // namespace

void add_switch_cli(CliTable& t) {
    t.add(
        {.name = "show",
         .usage =
             R"(  show                               ports, their state, negotiated virtio features, queues
)",
         .request =
             [](const CliCall& c) {
                 return c.expect_args(0, 0), json{{"cmd", "show"}};
             },
         .print = [](const CliCall&, const json& r) { print_show(r); }});
    t.add(
        {.name = "stats",
         .usage =
             R"(  stats [PORT]                       rx/tx counters, drops by reason, PMD cycles per packet
)",
         .request =
             [](const CliCall& c) {
                 c.expect_args(0, 1);
                 json req = {{"cmd", "stats"}};
                 if (c.words.size() == 2) req["port"] = c.words[1];
                 return req;
             },
         .print = [](const CliCall&, const json& r) { print_stats(r); }});
    t.add(
        {.name = "add-port",
         .usage =
             R"(  add-port NAME --type TYPE [--socket PATH | --devargs ARGS] [--description TEXT] [KEY=VALUE...]
                                     TYPE: vhost-user-client (QEMU listens; default),
                                           vhost-user-server (vswd listens), dpdk,
                                           bond (members=P1,P2 bond-mode=active-backup|
                                           balance-slb|balance-tcp lacp=off|active|passive
                                           lacp-time=slow|fast lacp-fallback=off|on);
                                     KEY=VALUE: as for set-port
)",
         .options = {"type", "socket", "devargs", "description", "owner"},
         .declare =
             [](po::options_description& d) {
                 d.add_options()("type", po::value<std::string>(), "add-port: port type")(
                     "socket", po::value<std::string>(), "add-port: vhost-user socket path")(
                     "devargs", po::value<std::string>(), "add-port: DPDK devargs for --type dpdk")(
                     "description", po::value<std::string>(), "add-port: free text")(
                     "owner", po::value<std::string>(),
                     "add-port: who manages the port (vsw-libvirt sets libvirt:UUID)");
             },
         .request = add_port_request});
    t.add({.name = "del-port",
           .usage = R"(  del-port NAME                      remove a port
)",
           .request = [](const CliCall& c) {
               c.expect_args(1, 1);
               return json{{"cmd", "del-port"}, {"name", c.words[1]}};
           }});
    t.add({.name = "set-port",
           .usage = R"(  set-port NAME KEY=VALUE...         admin=up|down, description=TEXT,
                                     vlan-mode=access|trunk|native-tagged|native-untagged,
                                     tag=VLAN|none (access or native VLAN),
                                     trunks=LIST|all (e.g. 10,20-30),
                                     offloads=on|off (checksums and TSO with the guest),
                                     one-copy=on|off (vsw drives the guest's TX ring: one
                                     copy guest to guest; default off; from its next start),
                                     mtu=68..9216 (largest IP packet; default 1500),
                                     forward-bpdu=on|off (switch STP, LACP, LLDP... frames
                                     to 01:80:C2:00:00:0X received here; default off: dropped),
                                     tx-rate=RATE tx-burst=BYTES tx-peak=RATE (guest TX),
                                     rx-rate=RATE rx-burst=BYTES rx-limit=BYTES|MS rx-mode=shape|police
                                     (guest RX); RATE in bit/s: 50M, 1.5G, 800k; none clears
)",
           .request = [](const CliCall& c) {
               if (c.words.size() < 3) throw UsageError("usage: vswctl set-port NAME KEY=VALUE...");
               return json{{"cmd", "set-port"},
                           {"name", c.words[1]},
                           {"settings", settings_json(parse_settings(c.words, 2))}};
           }});
    t.add({.name = "set",
           .usage = R"(  set KEY=VALUE...                   fdb-aging-time=SECONDS
)",
           .request = [](const CliCall& c) {
               return json{{"cmd", "set"}, {"settings", settings_json(parse_settings(c.words, 1))}};
           }});
    t.add(
        {.name = "fdb",
         .usage =
             R"(  fdb show                           learned MAC addresses (remote ones: PORT vxlan; a
                                     port-security guest's: AGE pinned)
  fdb flush                          forget all learned MAC addresses
)",
         .request =
             [](const CliCall& c) {
                 c.expect_args(1, 1);
                 if (c.words[1] == "show") return json{{"cmd", "fdb-show"}};
                 if (c.words[1] == "flush") return json{{"cmd", "fdb-flush"}};
                 throw UsageError("usage: vswctl fdb show|flush");
             },
         .print =
             [](const CliCall& c, const json& r) {
                 if (c.words[1] == "show") print_fdb(r);
                 else std::cout << "flushed " << str(r["flushed"]) << " entries\n";
             }});
    t.add({.name = "version",
           .usage = R"(  version                            versions of vswctl and vswd
)",
           .request =
               [](const CliCall& c) {
                   return c.expect_args(0, 0), json{{"cmd", "version"}};
               },
           .print =
               [](const CliCall&, const json& r) {
                   std::cout << "vswctl " VSW_VERSION "\nvswd   " << str(r["version"]) << "\n";
               }});
}

}  // namespace vsw::ctl
