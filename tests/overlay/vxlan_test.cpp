#include "overlay/vxlan.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <set>
#include <vector>

#include "core/bytes.h"
#include "core/ipv4.h"

using namespace vsw;

namespace {

constexpr uint32_t kLocal = 0x0a000001, kRemote = 0x0a000002;

// An inner Ethernet/IPv4/UDP frame with the given ports.
std::vector<uint8_t> inner_frame(uint16_t sport, uint16_t dport, size_t len = 60) {
    std::vector<uint8_t> f(len, 0);
    for (int i = 0; i < 6; ++i) {
        f[i] = static_cast<uint8_t>(0x02 + i);
        f[6 + i] = static_cast<uint8_t>(0x12 + i);
    }
    put_be16(&f[12], 0x0800);
    f[14] = 0x45;
    f[23] = 17;
    put_be32(&f[26], 0xc0a80101);
    put_be32(&f[30], 0xc0a80102);
    put_be16(&f[34], sport);
    put_be16(&f[36], dport);
    return f;
}

// What a remote VTEP would send to kLocal: outer headers + `inner`.
std::vector<uint8_t> encapsulated(const std::vector<uint8_t>& inner, uint32_t vni,
                                  uint32_t src = kRemote, uint32_t dst = kLocal) {
    std::vector<uint8_t> out(kVxlanOuterLen + inner.size());
    write_vxlan_template(out.data(), 0x02aabbccddee, 0x02ffeeddccbb, src, dst, 64);
    finish_vxlan_header(out.data(), static_cast<uint32_t>(inner.size()), vni,
                        vxlan_source_port(inner.data(), inner.size()), 7);
    std::copy(inner.begin(), inner.end(), out.begin() + kVxlanOuterLen);
    return out;
}

}  // namespace

TEST_CASE("vxlan: the outer headers vsw writes") {
    const auto inner = inner_frame(1000, 2000);
    const auto f = encapsulated(inner, 10010);
    REQUIRE(f.size() == inner.size() + 50);
    CHECK(get_be16(&f[12]) == 0x0800);
    const uint8_t* ip = &f[14];
    CHECK(ip[0] == 0x45);
    CHECK(get_be16(ip + 2) == 20 + 8 + 8 + inner.size());  // IPv4 total length
    CHECK(get_be16(ip + 6) == 0x4000);                     // DF, no fragment offset
    CHECK(ip[8] == 64);
    CHECK(ip[9] == 17);
    CHECK(ipv4_header_checksum(ip) == get_be16(ip + 10));
    CHECK(get_be32(ip + 12) == kRemote);
    CHECK(get_be32(ip + 16) == kLocal);
    const uint8_t* udp = ip + 20;
    CHECK(get_be16(udp) >= 49152);
    CHECK(get_be16(udp + 2) == 4789);
    CHECK(get_be16(udp + 4) == 8 + 8 + inner.size());
    CHECK(get_be16(udp + 6) == 0);  // no UDP checksum (RFC 7348 allows it over IPv4)
    const uint8_t* vx = udp + 8;
    CHECK(vx[0] == 0x08);  // I flag only
    CHECK((get_be32(vx + 4) >> 8) == 10010);
    CHECK(vx[7] == 0);  // reserved
    CHECK(std::memcmp(vx + 8, inner.data(), inner.size()) == 0);
}

TEST_CASE("vxlan: a frame for the VTEP reads back") {
    const auto inner = inner_frame(1000, 2000);
    auto f = encapsulated(inner, 16777215);
    VxlanFrame vx{};
    REQUIRE(check_vxlan(f.data(), f.size(), kLocal, vx) == VxlanCheck::kOk);
    CHECK(vx.vni == 16777215);
    CHECK(vx.src_ip == kRemote);
    CHECK(vx.inner_offset == 50);
    CHECK(vx.inner_len == inner.size());
    // Ethernet padding after the outer packet is not part of the inner frame.
    f.resize(f.size() + 6, 0);
    REQUIRE(check_vxlan(f.data(), f.size(), kLocal, vx) == VxlanCheck::kOk);
    CHECK(vx.inner_len == inner.size());
}

TEST_CASE("vxlan: what is not the VTEP's, and what is malformed") {
    const auto good = encapsulated(inner_frame(1, 2), 10);
    VxlanFrame vx{};
    auto with = [&](auto edit) {
        auto f = good;
        edit(f);
        return check_vxlan(f.data(), f.size(), kLocal, vx);
    };
    CHECK(check_vxlan(good.data(), good.size(), kRemote, vx) == VxlanCheck::kNotVxlan);  // not us
    CHECK(with([](auto& f) { put_be16(&f[12], 0x86dd); }) == VxlanCheck::kNotVxlan);
    CHECK(with([](auto& f) { f[23] = 6; }) == VxlanCheck::kNotVxlan);  // TCP
    CHECK(with([](auto& f) { put_be16(&f[36], 4790); }) == VxlanCheck::kNotVxlan);
    CHECK(with([](auto& f) { f[24] ^= 1; }) == VxlanCheck::kMalformed);  // IP checksum
    CHECK(with([](auto& f) { f[42] = 0; }) == VxlanCheck::kMalformed);   // no I flag
    CHECK(with([](auto& f) { put_be16(&f[20], 0x2000); }) == VxlanCheck::kMalformed);  // MF
    CHECK(with([](auto& f) { f.resize(60); }) == VxlanCheck::kMalformed);              // truncated
    CHECK(with([](auto& f) { put_be16(&f[38], 9); }) == VxlanCheck::kMalformed);       // UDP length
    CHECK(with([](auto& f) { f.resize(40); }) == VxlanCheck::kMalformed);
    CHECK(check_vxlan(good.data(), 20, kLocal, vx) == VxlanCheck::kNotVxlan);  // a runt
    // Every prefix of a good frame is refused or read within its bounds.
    for (size_t n = 0; n < good.size(); ++n) {
        const auto r = check_vxlan(good.data(), n, kLocal, vx);
        if (r == VxlanCheck::kOk) CHECK(vx.inner_offset + vx.inner_len <= n);
    }
}

TEST_CASE("vxlan: the UDP source port follows the inner flow") {
    const auto a = inner_frame(1000, 2000), b = inner_frame(1001, 2000);
    CHECK(vxlan_source_port(a.data(), a.size()) == vxlan_source_port(a.data(), a.size()));
    CHECK(vxlan_source_port(a.data(), a.size()) != vxlan_source_port(b.data(), b.size()));
    std::set<uint16_t> ports;
    for (uint16_t p = 0; p < 200; ++p) {
        const auto f = inner_frame(static_cast<uint16_t>(40000 + p), 80);
        const uint16_t port = vxlan_source_port(f.data(), f.size());
        CHECK(port >= 49152);
        ports.insert(port);
    }
    CHECK(ports.size() > 150);  // spread: ECMP has entropy to work with
    const uint8_t runt[3] = {1, 2, 3};
    CHECK(vxlan_source_port(runt, 3) >= 49152);
}
