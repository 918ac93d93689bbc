#include "src/evpn/evpn_state.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "attribute.pb.h"

using namespace vsw;
using namespace vsw::evpn;
using nlohmann::json;

namespace {

constexpr uint32_t kA = 0x0a630001, kB = 0x0a630002, kC = 0x0a630003;  // 10.99.0.1..3
constexpr uint32_t kVni = 10010;
constexpr Mac kMac = 0x02000000aa10;

RibRoute read(const apipb::Path& p) {
    std::string why;
    auto r = read_route(p, why);
    REQUIRE(r);
    return *r;
}

// Another VTEP's type-2 route for kMac, as the RIB would deliver it.
RibRoute remote_mac(uint32_t vtep, uint32_t seq, bool withdraw = false, bool sticky = false) {
    RibRoute r = read(mac_ip_route({vtep, 65000}, kVni, 10, kMac, 0, seq, sticky));
    r.withdraw = withdraw;
    return r;
}

LocalView view(uint32_t vtep, bool mac_here, bool pinned = false) {
    LocalView v;
    v.vtep = vtep;
    v.vlan_of_vni[kVni] = 10;
    if (mac_here) v.macs[{kVni, kMac}] = 0;
    if (pinned) v.pinned.insert({kVni, kMac});
    return v;
}

const std::string kRouteA = "2:10.99.0.1:10:0:02:00:00:00:aa:10:";

uint32_t seq_of(const apipb::Path& p) {
    return read(p).seq;
}

}  // namespace

TEST_CASE("evpn routes: what vsw originates reads back") {
    const Originator o{kA, 65000};
    RibRoute t3 = read(inclusive_multicast_route(o, kVni, 10));
    CHECK(t3.kind == RibRoute::Kind::kInclusiveMulticast);
    CHECK(t3.vni == kVni);
    CHECK(t3.vtep == kA);
    CHECK(t3.key == "3:10.99.0.1:10:0:10.99.0.1");
    const apipb::Path p2 = mac_ip_route(o, kVni, 10, kMac, 0x0a0a0a0a, 7);
    RibRoute t2 = read(p2);
    CHECK(t2.kind == RibRoute::Kind::kMacIp);
    CHECK((t2.vni == kVni && t2.vtep == kA && t2.mac == kMac && t2.seq == 7));
    CHECK(t2.key == "2:10.99.0.1:10:0:02:00:00:00:aa:10:10.10.10.10");
    // The pieces RFC 7432 / 8365 ask for.
    bool rt = false, encap = false, mobility = false;
    for (const auto& a : p2.pattrs()) {
        apipb::ExtendedCommunitiesAttribute ext;
        if (!a.UnpackTo(&ext)) continue;
        for (const auto& c : ext.communities()) {
            apipb::TwoOctetAsSpecificExtended t;
            apipb::EncapExtended e;
            apipb::MacMobilityExtended m;
            if (c.UnpackTo(&t))
                rt = t.asn() == 65000 && t.local_admin() == kVni && t.sub_type() == 2;
            if (c.UnpackTo(&e)) encap = e.tunnel_type() == 8;
            if (c.UnpackTo(&m)) mobility = m.sequence_num() == 7;
        }
    }
    CHECK((rt && encap && mobility));
    // Sequence 0: no mobility community at all (RFC 7432 section 15.1).
    const apipb::Path no_seq = mac_ip_route(o, kVni, 10, kMac, 0, 0);
    for (const auto& a : no_seq.pattrs()) {
        apipb::ExtendedCommunitiesAttribute ext;
        if (a.UnpackTo(&ext)) CHECK(ext.communities_size() == 2);
    }
    apipb::Path junk;
    std::string why;
    CHECK(!read_route(junk, why));
    CHECK(!why.empty());
}

TEST_CASE("evpn state: flood lists and remote MACs from the RIB, our own routes ignored") {
    EvpnState s;
    s.apply(read(inclusive_multicast_route({kB, 65000}, kVni, 10)));
    s.apply(read(inclusive_multicast_route({kC, 65000}, kVni, 10)));
    s.apply(read(inclusive_multicast_route({kA, 65000}, kVni, 10)));  // ours, as the watch shows it
    s.apply(read(inclusive_multicast_route({kB, 65000}, 999, 30)));   // a VNI we do not map
    s.apply(remote_mac(kB, 0));
    auto d = s.decide(view(kA, false), 65000);
    CHECK(d.remote.flood.size() == 1);
    CHECK(d.remote.flood.at(kVni) == std::set<uint32_t>{kB, kC});
    CHECK(d.remote.macs.at({kVni, kMac}) == kB);
    CHECK(d.routes.size() == 1);  // our type-3 for the VNI
    s.apply(remote_mac(kB, 0, /*withdraw=*/true));
    d = s.decide(view(kA, false), 65000);
    CHECK(d.remote.macs.empty());
    CHECK(s.decide(view(0, false), 65000).routes.empty());  // no VTEP: nothing to originate
}

TEST_CASE("evpn state: the MAC/IP route carries the IP once vswd saw the guest's ARP") {
    EvpnState s;
    LocalView v = view(kA, true);
    auto d = s.decide(v, 65000);
    CHECK(d.routes.count("2:10.99.0.1:10:0:02:00:00:00:aa:10:"));
    v.macs[{kVni, kMac}] = 0x0a000a01;  // 10.0.10.1
    d = s.decide(v, 65000);
    CHECK(d.routes.count("2:10.99.0.1:10:0:02:00:00:00:aa:10:10.0.10.1"));
    CHECK_FALSE(d.routes.count("2:10.99.0.1:10:0:02:00:00:00:aa:10:"));  // replaced, not doubled
    CHECK(d.routes.size() == 2);                                         // and the type-3
    // A remote MAC/IP route programs the MAC like a MAC-only one.
    EvpnState r;
    r.apply(read(mac_ip_route({kB, 65000}, kVni, 10, kMac, 0x0a000a01, 0)));
    CHECK(r.decide(view(kA, false), 65000).remote.macs.at({kVni, kMac}) == kB);
}

TEST_CASE("evpn state: MAC mobility") {
    EvpnState s;
    // Learned here first: sequence 0.
    auto d = s.decide(view(kA, true), 65000);
    REQUIRE(d.routes.count("2:10.99.0.1:10:0:02:00:00:00:aa:10:"));
    CHECK(seq_of(d.routes.at("2:10.99.0.1:10:0:02:00:00:00:aa:10:")) == 0);
    CHECK(d.remote.macs.empty());
    // It moves to B, which advertises sequence 1: withdrawn here, programmed as remote.
    s.apply(remote_mac(kB, 1));
    d = s.decide(view(kA, true), 65000);  // vswd still shows it local: B's word wins
    CHECK(!d.routes.count("2:10.99.0.1:10:0:02:00:00:00:aa:10:"));
    CHECK(d.remote.macs.at({kVni, kMac}) == kB);
    CHECK(!s.advertised_seq(kVni, kMac));
    d = s.decide(view(kA, false), 65000);  // vswd took the remote entry
    CHECK(d.remote.macs.at({kVni, kMac}) == kB);
    // And back here: sequence 2.
    d = s.decide(view(kA, true), 65000);
    CHECK(s.advertised_seq(kVni, kMac) == 2u);
    CHECK(seq_of(d.routes.at("2:10.99.0.1:10:0:02:00:00:00:aa:10:")) == 2);
    CHECK(d.remote.macs.empty());
    // B withdraws on seeing 2; the sequence stays while the MAC stays here.
    s.apply(remote_mac(kB, 1, true));
    d = s.decide(view(kA, true), 65000);
    CHECK(s.advertised_seq(kVni, kMac) == 2u);
    // Equal sequences from two VTEPs: the lower address wins (A < B).
    EvpnState t;
    t.apply(remote_mac(kC, 3));
    t.decide(view(kB, true), 65000);  // B takes it: 4
    CHECK(t.advertised_seq(kVni, kMac) == 4u);
    t.apply(remote_mac(kA, 4));
    d = t.decide(view(kB, true), 65000);
    CHECK(!t.advertised_seq(kVni, kMac));
    CHECK(d.remote.macs.at({kVni, kMac}) == kA);
    // Gone from here (aged, port down): withdrawn.
    EvpnState u;
    u.decide(view(kA, true), 65000);
    CHECK(u.decide(view(kA, false), 65000).routes.size() == 1);  // the type-3 only
    // A live migration: the old host withdraws before the MAC appears here. The sequence it
    // had is remembered for a while: the MAC takes 1, not 0; long after, 0 again.
    EvpnState w;
    w.apply(remote_mac(kB, 0));
    w.decide(view(kA, false), 65000, 1000);
    w.apply(remote_mac(kB, 0, true));
    w.decide(view(kA, false), 65000, 1001);
    w.decide(view(kA, true), 65000, 1002);
    CHECK(w.advertised_seq(kVni, kMac) == 1u);
    EvpnState x;
    x.apply(remote_mac(kB, 3));
    x.decide(view(kA, false), 65000, 1000);
    x.apply(remote_mac(kB, 3, true));
    x.decide(view(kA, false), 65000, 1000 + EvpnState::kSequenceMemory + 1);
    x.decide(view(kA, true), 65000, 1000 + EvpnState::kSequenceMemory + 2);
    CHECK(x.advertised_seq(kVni, kMac) == 0u);
    // A route found in gobgpd at start keeps its sequence.
    EvpnState v;
    v.adopt(read(mac_ip_route({kA, 65000}, kVni, 10, kMac, 0, 5)));
    d = v.decide(view(kA, true), 65000);
    CHECK(seq_of(d.routes.at("2:10.99.0.1:10:0:02:00:00:00:aa:10:")) == 5);
}

TEST_CASE("evpn state: vswd's answers") {
    const json vx = json::parse(R"({"vtep":{"port":"up0","address":"10.99.0.1/24 via 10.99.0.254"},
        "vnis":[{"vlan":10,"vni":10010},{"vlan":20,"vni":10020}]})");
    const json fdb = json::parse(R"({"entries":[
        {"vlan":10,"mac":"02:00:00:00:aa:10","port":"vm1","age":1},
        {"vlan":10,"mac":"02:00:00:00:aa:15","port":"vm1","pinned":true},
        {"vlan":10,"mac":"02:00:00:00:aa:11","port":"vxlan","remote":"10.99.0.2","vni":10010},
        {"vlan":30,"mac":"02:00:00:00:aa:12","port":"vm2","age":1},
        {"vlan":20,"mac":"02:00:00:00:aa:13","port":"vm3","age":1,"ip":"10.0.20.13"},
        {"vlan":20,"mac":"02:00:00:00:aa:14","port":"vm3","age":1,"ip":"not an address"}]})");
    const LocalView v = local_view(vx, fdb);
    CHECK(v.vtep == kA);
    CHECK(v.vlan_of_vni.at(10020) == 20);
    CHECK(v.macs ==
          std::map<std::pair<uint32_t, Mac>, uint32_t>{{{10010, 0x02000000aa10}, 0},
                                                       {{10010, 0x02000000aa15}, 0},
                                                       {{10020, 0x02000000aa13}, 0x0a00140d},
                                                       {{10020, 0x02000000aa14}, 0}});
    CHECK(v.pinned == std::set<std::pair<uint32_t, Mac>>{{10010, 0x02000000aa15}});
    CHECK(local_view(json::parse(R"({"vtep":null,"vnis":[]})"), fdb).vtep == 0);
    CHECK_THROWS_AS(local_view(json::object(), fdb), std::invalid_argument);
    CHECK_THROWS_AS(local_view(json::parse(R"({"vtep":{"address":"x"},"vnis":[]})"), fdb),
                    std::invalid_argument);
}

TEST_CASE("evpn routes: a static MAC's route carries the sticky flag") {
    const RibRoute r = read(mac_ip_route({kA, 65000}, kVni, 10, kMac, 0, 0, true));
    CHECK((r.sticky && r.seq == 0));
    CHECK(!read(mac_ip_route({kA, 65000}, kVni, 10, kMac, 0, 3)).sticky);
}

TEST_CASE("evpn state: a pinned MAC is never given up to another VTEP") {
    EvpnState a;
    auto d = a.decide(view(kA, true, true), 65000);
    CHECK(read(d.routes.at(kRouteA)).sticky);
    CHECK(d.report.conflicts.empty());
    // B advertises it with a higher sequence (its guest sent from it): A keeps its route, does
    // not program it remote, and reports the conflict.
    a.apply(remote_mac(kB, 1));
    d = a.decide(view(kA, true, true), 65000);
    REQUIRE(d.routes.count(kRouteA));
    CHECK(seq_of(d.routes.at(kRouteA)) == 0);
    CHECK(d.remote.macs.empty());
    REQUIRE(d.report.conflicts.size() == 1);
    CHECK(d.report.conflicts[0] == MacConflict{kVni, kMac, kB, 1, false});
    a.apply(remote_mac(kB, 9));
    CHECK(a.decide(view(kA, true, true), 65000).routes.count(kRouteA));
    a.apply(remote_mac(kB, 9, true));  // B withdrew: the conflict is over
    CHECK(a.decide(view(kA, true, true), 65000).report.conflicts.empty());
    // The same MAC unpinned would have moved away.
    EvpnState u;
    u.decide(view(kA, true), 65000);
    u.apply(remote_mac(kB, 1));
    CHECK(!u.decide(view(kA, true), 65000).routes.count(kRouteA));
}

TEST_CASE("evpn state: a static route wins over higher sequences (RFC 7432 15.2)") {
    // C sees A's sticky route (sequence 0) and B's ordinary one (sequence 1): A's.
    EvpnState c;
    c.apply(remote_mac(kA, 0, false, true));
    c.apply(remote_mac(kB, 1));
    auto d = c.decide(view(kC, false), 65000);
    CHECK(d.remote.macs.at({kVni, kMac}) == kA);
    CHECK(d.report.conflicts.empty());  // not C's conflict: the MAC is not here
    // B learned the MAC locally (a guest sending from another's MAC): it advertises it with
    // A's sequence + 1, reports that A holds it as static, and is not moved away by A.
    EvpnState b;
    b.apply(remote_mac(kA, 0, false, true));
    d = b.decide(view(kB, true), 65000);
    CHECK(b.advertised_seq(kVni, kMac) == 1u);
    REQUIRE(d.report.conflicts.size() == 1);
    CHECK(d.report.conflicts[0] == MacConflict{kVni, kMac, kA, 0, true});
    CHECK(d.remote.macs.empty());
}

TEST_CASE("evpn state: a MAC that flaps is frozen as a duplicate, cleared by the operator") {
    EvpnState a(DuplicateOptions{3, 60, 0});
    uint64_t now = 100;
    uint32_t seq = 0;
    a.decide(view(kA, true), 65000, now);  // here first: no move
    // Here -> B -> here -> B: three moves, frozen at B on the third.
    auto to_b = [&] {
        a.apply(remote_mac(kB, ++seq));
        return a.decide(view(kA, false), 65000, ++now);
    };
    auto back_here = [&] {
        auto d = a.decide(view(kA, true), 65000, ++now);
        if (auto s = a.advertised_seq(kVni, kMac)) seq = *s;
        a.apply(remote_mac(kB, seq, true));
        return d;
    };
    CHECK(to_b().report.duplicates.empty());
    CHECK(back_here().report.duplicates.empty());
    auto d = to_b();
    REQUIRE(d.report.duplicates.size() == 1);
    CHECK(d.report.duplicates[0] == DuplicateMac{kVni, kMac, kB, 3, 0});
    CHECK(d.remote.macs.at({kVni, kMac}) == kB);
    // Frozen: back here it is neither advertised nor followed; it stays programmed at B.
    d = a.decide(view(kA, true), 65000, ++now);
    CHECK(!d.routes.count(kRouteA));
    CHECK(d.remote.macs.at({kVni, kMac}) == kB);
    CHECK(d.report.duplicates.size() == 1);
    // Hold time 0: still frozen much later; cleared, it is followed again at once.
    d = a.decide(view(kA, true), 65000, now += 10000);
    CHECK(d.report.duplicates.size() == 1);
    a.clear_duplicates(kVni, kMac);
    d = a.decide(view(kA, true), 65000, ++now);
    CHECK(d.report.duplicates.empty());
    CHECK(d.routes.count(kRouteA));
    CHECK(seq_of(d.routes.at(kRouteA)) == seq + 1);
}

TEST_CASE("evpn state: a duplicate frozen here keeps its route; the hold time ends it") {
    EvpnState a(DuplicateOptions{2, 60, 30});
    uint64_t now = 0;
    a.decide(view(kA, false), 65000, now);
    a.apply(remote_mac(kB, 0));
    a.decide(view(kA, false), 65000, ++now);  // at B: first sighting, no move
    a.apply(remote_mac(kB, 0, true));
    a.decide(view(kA, true), 65000, ++now);  // here: move 1
    a.apply(remote_mac(kB, 2));
    auto d = a.decide(view(kA, true), 65000, ++now);  // B again: move 2, frozen at B
    REQUIRE(d.report.duplicates.size() == 1);
    CHECK(d.report.duplicates[0].vtep == kB);
    // A second MAC frozen here keeps its route, whatever B says next.
    EvpnState h(DuplicateOptions{2, 60, 30});
    h.decide(view(kA, true), 65000, 0);  // here (seq 0)
    h.apply(remote_mac(kB, 1));
    h.decide(view(kA, true), 65000, 1);  // at B: move 1
    h.apply(remote_mac(kB, 1, true));
    d = h.decide(view(kA, true), 65000, 2);  // here (seq 2): move 2, frozen here
    REQUIRE(d.report.duplicates.size() == 1);
    CHECK(d.report.duplicates[0].vtep == 0);
    const uint32_t frozen_seq = seq_of(d.routes.at(kRouteA));
    h.apply(remote_mac(kB, 7));
    d = h.decide(view(kA, true), 65000, 3);
    CHECK(seq_of(d.routes.at(kRouteA)) == frozen_seq);  // kept as it was, not withdrawn
    CHECK(d.remote.macs.empty());
    d = h.decide(view(kA, true), 65000, 2 + 30);  // hold over: B's sequence 7 wins
    CHECK(d.report.duplicates.empty());
    CHECK(!d.routes.count(kRouteA));
    CHECK(d.remote.macs.at({kVni, kMac}) == kB);
}

TEST_CASE("evpn state: pinned MACs and ordinary moves are no duplicates") {
    EvpnState a(DuplicateOptions{2, 60, 0});
    for (uint32_t i = 0; i < 6; ++i) {  // B keeps claiming it: A's pin holds, nothing freezes
        a.apply(remote_mac(kB, i + 1, i % 2));
        CHECK(a.decide(view(kA, true, true), 65000, i).report.duplicates.empty());
    }
    // Moves further apart than the window are ordinary mobility.
    EvpnState m(DuplicateOptions{2, 10, 0});
    m.decide(view(kA, true), 65000, 0);
    m.apply(remote_mac(kB, 1));
    m.decide(view(kA, false), 65000, 1);
    m.apply(remote_mac(kB, 1, true));
    CHECK(m.decide(view(kA, true), 65000, 20).report.duplicates.empty());
}
