#include "src/libvirt/traffic_filter.h"

#include <catch2/catch.hpp>

using namespace vsw::libvirt;

namespace {

const std::string kMac = "52:54:00:aa:00:01";

FilterRef filter(const std::string& name, Settings parameters = {}) {
    return FilterRef{name, std::move(parameters)};
}

}  // namespace

TEST_CASE("clean-traffic with IP parameters: the MAC, those addresses, libvirt's ethertypes",
          "[libvirt]") {
    auto f =
        filter_settings(filter("clean-traffic", {{"IP", "10.0.0.1"}, {"IP", "10.0.1.0/24"}}), kMac);
    CHECK(f.refusal.empty());
    CHECK(f.notes.empty());
    CHECK(f.settings == Settings{{"port-security", "on"},
                                 {"allowed-macs", kMac},
                                 {"allowed-ips", "10.0.0.1,10.0.1.0/24"},
                                 {"allowed-ethertypes", "ipv4,arp,rarp"}});
}

TEST_CASE("clean-traffic allows IPv6 only with an IPv6 IP parameter", "[libvirt]") {
    auto f =
        filter_settings(filter("clean-traffic", {{"IP", "10.0.0.1"}, {"IP", "2001:db8::1"}}), kMac);
    CHECK(f.settings[2] ==
          std::pair<std::string, std::string>{"allowed-ips", "10.0.0.1,2001:db8::1"});
    CHECK(f.settings[3] ==
          std::pair<std::string, std::string>{"allowed-ethertypes", "ipv4,arp,rarp,ipv6"});
}

TEST_CASE("MAC parameters join the interface's MAC, normalised and once each", "[libvirt]") {
    auto f = filter_settings(
        filter("no-mac-spoofing", {{"MAC", "52:54:00:AA:00:02"}, {"MAC", "52:54:00:aa:00:01"}}),
        kMac);
    CHECK(f.settings == Settings{{"port-security", "on"},
                                 {"allowed-macs", "52:54:00:aa:00:01,52:54:00:aa:00:02"},
                                 {"allowed-ips", "any"},
                                 {"allowed-ethertypes", "any"}});
}

TEST_CASE("without IP parameters CTRL_IP_LEARNING decides: any and dhcp learn from DHCP",
          "[libvirt]") {
    const auto ips = [](Settings params) {
        auto f = filter_settings(filter("clean-traffic", std::move(params)), kMac);
        REQUIRE(f.refusal.empty());
        return f.settings[2].second;
    };
    CHECK(ips({}) == "dhcp");  // libvirt's default is any
    CHECK(ips({{"CTRL_IP_LEARNING", "any"}}) == "dhcp");
    CHECK(ips({{"CTRL_IP_LEARNING", "dhcp"}}) == "dhcp");
    CHECK(ips({{"CTRL_IP_LEARNING", "none"}}) == "none");  // 0.0.0.0 only

    auto bad = filter_settings(filter("clean-traffic", {{"CTRL_IP_LEARNING", "sometimes"}}), kMac);
    CHECK_THAT(bad.refusal, Catch::Contains("CTRL_IP_LEARNING='sometimes'"));
}

TEST_CASE("IP parameters win over CTRL_IP_LEARNING, as in libvirt", "[libvirt]") {
    auto f = filter_settings(
        filter("no-ip-spoofing", {{"CTRL_IP_LEARNING", "dhcp"}, {"IP", "10.0.0.1"}}), kMac);
    CHECK(f.settings[2].second == "10.0.0.1");
    CHECK(f.settings[3].second == "any");
    REQUIRE(f.notes.size() == 1);
    CHECK_THAT(f.notes[0], Catch::Contains("CTRL_IP_LEARNING=dhcp ignored"));
}

TEST_CASE("each part of clean-traffic checks what it names", "[libvirt]") {
    const auto ips_and_types = [](const std::string& name) {
        auto f = filter_settings(filter(name, {{"IP", "10.0.0.1"}}), kMac);
        REQUIRE(f.refusal.empty());
        REQUIRE(f.settings.size() == 4);
        CHECK(f.settings[0].second == "on");
        CHECK(f.settings[1].second == kMac);
        return f.settings[2].second + " " + f.settings[3].second;
    };
    CHECK(ips_and_types("no-ip-spoofing") == "10.0.0.1 any");
    CHECK(ips_and_types("no-arp-spoofing") == "10.0.0.1 any");
    CHECK(ips_and_types("no-arp-ip-spoofing") == "10.0.0.1 any");
    CHECK(ips_and_types("no-mac-spoofing") == "any any");
    CHECK(ips_and_types("no-arp-mac-spoofing") == "any any");
    CHECK(ips_and_types("qemu-announce-self") == "any any");

    auto incoming = filter_settings(filter("allow-incoming-ipv4"), kMac);
    CHECK(incoming.refusal.empty());
    CHECK(incoming.settings.empty());
}

TEST_CASE("a filter vsw does not enforce is refused, so the port stays closed", "[libvirt]") {
    for (const char* name : {"clean-traffic-gateway", "no-other-l2-traffic", "my-filter", ""}) {
        auto f = filter_settings(filter(name, {{"IP", "10.0.0.1"}}), kMac);
        INFO(name);
        CHECK_THAT(f.refusal, Catch::Contains("is not one vsw enforces"));
        CHECK(f.settings.empty());
    }
}

TEST_CASE("parameters vsw does not use are named in the notes", "[libvirt]") {
    auto f = filter_settings(
        filter("clean-traffic", {{"IP", "10.0.0.1"}, {"DHCPSERVER", "10.0.0.254"}, {"X", "1"}}),
        kMac);
    REQUIRE(f.notes.size() == 2);
    CHECK_THAT(f.notes[0], Catch::Contains("DHCPSERVER ignored"));
    CHECK_THAT(f.notes[1], Catch::Contains("parameter X ignored"));
}

TEST_CASE("--port-security=default locks a port to its MAC and nothing else", "[libvirt]") {
    CHECK(mac_locked_settings(kMac) == Settings{{"port-security", "on"},
                                                {"allowed-macs", kMac},
                                                {"allowed-ips", "any"},
                                                {"allowed-ethertypes", "any"}});
}
