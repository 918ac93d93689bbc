#include "src/evpn/duplicate_clears.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace vsw;
using namespace vsw::evpn;

TEST_CASE("duplicate clears: the agent applies each request once") {
    DuplicateClears v;
    v.epoch = 7;
    v.add(10010, 0x020000000001);
    ClearFollower f;
    CHECK(f.take(v).empty());  // at the agent's start: already done
    v.add(10010, 0x020000000002);
    v.add(0, 0);
    auto got = f.take(v);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == DuplicateClear{2, 10010, 0x020000000002});
    CHECK(got[1].vni == 0);
    CHECK(f.take(v).empty());
    // Requests that fell off vswd's list unseen: clear everything.
    for (size_t i = 0; i < DuplicateClears::kKept + 2; ++i) v.add(10010, 0x020000000003);
    got = f.take(v);
    REQUIRE(got.size() == 1);
    CHECK(got[0].vni == 0);
    // vswd restarted (another epoch): its requests are all new.
    DuplicateClears w;
    w.epoch = 8;
    w.add(10020, 0x020000000004);
    got = f.take(w);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == DuplicateClear{1, 10020, 0x020000000004});
}

TEST_CASE("overlay report: JSON both ways") {
    OverlayReport r;
    r.conflicts.push_back({10010, 0x020000000001, 0x0a630002, 3, true});
    r.duplicates.push_back({10010, 0x020000000002, 0, 5, 180});
    r.duplicates.push_back({10020, 0x020000000003, 0x0a630003, 5, 0});
    CHECK(overlay_report_from_json(to_json(r)) == r);
    DuplicateClears c;
    c.epoch = 42;
    c.add(0, 0);
    c.add(10010, 0x020000000002);
    CHECK(duplicate_clears_from_json(to_json(c)) == c);
    CHECK_THROWS_AS(overlay_report_from_json(nlohmann::json::parse(R"({"conflicts":[{"vni":1}]})")),
                    std::invalid_argument);
    CHECK_THROWS_AS(duplicate_clears_from_json(nlohmann::json::object()), std::invalid_argument);
}
