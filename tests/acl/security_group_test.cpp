// Security groups and their rules (acl/security_group.h): Neutron's defaults, stable ids,
// duplicates and bounds, and the state file's form.
#include "acl/security_group.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "tests/acl/acl_lab.h"

using namespace vsw::acl;
using namespace vsw::acl::testing;
using nlohmann::json;

TEST_CASE("Security group: a new group has Neutron's two egress allow-all rules", "[acl]") {
    const SecurityGroup g = make_security_group("web");
    CHECK(g.name == "web");
    REQUIRE(g.rules.size() == 2);
    CHECK(g.rules[0].id == 1);
    CHECK(rule_words(g.rules[0]) == "direction=egress ethertype=ipv4");
    CHECK(g.rules[1].id == 2);
    CHECK(rule_words(g.rules[1]) == "direction=egress ethertype=ipv6");
    CHECK(g.next_rule_id == 3);
}

TEST_CASE("Security group: rule ids are stable and never reused", "[acl]") {
    SecurityGroup g = make_security_group("web");
    uint32_t id = 0;
    CHECK(add_rule(g, rule("direction=ingress protocol=tcp port=22"), &id) == "");
    CHECK(id == 3);
    CHECK(add_rule(g, rule("direction=ingress protocol=tcp port=80"), &id) == "");
    CHECK(id == 4);
    CHECK(delete_rule(g, 3) == "");
    CHECK(find_rule(g, 3) == nullptr);
    REQUIRE(find_rule(g, 4) != nullptr);
    CHECK(find_rule(g, 4)->ports->min == 80);
    // The deleted rule's id is not given again, even to the same rule.
    CHECK(add_rule(g, rule("direction=ingress protocol=tcp port=22"), &id) == "");
    CHECK(id == 5);
    CHECK(delete_rule(g, 3) == "group 'web' has no rule 3");
    CHECK(delete_rule(g, 1) == "");
    CHECK(g.rules.front().id == 2);
}

TEST_CASE("Security group: the same rule twice is refused, naming the first", "[acl]") {
    SecurityGroup g = make_security_group("web");
    CHECK(add_rule(g, rule("direction=egress")) == "group 'web' has this rule already: rule 1");
    CHECK(add_rule(g, rule("direction=egress remote=0.0.0.0/0")) ==
          "group 'web' has this rule already: rule 1");
    CHECK(add_rule(g, rule("direction=ingress protocol=tcp port=22")) == "");
    CHECK(add_rule(g, rule("direction=ingress protocol=6 port=22-22")) ==
          "group 'web' has this rule already: rule 3");
    // A different action, priority or remote is another rule.
    CHECK(add_rule(g, rule("direction=ingress protocol=tcp port=22 action=deny")) == "");
    CHECK(add_rule(g, rule("direction=ingress protocol=tcp port=22 action=deny priority=5")) == "");
    CHECK(add_rule(g, rule("direction=ingress protocol=tcp port=22 remote=10.0.0.0/8")) == "");
    CHECK(g.rules.size() == 6);
    CHECK(rule("direction=egress").same_as(g.rules[0]));
    CHECK_FALSE(rule("direction=egress") == g.rules[0]);  // the id differs
}

TEST_CASE("Security group: at most 1000 rules", "[acl]") {
    SecurityGroup g;
    g.name = "big";
    for (unsigned i = 0; i < kMaxRulesPerGroup; ++i)
        REQUIRE(add_rule(g, rule("direction=ingress protocol=udp port=" + std::to_string(i))) ==
                "");
    CHECK(add_rule(g, rule("direction=ingress protocol=udp port=5000")) ==
          "group 'big' has 1000 rules, the most a group may have");
    CHECK(g.rules.size() == kMaxRulesPerGroup);
    CHECK(delete_rule(g, 1) == "");
    CHECK(add_rule(g, rule("direction=ingress protocol=udp port=5000")) == "");
    CHECK(g.rules.back().id == kMaxRulesPerGroup + 1);
    g.next_rule_id = UINT32_MAX;
    CHECK(delete_rule(g, 2) == "");
    CHECK(add_rule(g, rule("direction=ingress protocol=udp port=5001")) ==
          "group 'big' has no rule ids left");
}

TEST_CASE("Security group: names", "[acl]") {
    CHECK(validate_group_name("web") == "");
    CHECK(validate_group_name("Web_1.prod-a") == "");
    CHECK(validate_group_name(std::string(64, 'x')) == "");
    CHECK(validate_group_name(std::string(65, 'x')) == "a group name must be 1 to 64 characters");
    CHECK(validate_group_name("") == "a group name must be 1 to 64 characters");
    CHECK(validate_group_name("a b").find("may contain only") != std::string::npos);
    CHECK(validate_group_name("a,b").find("may contain only") != std::string::npos);
    CHECK(validate_group_name("a=b").find("may contain only") != std::string::npos);
    CHECK(validate_group_name("none").find("cannot name a group") != std::string::npos);
}

TEST_CASE("Security group: rules set field by field are checked too", "[acl]") {
    SecurityRule r;
    r.ports = PortRange{10, 5};
    r.protocol = kProtoTcp;
    CHECK(validate_rule(r) == "port range 10-5 is backwards");
    r = SecurityRule{};
    r.remote_prefix = IpPrefix{Ethertype::kIpv4, {10, 0, 0, 1}, 8};
    CHECK(validate_rule(r) == "remote 10.0.0.1/8 has bits set past its length");
    r.remote_prefix = IpPrefix{Ethertype::kIpv4, {10, 0, 0, 0, 1}, 8};  // past the IPv4 bytes
    CHECK(validate_rule(r).find("has bits set past its length") != std::string::npos);
    r.remote_prefix = IpPrefix{Ethertype::kIpv4, {}, 33};
    CHECK(validate_rule(r).find("has bits set past its length") != std::string::npos);
    r.remote_prefix = ipv4_host(0x0a000001);
    CHECK(validate_rule(r) == "");
    SecurityGroup g;
    CHECK(add_rule(g, r) == "");
    r.icmp_type = 3;
    CHECK(add_rule(g, r).find("icmp-type and icmp-code apply") != std::string::npos);
    CHECK(g.rules.size() == 1);
}

TEST_CASE("Security group: JSON round trip", "[acl]") {
    SecurityGroup g = make_security_group("web");
    REQUIRE(add_rule(g, rule("direction=ingress protocol=tcp port=22 remote=10.0.0.0/8")) == "");
    REQUIRE(add_rule(g, rule("direction=ingress protocol=icmp icmp-type=8 icmp-code=0")) == "");
    REQUIRE(add_rule(g, rule("direction=ingress ethertype=ipv6 protocol=tcp port=443 "
                             "remote=2001:db8::/32 action=deny priority=100")) == "");
    REQUIRE(add_rule(g, rule("direction=ingress remote-group=web")) == "");
    REQUIRE(delete_rule(g, 2) == "");
    const json j = to_json(g);
    CHECK(j["name"] == "web");
    CHECK(j["next-rule-id"] == 7);
    CHECK(j["rules"].size() == 5);
    CHECK(j["rules"][1] == json::parse(R"({"id": 3, "direction": "ingress", "ethertype": "ipv4",
        "protocol": "tcp", "port": "22", "remote": "10.0.0.0/8"})"));
    CHECK(security_group_from_json(j) == g);
    CHECK(security_group_from_json(json::parse(j.dump())) == g);
    CHECK(security_rule_from_json(to_json(g.rules[3])) == g.rules[3]);
}

TEST_CASE("Security group: JSON refused with the reason", "[acl]") {
    const auto group_error = [](const std::string& text) {
        try {
            security_group_from_json(json::parse(text));
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(group_error("[]") == "a security group must be an object");
    CHECK(group_error(R"({"next-rule-id": 1, "rules": []})") == "a security group needs its name");
    CHECK(group_error(R"({"name": "a b", "next-rule-id": 1, "rules": []})").find("may contain") !=
          std::string::npos);
    CHECK(group_error(R"({"name": "w", "rules": []})") ==
          "security group 'w': next-rule-id must be a number from 1");
    CHECK(group_error(R"({"name": "w", "next-rule-id": 0, "rules": []})").find("from 1") !=
          std::string::npos);
    CHECK(group_error(R"({"name": "w", "next-rule-id": "3", "rules": []})").find("from 1") !=
          std::string::npos);
    CHECK(group_error(R"({"name": "w", "next-rule-id": 1})") ==
          "security group 'w': rules must be a list");
    CHECK(group_error(R"({"name": "w", "next-rule-id": 1, "rules": [], "colour": 1})") ==
          "a security group has no 'colour' (name, next-rule-id, rules)");
    CHECK(group_error(
              R"({"name": "w", "next-rule-id": 2, "rules": [{"id": 2, "direction": "egress"}]})") ==
          "security group 'w': rule 2 is not below next-rule-id");
    CHECK(group_error(R"({"name": "w", "next-rule-id": 9, "rules": [
        {"id": 3, "direction": "egress"}, {"id": 2, "direction": "ingress"}]})") ==
          "security group 'w': rule ids must ascend (2 after 3)");
    CHECK(group_error(R"({"name": "w", "next-rule-id": 9, "rules": [
        {"id": 2, "direction": "egress"},
        {"id": 3, "direction": "egress", "protocol": "any"}]})") ==
          "security group 'w': rule 3 repeats rule 2");
    CHECK(group_error(R"({"name": "w", "next-rule-id": 9, "rules": [{"direction": "egress"}]})") ==
          "security group 'w': a rule needs its id");
    CHECK(group_error(
              R"({"name": "w", "next-rule-id": 9, "rules": [{"id": 0, "direction": "egress"}]})") ==
          "security group 'w': a rule's id must be a number from 1");
    CHECK(
        group_error(R"({"name": "w", "next-rule-id": 9, "rules": [{"id": 1, "direction": 1}]})") ==
        "security group 'w': rule setting 'direction' must be a string");
    CHECK(group_error(
              R"({"name": "w", "next-rule-id": 9, "rules": [{"id": 1, "direction": "up"}]})") ==
          "security group 'w': rule 1: direction must be ingress or egress, not 'up'");
    CHECK(group_error(R"({"name": "w", "next-rule-id": 9, "rules": [{"id": 1}]})") ==
          "security group 'w': rule 1: a rule needs direction=ingress or direction=egress");
    CHECK(group_error(R"({"name": "w", "next-rule-id": 9, "rules": [7]})") ==
          "security group 'w': a rule must be an object");
    json many = {{"name", "w"}, {"next-rule-id", 2000}, {"rules", json::array()}};
    for (int i = 1; i <= 1001; ++i)
        many["rules"].push_back(
            {{"id", i}, {"direction", "ingress"}, {"protocol", std::to_string(i % 256)}});
    CHECK(group_error(many.dump()) == "security group 'w': more than 1000 rules");
}
