// The switch's security groups (acl/security_group_set.h): groups and rules through the
// commands, remote groups that must exist, bounds, and the state file's section.
#include "acl/security_group_set.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "tests/acl/acl_lab.h"

using namespace vsw::acl;
using namespace vsw::acl::testing;
using nlohmann::json;

namespace {

// Runs `vswctl acl WORDS...` on `s`: "" or the error (the parser's or the set's).
std::string run(SecurityGroupSet& s, const std::vector<std::string>& words,
                uint32_t* id = nullptr) {
    AclCommand c;
    if (auto e = parse_acl_command(words, c); !e.empty()) return e;
    return apply_acl_command(s, c, id);
}

}  // namespace

TEST_CASE("Security group set: groups and rules through the commands", "[acl]") {
    SecurityGroupSet s;
    CHECK(run(s, {"group-add", "web"}) == "");
    CHECK(run(s, {"group-add", "db"}) == "");
    CHECK(run(s, {"group-add", "web"}) == "security group 'web' exists");
    REQUIRE(s.groups.size() == 2);
    CHECK(s.groups[0].name == "db");  // by name
    CHECK(find_group(s, "web")->rules.size() == 2);
    CHECK(find_group(s, "nope") == nullptr);

    uint32_t id = 0;
    CHECK(run(s,
              {"rule-add", "db", "direction=ingress", "protocol=tcp", "port=5432",
               "remote-group=web"},
              &id) == "");
    CHECK(id == 3);
    CHECK(run(s, {"rule-add", "web", "direction=ingress", "remote-group=web"}, &id) == "");
    CHECK(run(s, {"rule-add", "web", "direction=ingress", "remote-group=app"}) ==
          "remote-group: no security group 'app'");
    CHECK(run(s, {"rule-add", "app", "direction=ingress"}) == "no security group 'app'");
    CHECK(run(s, {"rule-add", "db", "direction=ingress", "protocol=tcp", "port=5432",
                  "remote-group=web"}) == "group 'db' has this rule already: rule 3");
    CHECK(run(s, {"show"}) == "");
    CHECK(run(s, {"show", "db"}) == "");
    CHECK(run(s, {"show", "app"}) == "no security group 'app'");

    // A group another group's rule names stays; its own rules naming it do not hold it.
    CHECK(run(s, {"group-del", "web"}) ==
          "security group 'web' is in use: group 'db' rule 3 names it as remote-group");
    CHECK(run(s, {"rule-del", "db", "3"}) == "");
    CHECK(run(s, {"rule-del", "db", "3"}) == "group 'db' has no rule 3");
    CHECK(run(s, {"rule-del", "app", "3"}) == "no security group 'app'");
    CHECK(run(s, {"group-del", "web"}) == "");
    CHECK(run(s, {"group-del", "web"}) == "no security group 'web'");
    CHECK(s.groups.size() == 1);

    CHECK(check_port_groups(s, {"db"}) == "");
    CHECK(check_port_groups(s, {"db", "web"}) == "security-groups: no security group 'web'");
}

TEST_CASE("Security group set: at most 256 groups", "[acl]") {
    SecurityGroupSet s;
    for (unsigned i = 0; i < kMaxGroups; ++i) REQUIRE(add_group(s, "g" + std::to_string(i)) == "");
    CHECK(add_group(s, "one-more") == "the switch has 256 security groups, the most it takes");
    CHECK(add_group(s, "g1") == "security group 'g1' exists");  // that reason first
    CHECK(add_group(s, "a b").find("may contain only") != std::string::npos);
    for (size_t i = 1; i < s.groups.size(); ++i) CHECK(s.groups[i - 1].name < s.groups[i].name);
    CHECK(delete_group(s, "g7") == "");
    CHECK(add_group(s, "one-more") == "");
}

TEST_CASE("Security group set: JSON round trip and refusals", "[acl]") {
    SecurityGroupSet s;
    REQUIRE(run(s, {"group-add", "web"}) == "");
    REQUIRE(run(s, {"group-add", "db"}) == "");
    REQUIRE(run(s, {"rule-add", "db", "direction=ingress", "protocol=tcp", "port=5432",
                    "remote-group=web"}) == "");
    REQUIRE(run(s, {"rule-add", "web", "direction=ingress", "ethertype=ipv6", "protocol=tcp",
                    "port=443"}) == "");
    const json j = to_json(s);
    REQUIRE(j.is_array());
    CHECK(j[0]["name"] == "db");
    CHECK(security_group_set_from_json(j) == s);
    CHECK(security_group_set_from_json(json::parse(j.dump())) == s);
    CHECK(security_group_set_from_json(json::array()) == SecurityGroupSet{});
    // Any order in the file; kept by name.
    json reversed = json::array({j[1], j[0]});
    CHECK(security_group_set_from_json(reversed) == s);

    const auto error = [](const json& x) {
        try {
            security_group_set_from_json(x);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(error(json::object()) == "'security-groups' must be a list of groups");
    CHECK(error(json::array({j[0], j[0]})) == "security group 'db' is there twice");
    CHECK(error(json::array({j[0]})) ==
          "security group 'db' rule 3: remote-group: no security group 'web'");
    json many = json::array();
    for (unsigned i = 0; i <= kMaxGroups; ++i)
        many.push_back(to_json(make_security_group("g" + std::to_string(i))));
    CHECK(error(many) == "more than 256 security groups");
}
