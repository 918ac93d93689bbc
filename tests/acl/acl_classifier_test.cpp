// The classifier of NEW connections (acl/acl_classifier.h): Neutron's defaults, each match
// field and its edges, IPv6, remote groups, deny rules and priorities, the compiled form's
// paths (prefix tables, the one-interval fallback), and a seeded comparison with a plain
// first-match reading of the rules.
#include "acl/acl_classifier.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <tuple>

#include "tests/acl/acl_lab.h"

using namespace vsw::acl;
using namespace vsw::acl::testing;

namespace {

constexpr auto kIn = Direction::kIngress;
constexpr auto kOut = Direction::kEgress;

// A group "web" with Neutron's defaults and `rules`.
SecurityGroupSet web_with(const std::vector<std::string>& rules) {
    SecurityGroup g = make_security_group("web");
    for (const std::string& r : rules) REQUIRE(add_rule(g, rule(r)) == "");
    return group_set({g});
}

}  // namespace

TEST_CASE("ACL classifier: Neutron's defaults on a port with a new group", "[acl]") {
    const auto s = web_with({"direction=ingress protocol=tcp port=22"});
    const AclClassifier c = classifier(s, {"web"});
    // Ingress: what a rule allows, nothing else.
    AclDecision d = c.classify(tcp4_in("198.51.100.1", 22));
    CHECK(d.allow);
    CHECK(d.reason == AclReason::kRule);
    CHECK(matched(c, d) == "web/3");
    d = c.classify(tcp4_in("198.51.100.1", 80));
    CHECK_FALSE(d.allow);
    CHECK(d.reason == AclReason::kNoRule);
    CHECK(matched(c, d) == "");
    CHECK_FALSE(c.classify(udp4(kIn, "198.51.100.1", 22)).allow);
    CHECK_FALSE(c.classify(icmp4(kIn, "198.51.100.1", 8, 0)).allow);
    CHECK_FALSE(c.classify(v6(kIn, kProtoTcp, "2001:db8::1", 22)).allow);
    // Egress: the default allow-all rules, one per family.
    d = c.classify(udp4(kOut, "198.51.100.1", 53));
    CHECK(d.allow);
    CHECK(matched(c, d) == "web/1");
    d = c.classify(v6(kOut, kProtoTcp, "2001:db8::1", 443));
    CHECK(d.allow);
    CHECK(matched(c, d) == "web/2");
    CHECK(c.classify(key(kOut, Ethertype::kIpv4, 47, acl_ipv4(1), acl_ipv4(2))).allow);
    CHECK(c.rules().size() == 3);
}

TEST_CASE("ACL classifier: without egress rules egress is denied", "[acl]") {
    SecurityGroup g = make_security_group("web");
    REQUIRE(delete_rule(g, 1) == "");
    const auto s = group_set({g});
    const AclClassifier c = classifier(s, {"web"});
    CHECK_FALSE(c.classify(udp4(kOut, "198.51.100.1", 53)).allow);
    CHECK(c.classify(v6(kOut, kProtoUdp, "2001:db8::1", 53)).allow);  // rule 2 is still there
    // No groups at all: everything but the always-allowed is denied.
    const AclClassifier none = classifier(s, {});
    CHECK(none.rules().empty());
    CHECK_FALSE(none.classify(v6(kOut, kProtoUdp, "2001:db8::1", 53)).allow);
    CHECK(none.classify(udp4(kOut, "255.255.255.255", 67, 68)).allow);
    // A name the set does not have is skipped (the controller checks names first).
    CHECK(classifier(s, {"nope"}).rules().empty());
}

TEST_CASE("ACL classifier: DHCP client traffic and neighbour discovery always pass", "[acl]") {
    const auto s = group_set({bare_group("deny-all", {"direction=ingress action=deny priority=0",
                                                      "direction=egress action=deny priority=0",
                                                      "direction=ingress ethertype=ipv6 "
                                                      "action=deny priority=0",
                                                      "direction=egress ethertype=ipv6 "
                                                      "action=deny priority=0"})});
    const AclClassifier c = classifier(s, {"deny-all"});
    const auto dhcp = [&](Direction d, uint16_t dport, uint16_t sport) {
        return c.classify(udp4(d, "255.255.255.255", dport, sport));
    };
    CHECK(dhcp(kOut, 67, 68).reason == AclReason::kDhcp);
    CHECK(dhcp(kOut, 67, 68).allow);
    CHECK(dhcp(kIn, 68, 67).allow);
    CHECK(dhcp(kIn, 68, 67).reason == AclReason::kDhcp);
    // A guest acting as a DHCP server, or odd ports: the rules decide.
    CHECK_FALSE(dhcp(kIn, 67, 68).allow);
    CHECK_FALSE(dhcp(kOut, 68, 67).allow);
    CHECK_FALSE(dhcp(kOut, 67, 67).allow);
    CHECK(matched(c, dhcp(kOut, 68, 67)) == "deny-all/2");
    // TCP on DHCP's ports is not DHCP.
    CHECK_FALSE(
        c.classify(key(kOut, Ethertype::kIpv4, kProtoTcp, acl_ipv4(1), acl_ipv4(2), 67, 68)).allow);
    // DHCPv6.
    CHECK(c.classify(v6(kOut, kProtoUdp, "ff02::1:2", 547, 546)).reason == AclReason::kDhcp);
    CHECK(c.classify(v6(kIn, kProtoUdp, "fe80::1", 546, 547)).reason == AclReason::kDhcp);
    CHECK_FALSE(c.classify(v6(kIn, kProtoUdp, "fe80::1", 547, 546)).allow);
    // DHCPv4's ports on IPv6 and DHCPv6's on IPv4 are not DHCP.
    CHECK_FALSE(c.classify(v6(kOut, kProtoUdp, "ff02::1:2", 67, 68)).allow);
    CHECK_FALSE(dhcp(kOut, 547, 546).allow);
    // Neighbour discovery: ICMPv6 133-137, both ways, any code.
    for (uint8_t type = 133; type <= 137; ++type) {
        INFO(int(type));
        for (Direction d : {kIn, kOut}) {
            const AclDecision x = c.classify(v6(d, kProtoIcmpv6, "fe80::1", type, 0));
            CHECK(x.allow);
            CHECK(x.reason == AclReason::kNeighbour);
        }
    }
    CHECK_FALSE(c.classify(v6(kIn, kProtoIcmpv6, "fe80::1", 132, 0)).allow);
    CHECK_FALSE(c.classify(v6(kIn, kProtoIcmpv6, "fe80::1", 138, 0)).allow);
    CHECK_FALSE(c.classify(v6(kIn, kProtoIcmpv6, "fe80::1", 128, 0)).allow);  // echo: rules decide
    CHECK_FALSE(c.classify(icmp4(kIn, "192.0.2.1", 135, 0)).allow);           // ICMPv4 has no ND
    CHECK_FALSE(c.classify(v6(kIn, kProtoUdp, "fe80::1", 135, 0)).allow);
}

TEST_CASE("ACL classifier: ARP passes, IP is classified, other frames drop", "[acl]") {
    CHECK(acl_frame_class(0x0806) == AclFrameClass::kPass);
    CHECK(acl_frame_class(0x8035) == AclFrameClass::kPass);
    CHECK(acl_frame_class(0x0800) == AclFrameClass::kIp);
    CHECK(acl_frame_class(0x86dd) == AclFrameClass::kIp);
    CHECK(acl_frame_class(0x88cc) == AclFrameClass::kDrop);
    CHECK(acl_frame_class(0x8100) == AclFrameClass::kDrop);
    CHECK(acl_reason_name(AclReason::kRule) == "rule");
    CHECK(acl_reason_name(AclReason::kDhcp) == "dhcp");
    CHECK(acl_reason_name(AclReason::kNeighbour) == "nd");
    CHECK(acl_reason_name(AclReason::kNoRule) == "no_rule");
}

TEST_CASE("ACL classifier: direction, ethertype and protocol each decide", "[acl]") {
    const auto s = group_set({bare_group(
        "g", {"direction=ingress protocol=tcp port=22", "direction=egress protocol=udp port=53",
              "direction=ingress ethertype=ipv6 protocol=tcp "
              "port=80",
              "direction=ingress protocol=47"})});
    const AclClassifier c = classifier(s, {"g"});
    CHECK(c.classify(tcp4_in("192.0.2.1", 22)).allow);
    CHECK_FALSE(
        c.classify(key(kOut, Ethertype::kIpv4, kProtoTcp, acl_ipv4(1), acl_ipv4(2), 22)).allow);
    CHECK_FALSE(c.classify(udp4(kIn, "192.0.2.1", 22)).allow);
    CHECK(c.classify(udp4(kOut, "192.0.2.1", 53)).allow);
    CHECK_FALSE(c.classify(udp4(kIn, "192.0.2.1", 53)).allow);
    CHECK_FALSE(c.classify(v6(kIn, kProtoTcp, "2001:db8::1", 22)).allow);
    CHECK(c.classify(v6(kIn, kProtoTcp, "2001:db8::1", 80)).allow);
    CHECK_FALSE(c.classify(tcp4_in("192.0.2.1", 80)).allow);
    CHECK(c.classify(key(kIn, Ethertype::kIpv4, 47, acl_ipv4(1), acl_ipv4(2))).allow);
    CHECK_FALSE(c.classify(key(kIn, Ethertype::kIpv4, 48, acl_ipv4(1), acl_ipv4(2))).allow);
    CHECK_FALSE(c.classify(key(kIn, Ethertype::kIpv6, 47, acl_ipv4(1), acl_ipv4(2))).allow);
    // The port a rule names is the destination's, both ways (as Neutron's).
    CHECK_FALSE(c.classify(tcp4_in("192.0.2.1", 40000, 22)).allow);
    CHECK(c.classify(udp4(kOut, "192.0.2.1", 53, 53)).allow);
    CHECK_FALSE(c.classify(udp4(kOut, "192.0.2.1", 40000, 53)).allow);
}

TEST_CASE("ACL classifier: port range edges", "[acl]") {
    const auto s = group_set({bare_group(
        "g",
        {"direction=ingress protocol=tcp port=8000-8080", "direction=ingress protocol=tcp port=0",
         "direction=ingress protocol=tcp port=65535", "direction=ingress protocol=udp port=100-200",
         "direction=ingress protocol=udp port=150-300",
         "direction=ingress protocol=sctp port=9"})});
    const AclClassifier c = classifier(s, {"g"});
    const auto tcp = [&](uint16_t port) { return c.classify(tcp4_in("192.0.2.1", port)).allow; };
    CHECK(tcp(0));
    CHECK_FALSE(tcp(1));
    CHECK_FALSE(tcp(7999));
    CHECK(tcp(8000));
    CHECK(tcp(8040));
    CHECK(tcp(8080));
    CHECK_FALSE(tcp(8081));
    CHECK_FALSE(tcp(65534));
    CHECK(tcp(65535));
    // Overlapping ranges: the first rule that covers the port is named.
    const auto udp = [&](uint16_t port) {
        return matched(c, c.classify(udp4(kIn, "192.0.2.1", port)));
    };
    CHECK(udp(99) == "");
    CHECK(udp(100) == "g/4");
    CHECK(udp(150) == "g/4");
    CHECK(udp(200) == "g/4");
    CHECK(udp(201) == "g/5");
    CHECK(udp(300) == "g/5");
    CHECK(udp(301) == "");
    CHECK(c.classify(key(kIn, Ethertype::kIpv4, kProtoSctp, acl_ipv4(1), acl_ipv4(2), 9)).allow);
    CHECK_FALSE(
        c.classify(key(kIn, Ethertype::kIpv4, kProtoSctp, acl_ipv4(1), acl_ipv4(2), 10)).allow);
}

TEST_CASE("ACL classifier: ICMP type and code", "[acl]") {
    const auto s = group_set({bare_group(
        "g", {"direction=ingress protocol=icmp icmp-type=8",              // echo, any code
              "direction=ingress protocol=icmp icmp-type=3 icmp-code=4",  // frag needed
              "direction=egress protocol=icmp",                           // any ICMP out
              "direction=ingress ethertype=ipv6 protocol=icmpv6 icmp-type=128 icmp-code=0",
              "direction=ingress protocol=icmp icmp-type=0 icmp-code=0",
              "direction=ingress protocol=icmp icmp-type=255 icmp-code=255"})});
    const AclClassifier c = classifier(s, {"g"});
    const auto in = [&](uint8_t type, uint8_t code) {
        return c.classify(icmp4(kIn, "192.0.2.1", type, code)).allow;
    };
    CHECK(in(8, 0));
    CHECK(in(8, 255));
    CHECK_FALSE(in(7, 0));
    CHECK_FALSE(in(9, 0));
    CHECK(in(3, 4));
    CHECK_FALSE(in(3, 3));
    CHECK_FALSE(in(3, 5));
    CHECK(in(0, 0));
    CHECK_FALSE(in(0, 1));
    CHECK(in(255, 255));
    CHECK_FALSE(in(255, 254));
    CHECK(c.classify(icmp4(kOut, "192.0.2.1", 13, 0)).allow);
    CHECK(c.classify(icmp4(kOut, "192.0.2.1", 255, 255)).allow);
    CHECK(c.classify(v6(kIn, kProtoIcmpv6, "2001:db8::1", 128, 0)).allow);
    CHECK_FALSE(c.classify(v6(kIn, kProtoIcmpv6, "2001:db8::1", 128, 1)).allow);
    CHECK_FALSE(c.classify(v6(kIn, kProtoIcmpv6, "2001:db8::1", 8, 0)).allow);
    // ICMP's type is not a port: a TCP packet to port 8 is not echo.
    CHECK_FALSE(c.classify(tcp4_in("192.0.2.1", 8)).allow);
}

TEST_CASE("ACL classifier: remote prefixes, IPv4 and IPv6, at their edges", "[acl]") {
    const auto s = group_set({bare_group(
        "g", {"direction=ingress remote=10.0.0.0/8", "direction=ingress remote=192.0.2.7",
              "direction=egress remote=198.51.100.0/24",
              "direction=ingress ethertype=ipv6 remote=2001:db8::/32",
              "direction=ingress ethertype=ipv6 remote=2001:db9:0:1:8000::/65",
              "direction=ingress ethertype=ipv6 remote=2001:dba::/64",
              "direction=ingress ethertype=ipv6 remote=2001:dbb::1",
              "direction=egress ethertype=ipv6 remote=8000::/1"})});
    const AclClassifier c = classifier(s, {"g"});
    const auto from = [&](const char* a) { return c.classify(tcp4_in(a, 1)).allow; };
    CHECK(from("10.0.0.0"));
    CHECK(from("10.255.255.255"));
    CHECK_FALSE(from("9.255.255.255"));
    CHECK_FALSE(from("11.0.0.0"));
    CHECK(from("192.0.2.7"));
    CHECK_FALSE(from("192.0.2.6"));
    CHECK_FALSE(from("192.0.2.8"));
    // Egress: the remote is the destination; the guest's own address does not matter.
    CHECK(c.classify(udp4(kOut, "198.51.100.255", 1)).allow);
    CHECK_FALSE(c.classify(udp4(kOut, "198.51.101.0", 1)).allow);
    CHECK_FALSE(c.classify(udp4(kIn, "198.51.100.1", 1)).allow);
    const auto from6 = [&](const char* a) { return c.classify(v6(kIn, kProtoTcp, a, 1)).allow; };
    CHECK(from6("2001:db8::"));
    CHECK(from6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
    CHECK_FALSE(from6("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
    CHECK_FALSE(from6("2001:db9::"));
    // /65: the first bit of the low word counts.
    CHECK(from6("2001:db9:0:1:8000::"));
    CHECK(from6("2001:db9:0:1:ffff:ffff:ffff:ffff"));
    CHECK_FALSE(from6("2001:db9:0:1:7fff:ffff:ffff:ffff"));
    CHECK_FALSE(from6("2001:db9:0:2:8000::"));
    // /64: the whole high word, none of the low.
    CHECK(from6("2001:dba::ffff:ffff:ffff:ffff"));
    CHECK_FALSE(from6("2001:dba:0:1::"));
    CHECK(from6("2001:dbb::1"));
    CHECK_FALSE(from6("2001:dbb::2"));
    CHECK_FALSE(from6("2001:dbb::1:0:0:1"));
    CHECK(c.classify(v6(kOut, kProtoUdp, "ff02::1", 1)).allow);
    CHECK_FALSE(c.classify(v6(kOut, kProtoUdp, "7fff::1", 1)).allow);
}

TEST_CASE("ACL classifier: remote groups are their members' addresses", "[acl]") {
    SecurityGroup db = make_security_group("db");
    REQUIRE(add_rule(db, rule("direction=ingress protocol=tcp port=5432 remote-group=web")) == "");
    REQUIRE(add_rule(db, rule("direction=ingress ethertype=ipv6 protocol=tcp port=5432 "
                              "remote-group=web")) == "");
    REQUIRE(add_rule(db, rule("direction=ingress protocol=icmp remote-group=db")) == "");
    REQUIRE(add_rule(db, rule("direction=ingress protocol=tcp port=5432 remote-group=empty "
                              "action=deny")) == "");
    const auto s = group_set({db, make_security_group("web"), make_security_group("empty")});
    RemoteGroupMembers members;
    members["web"] = {prefix("10.0.0.5"), prefix("10.0.1.0/24"), prefix("2001:db8::5"),
                      prefix("2001:db8:1::/48")};
    members["db"] = {prefix("10.0.9.1"), prefix("10.0.9.2")};
    const AclClassifier c = classifier(s, {"db"}, members);
    const auto pg = [&](const char* from) { return matched(c, c.classify(tcp4_in(from, 5432))); };
    CHECK(pg("10.0.0.5") == "db/3");
    CHECK(pg("10.0.0.6") == "");
    CHECK(pg("10.0.1.0") == "db/3");
    CHECK(pg("10.0.1.255") == "db/3");
    CHECK(pg("10.0.2.0") == "");
    CHECK(pg("10.0.9.1") == "");  // a db member, but that rule is ICMP only
    CHECK(matched(c, c.classify(icmp4(kIn, "10.0.9.2", 8, 0))) == "db/5");
    CHECK_FALSE(c.classify(icmp4(kIn, "10.0.0.5", 8, 0)).allow);
    // An IPv6 rule takes the IPv6 members.
    CHECK(matched(c, c.classify(v6(kIn, kProtoTcp, "2001:db8::5", 5432))) == "db/4");
    CHECK(matched(c, c.classify(v6(kIn, kProtoTcp, "2001:db8:1:ffff::1", 5432))) == "db/4");
    CHECK_FALSE(c.classify(v6(kIn, kProtoTcp, "2001:db8::6", 5432)).allow);
    // The deny naming a group without members matches nothing (it would come first).
    CHECK(c.rules().size() == 6);
    CHECK(c.rules()[0].id == 6);  // still listed, first in decision order
    // Members change: another classifier.
    members["empty"] = {prefix("10.0.0.5")};
    const AclClassifier c2 = classifier(s, {"db"}, members);
    const AclDecision d = c2.classify(tcp4_in("10.0.0.5", 5432));
    CHECK_FALSE(d.allow);
    CHECK(matched(c2, d) == "db/6");
}

TEST_CASE("ACL classifier: deny rules first, by priority", "[acl]") {
    const auto s = group_set(
        {bare_group("a", {"direction=ingress protocol=tcp port=22",
                          "direction=ingress protocol=tcp remote=10.0.0.0/8 action=deny "
                          "priority=10",
                          "direction=ingress protocol=tcp port=22 remote=10.1.2.3 priority=5",
                          "direction=ingress protocol=tcp port=80",
                          "direction=ingress protocol=tcp port=80 remote=10.9.0.0/16 "
                          "action=deny"}),
         bare_group("b", {"direction=ingress remote=203.0.113.0/24 action=deny priority=100",
                          "direction=ingress protocol=tcp port=22"})});
    const AclClassifier c = classifier(s, {"a", "b"});
    const auto ssh = [&](const char* from) { return c.classify(tcp4_in(from, 22)); };
    CHECK(ssh("192.0.2.1").allow);
    CHECK(matched(c, ssh("192.0.2.1")) == "a/1");  // the port's first group, then ids
    CHECK_FALSE(ssh("10.2.0.1").allow);
    CHECK(matched(c, ssh("10.2.0.1")) == "a/2");
    CHECK(ssh("10.1.2.3").allow);  // an allow at 5 comes before the deny at 10
    CHECK(matched(c, ssh("10.1.2.3")) == "a/3");
    // A deny of another group applies to what the first group allows.
    CHECK_FALSE(ssh("203.0.113.9").allow);
    CHECK(matched(c, ssh("203.0.113.9")) == "b/1");
    // At the same priority (both without one), deny comes before allow.
    CHECK_FALSE(c.classify(tcp4_in("10.9.1.1", 80)).allow);  // also under a/2
    CHECK(matched(c, c.classify(tcp4_in("10.9.1.1", 80))) == "a/2");
    CHECK(c.classify(tcp4_in("192.0.2.1", 80)).allow);
    // The decision order of rules().
    std::vector<std::string> order;
    for (const AclRuleRef& r : c.rules()) order.push_back(r.group + "/" + std::to_string(r.id));
    CHECK(order == std::vector<std::string>{"a/3", "a/2", "b/1", "a/5", "a/1", "a/4", "b/2"});
    // The port's group order breaks ties between groups.
    const AclClassifier ba = classifier(s, {"b", "a"});
    CHECK(matched(ba, ba.classify(tcp4_in("192.0.2.1", 22))) == "b/2");
}

TEST_CASE("ACL classifier: many prefixes of one port become prefix tables", "[acl]") {
    // 200 allowed /24s and 20 /32s for SSH, 30 denied /16s before them, the same /24 twice.
    std::vector<std::string> allows, denies;
    for (int i = 0; i < 200; ++i)
        allows.push_back("direction=ingress protocol=tcp port=22 remote=10." + std::to_string(i) +
                         ".7.0/24");
    for (int i = 0; i < 20; ++i)
        allows.push_back("direction=ingress protocol=tcp port=22 remote=172.16.0." +
                         std::to_string(i));
    for (int i = 0; i < 30; ++i)
        denies.push_back("direction=ingress protocol=tcp remote=10." + std::to_string(100 + i) +
                         ".0.0/16 action=deny");
    const auto s = group_set({bare_group("allow", allows), bare_group("deny", denies),
                              bare_group("again", {"direction=ingress protocol=tcp port=22 "
                                                   "remote=10.5.7.0/24"})});
    const AclClassifier c = classifier(s, {"allow", "deny", "again"});
    const auto ssh = [&](const char* from) { return matched(c, c.classify(tcp4_in(from, 22))); };
    CHECK(ssh("10.0.7.1") == "allow/1");
    CHECK(ssh("10.5.7.200") == "allow/6");  // not again/1: the first in decision order
    CHECK(ssh("10.199.7.255") == "allow/200");
    CHECK(ssh("10.200.7.1") == "");
    CHECK(ssh("10.5.8.1") == "");
    CHECK(ssh("172.16.0.0") == "allow/201");
    CHECK(ssh("172.16.0.19") == "allow/220");
    CHECK(ssh("172.16.0.20") == "");
    CHECK(ssh("10.100.7.1") == "deny/1");  // denied though allow/101 covers it
    CHECK_FALSE(c.classify(tcp4_in("10.100.7.1", 22)).allow);
    CHECK(ssh("10.129.0.0") == "deny/30");
    CHECK(ssh("10.130.7.1") == "allow/131");
    CHECK(matched(c, c.classify(tcp4_in("10.110.0.1", 80))) == "deny/11");
    CHECK(matched(c, c.classify(tcp4_in("10.0.7.1", 23))) == "");
    CHECK(c.memory_bytes() > 0);
}

TEST_CASE("ACL classifier: nested port ranges keep one interval, still exact", "[acl]") {
    // Rule i: ports 1000+i to 3000-i from 10.(i/100).(i%100).0/24.
    std::vector<std::string> rules;
    for (int i = 0; i < 300; ++i)
        rules.push_back("direction=ingress protocol=udp port=" + std::to_string(1000 + i) + "-" +
                        std::to_string(3000 - i) + " remote=10." + std::to_string(i / 100) + "." +
                        std::to_string(i % 100) + ".0/24");
    const auto s = group_set({bare_group("g", rules)});
    const AclClassifier c = classifier(s, {"g"});
    const auto udp = [&](const char* from, uint16_t port) {
        return matched(c, c.classify(udp4(kIn, from, port)));
    };
    CHECK(udp("10.0.0.1", 1000) == "g/1");
    CHECK(udp("10.0.0.1", 3000) == "g/1");
    CHECK(udp("10.0.0.1", 999) == "");
    CHECK(udp("10.0.0.1", 3001) == "");
    CHECK(udp("10.2.99.1", 1299) == "g/300");
    CHECK(udp("10.2.99.1", 1298) == "");
    CHECK(udp("10.2.99.1", 2701) == "g/300");
    CHECK(udp("10.2.99.1", 2702) == "");
    CHECK(udp("10.1.50.1", 2850) == "g/151");
    CHECK(udp("10.1.50.1", 2851) == "");
}

namespace {

// The rules read plainly: every rule of the port's groups in decision order, the first that
// matches decides; what the classifier must agree with.
struct Reference {
    const SecurityGroupSet& set;        // the groups
    std::vector<std::string> port;      // the port's
    const RemoteGroupMembers& members;  // the remote groups' members

    static bool contains(const IpPrefix& p, const AclAddress& a, Ethertype family) {
        if (p.family != family) return false;
        IpPrefix host =
            family == Ethertype::kIpv4 ? ipv4_host(static_cast<uint32_t>(a.lo)) : IpPrefix{};
        if (family == Ethertype::kIpv6) {
            host.family = Ethertype::kIpv6;
            for (int i = 0; i < 8; ++i) host.addr[i] = static_cast<uint8_t>(a.hi >> (56 - 8 * i));
            for (int i = 0; i < 8; ++i)
                host.addr[8 + i] = static_cast<uint8_t>(a.lo >> (56 - 8 * i));
        }
        host.len = p.len;
        return network_of(host) == p;
    }

    bool matches(const SecurityRule& r, const AclKey& k) const {
        if (r.direction != k.direction || r.ethertype != k.ethertype) return false;
        if (r.protocol && *r.protocol != k.protocol) return false;
        if (r.ports && (k.dst_port < r.ports->min || k.dst_port > r.ports->max)) return false;
        if (r.icmp_type && k.dst_port != *r.icmp_type) return false;
        if (r.icmp_code && k.src_port != *r.icmp_code) return false;
        const AclAddress& remote = k.direction == Direction::kIngress ? k.src : k.dst;
        if (r.remote_prefix && !contains(*r.remote_prefix, remote, k.ethertype)) return false;
        if (!r.remote_group.empty()) {
            auto m = members.find(r.remote_group);
            if (m == members.end()) return false;
            bool any = false;
            for (const IpPrefix& p : m->second) any |= contains(network_of(p), remote, k.ethertype);
            if (!any) return false;
        }
        return true;
    }

    // "allow group/id", "deny group/id", "allow base" or "deny".
    std::string decide(const AclKey& k) const {
        const bool v4 = k.ethertype == Ethertype::kIpv4;
        const bool in = k.direction == Direction::kIngress;
        if (k.protocol == kProtoUdp) {
            const uint16_t client = v4 ? 68 : 546, server = v4 ? 67 : 547;
            if (k.src_port == (in ? server : client) && k.dst_port == (in ? client : server))
                return "allow base";
        }
        if (!v4 && k.protocol == kProtoIcmpv6 && k.dst_port >= 133 && k.dst_port <= 137)
            return "allow base";
        struct Item {
            size_t position;
            const SecurityGroup* g;
            const SecurityRule* r;
        };
        std::vector<Item> items;
        for (size_t i = 0; i < port.size(); ++i)
            if (const SecurityGroup* g = find_group(set, port[i]))
                for (const SecurityRule& r : g->rules) items.push_back({i, g, &r});
        std::sort(items.begin(), items.end(), [](const Item& x, const Item& y) {
            return std::tuple(x.r->priority, x.r->action != Action::kDeny, x.position, x.r->id) <
                   std::tuple(y.r->priority, y.r->action != Action::kDeny, y.position, y.r->id);
        });
        for (const Item& i : items)
            if (matches(*i.r, k))
                return std::string(action_name(i.r->action)) + " " + i.g->name + "/" +
                       std::to_string(i.r->id);
        return "deny";
    }
};

std::string decision_words(const AclClassifier& c, const AclDecision& d) {
    if (d.reason == AclReason::kRule)
        return std::string(d.allow ? "allow " : "deny ") + matched(c, d);
    if (d.reason == AclReason::kNoRule) return d.allow ? "allow?" : "deny";
    return d.allow ? "allow base" : "deny base?";
}

}  // namespace

TEST_CASE("ACL classifier: agrees with the rules read plainly (seeded)", "[acl]") {
    std::mt19937 rng(29);
    const auto pick = [&](unsigned n) { return static_cast<unsigned>(rng() % n); };
    // A small space of values, so that rules and packets meet often.
    const auto address = [&](Ethertype e) {
        if (e == Ethertype::kIpv4)
            return ipv4_host(0x0a000000u | pick(4) << 16 | pick(3) << 8 | (pick(2) ? 1 : 0x81));
        vsw::Ipv6Address a{0x20, 0x01, 0x0d, 0xb8};
        a[7] = static_cast<uint8_t>(pick(2) ? 0 : 0x80);
        a[8] = static_cast<uint8_t>(pick(2) ? 0 : 0x80);
        a[15] = static_cast<uint8_t>(pick(3));
        return ipv6_host(a);
    };
    bool dense = false;  // this round's rules: many, with few prefix lengths, mostly allows
    const auto random_prefix = [&](Ethertype e) {
        IpPrefix p = address(e);
        const unsigned lengths4[] = {0, 8, 16, 23, 24, 25, 31, 32};
        const unsigned lengths6[] = {0, 32, 56, 63, 64, 65, 72, 127, 128};
        // Dense rounds: two lengths, so that runs of rules fill prefix tables.
        if (dense)
            p.len = static_cast<uint8_t>(e == Ethertype::kIpv4 ? (pick(2) ? 24 : 32)
                                                               : (pick(2) ? 64 : 128));
        else
            p.len =
                static_cast<uint8_t>(e == Ethertype::kIpv4 ? lengths4[pick(8)] : lengths6[pick(9)]);
        return network_of(p);
    };
    const char* groups[] = {"g0", "g1", "g2"};
    const auto random_rule = [&]() {
        SecurityRule r;
        r.direction = pick(2) ? Direction::kIngress : Direction::kEgress;
        r.ethertype = pick(2) ? Ethertype::kIpv4 : Ethertype::kIpv6;
        const uint8_t icmp = r.ethertype == Ethertype::kIpv4 ? kProtoIcmp : kProtoIcmpv6;
        const uint8_t protocols[] = {kProtoTcp, kProtoUdp, icmp, 47};
        if (pick(4)) r.protocol = protocols[pick(4)];
        if (r.protocol && has_ports(*r.protocol) && pick(3)) {
            const auto lo = static_cast<uint16_t>(pick(100));
            r.ports = PortRange{lo, static_cast<uint16_t>(lo + pick(3) * pick(20))};
        }
        if (r.protocol == icmp && pick(2)) {
            r.icmp_type = static_cast<uint8_t>(pick(6));
            if (pick(2)) r.icmp_code = static_cast<uint8_t>(pick(3));
        }
        const unsigned remote = pick(4);
        if (remote == 1 || remote == 2) r.remote_prefix = random_prefix(r.ethertype);
        if (remote == 3) r.remote_group = groups[pick(3)];
        if (r.remote_prefix && r.remote_prefix->len == 0) r.remote_prefix.reset();
        if (pick(dense ? 10 : 3) == 0) r.action = Action::kDeny;
        const uint16_t priorities[] = {10, 20, kLowestPriority, kLowestPriority};
        r.priority = dense ? kLowestPriority : priorities[pick(4)];
        return r;
    };
    unsigned compared = 0, allowed = 0, by_rule = 0;
    for (int round = 0; round < 150; ++round) {
        std::vector<SecurityGroup> gs;
        dense = round % 3 == 0;
        const unsigned size = dense ? 200 : 1 + pick(40);
        for (const char* name : groups) {
            SecurityGroup g;
            g.name = name;
            for (unsigned i = 0; i < size; ++i) add_rule(g, random_rule());  // duplicates refused
            gs.push_back(g);
        }
        const SecurityGroupSet s = group_set(gs);
        RemoteGroupMembers members;
        for (int m = 0; m < 3; ++m)
            members["g0"].push_back(address(pick(2) ? Ethertype::kIpv4 : Ethertype::kIpv6));
        members["g0"].push_back(random_prefix(Ethertype::kIpv4));
        for (int m = 0; m < 10; ++m)
            members["g2"].push_back(random_prefix(pick(2) ? Ethertype::kIpv4 : Ethertype::kIpv6));
        std::vector<std::string> port = {"g0", "g1", "g2"};
        std::shuffle(port.begin(), port.end(), rng);
        port.resize(1 + pick(3));
        const AclClassifier c(s, port, members);
        const Reference ref{s, port, members};
        for (int n = 0; n < 400; ++n) {
            AclKey k;
            k.direction = pick(2) ? Direction::kIngress : Direction::kEgress;
            k.ethertype = pick(2) ? Ethertype::kIpv4 : Ethertype::kIpv6;
            const uint8_t icmp = k.ethertype == Ethertype::kIpv4 ? kProtoIcmp : kProtoIcmpv6;
            const uint8_t protocols[] = {kProtoTcp, kProtoUdp, icmp, 47, 50};
            k.protocol = protocols[pick(5)];
            k.src = acl_address(address(k.ethertype));
            k.dst = acl_address(address(k.ethertype));
            if (has_ports(k.protocol)) {
                k.dst_port = static_cast<uint16_t>(pick(130));
                k.src_port = static_cast<uint16_t>(pick(5) ? 40000 + pick(10) : pick(700));
            } else if (k.protocol == icmp) {
                k.dst_port = static_cast<uint16_t>(pick(8) ? pick(7) : 130 + pick(10));
                k.src_port = static_cast<uint16_t>(pick(4));
            }
            const std::string want = ref.decide(k);
            const std::string got = decision_words(c, c.classify(k));
            INFO("round " << round << " key " << n);
            REQUIRE(got == want);
            ++compared;
            allowed += want.rfind("allow", 0) == 0;
            by_rule += want.find('/') != std::string::npos;
        }
    }
    // The comparison saw all kinds of decisions.
    CHECK(compared == 150 * 400);
    CHECK(allowed > compared / 10);
    CHECK(allowed < compared * 9 / 10);
    CHECK(by_rule > compared / 10);
}
