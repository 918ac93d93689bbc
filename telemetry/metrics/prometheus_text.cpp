#include "telemetry/metrics/prometheus_text.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "core/json_access.h"
#include "telemetry/port_counters.h"

namespace vsw {
namespace {

using nlohmann::json;
using Labels = std::vector<std::pair<std::string, std::string>>;

// Metric families in the order first seen, each with its HELP, TYPE and samples.
class Exposition {
  public:
    void add(const std::string& name, const char* type, const char* help, const Labels& labels,
             const json& value) {
        if (!value.is_number() && !value.is_boolean()) return;
        auto [it, fresh] = index_.try_emplace(name, families_.size());
        if (fresh) families_.push_back({name, type, help, {}});
        std::string line = name;
        if (!labels.empty()) {
            line += '{';
            for (size_t i = 0; i < labels.size(); ++i)
                line += (i ? "," : "") + labels[i].first + "=\"" +
                        prometheus_escape(labels[i].second) + '"';
            line += '}';
        }
        families_[it->second].samples.push_back(line + ' ' + number(value));
    }

    std::string text() const {
        std::string out;
        for (const Family& f : families_) {
            out += "# HELP " + f.name + ' ' + f.help + "\n# TYPE " + f.name + ' ' + f.type + '\n';
            for (const std::string& s : f.samples) out += s + '\n';
        }
        return out;
    }

  private:
    struct Family {
        std::string name, type, help;
        std::vector<std::string> samples;
    };

    static std::string number(const json& v) {
        if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
        if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
        if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
        const double d = v.get<double>();
        if (std::isnan(d)) return "NaN";
        if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", d);
        return buf;
    }

    std::vector<Family> families_;
    std::map<std::string, size_t> index_;
};

// One sample per field of a view's object: `key` in the JSON becomes metric `name`.
struct Field {
    const char* key;
    const char* name;
    const char* type;
    const char* help;
};

template <size_t N>
void add_fields(Exposition& e, const json& object, const Labels& labels, const Field (&fields)[N]) {
    for (const Field& f : fields) e.add(f.name, f.type, f.help, labels, json_field(object, f.key));
}

// The states `vswctl show` reports for a port.
constexpr const char* kPortStates[] = {"up",        "negotiated", "connecting",
                                       "listening", "down",       "error"};

void ports(Exposition& e, const json& views) {
    static const Field kCounters[] = {
#define VSW_X(field, help) {#field, "vsw_port_" #field "_total", "counter", help},
        VSW_PORT_TRAFFIC_COUNTERS(VSW_X)
#undef VSW_X
    };
    static const Field kVhost[] = {
        {"sessions", "vsw_port_vhost_sessions_total", "counter",
         "vhost-user connections to the port."},
        {"connects", "vsw_port_vhost_connects_total", "counter",
         "Guest devices that became ready on the port."},
        {"disconnects", "vsw_port_vhost_disconnects_total", "counter",
         "Guest devices that went away."},
        {"refused_messages", "vsw_port_vhost_refused_messages_total", "counter",
         "vhost-user memory tables refused (regions beyond their file, unsealed memfds)."},
        {"memory_faults", "vsw_port_vhost_memory_faults_total", "counter",
         "Guest memory that vanished under vswd (a memory file shrunk); the guest was "
         "disconnected."},
    };
    for (const json& p : json_list(json_field(views, "stats"), "ports")) {
        const Labels port = {{"port", p.value("name", "")}};
        add_fields(e, p, port, kCounters);
        if (const json& drops = json_field(p, "drops"); drops.is_object())
            for (const auto& [reason, n] : drops.items())
                e.add("vsw_port_drops_total", "counter",
                      "Frames dropped, by reason (vswctl stats explains each).",
                      {{"port", p.value("name", "")}, {"reason", reason}}, n);
        const json& tx = json_field(p, "tx_shaping");
        e.add("vsw_port_tx_rate_bits", "gauge", "Configured guest-TX rate in bit/s.", port,
              json_field(tx, "rate"));
        e.add("vsw_port_tx_throttled_rounds_total", "counter",
              "PMD rounds in which guest TX waited for tokens.", port,
              json_field(tx, "throttled_rounds"));
        const json& rx = json_field(p, "rx_shaping");
        e.add("vsw_port_rx_rate_bits", "gauge", "Configured guest-RX rate in bit/s.", port,
              json_field(rx, "rate"));
        e.add("vsw_port_rx_queue_packets", "gauge", "Frames waiting in the guest-RX shaping queue.",
              port, json_field(rx, "queue_packets"));
        e.add("vsw_port_rx_queue_bytes", "gauge", "Bytes waiting in the guest-RX shaping queue.",
              port, json_field(rx, "queue_bytes"));
        e.add("vsw_port_rx_queued_packets_total", "counter",
              "Frames that went through the guest-RX shaping queue.", port,
              json_field(rx, "queued_packets"));
    }
    for (const json& p : json_list(json_field(views, "show"), "ports")) {
        const Labels port = {{"port", p.value("name", "")}, {"type", p.value("type", "")}};
        e.add("vsw_port_up", "gauge", "1 if the port is up (connected, running, admin up).", port,
              json(p.value("state", "") == "up"));
        // One series per state, 1 for the port's current one (as vswctl show words it).
        const std::string state = p.value("state", "");
        for (const char* s : kPortStates) {
            Labels with_state = port;
            with_state.emplace_back("state", s);
            e.add("vsw_port_state", "gauge",
                  "1 for the port's state: up, negotiated (connected, the guest's driver has not "
                  "started the "
                  "device), connecting, listening, down or error.",
                  with_state, json(state == s));
        }
        add_fields(e, p, port, kVhost);
    }
}

// Isolation per port (the port-security view): violations, what it learned, the last refusal.
// The violations by reason are vsw_port_drops_total's isolation reasons.
void port_security(Exposition& e, const json& views) {
    for (const json& p : json_list(json_field(views, "port_security"), "ports")) {
        const Labels port = {{"port", p.value("name", "")}};
        e.add("vsw_port_security_violations_total", "counter",
              "Frames the port refused for isolation (port security, MAC limit and pins, storm "
              "control); by reason in vsw_port_drops_total.",
              port, json_field(p, "violations_total"));
        e.add("vsw_port_security_learned_macs", "gauge",
              "MACs a port with a mac-limit has learned.", port, json_field(p, "learned_macs"));
        if (const json& ips = json_field(p, "learned-ips"); ips.is_array())
            e.add("vsw_port_security_learned_ips", "gauge",
                  "IPv4 addresses DHCP gave the port's guest (allowed-ips=dhcp).", port,
                  json(ips.size()));
        e.add("vsw_port_security_last_violation_age_seconds", "gauge",
              "Seconds since the port last refused a frame for isolation.", port,
              json_field(json_field(p, "last_violation"), "seconds_ago"));
    }
}

// Bonds (the bonds view): how many members distribute, and per member its carrier, whether it
// distributes and its LACPDUs.
void bonds(Exposition& e, const json& views) {
    for (const json& b : json_list(json_field(views, "bonds"), "bonds")) {
        const std::string bond = b.value("name", "");
        unsigned distributing = 0;
        for (const json& m : json_list(b, "members")) {
            const Labels member = {{"bond", bond}, {"member", m.value("name", "")}};
            distributing += m.value("distributing", false);
            e.add("vsw_bond_member_distributing", "gauge",
                  "1 while the bond member takes part (collecting and distributing).", member,
                  json(m.value("distributing", false) ? 1 : 0));
            e.add("vsw_bond_member_carrier", "gauge", "1 while the bond member's link is up.",
                  member, json(m.value("carrier", false) ? 1 : 0));
            for (const char* dir : {"rx", "tx"}) {
                Labels l = member;
                l.emplace_back("direction", dir);
                const std::string key = std::string("pdus_") + dir;
                e.add("vsw_bond_member_lacpdus_total", "counter",
                      "LACPDUs the bond member received and sent.", l, json_field(m, key.c_str()));
            }
            e.add("vsw_bond_member_lacpdus_malformed_total", "counter",
                  "Slow protocols frames the bond member refused as LACPDUs.", member,
                  json_field(m, "malformed_rx"));
        }
        e.add("vsw_bond_members_distributing", "gauge",
              "Members of the bond that take part now (0: the bond is down).", {{"bond", bond}},
              json(distributing));
    }
}

// CFM MEPs (the cfm view): fault, health, remote MEPs heard, CCMs.
void cfm(Exposition& e, const json& views) {
    for (const json& m : json_list(json_field(views, "cfm"), "meps")) {
        const Labels port = {{"port", m.value("port", "")}};
        e.add("vsw_cfm_fault", "gauge", "1 while the port's CFM MEP has a fault.", port,
              json(m.value("fault", false) ? 1 : 0));
        const int health = m.value("health", -1);
        if (health >= 0)
            e.add("vsw_cfm_health_percent", "gauge",
                  "CCMs received over those expected from the one remote MEP (OVS's cfm_health).",
                  port, json(health));
        unsigned live = 0;
        for (const json& r : json_list(m, "remote_meps")) live += !r.value("lost", false);
        e.add("vsw_cfm_remote_meps", "gauge", "Remote MEPs the port's MEP hears now.", port,
              json(live));
        for (const char* dir : {"tx", "rx"}) {
            Labels l = port;
            l.emplace_back("direction", dir);
            const std::string key = std::string("ccms_") + dir;
            e.add("vsw_cfm_ccms_total", "counter", "CCMs the port's MEP sent and received.", l,
                  json_field(m, key.c_str()));
        }
    }
}

// Connection tracking (the conntrack view): the table's use and bounds, per port and per TCP
// state. Its drops are vsw_port_drops_total's acl_deny, ct_invalid and ct_full.
void conntrack(Exposition& e, const json& views) {
    const json& ct = json_field(views, "conntrack");
    if (!ct.is_object()) return;
    e.add("vsw_conntrack_capacity", "gauge",
          "Connections the table holds at most (0: no port has security groups yet).", {},
          json_field(ct, "capacity"));
    e.add("vsw_conntrack_zone_max", "gauge", "Connections one port may have (0: no limit).", {},
          json_field(ct, "zone-max"));
    e.add("vsw_conntrack_memory_bytes", "gauge", "Memory the connection table holds.", {},
          json_field(ct, "memory_bytes"));
    const json& counts = json_field(ct, "counts");
    e.add("vsw_conntrack_connections", "gauge", "Tracked connections, all ports.", {},
          json_field(counts, "connections"));
    if (const json& tcp = json_field(counts, "tcp"); tcp.is_object())
        for (const auto& [state, n] : tcp.items())
            e.add("vsw_conntrack_tcp_connections", "gauge", "Tracked TCP connections by state.",
                  {{"state", state}}, n);
    for (const char* proto : {"udp", "icmp", "other"})
        e.add("vsw_conntrack_protocol_connections", "gauge",
              "Tracked connections of other protocols than TCP.", {{"protocol", proto}},
              json_field(counts, proto));
    for (const json& p : json_list(ct, "ports"))
        e.add("vsw_conntrack_port_connections", "gauge", "Tracked connections of a port's zone.",
              {{"port", p.value("name", "")}}, json_field(p, "connections"));
}

void pmds(Exposition& e, const json& stats) {
    static const Field kPmd[] = {
        {"rx_packets", "vsw_pmd_rx_packets_total", "counter", "Frames the PMD received."},
        {"busy_cycles", "vsw_pmd_busy_cycles_total", "counter",
         "TSC cycles of rounds that found work."},
        {"idle_cycles", "vsw_pmd_idle_cycles_total", "counter",
         "TSC cycles of rounds that found none."},
        {"cycles_per_packet", "vsw_pmd_cycles_per_packet", "gauge",
         "Busy cycles per received frame since start."},
        {"rounds", "vsw_pmd_rounds_total", "counter", "Polling rounds."},
        {"sleeps", "vsw_pmd_sleeps_total", "counter", "Idle back-off sleeps."},
    };
    static const Field kFdb[] = {
        {"entries", "vsw_fdb_entries", "gauge", "Learned MAC addresses."},
        {"max", "vsw_fdb_max_entries", "gauge", "FDB size limit."},
        {"aged", "vsw_fdb_aged_total", "counter", "FDB entries aged out."},
    };
    static const Field kPool[] = {
        {"size", "vsw_mbuf_pool_size", "gauge", "mbufs in the packet pool."},
        {"in_use", "vsw_mbuf_pool_in_use", "gauge", "mbufs in use."},
    };
    for (const json& p : json_list(stats, "pmds"))
        add_fields(e, p,
                   {{"pmd", std::to_string(p.value("id", 0))},
                    {"lcore", std::to_string(p.value("lcore", 0))}},
                   kPmd);
    add_fields(e, json_field(stats, "fdb"), {}, kFdb);
    add_fields(e, json_field(stats, "mbuf_pool"), {}, kPool);
}

void mirrors(Exposition& e, const json& views) {
    for (const json& m : json_list(json_field(views, "mirrors"), "mirrors")) {
        const json& c = json_field(m, "counters");
        if (!c.is_object()) continue;
        const Labels mirror = {{"mirror", m.value("name", "")}};
        for (const auto& [key, value] : c.items())
            e.add("vsw_mirror_" + key + "_total", "counter",
                  "Mirror session counter (vswctl mirror show).", mirror, value);
    }
}

void captures(Exposition& e, const json& show) {
    const json& list = json_field(show, "captures");
    if (!list.is_array()) return;
    e.add("vsw_captures_running", "gauge", "vswctl captures running.", {}, json(list.size()));
    for (const json& c : list) {
        const Labels port = {{"port", c.value("port", "")},
                             {"direction", c.value("direction", "")}};
        e.add("vsw_capture_frames_total", "counter", "Frames a running capture sent to vswctl.",
              port, json_field(c, "frames"));
        e.add("vsw_capture_lost_total", "counter",
              "Frames a running capture lost (its pool or ring was full).", port,
              json_field(c, "dropped"));
    }
}

// An exporting feature's families (ipfix, sflow): `vsw_NAME_enabled`, `vsw_NAME_KEY_total` for
// each of `counters` found in the view or in its `agent` part, and per collector session
// whether it is connected and its messages, records, octets and failures.
void exporter(Exposition& e, const std::string& name, const json& x, const json& sessions,
              std::initializer_list<const char*> counters, const char* counter_help) {
    const std::string prefix = "vsw_" + name + "_";
    e.add(prefix + "enabled", "gauge", "1 if it is configured.", {}, json(x.contains("config")));
    for (const char* key : counters) {
        const json& v =
            x.contains(key) ? json_field(x, key) : json_field(json_field(x, "agent"), key);
        e.add(prefix + key + "_total", "counter", counter_help, {}, v);
    }
    for (const json& c : json_list(sessions, "collectors")) {
        const Labels collector = {{"collector", c.value("collector", "")}};
        e.add(prefix + "collector_connected", "gauge", "1 if the collector's session is up.",
              collector, json_field(c, "connected"));
        for (const char* key :
             {"messages", "records", "octets", "failed_messages", "failed_records"})
            e.add(prefix + "collector_" + key + "_total", "counter",
                  "Export to one collector (messages: datagrams for sFlow).", collector,
                  json_field(c, key));
    }
}

void ipfix(Exposition& e, const json& views) {
    const json& x = json_field(views, "ipfix");
    e.add("vsw_ipfix_active_flows", "gauge", "Flows in the caches.", {},
          json_field(x, "active_flows"));
    e.add("vsw_ipfix_cache_max_flows", "gauge", "Flow cache size.", {}, json_field(x, "cache_max"));
    exporter(e, "ipfix", x, json_field(x, "exporter"),
             {"metered_packets", "not_sampled_packets", "ignored_packets", "records",
              "evicted_flows", "flows_started", "lost_records"},
             "IPFIX metering counter (vswctl ipfix show).");
}

// sFlow (vswctl sflow show): frames sampled, samples lost before the agent took them, the
// agent's datagrams and samples, per collector its session.
void sflow(Exposition& e, const json& views) {
    const json& x = json_field(views, "sflow");
    exporter(e, "sflow", x, json_field(x, "agent"),
             {"sampled_packets", "lost_samples", "datagrams", "flow_samples", "counter_samples"},
             "sFlow counter (vswctl sflow show).");
}

// The slow path (vswctl show): frames punted up by reason, and those nobody claimed.
void slow_path(Exposition& e, const json& show) {
    const json& s = json_field(show, "slow_path");
    const json& punted = json_field(s, "punted");
    if (punted.is_object())
        for (const auto& [reason, count] : punted.items())
            e.add("vsw_slow_path_punted_total", "counter",
                  "Frames (or sightings) the PMDs handed to the control thread, by reason.",
                  {{"reason", reason}}, count);
    e.add("vsw_slow_path_unclaimed_total", "counter",
          "Punted frames no feature claimed (freed at once).", {}, json_field(s, "unclaimed"));
    e.add("vsw_slow_path_sent_total", "counter",
          "Frames the control thread sent out of a port (ARP).", {}, json_field(s, "sent"));
}

// The overlay (vswctl vxlan show): the VTEP, per VNI its flood list and remote MACs, per remote
// VTEP the encapsulation counters, and the overlay's drops. Remote MACs are counted, not listed:
// one series per MAC would be thousands.
void vxlan(Exposition& e, const json& views) {
    const json& x = json_field(views, "vxlan");
    if (const json& vtep = json_field(x, "vtep"); vtep.is_object()) {
        const Labels labels = {{"port", vtep.value("port", "")},
                               {"address", vtep.value("address", "")}};
        e.add("vsw_vxlan_vtep_up", "gauge", "1 if the VTEP's underlay port has link.", labels,
              json(vtep.value("link", "") == "up"));
        e.add("vsw_vxlan_vtep_arp_answered_total", "counter",
              "ARP requests for the VTEP address answered.", labels,
              json_field(vtep, "arp_answered"));
    }
    for (const json& v : json_list(x, "vnis")) {
        const Labels labels = {{"vlan", std::to_string(v.value("vlan", 0))},
                               {"vni", std::to_string(v.value("vni", 0))}};
        const json& flood = json_field(v, "flood");
        e.add("vsw_vxlan_flood_vteps", "gauge",
              "Remote VTEPs in the VNI's flood list (head-end replication).", labels,
              json(flood.is_array() ? flood.size() : 0));
        e.add("vsw_vxlan_remote_macs", "gauge", "Remote MACs of the VNI in the FDB.", labels,
              json_field(v, "remote_macs"));
        e.add("vsw_vxlan_mac_conflicts", "gauge",
              "MACs of the VNI pinned here (or static at another VTEP) that another VTEP "
              "advertises too: kept, not followed.",
              labels, json_field(v, "conflicts"));
        e.add("vsw_vxlan_duplicate_macs", "gauge",
              "MACs of the VNI frozen as duplicates (moved too often): not followed.", labels,
              json_field(v, "duplicates"));
    }
    for (const json& v : json_list(x, "vteps")) {
        const Labels labels = {{"vtep", v.value("ip", "")}};
        for (const char* key :
             {"encap_packets", "encap_bytes", "decap_packets", "decap_bytes", "unresolved"})
            e.add(std::string("vsw_vxlan_") + key + "_total", "counter",
                  "VXLAN traffic with one remote VTEP (unresolved: frames dropped while its "
                  "next hop's MAC was unknown).",
                  labels, json_field(v, key));
        const json& hop_mac = json_field(v, "next_hop_mac");
        e.add("vsw_vxlan_next_hop_resolved", "gauge",
              "1 if the underlay next hop towards the remote VTEP is resolved by ARP.", labels,
              json(hop_mac.is_string() && hop_mac.get<std::string>() != "resolving"));
    }
    e.add("vsw_vxlan_pinned_refused_total", "counter",
          "Remote MACs vswd refused to program because they are pinned to a local port.", {},
          json_field(x, "pinned_refused"));
    if (const json& drops = json_field(x, "drops"); drops.is_object())
        for (const auto& [reason, n] : drops.items())
            e.add("vsw_vxlan_drops_total", "counter",
                  "Overlay frames dropped, by reason (the VTEP port's vsw_port_drops_total).",
                  {{"reason", reason}}, n);
}

}  // namespace

std::string prometheus_escape(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string prometheus_text(const json& views) {
    Exposition e;
    ports(e, views);
    port_security(e, views);
    bonds(e, views);
    cfm(e, views);
    conntrack(e, views);
    pmds(e, json_field(views, "stats"));
    mirrors(e, views);
    captures(e, json_field(views, "show"));
    ipfix(e, views);
    sflow(e, views);
    slow_path(e, json_field(views, "show"));
    vxlan(e, views);
    e.add("vsw_snapshot_timestamp_seconds", "gauge", "When vswd took these figures (Unix time).",
          {},
          json(json_field(views, "time_ms").is_number()
                   ? json_field(views, "time_ms").get<double>() / 1000.0
                   : 0.0));
    return e.text();
}

}  // namespace vsw
