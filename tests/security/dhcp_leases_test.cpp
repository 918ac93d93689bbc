// The addresses DHCP gave guests (security/dhcp_leases.h).
#include "security/dhcp_leases.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "security/guest_policy.h"

using namespace vsw;

TEST_CASE("DHCP leases: granted, renewed, released, ended") {
    DhcpLeases l;
    CHECK(l.grant("vm1", 0x0a000005, 1000));
    CHECK_FALSE(l.grant("vm1", 0x0a000005, 2000));  // a renewal: the same addresses
    CHECK(l.grant("vm2", 0x0a000006, DhcpLeases::kNever));
    CHECK(l.addresses("vm1") == std::vector<uint32_t>{0x0a000005});
    CHECK(l.expire(1999).empty());
    CHECK(l.expire(2000) == std::vector<std::string>{"vm1"});
    CHECK(l.addresses("vm1").empty());
    CHECK(l.expire(~uint64_t{0} - 1).empty());  // infinite
    CHECK_FALSE(l.release("vm2", 0x0a000007));
    CHECK(l.release("vm2", 0x0a000006));
    CHECK(l.empty());
}

TEST_CASE("DHCP leases: at most kMaxLearnedIps per port, the one ending first goes") {
    DhcpLeases l;
    for (uint32_t i = 0; i < kMaxLearnedIps; ++i) l.grant("vm1", 0x0a000010 + i, 100 + i);
    CHECK(l.grant("vm1", 0x0a000020, 50));
    const auto a = l.addresses("vm1");
    CHECK(a.size() == kMaxLearnedIps);
    CHECK(std::find(a.begin(), a.end(), 0x0a000010) == a.end());
    CHECK(std::find(a.begin(), a.end(), 0x0a000020) != a.end());
    CHECK(l.forget("vm1"));
    CHECK_FALSE(l.forget("vm1"));
}

TEST_CASE("DHCP leases: the state file's form, ended leases dropped, bad input refused") {
    DhcpLeases l;
    l.grant("vm1", 0x0a000005, 1000);
    l.grant("vm1", 0x0a000006, DhcpLeases::kNever);
    l.grant("vm2", 0x0a000007, 500);
    const auto j = l.to_json();
    CHECK(j.dump() == R"({"vm1":[{"expires":1000,"ip":"10.0.0.5"},{"ip":"10.0.0.6"}],)"
                      R"("vm2":[{"expires":500,"ip":"10.0.0.7"}]})");
    const DhcpLeases back = DhcpLeases::from_json(j, 600);  // vm2's ended meanwhile
    CHECK(back.leases("vm1") == l.leases("vm1"));
    CHECK(back.leases("vm2").empty());
    for (const char* bad : {R"([])", R"({"vm1": 5})", R"({"vm1": [{"ip": "x"}]})",
                            R"({"vm1": [{"ip": "10.0.0.1", "expires": -1}]})"})
        CHECK_THROWS_AS(DhcpLeases::from_json(nlohmann::json::parse(bad), 0),
                        std::invalid_argument);
}
