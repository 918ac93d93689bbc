// Port security's check of a guest's frames (security/guest_policy.h): MACs, IPv4, ARP,
// ethertypes. IPv6 and the guards: guest_policy_ipv6_test.cpp.
#include "security/guest_policy.h"

#include <catch2/catch.hpp>
#include <vector>

#include "tests/security/guest_frames.h"

using namespace vsw;
using namespace vsw::test;

namespace {

constexpr Mac kGuest = 0x020000000001, kOther = 0x020000000099;

GuestPolicy policy() {
    PortSecurity s;
    s.enabled = true;
    s.allowed_macs = {kGuest};
    s.allowed_ipv4 = {{0x0a000005, 32}, {0xc0a80100, 24}};
    return make_guest_policy(s);
}

std::optional<DropReason> check(const std::vector<uint8_t>& f, size_t len = 0) {
    return guest_frame_violation(policy(), f.data(), static_cast<uint16_t>(len ? len : f.size()));
}

}  // namespace

TEST_CASE("port security: the guest's own MAC and addresses pass") {
    CHECK_FALSE(check(ipv4(kGuest, 0x0a000005)));
    CHECK_FALSE(check(ipv4(kGuest, 0xc0a801fe)));      // inside 192.168.1.0/24
    CHECK_FALSE(check(ipv4(kGuest, 0)));               // DHCP's 0.0.0.0
    CHECK_FALSE(check(ipv4(kGuest, 0x0a000005, 10)));  // tagged by a trunk guest
    CHECK_FALSE(check(arp(kGuest, kGuest, 0x0a000005)));
    CHECK_FALSE(check(arp(kGuest, kGuest, 0)));     // a probe
    CHECK_FALSE(check(frame(kGuest, 0x8035)));      // RARP: QEMU's announce
    CHECK_FALSE(check(frame(kOther, 0x0800), 10));  // a runt: decide() drops it
}

TEST_CASE("port security: each spoof is dropped with its reason") {
    CHECK(check(ipv4(kOther, 0x0a000005)) == DropReason::kSpoofedMac);
    CHECK(check(ipv4(kGuest, 0x0a000006)) == DropReason::kSpoofedIp);
    CHECK(check(ipv4(kGuest, 0xc0a80201)) == DropReason::kSpoofedIp);
    CHECK(check(ipv4(kGuest, 0x0a000006, 10)) == DropReason::kSpoofedIp);
    CHECK(check(arp(kGuest, kOther, 0x0a000005)) == DropReason::kSpoofedArp);  // sender MAC
    CHECK(check(arp(kGuest, kGuest, 0x0a000007)) == DropReason::kSpoofedArp);  // sender IP
    CHECK(check(frame(kGuest, 0x88cc)) == DropReason::kEthertypeNotAllowed);   // LLDP
    CHECK(check(frame(kGuest, 0x88cc, 10)) == DropReason::kEthertypeNotAllowed);
    // Too short for the header it claims: cannot be vouched for.
    CHECK(check(ipv4(kGuest, 0x0a000005), 30) == DropReason::kSpoofedIp);
    CHECK(check(arp(kGuest, kGuest, 0x0a000005), 40) == DropReason::kSpoofedArp);
    auto bad_arp = arp(kGuest, kGuest, 0x0a000005);
    bad_arp[19] = 16;  // a 16-byte hardware address
    CHECK(check(bad_arp) == DropReason::kSpoofedArp);
}

TEST_CASE("port security: a settable list of ethertypes") {
    PortSecurity s;
    s.enabled = true;
    s.allowed_macs = {kGuest};
    s.ethertypes = {0x0800, 0x88cc};
    const GuestPolicy p = make_guest_policy(s);
    const auto lldp = frame(kGuest, 0x88cc), v6 = frame(kGuest, 0x86dd);
    CHECK_FALSE(guest_frame_violation(p, lldp.data(), 64));
    CHECK(guest_frame_violation(p, v6.data(), 64) == DropReason::kEthertypeNotAllowed);
    // The fast path (its own MAC, IPv4) is only there while IPv4 is allowed.
    s.ethertypes = {0x86dd};
    const auto v4 = ipv4(kGuest, 0);
    CHECK(guest_frame_violation(make_guest_policy(s), v4.data(), 64) ==
          DropReason::kEthertypeNotAllowed);
}
