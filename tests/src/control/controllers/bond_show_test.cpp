#include "src/control/controllers/bond_show.h"

#include <catch2/catch.hpp>

using namespace vsw;

TEST_CASE("bond show: state bits and bucket ranges as an operator reads them", "[bond]") {
    CHECK(lacp_state_names(0) == "");
    CHECK(lacp_state_names(lacp::state::kActivity | lacp::state::kSynchronization |
                           lacp::state::kDistributing) == "activity,synchronized,distributing");
    std::array<uint8_t, kBondBuckets> b{};
    for (unsigned i = 0; i < kBondBuckets; ++i) b[i] = (i < 64 || i >= 128) ? 0 : 1;
    b[200] = 1;
    CHECK(bucket_ranges(b, 0b11, 0) == "0-63,128-199,201-255");
    CHECK(bucket_ranges(b, 0b11, 1) == "64-127,200");
    CHECK(bucket_ranges(b, 0b01, 1) == "");  // not distributing: it carries nothing
}

TEST_CASE("bond show: a static bond and a LACP bond", "[bond]") {
    lacp::LacpBondSettings s;
    s.actor.mode = lacp::LacpMode::kOff;
    s.actor.system = 0x020000000001;
    s.members = {{.name = "up0", .port = 1, .mac = 0x020000000001},
                 {.name = "up1", .port = 2, .mac = 0x020000000002}};
    lacp::LacpBond bond(s);
    bond.set_carrier(0, true, 0);
    BondConfig c;
    c.members = {"up0", "up1"};
    std::array<uint8_t, kBondBuckets> buckets{};
    nlohmann::json j =
        bond_show({.name = "bond0", .config = c, .lacp = bond, .buckets = buckets, .active = 0});
    CHECK(j["status"] == "static");
    CHECK(j["bond_mode"] == "active-backup");
    CHECK(j["members"][0]["distributing"] == true);
    CHECK(j["members"][0]["active"] == true);
    CHECK(j["members"][1]["carrier"] == false);
    CHECK(!j.contains("actor_system"));  // nothing of LACP on a static bond

    s.actor.mode = lacp::LacpMode::kActive;
    lacp::LacpBond active(s);
    c.lacp = lacp::LacpMode::kActive;
    j = bond_show({.name = "bond0", .config = c, .lacp = active, .buckets = buckets});
    CHECK(j["status"] == "down");
    CHECK(j["actor_system"] == "02:00:00:00:00:01");
    CHECK(j["actor_key"] == 1);  // the first member's port number, as OVS
    CHECK(j["members"][0]["receive_state"] == "PORT_DISABLED");
    CHECK(j["members"][0]["partner"]["system"] == "00:00:00:00:00:00");
}
