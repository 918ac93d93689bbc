// The operator's words for security groups (acl/acl_syntax.h): every key and each refusal, the
// one form of a rule, and the `vswctl acl` commands.
#include "acl/acl_syntax.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/acl/acl_lab.h"

using namespace vsw::acl;
using namespace vsw::acl::testing;

TEST_CASE("ACL syntax: a rule with every key, and back to the same words", "[acl]") {
    const SecurityRule r = rule(
        "direction=ingress ethertype=ipv4 protocol=tcp port=8000-8080 remote=10.0.0.0/8 "
        "action=deny priority=10");
    CHECK(r.id == 0);
    CHECK(r.direction == Direction::kIngress);
    CHECK(r.ethertype == Ethertype::kIpv4);
    CHECK(r.protocol == kProtoTcp);
    REQUIRE(r.ports);
    CHECK(r.ports->min == 8000);
    CHECK(r.ports->max == 8080);
    REQUIRE(r.remote_prefix);
    CHECK(format_prefix(*r.remote_prefix) == "10.0.0.0/8");
    CHECK(r.action == Action::kDeny);
    CHECK(r.priority == 10);
    CHECK(rule_words(r) ==
          "direction=ingress ethertype=ipv4 protocol=tcp port=8000-8080 remote=10.0.0.0/8 "
          "action=deny priority=10");

    const SecurityRule i = rule(
        "icmp-code=0 icmp-type=8 protocol=icmp direction=egress remote-group=web");  // any order
    CHECK(rule_words(i) ==
          "direction=egress ethertype=ipv4 protocol=icmp icmp-type=8 icmp-code=0 remote-group=web");

    const SecurityRule six =
        rule("direction=ingress ethertype=ipv6 protocol=icmpv6 icmp-type=128 remote=2001:db8::/32");
    CHECK(rule_words(six) ==
          "direction=ingress ethertype=ipv6 protocol=icmpv6 icmp-type=128 remote=2001:db8::/32");
    // Settings in, settings out: the same rule.
    SecurityRule again;
    CHECK(parse_rule(rule_settings(six), again) == "");
    CHECK(again == six);
}

TEST_CASE("ACL syntax: defaults, and words for 'anything' are stored as absent", "[acl]") {
    const SecurityRule r = rule("direction=egress");
    CHECK(r.ethertype == Ethertype::kIpv4);  // Neutron's default
    CHECK_FALSE(r.protocol);
    CHECK_FALSE(r.ports);
    CHECK_FALSE(r.remote_prefix);
    CHECK(r.remote_group.empty());
    CHECK(r.action == Action::kAllow);
    CHECK(r.priority == kLowestPriority);
    CHECK(rule_words(r) == "direction=egress ethertype=ipv4");
    CHECK(rule("direction=egress protocol=any") == r);
    CHECK(rule("direction=egress remote=0.0.0.0/0") == r);
    CHECK(rule("direction=egress action=allow priority=65535") == r);
    CHECK(rule("direction=egress ethertype=ipv6 remote=::/0") ==
          rule("direction=egress ethertype=ipv6"));
    CHECK(rule("direction=ingress protocol=udp port=0-65535") ==
          rule("direction=ingress protocol=udp"));
}

TEST_CASE("ACL syntax: protocols by name and number", "[acl]") {
    CHECK(rule("direction=ingress protocol=6").protocol == kProtoTcp);
    CHECK(rule_words(rule("direction=ingress protocol=6 port=22")) ==
          "direction=ingress ethertype=ipv4 protocol=tcp port=22");
    CHECK(rule("direction=ingress protocol=udp").protocol == kProtoUdp);
    CHECK(rule("direction=ingress protocol=sctp port=9").protocol == kProtoSctp);
    CHECK(rule("direction=ingress protocol=dccp port=9").protocol == kProtoDccp);
    CHECK(rule("direction=ingress protocol=udplite port=9").protocol == kProtoUdplite);
    CHECK(rule("direction=ingress protocol=0").protocol == 0);
    CHECK(rule("direction=ingress protocol=255").protocol == 255);
    CHECK(rule("direction=ingress protocol=47").protocol == 47);
    CHECK(protocol_name(47) == "47");
    // Neutron's name for ICMPv6.
    CHECK(rule("direction=ingress ethertype=ipv6 protocol=ipv6-icmp").protocol == kProtoIcmpv6);
    CHECK(protocol_name(kProtoIcmpv6) == "icmpv6");
    // One port: min == max.
    const SecurityRule one = rule("direction=ingress protocol=tcp port=22");
    CHECK(one.ports->min == 22);
    CHECK(one.ports->max == 22);
    CHECK(rule("direction=ingress protocol=tcp port=0").ports->max == 0);
    CHECK(rule("direction=ingress protocol=tcp port=65535").ports->min == 65535);
    CHECK(rule("direction=ingress protocol=tcp port=1-65535").ports->min == 1);
}

TEST_CASE("ACL syntax: remotes, IPv4 and IPv6", "[acl]") {
    IpPrefix p;
    CHECK(parse_prefix("10.1.2.3", p) == "");
    CHECK(format_prefix(p) == "10.1.2.3/32");
    CHECK(parse_prefix("2001:db8::1", p) == "");
    CHECK(p.family == Ethertype::kIpv6);
    CHECK(p.len == 128);
    CHECK(format_prefix(p) == "2001:db8::1/128");
    CHECK(parse_prefix("2001:db8:8000::/33", p) == "");
    CHECK(format_prefix(p) == "2001:db8:8000::/33");
    CHECK(parse_prefix("0.0.0.0/0", p) == "");
    CHECK(p.len == 0);
    CHECK(parse_prefix("10.0.0.1/8", p).find("host bits set: the network is 10.0.0.0/8") !=
          std::string::npos);
    CHECK(parse_prefix("2001:db8::1/64", p).find("the network is 2001:db8::/64") !=
          std::string::npos);
    CHECK(parse_prefix("10.0.0.0/33", p).find("not an IPv4") != std::string::npos);
    CHECK(parse_prefix("2001:db8::/129", p).find("not an IPv6") != std::string::npos);
    CHECK(parse_prefix("10.0.0", p).find("not an IPv4") != std::string::npos);
    CHECK(parse_prefix("", p).find("not an IPv4") != std::string::npos);
    CHECK(parse_prefix("10.0.0.0/", p).find("not an IPv4") != std::string::npos);
    CHECK(parse_prefix("fe80::1%eth0", p).find("not an IPv6") != std::string::npos);
    CHECK(rule("direction=ingress remote=192.0.2.7").remote_prefix->len == 32);
    CHECK(rule("direction=ingress ethertype=ipv6 remote=2001:db8::7").remote_prefix->len == 128);
}

TEST_CASE("ACL syntax: every refusal says what is wrong", "[acl]") {
    struct Case {
        const char* words;    // after rule-add g
        const char* message;  // part of the error
    };
    const Case cases[] = {
        {"protocol=tcp", "a rule needs direction=ingress or direction=egress"},
        {"direction=in", "direction must be ingress or egress, not 'in'"},
        {"direction=ingress ethertype=IPv4", "ethertype must be ipv4 or ipv6, not 'IPv4'"},
        {"direction=ingress protocol=gre", "protocol must be tcp, udp, icmp"},
        {"direction=ingress protocol=256", "protocol must be"},
        {"direction=ingress protocol=-1", "protocol must be"},
        {"direction=ingress protocol=", "protocol must be"},
        {"direction=ingress protocol=tcp port=", "port must be P or MIN-MAX"},
        {"direction=ingress protocol=tcp port=65536", "port must be P or MIN-MAX"},
        {"direction=ingress protocol=tcp port=http", "port must be P or MIN-MAX"},
        {"direction=ingress protocol=tcp port=1-", "port must be P or MIN-MAX"},
        {"direction=ingress protocol=tcp port=1-2-3", "port must be P or MIN-MAX"},
        {"direction=ingress protocol=tcp port=22,80", "port must be P or MIN-MAX"},
        {"direction=ingress protocol=tcp port=8080-8000", "port range 8080-8000 is backwards"},
        {"direction=ingress port=22", "port applies to protocol tcp, udp, sctp, dccp or udplite"},
        {"direction=ingress protocol=icmp port=22", "port applies to protocol tcp"},
        {"direction=ingress protocol=47 port=22", "port applies to protocol tcp"},
        {"direction=ingress protocol=tcp icmp-type=8", "icmp-type and icmp-code apply to"},
        {"direction=ingress icmp-type=8", "icmp-type and icmp-code apply to"},
        {"direction=ingress protocol=icmp icmp-code=0", "icmp-code needs icmp-type"},
        {"direction=ingress protocol=icmp icmp-type=256", "icmp-type must be 0-255"},
        {"direction=ingress protocol=icmp icmp-type=8 icmp-code=x", "icmp-code must be 0-255"},
        {"direction=ingress ethertype=ipv6 protocol=icmp",
         "with ethertype=ipv6 use protocol=icmpv6"},
        {"direction=ingress protocol=icmpv6", "with ethertype=ipv4 use protocol=icmp"},
        {"direction=ingress remote=2001:db8::/32", "is IPv6: it does not go with ethertype=ipv4"},
        {"direction=ingress ethertype=ipv6 remote=10.0.0.0/8", "is IPv4: it does not go with"},
        {"direction=ingress ethertype=ipv6 remote=0.0.0.0/0", "is IPv4"},
        {"direction=ingress remote=10.0.0.1/8", "host bits set"},
        {"direction=ingress remote=any", "remote: 'any' is not an IPv4 address"},
        {"direction=ingress remote=10.0.0.0/8 remote-group=web", "exclude each other"},
        {"direction=ingress remote-group=", "remote-group needs a group's name"},
        {"direction=ingress remote-group=we/b", "may contain only letters"},
        {"direction=ingress remote-group=none", "'none' cannot name a group"},
        {"direction=ingress action=drop", "action must be allow or deny, not 'drop'"},
        {"direction=ingress priority=65536", "priority must be 0-65535"},
        {"direction=ingress priority=high", "priority must be 0-65535"},
        {"direction=ingress direction=egress", "'direction' is given twice"},
        {"direction=ingress port-min=22", "unknown rule key 'port-min' (direction, ethertype"},
        {"direction=ingress =22", "expected KEY=VALUE, got '=22'"},
        {"direction=ingress tcp", "expected KEY=VALUE, got 'tcp'"},
    };
    for (const Case& c : cases) {
        INFO(c.words);
        const std::string e = rule_error(c.words);
        CHECK(e.find(c.message) != std::string::npos);
    }
}

TEST_CASE("ACL syntax: the commands", "[acl]") {
    AclCommand c;
    CHECK(parse_acl_command({"group-add", "web"}, c) == "");
    CHECK(c.verb == AclVerb::kGroupAdd);
    CHECK(c.group == "web");
    CHECK(parse_acl_command({"group-del", "web"}, c) == "");
    CHECK(c.verb == AclVerb::kGroupDel);
    CHECK(parse_acl_command({"rule-add", "web", "direction=ingress", "protocol=tcp", "port=22"},
                            c) == "");
    CHECK(c.verb == AclVerb::kRuleAdd);
    CHECK(c.group == "web");
    CHECK(rule_words(c.rule) == "direction=ingress ethertype=ipv4 protocol=tcp port=22");
    CHECK(parse_acl_command({"rule-del", "web", "7"}, c) == "");
    CHECK(c.verb == AclVerb::kRuleDel);
    CHECK(c.rule_id == 7);
    CHECK(parse_acl_command({"show"}, c) == "");
    CHECK(c.verb == AclVerb::kShow);
    CHECK(c.group.empty());
    CHECK(parse_acl_command({"show", "web"}, c) == "");
    CHECK(c.group == "web");

    struct Case {
        std::vector<std::string> words;  // after acl
        const char* message;             // part of the error
    };
    const Case cases[] = {
        {{}, "acl needs a command"},
        {{"add"}, "unknown acl command 'add'"},
        {{"group-add"}, "usage: acl group-add GROUP"},
        {{"group-add", "a", "b"}, "usage: acl group-add GROUP"},
        {{"group-del"}, "usage: acl group-del GROUP"},
        {{"group-add", "none"}, "'none' cannot name a group"},
        {{"group-add", std::string(65, 'a')}, "1 to 64 characters"},
        {{"group-add", "w b"}, "may contain only letters"},
        {{"rule-add", "web"}, "usage: acl rule-add GROUP KEY=VALUE"},
        {{"rule-add", "web", "protocol=tcp"}, "a rule needs direction"},
        {{"rule-add", "-", "direction=ingress"}, ""},  // '-' is a valid name: no error
        {{"rule-del", "web"}, "usage: acl rule-del GROUP RULE-ID"},
        {{"rule-del", "web", "0"}, "a rule id is a number from 1"},
        {{"rule-del", "web", "x"}, "a rule id is a number from 1"},
        {{"rule-del", "web", "4294967295"}, "a rule id is a number from 1"},
        {{"show", "a", "b"}, "usage: acl show [GROUP]"},
    };
    for (const Case& k : cases) {
        INFO((k.words.empty() ? "(none)" : k.words[0]));
        AclCommand out;
        out.rule_id = 99;
        const std::string e = parse_acl_command(k.words, out);
        if (*k.message == 0) {
            CHECK(e == "");
            continue;
        }
        CHECK(e.find(k.message) != std::string::npos);
        CHECK(out.rule_id == 99);  // untouched
    }
}
