// Port security's check of a guest's IPv6 (security/guest_policy.h): sources, neighbour
// discovery, and the DHCP and router advertisement guards, on frames built here.
#include <catch2/catch.hpp>
#include <vector>

#include "security/guest_policy.h"
#include "tests/security/guest_frames.h"

using namespace vsw;
using namespace vsw::test;

namespace {

constexpr Mac kGuest = 0x020000000001, kOther = 0x020000000099;
const Ipv6Address kUnspecified{};

PortSecurity settings() {
    PortSecurity s;
    s.enabled = true;
    s.allowed_macs = {kGuest};
    s.allowed_ipv4 = {{0x0a000005, 32}};
    s.allowed_ipv6 = {{ip6("2001:db8::5"), 128}, {ip6("2001:db8:1::"), 64}};
    return s;
}

std::optional<DropReason> check(const std::vector<uint8_t>& f, const PortSecurity& s = settings()) {
    return guest_frame_violation(make_guest_policy(s), f.data(), static_cast<uint16_t>(f.size()));
}

}  // namespace

TEST_CASE("port security IPv6: the guest's addresses, its link-local address and :: pass") {
    CHECK(ipv6_link_local(kGuest) == ip6("fe80::ff:fe00:1"));
    CHECK_FALSE(check(ipv6(kGuest, ip6("2001:db8::5"), 17)));
    CHECK_FALSE(check(ipv6(kGuest, ip6("2001:db8:1::abcd"), 6)));  // inside 2001:db8:1::/64
    CHECK_FALSE(check(ipv6(kGuest, ip6("fe80::ff:fe00:1"), 58)));  // derived from its MAC
    CHECK_FALSE(check(ipv6(kGuest, kUnspecified, 58)));            // duplicate address detection
    CHECK(check(ipv6(kGuest, ip6("2001:db8::6"), 17)) == DropReason::kSpoofedIp);
    CHECK(check(ipv6(kGuest, ip6("2001:db8:2::1"), 17)) == DropReason::kSpoofedIp);
    CHECK(check(ipv6(kGuest, ipv6_link_local(kOther), 17)) == DropReason::kSpoofedIp);
    auto any = settings();
    REQUIRE(apply_security_setting(any, "allowed-ips", "any") == "");
    CHECK_FALSE(check(ipv6(kGuest, ip6("2001:db8:2::1"), 17), any));
    CHECK(check(ipv6(kOther, ip6("2001:db8::5"), 17), any) == DropReason::kSpoofedMac);
    auto runt = ipv6(kGuest, ip6("2001:db8::5"), 17);
    CHECK(guest_frame_violation(make_guest_policy(settings()), runt.data(), 40) ==
          DropReason::kSpoofedIp);  // shorter than an IPv6 header
}

TEST_CASE("port security IPv6: neighbour discovery claims only the guest's addresses") {
    const auto ll = ipv6_link_local(kGuest);
    const auto mine = ip6("2001:db8::5"), theirs = ip6("2001:db8::9");
    // Advertisements: the target and the target link-layer address.
    CHECK_FALSE(check(ipv6(kGuest, ll, 58, nd(136, mine, kGuest, 2))));
    CHECK_FALSE(check(ipv6(kGuest, ll, 58, nd(136, ll))));
    CHECK(check(ipv6(kGuest, ll, 58, nd(136, theirs, kGuest, 2))) == DropReason::kSpoofedNd);
    CHECK(check(ipv6(kGuest, ll, 58, nd(136, mine, kOther, 2))) == DropReason::kSpoofedNd);
    // Solicitations ask about anyone, but with the guest's own link-layer address.
    CHECK_FALSE(check(ipv6(kGuest, mine, 58, nd(135, theirs, kGuest))));
    CHECK(check(ipv6(kGuest, mine, 58, nd(135, theirs, kOther))) == DropReason::kSpoofedNd);
    // Duplicate address detection (from ::) only for its own addresses: a probe for another's
    // would make that guest give its address up.
    CHECK_FALSE(check(ipv6(kGuest, kUnspecified, 58, nd(135, mine))));
    CHECK(check(ipv6(kGuest, kUnspecified, 58, nd(135, theirs))) == DropReason::kSpoofedNd);
    // Router solicitations: the source link-layer address.
    CHECK_FALSE(check(ipv6(kGuest, ll, 58, nd(133, {}, kGuest))));
    CHECK(check(ipv6(kGuest, ll, 58, nd(133, {}, kOther))) == DropReason::kSpoofedNd);
    // Options that cannot be read: a zero length, or running past the message.
    auto zero = nd(136, mine, kGuest, 2);
    zero[25] = 0;
    CHECK(check(ipv6(kGuest, ll, 58, zero)) == DropReason::kSpoofedNd);
    auto long_option = nd(136, mine, kGuest, 2);
    long_option[25] = 2;
    CHECK(check(ipv6(kGuest, ll, 58, long_option)) == DropReason::kSpoofedNd);
    // A truncated advertisement.
    auto f = ipv6(kGuest, ll, 58, nd(136, mine));
    f[18] = 0, f[19] = 12;  // 12 bytes of ICMPv6: no target
    CHECK(check(f) == DropReason::kSpoofedNd);
}

TEST_CASE("port security IPv6: router advertisements and DHCP servers only from trusted ports") {
    const auto ll = ipv6_link_local(kGuest);
    const auto ra = ipv6(kGuest, ll, 58, nd(134, {}));
    std::vector<uint8_t> dhcpv6_reply = {0x02, 0x23, 0x02, 0x22, 0, 8, 0, 0};  // 547 -> 546
    std::vector<uint8_t> dhcpv6_request = {0x02, 0x22, 0x02, 0x23, 0, 8, 0, 0};
    const auto dhcp_offer = udp4(kGuest, 0x0a000005, 67, 68);
    CHECK(check(ra) == DropReason::kRaGuard);
    CHECK(check(ipv6(kGuest, ll, 17, dhcpv6_reply)) == DropReason::kDhcpServer);
    CHECK_FALSE(check(ipv6(kGuest, ll, 17, dhcpv6_request)));
    CHECK(check(dhcp_offer) == DropReason::kDhcpServer);
    CHECK_FALSE(check(udp4(kGuest, 0, 68, 67)));  // a client's DHCPDISCOVER
    auto trusted = settings();
    REQUIRE(apply_security_setting(trusted, "trusted", "on") == "");
    CHECK_FALSE(check(ra, trusted));
    CHECK_FALSE(check(ipv6(kGuest, ll, 17, dhcpv6_reply), trusted));
    CHECK_FALSE(check(dhcp_offer, trusted));
    CHECK(check(udp4(kGuest, 0x0a000006, 67, 68), trusted) == DropReason::kSpoofedIp);
}

TEST_CASE("port security IPv6: extension headers do not hide a router advertisement") {
    const auto ll = ipv6_link_local(kGuest);
    // Hop-by-hop options (8 bytes), then a destination options header (8), then the RA.
    std::vector<uint8_t> chain = {60, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4, 0, 0, 0, 0};
    const auto ra = nd(134, {});
    chain.insert(chain.end(), ra.begin(), ra.end());
    CHECK(check(ipv6(kGuest, ll, 0, chain)) == DropReason::kRaGuard);
    // The first fragment carries the RA: found; a later fragment has no header to check.
    std::vector<uint8_t> first = {58, 0, 0, 0, 0, 0, 0, 1};
    first.insert(first.end(), ra.begin(), ra.end());
    CHECK(check(ipv6(kGuest, ll, 44, first)) == DropReason::kRaGuard);
    std::vector<uint8_t> later = {58, 0, 0, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_FALSE(check(ipv6(kGuest, ll, 44, later)));
    // More headers than the bytes read: cannot be vouched for.
    std::vector<uint8_t> padded(200, 0);
    padded[0] = 58;
    padded[1] = 24;  // 200 bytes of hop-by-hop options
    CHECK(check(ipv6(kGuest, ll, 0, padded)) == DropReason::kRaGuard);
}
