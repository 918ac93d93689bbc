#include "bond/bond_hash.h"

#include <catch2/catch.hpp>
#include <set>
#include <vector>

using namespace vsw;

namespace {

// An Ethernet + IPv4 + UDP frame (optionally tagged, optionally a later fragment).
std::vector<uint8_t> udp4(uint32_t src_ip, uint16_t sport, uint16_t dport, uint16_t vlan = 0,
                          bool later_fragment = false) {
    std::vector<uint8_t> f = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
    if (vlan)
        f.insert(f.end(),
                 {0x81, 0x00, static_cast<uint8_t>(vlan >> 8), static_cast<uint8_t>(vlan)});
    f.insert(f.end(), {0x08, 0x00});
    std::vector<uint8_t> ip(20, 0);
    ip[0] = 0x45;
    ip[9] = 17;
    if (later_fragment) ip[7] = 10;
    for (int i = 0; i < 4; ++i) ip[12 + i] = static_cast<uint8_t>(src_ip >> (24 - 8 * i));
    ip[16] = 10, ip[19] = 9;
    f.insert(f.end(), ip.begin(), ip.end());
    f.insert(f.end(), {static_cast<uint8_t>(sport >> 8), static_cast<uint8_t>(sport),
                       static_cast<uint8_t>(dport >> 8), static_cast<uint8_t>(dport), 0, 8, 0, 0});
    return f;
}

}  // namespace

TEST_CASE("balance-tcp buckets: flows spread, a flow keeps its bucket", "[bond]") {
    std::set<uint8_t> buckets;
    for (uint16_t port = 0; port < 256; ++port) {
        const auto f = udp4(0x0a000001, static_cast<uint16_t>(20000 + port), 9);
        buckets.insert(bond_hash::tcp_bucket(f.data(), f.size()));
        CHECK(bond_hash::tcp_bucket(f.data(), f.size()) ==
              bond_hash::tcp_bucket(f.data(), f.size()));
    }
    CHECK(buckets.size() > 120);  // 256 flows over 256 buckets: about 162 distinct expected
    // A fragment's ports are not read (a later one has none): fragments hash by addresses.
    const auto a = udp4(0x0a000001, 1, 9, 0, true), b = udp4(0x0a000001, 2, 9, 0, true);
    CHECK(bond_hash::tcp_bucket(a.data(), a.size()) == bond_hash::tcp_bucket(b.data(), b.size()));
    // Tagged frames are read behind their tag.
    const auto t1 = udp4(0x0a000001, 1, 9, 10), t2 = udp4(0x0a000001, 2, 9, 10);
    CHECK(bond_hash::tcp_bucket(t1.data(), t1.size()) !=
          bond_hash::tcp_bucket(t2.data(), t2.size()));
    // Short frames never read past their end.
    for (size_t len = 0; len < t1.size(); ++len) (void)bond_hash::tcp_bucket(t1.data(), len);
}

TEST_CASE("balance-slb buckets: by source MAC and VLAN only", "[bond]") {
    const auto a = udp4(0x0a000001, 1, 9), b = udp4(0x0a000002, 2, 10);
    CHECK(bond_hash::slb_bucket(a.data(), a.size()) == bond_hash::slb_bucket(b.data(), b.size()));
    const auto t = udp4(0x0a000001, 1, 9, 20);
    CHECK(bond_hash::slb_bucket(a.data(), a.size()) != bond_hash::slb_bucket(t.data(), t.size()));
    std::set<uint8_t> buckets;
    for (uint8_t i = 0; i < 64; ++i) {
        auto f = a;
        f[11] = i;  // 64 source MACs
        buckets.insert(bond_hash::slb_bucket(f.data(), f.size()));
    }
    CHECK(buckets.size() > 40);
}
