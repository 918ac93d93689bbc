// ARP resolution of next hops (neighbors.h) with a fake clock and a recording sender.
#include "src/control/neighbors.h"

#include <catch2/catch.hpp>
#include <vector>

using namespace vsw;

namespace {

constexpr uint32_t kHop = 0x0a000001, kLocal = 0x0a0000fe, kOther = 0x0a000002;
constexpr Mac kLocalMac = 0x020000000001, kHopMac = 0x020000000099;

struct Sent {
    uint16_t slot;
    ArpMessage arp;
};

struct Rig {
    std::vector<Sent> sent;
    bool room = true;  // the slow path takes frames
    Neighbors n{[this](uint16_t slot, std::span<const uint8_t> frame) {
        if (!room) return false;
        auto arp = parse_arp(frame.data(), frame.size());
        REQUIRE(arp);
        sent.push_back({slot, *arp});
        return true;
    }};
    const Neighbors::Via via{3, kLocalMac, kLocal};
};

}  // namespace

TEST_CASE("neighbors: asked at once, each second until answered, every 30 s after") {
    Rig r;
    r.n.want(kHop, r.via, 1000);
    REQUIRE(r.sent.size() == 1);
    CHECK(r.sent[0].slot == 3);
    CHECK((r.sent[0].arp.request && r.sent[0].arp.sender_ip == kLocal &&
           r.sent[0].arp.sender_mac == kLocalMac && r.sent[0].arp.target_ip == kHop));
    r.n.want(kHop, r.via, 1500);  // wanted again within the second: no new request
    CHECK(r.sent.size() == 1);
    r.n.want(kHop, r.via, 2000);
    CHECK(r.sent.size() == 2);
    CHECK(r.n.mac_of(kHop) == 0);

    CHECK(r.n.learn({false, kHop, kHopMac, kLocal}));        // the reply: a new MAC
    CHECK_FALSE(r.n.learn({false, kHop, kHopMac, kLocal}));  // the same again: nothing changed
    CHECK(r.n.mac_of(kHop) == kHopMac);
    CHECK(r.n.find(kHop)->replies == 2);
    r.n.want(kHop, r.via, 3000);
    CHECK(r.sent.size() == 2);  // resolved: refreshed only every 30 s
    r.n.want(kHop, r.via, 32000);
    CHECK(r.sent.size() == 3);
    CHECK(r.n.find(kHop)->requests == 3);
}

TEST_CASE("neighbors: what teaches a MAC and what does not") {
    Rig r;
    CHECK_FALSE(r.n.learn({false, kHop, kHopMac, kLocal}));  // nobody wants kHop yet
    CHECK(r.n.find(kHop) == nullptr);
    r.n.want(kHop, r.via, 0);
    CHECK_FALSE(r.n.learn({true, kHop, kHopMac, kOther}));  // the hop asks for someone else
    CHECK(r.n.mac_of(kHop) == 0);
    CHECK(r.n.learn({true, kHop, kHopMac, kLocal}));  // it asks for us: it tells its MAC
    CHECK(r.n.mac_of(kHop) == kHopMac);
    CHECK(r.n.learn({false, kHop, kHopMac + 1, kLocal}));  // it moved
    CHECK(r.n.mac_of(kHop) == kHopMac + 1);
}

TEST_CASE("neighbors: a full slow path asks again at the next tick; unwanted ones are forgotten") {
    Rig r;
    r.room = false;
    r.n.want(kHop, r.via, 0);
    CHECK(r.n.find(kHop)->requests == 0);
    r.room = true;
    r.n.want(kHop, r.via, 10);  // not a second later: the first request never left
    CHECK(r.sent.size() == 1);
    r.n.want(kOther, {4, kLocalMac, kLocal}, 10);
    r.n.forget_unwanted(10 + Neighbors::kForgetMs);
    CHECK(r.n.find(kHop) != nullptr);
    r.n.want(kHop, r.via, 20 + Neighbors::kForgetMs);
    r.n.forget_unwanted(11 + 2 * Neighbors::kForgetMs);
    CHECK(r.n.find(kHop) != nullptr);    // wanted since
    CHECK(r.n.find(kOther) == nullptr);  // not wanted for 5 minutes
    r.n.forget_port(3);
    CHECK(r.n.find(kHop) == nullptr);
}
