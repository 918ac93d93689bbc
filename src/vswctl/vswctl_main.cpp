// vswctl: the command-line client of vswd's control socket.
#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/config/control_client.h"
#include "src/vswctl/capture.h"
#include "src/vswctl/libvirt_xml.h"
#include "src/vswctl/table.h"
#include "src/vswctl/top.h"
#include "src/vswctl/vxlan.h"
#include "vsw_version.h"

namespace po = boost::program_options;
using nlohmann::json;
using vsw::ctl::Table;

namespace {

const char* kUsage = R"(vswctl - control a running vswd

Usage: vswctl [--ctl PATH] [--json] COMMAND [ARGS]

Commands:
  show                               ports, their state, negotiated virtio features, queues
  stats [PORT]                       rx/tx counters, drops by reason, PMD cycles per packet
  top [--interval S] [--iterations N] per-port rates (pps, bit/s, drops/s), refreshed like top
  capture PORT -w FILE [--direction rx|tx|both] [--snaplen BYTES] [--count N] [--seconds S]
          [--filter EXPR]            write the port's frames (those matching the pcap-filter
                                     EXPR) to FILE as pcapng (- = standard output); until the
                                     count or time is reached or Ctrl-C
  add-port NAME --type TYPE [--socket PATH | --devargs ARGS] [--description TEXT] [KEY=VALUE...]
                                     TYPE: vhost-user-client (QEMU listens; default),
                                           vhost-user-server (vswd listens), dpdk;
                                     KEY=VALUE: as for set-port
  del-port NAME                      remove a port
  set-port NAME KEY=VALUE...         admin=up|down, description=TEXT,
                                     vlan-mode=access|trunk|native-tagged|native-untagged,
                                     tag=VLAN|none (access or native VLAN),
                                     trunks=LIST|all (e.g. 10,20-30),
                                     offloads=on|off (checksums and TSO with the guest),
                                     mtu=68..9216 (largest IP packet; default 1500),
                                     forward-bpdu=on|off (switch STP, LACP, LLDP... frames
                                     to 01:80:C2:00:00:0X received here; default off: dropped),
                                     tx-rate=RATE tx-burst=BYTES tx-peak=RATE (guest TX),
                                     rx-rate=RATE rx-burst=BYTES rx-limit=BYTES|MS rx-mode=shape|police
                                     (guest RX); RATE in bit/s: 50M, 1.5G, 800k; none clears
  set KEY=VALUE...                   fdb-aging-time=SECONDS
  mirror add NAME KEY=VALUE...       a mirror session: sources=PORT[,PORT] direction=rx|tx|both
                                     vlans=LIST snaplen=BYTES output=PORT, and for
                                     RSPAN: rspan-vlan=N (output = the uplink);
                                     ERSPAN: erspan=2|3 local-ip=A remote-ip=A session-id=N
                                     [next-hop-mac=M | gateway=A (ARP; default: remote-ip)]
                                     [index=N (II)] [hw-id=N granularity=0-3 (III)]
                                     [ttl=N dscp=N]; without them: SPAN to output
  mirror del NAME                    remove a mirror session
  mirror show                        sessions and their counters
  ipfix set [--collector HOST:PORT]... [--obs-domain N] [--sampling N] [--sampling-mode MODE]
            [--active-timeout S] [--idle-timeout S] [--cache-max N] [--template-interval S] [--mtu N]
                                     IPFIX flow export to every collector (HOST:PORT for UDP,
                                     tcp://HOST:PORT for TCP; --collector
                                     replaces the list; other options change only what they
                                     name). MODE: deterministic (every N-th frame) or random
  ipfix del                          stop exporting (flows in the cache are exported first)
  ipfix show                         settings, flows, records, and per-collector counters
  vxlan map VLAN VNI | unmap VLAN    carry a VLAN in a VXLAN VNI across hosts (persisted; the
                                     VTEP: set-port UPLINK vtep-ip=A/N [vtep-gateway=A])
  vxlan add-vtep VNI IP... | del-vtep VNI [IP...]
                                     remote VTEPs in a VNI's flood list (vsw-evpn does this)
  vxlan add-mac VNI MAC VTEP | del-mac VNI MAC
                                     a MAC behind a remote VTEP (vsw-evpn does this)
  vxlan show                         VTEP, VNIs, flood lists, remote VTEPs, counters, drops
  fdb show                           learned MAC addresses (and remote ones: PORT vxlan)
  fdb flush                          forget all learned MAC addresses
  version                            versions of vswctl and vswd
  libvirt-xml --domain NAME [--mac M] [--vlan N] [--trunks LIST] [--rate R | --rx-rate R --tx-rate R]
              [--mode server|client] [--socket-dir DIR]
                                     the interface, memoryBacking and vsw metadata XML for a
                                     libvirt domain (vsw-libvirt applies it; needs no vswd)

Options)";

[[noreturn]] void fail(const std::string& msg, int code = 1) {
    std::fprintf(stderr, "vswctl: %s\n", msg.c_str());
    std::exit(code);
}

std::string str(const json& j) {
    if (j.is_string()) return j.get<std::string>();
    if (j.is_null()) return "-";
    if (j.is_number_float()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", j.get<double>());
        return buf;
    }
    return j.dump();
}

vsw::Settings parse_settings(const std::vector<std::string>& words, size_t from) {
    vsw::Settings out;
    for (size_t i = from; i < words.size(); ++i) {
        auto eq = words[i].find('=');
        if (eq == std::string::npos || eq == 0)
            fail("expected KEY=VALUE, got '" + words[i] + "'", 2);
        out.emplace_back(words[i].substr(0, eq), words[i].substr(eq + 1));
    }
    if (out.empty()) fail("give at least one KEY=VALUE", 2);
    return out;
}

json settings_json(const vsw::Settings& s) {
    json j = json::object();
    for (const auto& [k, v] : s) j[k] = v;
    return j;
}

void print_show(const json& r) {
    Table t({"PORT", "TYPE", "STATE", "ADMIN", "VLAN", "BANDWIDTH", "PMD", "QUEUES", "OWNER",
             "ENDPOINT", "FEATURES"});
    for (const auto& p : r["ports"]) {
        std::string endpoint =
            p.contains("socket") ? str(p["socket"]) : str(p.value("devargs", json()));
        std::string state = str(p["state"]);
        if (p.contains("error")) state += " (" + str(p["error"]) + ")";
        if (p.contains("span_output_of"))
            state += " (SPAN output of " + str(p["span_output_of"]) + ")";
        const std::string owner =
            p.value("owner", std::string("-"));  // "libvirt:UUID" -> "libvirt"
        // A guest's negotiated features, or the offloads a dpdk port's device carries out.
        const std::string features = p.contains("device_does")
                                         ? "device: " + str(p["device_does"])
                                         : str(p.value("features", json("-")));
        t.add({str(p["name"]), str(p["type"]), state, str(p["admin"]), str(p["vlan"]),
               str(p["qos"]), str(p["worker"]), str(p.value("queues", json(0))),
               owner.substr(0, owner.find(':')), endpoint, features});
    }
    std::cout << t.render();
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

void print_ipfix(const json& r) {
    if (!r.value("enabled", false)) {
        std::cout << "IPFIX export: off\n";
        return;
    }
    std::cout << "IPFIX export:";
    for (const auto& [k, v] : r["config"].items()) std::cout << " " << k << "=" << str(v);
    std::cout << "\n\nflows in cache: " << str(r["active_flows"]) << "/" << str(r["cache_max"])
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

void print_fdb(const json& r) {
    Table t({"VLAN", "MAC", "PORT", "AGE"});
    for (const auto& e : r["entries"]) {
        if (e.contains("remote"))  // behind a remote VTEP: the control plane's, never aged
            t.add({str(e["vlan"]), str(e["mac"]),
                   "vxlan " + str(e["remote"]) + " vni " + str(e["vni"]), "-"});
        else
            t.add({str(e["vlan"]), str(e["mac"]),
                   str(e["port"]) + (e.contains("ip") ? " ip " + str(e["ip"]) : ""),
                   str(e["age"])});
    }
    std::cout << t.render() << r["entries"].size() << " entries (max " << str(r["max"])
              << ", aging " << str(r["aging_time"]) << " s)\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::string ctl = std::getenv("VSW_CTL") ? std::getenv("VSW_CTL") : "/run/vsw/vswd.ctl";
    std::string type = "vhost-user-client", socket, devargs, description, owner;
    vsw::ctl::LibvirtXmlRequest lx;
    std::string lx_vlan, lx_rate, lx_rx_rate, lx_tx_rate, lx_mode = "server";
    bool as_json = false;
    double top_interval = 1;
    unsigned top_iterations = 0;
    std::string capture_file, capture_direction = "both", capture_filter;
    uint64_t capture_count = 0;
    double capture_seconds = 0;
    uint32_t capture_snaplen = vsw::kCaptureMaxSnaplen;
    std::vector<std::string> words;
    std::vector<std::string> collectors;
    // ipfix set: option name -> the setting it sends (values are checked by vswd).
    const std::vector<std::pair<const char*, const char*>> ipfix_opts = {
        {"obs-domain", "observation domain id (0-4294967295)"},
        {"sampling", "meter 1 frame in N (1 = all)"},
        {"sampling-mode", "deterministic or random"},
        {"active-timeout", "seconds: long flows are reported this often"},
        {"idle-timeout", "seconds without frames before a flow ends"},
        {"cache-max", "flows held at once (all PMDs together)"},
        {"template-interval", "seconds between template re-sends"},
        {"mtu", "path MTU to the collectors (bytes)"}};
    std::map<std::string, std::string> ipfix_values;
    po::options_description desc(kUsage);
    desc.add_options()("help,h", "show this help")(
        "version", "print vswctl's version (the version command also asks vswd)")(
        "ctl", po::value(&ctl), "vswd control socket (default $VSW_CTL or /run/vsw/vswd.ctl)")(
        "json", po::bool_switch(&as_json), "print the daemon's JSON answer")(
        "interval", po::value(&top_interval), "top: seconds between screens (default 1)")(
        "iterations", po::value(&top_iterations),
        "top: screens to show, then exit (default: until Ctrl-C)")(
        "write,w", po::value(&capture_file),
        "capture: the pcapng file to write (- = standard output)")(
        "direction", po::value(&capture_direction),
        "capture: rx (from the port), tx (to it) or both (default)")(
        "snaplen", po::value(&capture_snaplen),
        "capture: bytes kept of each frame (64-65535, default 65535)")(
        "count", po::value(&capture_count), "capture: stop after N frames (default: no limit)")(
        "filter,f", po::value(&capture_filter),
        "capture: only frames matching a pcap-filter(7) expression")(
        "seconds", po::value(&capture_seconds),
        "capture: stop after S seconds (default: no limit)")(
        "type", po::value(&type), "add-port: port type")("socket", po::value(&socket),
                                                         "add-port: vhost-user socket path")(
        "devargs", po::value(&devargs), "add-port: DPDK devargs for --type dpdk")(
        "description", po::value(&description), "add-port: free text")(
        "owner", po::value(&owner),
        "add-port: who manages the port (vsw-libvirt sets libvirt:UUID)")(
        "domain", po::value(&lx.domain), "libvirt-xml: domain name")(
        "mac", po::value(&lx.mac),
        "libvirt-xml: the interface's MAC (default: random 52:54:00:xx:xx:xx)")(
        "vlan", po::value(&lx_vlan), "libvirt-xml: access VLAN (native VLAN with --trunks)")(
        "trunks", po::value(&lx.trunks), "libvirt-xml: VLANs of a trunk, e.g. 10,20-30")(
        "rate", po::value(&lx_rate), "libvirt-xml: bandwidth both ways, bit/s (100M)")(
        "rx-rate", po::value(&lx_rx_rate), "libvirt-xml: bandwidth towards the guest")(
        "tx-rate", po::value(&lx_tx_rate), "libvirt-xml: bandwidth from the guest")(
        "mode", po::value(&lx_mode), "libvirt-xml: server (QEMU listens; default) or client")(
        "socket-dir", po::value(&lx.socket_dir)->default_value(lx.socket_dir),
        "libvirt-xml: vswd's --socket-dir")("collector", po::value(&collectors)->composing(),
                                            "ipfix set: HOST:PORT (repeat for several)");
    for (const auto& [name, help] : ipfix_opts)
        desc.add_options()(name, po::value(&ipfix_values[name]),
                           (std::string("ipfix set: ") + help).c_str());
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
    const std::string cmd = words[0];
    auto expect_args = [&](size_t lo, size_t hi) {
        if (words.size() - 1 < lo || words.size() - 1 > hi)
            fail("wrong number of arguments for '" + cmd + "' (see vswctl --help)", 2);
    };
    const bool add_opts = vm.count("type") || vm.count("socket") || vm.count("devargs") ||
                          vm.count("description") || vm.count("owner");
    if (add_opts && cmd != "add-port")
        fail("--type, --socket, --devargs, --description and --owner go with add-port", 2);
    const bool lx_opts = vm.count("domain") || vm.count("mac") || vm.count("vlan") ||
                         vm.count("trunks") || vm.count("rate") || vm.count("rx-rate") ||
                         vm.count("tx-rate") || vm.count("mode") || !vm["socket-dir"].defaulted();
    if (lx_opts && cmd != "libvirt-xml")
        fail("--domain, --mac, --vlan, ... go with libvirt-xml", 2);
    json ipfix_settings = json::object();
    if (!collectors.empty()) {
        std::string list;
        for (const auto& c : collectors) list += (list.empty() ? "" : ",") + c;
        ipfix_settings["collectors"] = list;
    }
    for (const auto& [name, help] : ipfix_opts)
        if (vm.count(name)) ipfix_settings[name] = ipfix_values[name];
    const bool ipfix_set = cmd == "ipfix" && words.size() >= 2 && words[1] == "set";
    if (!ipfix_settings.empty() && !ipfix_set)
        fail("--collector, --obs-domain, --sampling, ... go with ipfix set", 2);
    if (cmd == "libvirt-xml") {
        expect_args(0, 0);
        auto rate = [](const std::string& opt, const std::string& v) -> uint64_t {
            if (v.empty()) return 0;
            auto r = vsw::parse_rate(v);
            if (!r) fail("--" + opt + " must be a rate in bit/s such as 100M, not '" + v + "'", 2);
            return *r;
        };
        if (!lx_vlan.empty()) {
            auto v = vsw::parse_uint(lx_vlan, 1, 4094);
            if (!v) fail("--vlan must be 1 to 4094", 2);
            lx.vlan = static_cast<uint16_t>(*v);
        }
        if (!lx_rate.empty() && (!lx_rx_rate.empty() || !lx_tx_rate.empty()))
            fail("give --rate, or --rx-rate and --tx-rate", 2);
        lx.rx_rate = rate("rx-rate", lx_rx_rate.empty() ? lx_rate : lx_rx_rate);
        lx.tx_rate = rate("tx-rate", lx_tx_rate.empty() ? lx_rate : lx_tx_rate);
        if (lx_mode != "server" && lx_mode != "client") fail("--mode must be server or client", 2);
        lx.qemu_is_server = lx_mode == "server";
        std::string error;
        std::string xml = vsw::ctl::libvirt_xml(lx, error);
        if (xml.empty()) fail(error, 2);
        std::cout << xml;
        return 0;
    }

    if ((vm.count("interval") || vm.count("iterations")) && cmd != "top")
        fail("--interval and --iterations go with top", 2);
    if (cmd == "top") {
        expect_args(0, 0);
        if (!(top_interval >= 0.1 && top_interval <= 3600))
            fail("--interval must be 0.1 to 3600 seconds", 2);
        try {
            return vsw::ctl::run_top(ctl, top_interval, top_iterations);
        } catch (const std::exception& e) {
            fail(e.what());
        }
    }

    const bool capture_opts = vm.count("write") || vm.count("direction") || vm.count("snaplen") ||
                              vm.count("count") || vm.count("seconds") || vm.count("filter");
    if (capture_opts && cmd != "capture")
        fail("-w, --direction, --snaplen, --count, --seconds and --filter go with capture", 2);
    if (cmd == "capture") {
        expect_args(1, 1);
        if (capture_file.empty()) fail("capture needs -w FILE (or -w - for standard output)", 2);
        // Checked by vswd too; here so that a bad option creates no file.
        json creq = {{"port", words[1]},           {"direction", capture_direction},
                     {"snaplen", capture_snaplen}, {"count", capture_count},
                     {"seconds", capture_seconds}, {"filter", capture_filter}};
        vsw::CaptureRequest request;
        if (auto e = vsw::capture_request_from_json(creq, request); !e.empty()) fail(e, 2);
        try {
            return vsw::ctl::run_capture(ctl, request, capture_file);
        } catch (const std::exception& e) {
            fail(e.what());
        }
    }

    json req;
    if (cmd == "version") {
        expect_args(0, 0);
        req = {{"cmd", "version"}};
    } else if (cmd == "show") {
        expect_args(0, 0);
        req = {{"cmd", "show"}};
    } else if (cmd == "stats") {
        expect_args(0, 1);
        req = {{"cmd", "stats"}};
        if (words.size() == 2) req["port"] = words[1];
    } else if (cmd == "add-port") {
        if (words.size() < 2) fail("usage: vswctl add-port NAME --type TYPE ... [KEY=VALUE...]", 2);
        req = {{"cmd", "add-port"}, {"name", words[1]}, {"type", type}};
        if (words.size() > 2) req["settings"] = settings_json(parse_settings(words, 2));
        if (!socket.empty()) req["socket"] = socket;
        if (!devargs.empty()) req["devargs"] = devargs;
        if (!description.empty()) req["description"] = description;
        if (!owner.empty()) req["owner"] = owner;
    } else if (cmd == "del-port") {
        expect_args(1, 1);
        req = {{"cmd", "del-port"}, {"name", words[1]}};
    } else if (cmd == "set-port") {
        if (words.size() < 3) fail("usage: vswctl set-port NAME KEY=VALUE...", 2);
        req = {{"cmd", "set-port"},
               {"name", words[1]},
               {"settings", settings_json(parse_settings(words, 2))}};
    } else if (cmd == "set") {
        req = {{"cmd", "set"}, {"settings", settings_json(parse_settings(words, 1))}};
    } else if (cmd == "mirror") {
        if (words.size() < 2) fail("usage: vswctl mirror add|del|show ...", 2);
        if (words[1] == "add") {
            if (words.size() < 4) fail("usage: vswctl mirror add NAME KEY=VALUE...", 2);
            req = {{"cmd", "mirror-add"},
                   {"name", words[2]},
                   {"settings", settings_json(parse_settings(words, 3))}};
        } else if (words[1] == "del") {
            if (words.size() != 3) fail("usage: vswctl mirror del NAME", 2);
            req = {{"cmd", "mirror-del"}, {"name", words[2]}};
        } else if (words[1] == "show") {
            if (words.size() != 2) fail("usage: vswctl mirror show", 2);
            req = {{"cmd", "mirror-show"}};
        } else {
            fail("usage: vswctl mirror add|del|show ...", 2);
        }
    } else if (cmd == "ipfix") {
        const char* usage =
            "usage: vswctl ipfix set [--collector HOST:PORT]... [--obs-domain N] ... | del | show";
        if (words.size() < 2) fail(usage, 2);
        if (ipfix_set) {
            if (words.size() > 2)  // KEY=VALUE works too
                for (const auto& [k, v] : parse_settings(words, 2)) ipfix_settings[k] = v;
            if (ipfix_settings.empty())
                fail("ipfix set: give at least one option (see vswctl --help)", 2);
            req = {{"cmd", "ipfix-set"}, {"settings", ipfix_settings}};
        } else if (words[1] == "del" && words.size() == 2) {
            req = {{"cmd", "ipfix-del"}};
        } else if (words[1] == "show" && words.size() == 2) {
            req = {{"cmd", "ipfix-show"}};
        } else {
            fail(usage, 2);
        }
    } else if (cmd == "vxlan") {
        try {
            req = vsw::ctl::vxlan_request(words);
        } catch (const std::invalid_argument& e) {
            fail(e.what(), 2);
        }
    } else if (cmd == "fdb") {
        expect_args(1, 1);
        if (words[1] == "show") req = {{"cmd", "fdb-show"}};
        else if (words[1] == "flush") req = {{"cmd", "fdb-flush"}};
        else fail("usage: vswctl fdb show|flush", 2);
    } else {
        fail("unknown command '" + cmd + "' (see vswctl --help)", 2);
    }

    json resp;
    try {
        resp = json::parse(vsw::control_call(ctl, req.dump()));
    } catch (const json::exception&) {
        fail("vswd sent a malformed answer");
    } catch (const std::exception& e) {
        fail(e.what());
    }
    if (!resp.value("ok", false)) fail(resp.value("error", std::string("request failed")));
    const json& r = resp["result"];
    if (as_json) {
        std::cout << r.dump(2) << "\n";
        return 0;
    }
    if (cmd == "version")
        std::cout << "vswctl " VSW_VERSION "\nvswd   " << str(r["version"]) << "\n";
    else if (cmd == "show") print_show(r);
    else if (cmd == "stats") print_stats(r);
    else if (cmd == "fdb" && words[1] == "show") print_fdb(r);
    else if (cmd == "mirror" && words[1] == "show") print_mirrors(r);
    else if (cmd == "ipfix" && words[1] == "show") print_ipfix(r);
    else if (cmd == "vxlan" && words[1] == "show") std::cout << vsw::ctl::format_vxlan(r);
    else if (cmd == "fdb") std::cout << "flushed " << str(r["flushed"]) << " entries\n";
    else std::cout << "ok\n";
    return 0;
}
