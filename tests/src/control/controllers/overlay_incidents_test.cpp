// What the overlay does not follow, as vswd shows it (overlay_incidents.h): its own refusals of
// pinned MACs, vsw-evpn's conflicts and duplicates, the operator's clears.
#include "src/control/controllers/overlay_incidents.h"

#include <catch2/catch.hpp>

using namespace vsw;
using nlohmann::json;

namespace {

constexpr uint32_t kVni = 10010, kVtepB = 0x0a630002, kVtepC = 0x0a630003;
constexpr Mac kGuest = 0x020000000001, kFlapping = 0x020000000002;

OverlayConfig overlay() {
    OverlayConfig c;
    c.vni_of_vlan[10] = kVni;
    return c;
}

std::string port_of(Mac, uint16_t) {
    return "vm1";
}

}  // namespace

TEST_CASE("overlay incidents: vswd's own refusals, logged once, shown, forgotten when not asked") {
    OverlayIncidents x(7);
    CHECK(x.refused({kVni, kGuest}, kVtepB));
    CHECK_FALSE(x.refused({kVni, kGuest}, kVtepB));  // every second's retry: not logged again
    CHECK(x.refused({kVni, kGuest}, kVtepC));        // another VTEP claims it now
    json v = x.view(overlay(), port_of, 100);
    REQUIRE(v["conflicts"].size() == 1);
    CHECK(v["conflicts"][0] == json{{"vni", kVni},
                                    {"vlan", 10},
                                    {"mac", "02:00:00:00:00:01"},
                                    {"port", "vm1"},
                                    {"vtep", "10.99.0.3"},
                                    {"seq", nullptr},
                                    {"why", "pinned here"},
                                    {"seen_by", "vswd"}});
    CHECK(v["pinned_refused"] == 2);
    CHECK(v["report_age_s"].is_null());
    CHECK(x.counts(kVni) == json{{"conflicts", 1}, {"duplicates", 0}});
    OverlayRemote remote;
    remote.macs[{kVni, kGuest}] = kVtepC;
    x.keep_only(remote);
    CHECK(x.refused_macs().size() == 1);
    x.keep_only({});  // the control plane no longer names it
    CHECK(x.refused_macs().empty());
    CHECK(x.counts(kVni)["conflicts"] == 0);
}

TEST_CASE("overlay incidents: vsw-evpn's report wins over vswd's own word; duplicates and clears") {
    OverlayIncidents x(7);
    x.refused({kVni, kGuest}, kVtepB);
    OverlayReport r;
    r.conflicts.push_back({kVni, kGuest, kVtepB, 3, false});
    r.duplicates.push_back({kVni, kFlapping, 0, 5, 180});
    x.set_report(r, 1000);
    json v = x.view(overlay(), port_of, 1060);
    REQUIRE(v["conflicts"].size() == 1);  // one line for the MAC, vsw-evpn's
    CHECK(v["conflicts"][0]["seen_by"] == "vsw-evpn");
    CHECK(v["conflicts"][0]["seq"] == 3);
    REQUIRE(v["duplicates"].size() == 1);
    CHECK(v["duplicates"][0]["at"] == "local");
    CHECK(v["duplicates"][0]["frozen_s"] == 60);
    CHECK(v["duplicates"][0]["hold_left_s"] == 120);
    CHECK(v["report_age_s"] == 60);
    x.set_report(r, 1100);  // the same duplicate again: frozen since it was first seen
    CHECK(x.view(overlay(), port_of, 1100)["duplicates"][0]["frozen_s"] == 100);
    CHECK(x.counts(kVni) == json{{"conflicts", 1}, {"duplicates", 1}});
    CHECK_THAT(x.clear_duplicates(kVni, kGuest), Catch::Contains("is not a frozen duplicate"));
    CHECK(x.clear_duplicates(kVni, kFlapping) == "");
    CHECK(x.clear_duplicates(0, 0) == "");  // all
    const json clears = x.view(overlay(), port_of, 1100)["duplicate_clears"];
    CHECK(clears["epoch"] == 7);
    CHECK(clears["generation"] == 2);
}
