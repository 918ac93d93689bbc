// Reading DHCP for port security's address learning (security/dhcp_message.h), on messages
// built here.
#include "security/dhcp_message.h"

#include <catch2/catch.hpp>
#include <vector>

#include "tests/security/guest_frames.h"

using namespace vsw;
using namespace vsw::test;

namespace {

constexpr Mac kGuest = 0x525400000001;

// A DHCP message: `op` 1 (client) or 2 (server), message type `type`, `yiaddr`, `ciaddr`,
// then `options` (after the type) and the end option.
std::vector<uint8_t> dhcp(uint8_t op, uint8_t type, uint32_t yiaddr, uint32_t ciaddr,
                          const std::vector<uint8_t>& options = {}) {
    auto f = frame(kGuest, 0x0800);
    f.resize(14 + 20 + 8 + 236 + 4);
    f[14] = 0x45;
    f[14 + 9] = 17;
    put16(f, 34, op == 2 ? 67 : 68);
    put16(f, 36, op == 2 ? 68 : 67);
    const size_t b = 42;
    f[b] = op;
    f[b + 1] = 1;
    f[b + 2] = 6;
    put32(f, b + 12, ciaddr);
    put32(f, b + 16, yiaddr);
    put_mac(f, b + 28, kGuest);
    put32(f, b + 236, 0x63825363);
    f.insert(f.end(), {53, 1, type});
    f.insert(f.end(), options.begin(), options.end());
    f.push_back(255);
    return f;
}

std::optional<DhcpMessage> read(const std::vector<uint8_t>& f) {
    return read_dhcp_message(f.data(), f.size());
}

const std::vector<uint8_t> kLease3600 = {51, 4, 0, 0, 0x0e, 0x10, 54, 4, 10, 0, 0, 1};

}  // namespace

TEST_CASE("DHCP: the workers' test finds DHCP between ports 67 and 68 only") {
    const auto ack = dhcp(2, 5, 0x0a000005, 0, kLease3600);
    CHECK(is_dhcp_frame(ack.data(), static_cast<uint32_t>(ack.size())));
    CHECK(is_dhcp_frame(ack.data(), 46));  // the ports are enough
    CHECK_FALSE(is_dhcp_frame(ack.data(), 37));
    auto other = udp4(kGuest, 0x0a000005, 67, 69);
    CHECK_FALSE(is_dhcp_frame(other.data(), 64));
    auto fragment = ack;
    fragment[14 + 7] = 8;  // a later fragment: bytes where ports were are payload
    CHECK_FALSE(is_dhcp_frame(fragment.data(), static_cast<uint32_t>(fragment.size())));
    auto tcp = ack;
    tcp[14 + 9] = 6;
    CHECK_FALSE(is_dhcp_frame(tcp.data(), static_cast<uint32_t>(tcp.size())));
}

TEST_CASE("DHCP: an ACK gives an address and its lease, a RELEASE gives it back") {
    auto m = read(dhcp(2, 5, 0x0a000005, 0, kLease3600));
    REQUIRE(m);
    CHECK(m->kind == DhcpMessage::Kind::kAck);
    CHECK(m->client == kGuest);
    CHECK(m->ip == 0x0a000005);
    CHECK(m->lease == 3600);
    CHECK(m->server_id == 0x0a000001);
    m = read(dhcp(1, 7, 0, 0x0a000005));
    REQUIRE(m);
    CHECK((m->kind == DhcpMessage::Kind::kRelease && m->ip == 0x0a000005));
    CHECK(read(dhcp(2, 6, 0, 0))->kind == DhcpMessage::Kind::kNak);
    // Padding between options is skipped.
    m = read(dhcp(2, 5, 0x0a000006, 0, {0, 0, 51, 4, 0xff, 0xff, 0xff, 0xff}));
    REQUIRE(m);
    CHECK(m->lease == kInfiniteLease);
}

TEST_CASE("DHCP: what teaches nothing is not read") {
    CHECK_FALSE(read(dhcp(2, 2, 0x0a000005, 0, kLease3600)));  // an OFFER
    CHECK_FALSE(read(dhcp(1, 3, 0, 0)));                       // a REQUEST
    CHECK_FALSE(read(dhcp(2, 5, 0x0a000005, 0)));              // an ACK without a lease
    CHECK_FALSE(read(dhcp(2, 5, 0, 0, kLease3600)));           // to a DHCPINFORM: no address
    CHECK_FALSE(read(dhcp(1, 5, 0x0a000005, 0, kLease3600)));  // an "ACK" from a client
    auto token_ring = dhcp(2, 5, 0x0a000005, 0, kLease3600);
    token_ring[42 + 1] = 6;
    CHECK_FALSE(read(token_ring));
    auto cut = dhcp(2, 5, 0x0a000005, 0, {51, 4, 0, 0});  // an option past the end
    cut.pop_back();
    CHECK_FALSE(read(cut));
    auto short_frame = dhcp(2, 5, 0x0a000005, 0, kLease3600);
    CHECK_FALSE(read_dhcp_message(short_frame.data(), 200));
}
