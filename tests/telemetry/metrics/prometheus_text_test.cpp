#include "telemetry/metrics/prometheus_text.h"

#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <sstream>

using namespace vsw;
using nlohmann::json;

namespace {

json views() {
    return json::parse(R"({
      "stats": {"ports": [{"name": "web\"1", "rx_packets": 7, "tx_packets": 3, "rx_bytes": 700, "tx_bytes": 300,
                           "flooded": 1, "learn_full": 0, "drops": {"tx_full": 2, "malformed": 0}, "drops_total": 2,
                           "tx_shaping": {"rate": 50000000, "tokens": 5, "throttled_rounds": 9}}],
                "pmds": [{"id": 0, "lcore": 1, "rx_packets": 10, "busy_cycles": 1000, "idle_cycles": 5,
                          "busy_pct": 99.5, "cycles_per_packet": 100.25, "rounds": 4, "sleeps": 2}],
                "fdb": {"entries": 2, "max": 8192, "aged": 1}, "mbuf_pool": {"size": 1023, "in_use": 0}},
      "show": {"ports": [{"name": "web\"1", "type": "vhost-user-client", "state": "up", "sessions": 1,
                          "connects": 1, "disconnects": 0, "refused_messages": 0}],
               "captures": [{"port": "web\"1", "direction": "both", "snaplen": 65535, "frames": 12, "dropped": 3}],
               "slow_path": {"punted": {"arp": 4, "guest_arp": 0}, "unclaimed": 1, "sent": 6, "send_failed": 0}},
      "sflow": {"config": {}, "sampled_packets": 40, "lost_samples": 2,
                "agent": {"datagrams": 8, "flow_samples": 38, "counter_samples": 3,
                          "collectors": [{"collector": "10.0.0.9:6343", "messages": 8, "failed_messages": 1}]}},
      "mirrors": {"mirrors": [{"name": "m0", "counters": {"packets": 4, "tx_dropped": 1}}]},
      "ipfix": {"config": {}, "active_flows": 3, "records": 5,
                "exporter": {"collectors": [{"collector": "10.0.0.9:4739", "connected": true, "messages": 2}]}},
      "vxlan": {"vtep": {"port": "up0", "address": "192.0.2.1/24", "link": "up", "mtu": 1500, "arp_answered": 4},
                "vnis": [{"vlan": 10, "vni": 10010, "flood": ["192.0.2.2", "192.0.2.3"], "remote_macs": 5}],
                "vteps": [{"ip": "192.0.2.2", "encap_packets": 11, "encap_bytes": 1100, "decap_packets": 9,
                           "decap_bytes": 900, "unresolved": 1, "next_hop": "192.0.2.2", "next_hop_mac": "resolving"},
                          {"ip": "192.0.2.3", "encap_packets": 1, "next_hop_mac": "02:00:00:00:00:03"}],
                "remote_macs": [{"vni": 10010, "mac": "02:00:00:00:00:09", "vtep": "192.0.2.2"}],
                "drops": {"vxlan_unknown_vtep": 6, "vxlan_malformed": 0}},
      "port_security": {"ports": [{"name": "vm1", "violations_total": 12, "learned_macs": 2,
                                   "learned-ips": [{"ip": "10.0.0.5", "expires_in": 3000}],
                                   "last_violation": {"reason": "spoofed_ip", "seconds_ago": 4}}]},
      "time_ms": 1700000000500})");
}

}  // namespace

TEST_CASE("the exposition is well formed: HELP and TYPE once, before the family's samples") {
    const std::string text = prometheus_text(views());
    std::istringstream in(text);
    const std::regex sample(
        R"re(([a-z_]+)(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+|NaN|[+-]Inf))re");
    std::set<std::string> typed, finished;
    std::string current;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("# HELP ", 0) == 0) continue;
        if (line.rfind("# TYPE ", 0) == 0) {
            std::string name = line.substr(7, line.find(' ', 7) - 7);
            CHECK(typed.insert(name).second);  // once
            if (!current.empty()) finished.insert(current);
            current = name;
            continue;
        }
        std::smatch m;
        REQUIRE(std::regex_match(line, m, sample));
        CHECK(m[1] == current);  // samples follow their family's TYPE, contiguously
        CHECK_FALSE(finished.count(m[1]));
    }
    CHECK(typed.count("vsw_port_drops_total"));
}

TEST_CASE("counters, labels and values as the views have them") {
    const std::string text = prometheus_text(views());
    CHECK_THAT(text, Catch::Contains("# TYPE vsw_port_rx_packets_total "
                                     "counter\nvsw_port_rx_packets_total{port=\"web\\\"1\"} 7\n"));
    CHECK_THAT(text,
               Catch::Contains("vsw_port_drops_total{port=\"web\\\"1\",reason=\"tx_full\"} 2\n"));
    CHECK_THAT(text, Catch::Contains("vsw_port_tx_rate_bits{port=\"web\\\"1\"} 50000000\n"));
    CHECK_THAT(text,
               Catch::Contains("vsw_port_up{port=\"web\\\"1\",type=\"vhost-user-client\"} 1\n"));
    CHECK_THAT(text,
               Catch::Contains("# TYPE vsw_pmd_cycles_per_packet "
                               "gauge\nvsw_pmd_cycles_per_packet{pmd=\"0\",lcore=\"1\"} 100.25\n"));
    CHECK_THAT(text, Catch::Contains("vsw_fdb_entries 2\n"));
    CHECK_THAT(text, Catch::Contains("vsw_mirror_tx_dropped_total{mirror=\"m0\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("vsw_ipfix_enabled 1\n"));
    CHECK_THAT(text, Catch::Contains("vsw_captures_running 1\n"));
    CHECK_THAT(text, Catch::Contains(
                         "vsw_capture_frames_total{port=\"web\\\"1\",direction=\"both\"} 12\n"));
    CHECK_THAT(text,
               Catch::Contains("vsw_capture_lost_total{port=\"web\\\"1\",direction=\"both\"} 3\n"));
    CHECK_THAT(text,
               Catch::Contains("vsw_ipfix_collector_connected{collector=\"10.0.0.9:4739\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("vsw_snapshot_timestamp_seconds 1700000000.5\n"));
    for (const char* sample :
         {"vsw_sflow_enabled 1\n", "vsw_sflow_sampled_packets_total 40\n",
          "vsw_sflow_lost_samples_total 2\n", "vsw_sflow_counter_samples_total 3\n",
          "vsw_sflow_collector_failed_messages_total{collector=\"10.0.0.9:6343\"} 1\n",
          "vsw_slow_path_punted_total{reason=\"arp\"} 4\n", "vsw_slow_path_unclaimed_total 1\n"})
        CHECK_THAT(text, Catch::Contains(sample));
    // A port without rx shaping has no rx shaping samples (absent, not zero).
    CHECK(text.find("vsw_port_rx_rate_bits{") == std::string::npos);
}

TEST_CASE(
    "the overlay: VTEP, flood lists and remote MACs per VNI, counters per remote VTEP, drops") {
    const std::string text = prometheus_text(views());
    CHECK_THAT(text,
               Catch::Contains("vsw_vxlan_vtep_up{port=\"up0\",address=\"192.0.2.1/24\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("vsw_vxlan_flood_vteps{vlan=\"10\",vni=\"10010\"} 2\n"));
    CHECK_THAT(text, Catch::Contains("vsw_vxlan_remote_macs{vlan=\"10\",vni=\"10010\"} 5\n"));
    CHECK_THAT(text, Catch::Contains("vsw_vxlan_encap_packets_total{vtep=\"192.0.2.2\"} 11\n"));
    CHECK_THAT(text, Catch::Contains("vsw_vxlan_decap_bytes_total{vtep=\"192.0.2.2\"} 900\n"));
    CHECK_THAT(text, Catch::Contains("vsw_vxlan_unresolved_total{vtep=\"192.0.2.2\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("vsw_vxlan_next_hop_resolved{vtep=\"192.0.2.2\"} 0\n"));
    CHECK_THAT(text, Catch::Contains("vsw_vxlan_next_hop_resolved{vtep=\"192.0.2.3\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("vsw_vxlan_drops_total{reason=\"vxlan_unknown_vtep\"} 6\n"));
    // One series per remote MAC would be thousands: they are counted, not listed.
    CHECK(text.find("02:00:00:00:00:09") == std::string::npos);
}

TEST_CASE("port security: violations, what a port learned, its last refusal") {
    const std::string text = prometheus_text(views());
    for (const char* sample : {"vsw_port_security_violations_total{port=\"vm1\"} 12\n",
                               "vsw_port_security_learned_macs{port=\"vm1\"} 2\n",
                               "vsw_port_security_learned_ips{port=\"vm1\"} 1\n",
                               "vsw_port_security_last_violation_age_seconds{port=\"vm1\"} 4\n"})
        CHECK_THAT(text, Catch::Contains(sample));
}

TEST_CASE("bonds: members distributing, carrier, LACPDUs") {
    json v = views();
    v["bonds"] = json::parse(R"({"bonds": [{"name": "bond0", "members": [
        {"name": "up0", "carrier": true, "distributing": true, "pdus_rx": 7, "pdus_tx": 9,
         "malformed_rx": 1},
        {"name": "up1", "carrier": false, "distributing": false}]}]})");
    const std::string text = prometheus_text(v);
    for (const char* sample :
         {"vsw_bond_members_distributing{bond=\"bond0\"} 1\n",
          "vsw_bond_member_distributing{bond=\"bond0\",member=\"up0\"} 1\n",
          "vsw_bond_member_distributing{bond=\"bond0\",member=\"up1\"} 0\n",
          "vsw_bond_member_carrier{bond=\"bond0\",member=\"up1\"} 0\n",
          "vsw_bond_member_lacpdus_total{bond=\"bond0\",member=\"up0\",direction=\"tx\"} 9\n",
          "vsw_bond_member_lacpdus_malformed_total{bond=\"bond0\",member=\"up0\"} 1\n"})
        CHECK_THAT(text, Catch::Contains(sample));
    // A static bond's members have no LACP counters: no series.
    CHECK(text.find("member=\"up1\",direction") == std::string::npos);
}

TEST_CASE("CFM: fault, health, remote MEPs, CCMs") {
    json v = views();
    v["cfm"] = json::parse(R"({"meps": [{"port": "up0", "fault": true, "health": 90,
        "ccms_tx": 12, "ccms_rx": 10, "remote_meps": [{"lost": false}, {"lost": true}]}]})");
    const std::string text = prometheus_text(v);
    for (const char* sample :
         {"vsw_cfm_fault{port=\"up0\"} 1\n", "vsw_cfm_health_percent{port=\"up0\"} 90\n",
          "vsw_cfm_remote_meps{port=\"up0\"} 1\n",
          "vsw_cfm_ccms_total{port=\"up0\",direction=\"rx\"} 10\n"})
        CHECK_THAT(text, Catch::Contains(sample));
}

TEST_CASE("conntrack: the table's use and bounds, per port and TCP state") {
    json v = views();
    v["conntrack"] =
        json::parse(R"({"capacity": 262144, "zone-max": 65536, "memory_bytes": 47000000,
        "counts": {"connections": 3, "tcp": {"ESTABLISHED": 2}, "udp": 1, "icmp": 0, "other": 0},
        "ports": [{"name": "vm1", "connections": 3}]})");
    const std::string text = prometheus_text(v);
    for (const char* sample :
         {"vsw_conntrack_capacity 262144\n", "vsw_conntrack_connections 3\n",
          "vsw_conntrack_tcp_connections{state=\"ESTABLISHED\"} 2\n",
          "vsw_conntrack_protocol_connections{protocol=\"udp\"} 1\n",
          "vsw_conntrack_port_connections{port=\"vm1\"} 3\n", "vsw_conntrack_zone_max 65536\n"})
        CHECK_THAT(text, Catch::Contains(sample));
}

TEST_CASE("label values are escaped") {
    CHECK(prometheus_escape("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
}

TEST_CASE("no views yet: only the families that need none") {
    const std::string text = prometheus_text(json::object());
    CHECK_THAT(text, Catch::Contains("vsw_ipfix_enabled 0\n"));
    CHECK_THAT(text, Catch::Contains("vsw_sflow_enabled 0\n"));
    CHECK(text.find("vsw_port_") == std::string::npos);
    CHECK(text.find("vsw_vxlan_") == std::string::npos);
}
