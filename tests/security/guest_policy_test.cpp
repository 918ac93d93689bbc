// Port security's check of a guest's frames (security/guest_policy.h), on frames built here.
#include "security/guest_policy.h"

#include <catch2/catch.hpp>
#include <vector>

using namespace vsw;

namespace {

constexpr Mac kGuest = 0x020000000001, kOther = 0x020000000099;

void put_mac(std::vector<uint8_t>& f, size_t at, Mac m) {
    for (int i = 0; i < 6; ++i) f[at + i] = static_cast<uint8_t>(m >> (40 - 8 * i));
}

void put32(std::vector<uint8_t>& f, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) f[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// An Ethernet frame from `src` of `type`, `tag` > 0 adds an 802.1Q tag; 64 bytes.
std::vector<uint8_t> frame(Mac src, uint16_t type, uint16_t tag = 0) {
    std::vector<uint8_t> f(64, 0);
    put_mac(f, 0, 0xffffffffffff);
    put_mac(f, 6, src);
    size_t at = 12;
    if (tag) {
        f[12] = 0x81;
        f[14] = static_cast<uint8_t>(tag >> 8);
        f[15] = static_cast<uint8_t>(tag);
        at = 16;
    }
    f[at] = static_cast<uint8_t>(type >> 8);
    f[at + 1] = static_cast<uint8_t>(type);
    return f;
}

std::vector<uint8_t> ipv4(Mac src, uint32_t ip_src, uint16_t tag = 0) {
    auto f = frame(src, 0x0800, tag);
    const size_t l3 = tag ? 18 : 14;
    f[l3] = 0x45;
    put32(f, l3 + 12, ip_src);
    return f;
}

std::vector<uint8_t> arp(Mac src, Mac sender, uint32_t sender_ip) {
    auto f = frame(src, 0x0806);
    const uint8_t body[] = {0, 1, 8, 0, 6, 4, 0, 1};
    std::copy(body, body + 8, f.begin() + 14);
    put_mac(f, 22, sender);
    put32(f, 28, sender_ip);
    return f;
}

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
    CHECK_FALSE(check(frame(kGuest, 0x86dd)));      // IPv6: not checked yet
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
}
