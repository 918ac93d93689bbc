#include "src/libvirt/reconcile.h"

#include <catch2/catch.hpp>

#include "acl/acl_syntax.h"

using namespace vsw;
using namespace vsw::libvirt;
using Kind = PortChange::Kind;

namespace {

PortConfig port(const std::string& name, const std::string& owner, const std::string& socket = "") {
    PortConfig p;
    p.name = name;
    p.owner = owner;
    p.socket = socket.empty() ? "/d/" + name : socket;
    return p;
}

bool owned_by_a(const PortConfig& p) {
    return p.owner == "libvirt:a";
}

std::string kinds(const Plan& plan) {
    std::string s;
    for (const auto& c : plan.changes)
        s += (c.kind == Kind::kAdd      ? "+"
              : c.kind == Kind::kDelete ? "-"
                                        : "~") +
             c.config.name + " ";
    return s;
}

}  // namespace

TEST_CASE("missing ports are added, stale ones deleted, changed ones updated", "[libvirt]") {
    PortConfig changed = port("a-2", "libvirt:a");
    changed.tag = 10;
    changed.vlan_mode = VlanMode::kAccess;
    std::vector<PortConfig> current = {port("a-1", "libvirt:a"), port("a-2", "libvirt:a"),
                                       port("a-old", "libvirt:a"), port("b-1", "libvirt:b"),
                                       port("mine", "")};
    std::vector<PortConfig> wanted = {port("a-1", "libvirt:a"), changed, port("a-3", "libvirt:a")};
    Plan plan = plan_changes(wanted, current, owned_by_a);
    CHECK(kinds(plan) == "-a-old ~a-2 +a-3 ");  // deletions first; a-1 is already right
    CHECK(plan.changes[1].config.tag == 10);
    CHECK(plan.log.empty());
}

TEST_CASE("nothing to do when vswd already has the wanted ports", "[libvirt]") {
    std::vector<PortConfig> ports = {port("a-1", "libvirt:a"), port("a-2", "libvirt:a")};
    CHECK(plan_changes(ports, ports, owned_by_a).changes.empty());
}

TEST_CASE("a new socket or type means a new port", "[libvirt]") {
    Plan plan = plan_changes({port("a-1", "libvirt:a", "/d/new")},
                             {port("a-1", "libvirt:a", "/d/old")}, owned_by_a);
    CHECK(kinds(plan) == "-a-1 +a-1 ");
}

TEST_CASE("names held by the operator or another domain are conflicts, not takeovers",
          "[libvirt]") {
    Plan plan = plan_changes({port("x", "libvirt:a"), port("y", "libvirt:a")},
                             {port("x", ""), port("y", "libvirt:b")}, owned_by_a);
    CHECK(plan.changes.empty());
    REQUIRE(plan.log.size() == 2);
    CHECK_THAT(plan.log[0], Catch::Contains("the operator created"));
    CHECK_THAT(plan.log[1], Catch::Contains("libvirt:b"));
}

TEST_CASE("ports outside the managed set are never deleted", "[libvirt]") {
    Plan plan = plan_changes({}, {port("b-1", "libvirt:b"), port("mine", "")}, owned_by_a);
    CHECK(plan.changes.empty());
}

// ---- security groups ----

namespace {

using GKind = GroupChange::Kind;
using acl::SecurityRule;

SecurityRule rule(const std::string& words, uint32_t id = 0) {
    std::vector<std::string> args = {"rule-add", "g"};
    std::string w;
    for (char c : words + " ") {
        if (c != ' ') {
            w += c;
        } else if (!w.empty()) {
            args.push_back(w);
            w.clear();
        }
    }
    acl::AclCommand c;
    INFO(words);
    REQUIRE(acl::parse_acl_command(args, c).empty());
    c.rule.id = id;
    return c.rule;
}

// "+r:WORDS", "-r:ID", "+g:NAME", "-g:NAME", one per line.
std::string steps(const std::vector<GroupChange>& changes) {
    std::string s;
    for (const auto& c : changes) switch (c.kind) {
            case GKind::kCreate: s += "+g:" + c.group + "\n"; break;
            case GKind::kDelete: s += "-g:" + c.group + "\n"; break;
            case GKind::kAddRule: s += "+r:" + acl::rule_words(c.rule) + "\n"; break;
            case GKind::kDeleteRule: s += "-r:" + std::to_string(c.rule.id) + "\n"; break;
        }
    return s;
}

std::vector<SecurityRule> ssh() {
    return {rule("direction=ingress protocol=tcp port=22 priority=1"),
            rule("direction=ingress protocol=icmp priority=2"),
            rule("direction=egress priority=3")};
}

PortConfig grouped(const std::string& name, const std::string& owner) {
    PortConfig p = port(name, owner);
    p.acl.groups = {filter_group_name(name)};
    return p;
}

}  // namespace

TEST_CASE("a new group loses Neutron's defaults first, then gets its rules in order",
          "[libvirt][nwfilter]") {
    CHECK(steps(plan_group_rules("nwf-a-1", ssh(), nullptr)) ==
          "+g:nwf-a-1\n"
          "-r:2\n"  // the IPv6 egress default, then the IPv4 one: last decided first
          "-r:1\n"
          "+r:direction=ingress ethertype=ipv4 protocol=tcp port=22 priority=1\n"
          "+r:direction=ingress ethertype=ipv4 protocol=icmp priority=2\n"
          "+r:direction=egress ethertype=ipv4 priority=3\n");
    // A default the filter wants too stays.
    CHECK(steps(plan_group_rules("nwf-a-1", {rule("direction=egress")}, nullptr)) ==
          "+g:nwf-a-1\n-r:2\n");
}

TEST_CASE("a group that holds the rules already, in any order and ids, is left alone",
          "[libvirt][nwfilter]") {
    const std::vector<SecurityRule> have = {
        rule("direction=egress priority=3", 7),
        rule("direction=ingress protocol=tcp port=22 priority=1", 9),
        rule("direction=ingress protocol=icmp priority=2", 8),
    };
    CHECK(plan_group_rules("nwf-a-1", ssh(), &have).empty());
}

TEST_CASE(
    "a changed filter: new rules added in decision order, then old ones deleted from the last",
    "[libvirt][nwfilter]") {
    // Port 22 -> 2222 and a deny inserted: priorities shift, so most rules are new words.
    const std::vector<SecurityRule> have = {
        rule("direction=ingress protocol=tcp port=22 priority=1", 4),
        rule("direction=ingress protocol=icmp priority=2", 5),
        rule("direction=egress priority=3", 6),
    };
    const std::vector<SecurityRule> want = {
        rule("direction=ingress protocol=tcp port=2222 priority=1"),
        rule("direction=ingress remote=192.0.2.0/24 action=deny priority=2"),
        rule("direction=ingress protocol=icmp priority=3"),
        rule("direction=egress priority=4"),
    };
    CHECK(steps(plan_group_rules("g", want, &have)) ==
          "+r:direction=ingress ethertype=ipv4 protocol=tcp port=2222 priority=1\n"
          "+r:direction=ingress ethertype=ipv4 remote=192.0.2.0/24 action=deny priority=2\n"
          "+r:direction=ingress ethertype=ipv4 protocol=icmp priority=3\n"
          "+r:direction=egress ethertype=ipv4 priority=4\n"
          "-r:6\n-r:5\n-r:4\n");
    // Only one rule changed: only it.
    const std::vector<SecurityRule> one = {
        rule("direction=ingress protocol=tcp port=2222 priority=1"),
        rule("direction=ingress protocol=icmp priority=2"),
        rule("direction=egress priority=3"),
    };
    CHECK(steps(plan_group_rules("g", one, &have)) ==
          "+r:direction=ingress ethertype=ipv4 protocol=tcp port=2222 priority=1\n-r:4\n");
    // Ties: deny before allow, in adding as in deleting.
    const std::vector<SecurityRule> tie = {rule("direction=ingress protocol=udp priority=5"),
                                           rule("direction=ingress protocol=tcp action=deny "
                                                "priority=5")};
    CHECK(steps(plan_group_rules("g", tie, &have))
              .rfind("+r:direction=ingress ethertype=ipv4 protocol=tcp action=deny priority=5\n"
                     "+r:direction=ingress ethertype=ipv4 protocol=udp priority=5\n",
                     0) == 0);
}

TEST_CASE("a group that cannot hold both lists is emptied first", "[libvirt][nwfilter]") {
    std::vector<SecurityRule> have, want;
    for (unsigned i = 0; i < 600; ++i) {
        have.push_back(rule("direction=ingress protocol=tcp port=" + std::to_string(i + 1) +
                                " priority=" + std::to_string(i + 1),
                            i + 1));
        want.push_back(rule("direction=ingress protocol=udp port=" + std::to_string(i + 1) +
                            " priority=" + std::to_string(i + 1)));
    }
    auto s = plan_group_rules("g", want, &have);
    REQUIRE(s.size() == 1200);
    CHECK(s.front().kind == GKind::kDeleteRule);
    CHECK(s.front().rule.id == 600);
    CHECK(s[599].rule.id == 1);
    CHECK(s[600].kind == GKind::kAddRule);
    CHECK(s[600].rule.priority == 1);
}

TEST_CASE("groups are set before the ports that name them and deleted after",
          "[libvirt][nwfilter]") {
    // a1 gets a filter; a2 loses its; a3 goes; a4 keeps an unchanged group.
    const std::string a1 = "a-525400aa0001", a2 = "a-525400aa0002", a3 = "a-525400aa0003",
                      a4 = "a-525400aa0004";
    const std::string g1 = filter_group_name(a1), g2 = filter_group_name(a2),
                      g3 = filter_group_name(a3), g4 = filter_group_name(a4);
    std::vector<PortConfig> current = {port(a1, "libvirt:a"), grouped(a2, "libvirt:a"),
                                       grouped(a3, "libvirt:a"), grouped(a4, "libvirt:a")};
    std::vector<PortConfig> wanted = {grouped(a1, "libvirt:a"), port(a2, "libvirt:a"),
                                      grouped(a4, "libvirt:a")};
    std::vector<CurrentGroup> groups = {
        {g2, {rule("direction=egress", 1)}, {a2}},
        {g3, {rule("direction=egress", 1)}, {a3}},
        {g4, {rule("direction=egress", 1)}, {a4}},
        {"web", {}, {}},  // the operator's: never touched
    };
    const GroupRules want_groups = {{g1, ssh()}, {g4, {rule("direction=egress")}}};
    Plan plan = plan_changes(wanted, want_groups, current, groups, owned_by_a, true);
    CHECK(steps(plan.groups_before) ==
          "+g:" + g1 +
              "\n-r:2\n-r:1\n"
              "+r:direction=ingress ethertype=ipv4 protocol=tcp port=22 priority=1\n"
              "+r:direction=ingress ethertype=ipv4 protocol=icmp priority=2\n"
              "+r:direction=egress ethertype=ipv4 priority=3\n");
    CHECK(kinds(plan) == "-" + a3 + " ~" + a1 + " ~" + a2 + " ");
    CHECK(steps(plan.groups_after) == "-g:" + g2 + "\n-g:" + g3 + "\n");
    CHECK(plan.log.empty());
    // Once done, nothing more.
    current = wanted;
    groups = {{g1, {}, {a1}}, {g4, {rule("direction=egress", 1)}, {a4}}, {"web", {}, {}}};
    for (size_t i = 0; i < ssh().size(); ++i) {
        groups[0].rules.push_back(ssh()[i]);
        groups[0].rules.back().id = static_cast<uint32_t>(i + 3);
    }
    plan = plan_changes(wanted, want_groups, current, groups, owned_by_a, true);
    CHECK(plan.groups_before.empty());
    CHECK(plan.changes.empty());
    CHECK(plan.groups_after.empty());
}

TEST_CASE("groups of ports not managed stay; one still used is not deleted; left-behind ones go",
          "[libvirt][nwfilter]") {
    const std::string b1 = "b-525400aa0001", a1 = "a-525400aa0001", gone = "c-525400aa0009";
    std::vector<PortConfig> current = {grouped(b1, "libvirt:b"), grouped(a1, "libvirt:a")};
    current[0].acl.groups.push_back(filter_group_name(a1));  // b's port uses a's group too
    std::vector<CurrentGroup> groups = {
        {filter_group_name(b1), {}, {b1}},
        {filter_group_name(a1), {}, {a1, b1}},
        {filter_group_name(gone), {}, {}},  // its port is gone and nothing uses it
    };
    // a's port goes: its group stays, b uses it.
    Plan plan = plan_changes({}, {}, current, groups, owned_by_a, false);
    CHECK(kinds(plan) == "-" + a1 + " ");
    CHECK(plan.groups_after.empty());
    REQUIRE(plan.log.size() == 1);
    CHECK_THAT(plan.log[0], Catch::Contains("security group nwf-" + a1 + " is still used by port " +
                                            b1 + "; not deleted"));
    // In a full resync the left-behind group goes too.
    plan = plan_changes({}, {}, current, groups, owned_by_a, true);
    CHECK(steps(plan.groups_after) == "-g:nwf-" + gone + "\n");
}

TEST_CASE("a group is not set for a port whose name is someone else's", "[libvirt][nwfilter]") {
    const std::string x = "x-525400aa0001";
    Plan plan = plan_changes({grouped(x, "libvirt:a")}, {{filter_group_name(x), ssh()}},
                             {port(x, "")}, {}, owned_by_a, true);
    CHECK(plan.changes.empty());
    CHECK(plan.groups_before.empty());
    CHECK(plan.log.size() == 1);
}
