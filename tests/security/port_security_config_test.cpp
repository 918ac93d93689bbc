// A port's isolation settings (security/port_security_config.h).
#include "security/port_security_config.h"

#include <catch2/catch.hpp>

using namespace vsw;

namespace {

// security_settings() of a port with only these limit and storm values set.
std::vector<std::pair<std::string, std::string>> storm_and_limit(const char* limit,
                                                                 const char* rate,
                                                                 const char* burst) {
    std::vector<std::pair<std::string, std::string>> out = {
        {"mac-limit", limit}, {"flood-rate", rate}, {"flood-burst", burst}};
    for (const char* list : {"allowed-macs", "allowed-ips"}) out.emplace_back(list, "none");
    out.emplace_back("allowed-ethertypes", "default");
    out.emplace_back("trusted", "off");
    out.emplace_back("port-security", "off");
    return out;
}

}  // namespace

TEST_CASE("port security settings: set, cleared with none, checked") {
    PortSecurity s;
    CHECK(is_security_setting("mac-limit"));
    CHECK_FALSE(is_security_setting("mac-limits"));
    CHECK(apply_security_setting(s, "mac-limit", "10") == "");
    CHECK(apply_security_setting(s, "flood-rate", "1000") == "");
    CHECK(apply_security_setting(s, "flood-burst", "50") == "");
    CHECK(s == PortSecurity{10, 1000, 50});
    CHECK(security_settings(s) == storm_and_limit("10", "1000", "50"));
    CHECK(apply_security_setting(s, "flood-rate", "none") == "");
    CHECK(s == PortSecurity{10, 0, 0});  // the burst went with its rate
    CHECK(apply_security_setting(s, "mac-limit", "none") == "");
    CHECK(security_settings(s) == storm_and_limit("none", "none", "none"));
}

TEST_CASE("port security settings: bad values are refused with the range") {
    PortSecurity s;
    CHECK(apply_security_setting(s, "mac-limit", "0") ==
          "mac-limit must be 1 to 1000000 MACs, or none, not '0'");
    CHECK(apply_security_setting(s, "flood-rate", "-5") ==
          "flood-rate must be 1 to 100000000 packets/s, or none, not '-5'");
    CHECK(apply_security_setting(s, "flood-burst", "lots") ==
          "flood-burst must be 1 to 100000000 packets, or none, not 'lots'");
    CHECK(s == PortSecurity{});
    s.flood_burst = 5;
    CHECK(validate_security(s) == "flood-burst needs flood-rate");
}

TEST_CASE("storm control's default burst: a tenth of a second, at least 16 packets") {
    CHECK(effective_flood_burst({0, 100, 0}) == 16);
    CHECK(effective_flood_burst({0, 5000, 0}) == 500);
    CHECK(effective_flood_burst({0, 5000, 20}) == 20);
}

TEST_CASE("port-security settings: MACs, IP sources, ethertypes, trust") {
    PortSecurity s;
    CHECK(apply_security_setting(s, "port-security", "on") == "");
    CHECK(validate_security(s) ==
          "port-security=on needs allowed-macs (the guest's MAC addresses)");
    CHECK(apply_security_setting(s, "allowed-macs", "02:00:00:00:00:01,02:00:00:00:00:02") == "");
    CHECK(apply_security_setting(s, "allowed-ips", "10.0.0.5,2001:DB8::5,192.168.1.0/24,dhcp") ==
          "");
    CHECK(apply_security_setting(s, "allowed-ethertypes", "ipv4,arp,0x88cc") == "");
    CHECK(apply_security_setting(s, "trusted", "on") == "");
    CHECK(validate_security(s) == "");
    CHECK(allowed_macs_str(s) == "02:00:00:00:00:01,02:00:00:00:00:02");
    CHECK(allowed_ips_str(s) == "dhcp,10.0.0.5,192.168.1.0/24,2001:db8::5");
    CHECK(ethertypes_str(s) == "ipv4,arp,0x88cc");
    PortSecurity copy;
    for (const auto& [k, v] : security_settings(s))
        REQUIRE(apply_security_setting(copy, k, v) == "");
    CHECK(copy == s);
    CHECK(apply_security_setting(s, "allowed-ethertypes", "default") == "");
    CHECK(ethertypes_str(s) == "default");
    CHECK(apply_security_setting(s, "allowed-ethertypes", "any") == "");
    CHECK(ethertypes_str(s) == "any");
    CHECK(apply_security_setting(s, "allowed-ips", "any") == "");
    CHECK(allowed_ips_str(s) == "any");
    CHECK(apply_security_setting(s, "allowed-ips", "fe80::/10") == "");
    CHECK(allowed_ips_str(s) == "fe80::/10");
    CHECK_FALSE(s.any_ip);
    struct Refused {
        const char* key;
        const char* value;
        const char* why;
    };
    for (const Refused& r : {
             Refused{"allowed-macs", "01:00:5e:00:00:01",
                     "allowed-macs: '01:00:5e:00:00:01' is not a unicast MAC address"},
             Refused{"allowed-ips", "fe80::1/129",
                     "allowed-ips: 'fe80::1/129' is not an IPv6 address or prefix"},
             Refused{"allowed-ips", "any,10.0.0.1",
                     "allowed-ips: 'any' stands alone (every address is allowed)"},
             Refused{"allowed-ips", "10.0.0.300",
                     "allowed-ips: '10.0.0.300' is not an IPv4 address or prefix"},
             Refused{"allowed-ethertypes", "0x0100",
                     "allowed-ethertypes: '0x0100' is not ipv4, arp, ipv6, rarp, an ethertype "
                     "0x0600-0xffff, default or any"},
             Refused{"trusted", "yes", "trusted must be 'on' or 'off'"},
             Refused{"port-security", "yes", "port-security must be 'on' or 'off'"},
         })
        CHECK(apply_security_setting(s, r.key, r.value) == r.why);
    CHECK(s.allowed_macs.size() == 2);  // refused values change nothing
}
