// A tracked connection's key as the classifier reads it (src/datapath/acl_table.h), and
// `conntrack show`'s view of a connection (src/control/controllers/conntrack_view.h): both
// read the canonical key back into the opener's direction.
#include "src/datapath/acl_table.h"

#include <catch2/catch.hpp>

#include "conntrack/ct_track.h"
#include "src/control/controllers/conntrack_view.h"
#include "tests/conntrack/ct_frames.h"

using namespace vsw;
using namespace vsw::conntrack;
using namespace vsw::conntrack::testing;

namespace {

CtPacket packet(const Frame& f, uint16_t zone = 3) {
    CtPacket p;
    REQUIRE(read_ct_packet(f.data(), static_cast<uint32_t>(f.size()),
                           static_cast<uint32_t>(f.size()), zone, p) == CtKeyError::kNone);
    return p;
}

// Commits the connection `f` opens with `mark` and returns its view.
CtEntryView committed(CtTable& t, const Frame& f, uint8_t mark) {
    const CtPacket p = packet(f);
    const uint64_t h = CtTable::hash(p.key);
    const CtCommitResult c = ct_commit(t, p, h, 1000, CtTimeouts{}, mark);
    REQUIRE(c.insert == CtTable::InsertResult::kInserted);
    return t.view(*c.result.entry);
}

}  // namespace

TEST_CASE("acl key of a packet: sender and receiver, ports, direction", "[acl]") {
    // A TCP SYN from 10.0.0.9:40000 to 10.0.0.2:22; canonical order puts .2 first.
    const CtPacket p = packet(tcp4("10.0.0.9", 40000, "10.0.0.2", 22, kTcpSyn));
    const acl::AclKey k = acl_key_of(p.key, p.side, acl::Direction::kIngress, 0, 0);
    CHECK(k.src == acl::acl_ipv4(v4("10.0.0.9")));
    CHECK(k.dst == acl::acl_ipv4(v4("10.0.0.2")));
    CHECK(k.src_port == 40000);
    CHECK(k.dst_port == 22);
    CHECK(k.protocol == kProtoTcp);
    CHECK(k.direction == acl::Direction::kIngress);
    CHECK(k.ethertype == acl::Ethertype::kIpv4);
    // ICMP: type and code as given, no ports.
    const CtPacket e = packet(icmp6("2001:db8::1", "2001:db8::2", 128, 77));
    const acl::AclKey ki = acl_key_of(e.key, e.side, acl::Direction::kEgress, 128, 0);
    CHECK(ki.ethertype == acl::Ethertype::kIpv6);
    CHECK(ki.dst_port == 128);
    CHECK(ki.src_port == 0);
    CHECK(ki.src == acl::acl_ipv6(v6("2001:db8::1").data()));
}

TEST_CASE("acl key of a tracked connection: its opening packet, in the direction of its mark",
          "[acl]") {
    CtTable t(64);
    const CtEntryView tcp =
        committed(t, tcp4("10.0.0.9", 40000, "10.0.0.2", 22, kTcpSyn), kCtMarkIngress);
    CHECK(tcp.mark == kCtMarkIngress);
    const acl::AclKey k = acl_key_of(tcp);
    CHECK(k.direction == acl::Direction::kIngress);
    CHECK(k.src == acl::acl_ipv4(v4("10.0.0.9")));
    CHECK(k.dst_port == 22);
    CHECK(k.src_port == 40000);
    const CtEntryView echo = committed(t, icmp4("10.0.0.2", "10.0.0.9", 8, 5), kCtMarkEgress);
    const acl::AclKey ke = acl_key_of(echo);
    CHECK(ke.direction == acl::Direction::kEgress);
    CHECK(ke.protocol == kProtoIcmp);
    CHECK(ke.dst_port == 8);  // the request's type
    CHECK(ke.src == acl::acl_ipv4(v4("10.0.0.2")));
}

TEST_CASE("conntrack show: a connection as conntrack -L lists it", "[acl]") {
    CtTable t(64);
    const CtEntryView v =
        committed(t, tcp4("10.0.0.9", 40000, "10.0.0.2", 22, kTcpSyn), kCtMarkIngress);
    const nlohmann::json j = connection_view(v, "vm1", 1000);
    CHECK(j["port"] == "vm1");
    CHECK(j["protocol"] == "tcp");
    CHECK(j["state"] == "SYN_SENT");
    CHECK(j["timeout_s"] == 121);  // SYN_SENT's 120 s and the refresh slack
    CHECK(
        j["original"] ==
        nlohmann::json{{"src", "10.0.0.9"}, {"dst", "10.0.0.2"}, {"sport", 40000}, {"dport", 22}});
    CHECK(
        j["reply"] ==
        nlohmann::json{{"src", "10.0.0.2"}, {"dst", "10.0.0.9"}, {"sport", 22}, {"dport", 40000}});
    CHECK(j["opened"] == "ingress");
    CHECK(j["assured"] == false);
    const nlohmann::json u = connection_view(
        committed(t, udp6("2001:db8::1", 5000, "2001:db8::2", 53), kCtMarkEgress), "vm1", 1000);
    CHECK(u["state"] == "UNREPLIED");
    CHECK(u["family"] == "ipv6");
    CHECK(u["original"]["src"] == "2001:db8::1");
    CtCounts c;
    c.connections = 2;
    c.tcp[static_cast<unsigned>(TcpState::kSynSent)] = 1;
    c.udp = 1;
    const nlohmann::json cv = counts_view(c);
    CHECK(cv["tcp"] == nlohmann::json{{"SYN_SENT", 1}});
    CHECK(cv["connections"] == 2);
}
