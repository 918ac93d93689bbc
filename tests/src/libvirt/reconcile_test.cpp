#include "src/libvirt/reconcile.h"

#include <catch2/catch.hpp>

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

TEST_CASE("missing ports are added, stale ones deleted, changed ones updated") {
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

TEST_CASE("nothing to do when vswd already has the wanted ports") {
    std::vector<PortConfig> ports = {port("a-1", "libvirt:a"), port("a-2", "libvirt:a")};
    CHECK(plan_changes(ports, ports, owned_by_a).changes.empty());
}

TEST_CASE("a new socket or type means a new port") {
    Plan plan = plan_changes({port("a-1", "libvirt:a", "/d/new")},
                             {port("a-1", "libvirt:a", "/d/old")}, owned_by_a);
    CHECK(kinds(plan) == "-a-1 +a-1 ");
}

TEST_CASE("names held by the operator or another domain are conflicts, not takeovers") {
    Plan plan = plan_changes({port("x", "libvirt:a"), port("y", "libvirt:a")},
                             {port("x", ""), port("y", "libvirt:b")}, owned_by_a);
    CHECK(plan.changes.empty());
    REQUIRE(plan.log.size() == 2);
    CHECK_THAT(plan.log[0], Catch::Contains("the operator created"));
    CHECK_THAT(plan.log[1], Catch::Contains("libvirt:b"));
}

TEST_CASE("ports outside the managed set are never deleted") {
    Plan plan = plan_changes({}, {port("b-1", "libvirt:b"), port("mine", "")}, owned_by_a);
    CHECK(plan.changes.empty());
}
