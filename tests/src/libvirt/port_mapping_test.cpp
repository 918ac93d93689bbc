#include "src/libvirt/port_mapping.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "acl/acl_syntax.h"

using namespace vsw;
using namespace vsw::libvirt;

namespace {

Domain domain(std::vector<VhostUserInterface> interfaces, std::vector<MetadataPort> metadata = {}) {
    Domain d;
    d.name = "web1";
    d.uuid = "d5d41a46-8457-4e09-87d5-ade279e6d41d";
    d.interfaces = std::move(interfaces);
    d.metadata = std::move(metadata);
    return d;
}

VhostUserInterface nic(const std::string& mac, const std::string& socket, bool qemu_server = true) {
    VhostUserInterface i;
    i.mac = mac;
    i.socket = socket;
    i.qemu_is_server = qemu_server;
    return i;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    return s;
}

// libvirt's own filters where libvirt installs them, after `own`: what the agent's lookup
// (virNWFilterLookupByName) gives.
FilterLookup filters(std::map<std::string, std::string> own = {}) {
    return [own = std::move(own)](const std::string& name) -> std::optional<std::string> {
        if (auto it = own.find(name); it != own.end()) return it->second;
        std::ifstream in("/etc/libvirt/nwfilter/" + name + ".xml");
        if (!in) return std::nullopt;
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    };
}

std::vector<std::string> words(const std::vector<acl::SecurityRule>& rules) {
    std::vector<std::string> out;
    for (const auto& r : rules) out.push_back(acl::rule_words(r));
    return out;
}

}  // namespace

TEST_CASE("port names come from the domain and the MAC, and are valid port names", "[libvirt]") {
    CHECK(port_name("web1", "52:54:00:aa:00:01") == "web1-525400aa0001");
    const std::string odd = port_name("a very/long domain name with spaces", "52:54:00:aa:00:01");
    CHECK(odd == "a_very_long_domain_-525400aa0001");
    CHECK(validate_port_name(odd).empty());
    CHECK(port_owner("u-1") == "libvirt:u-1");
}

TEST_CASE("each vhost-user interface in the socket directory becomes a port", "[libvirt]") {
    auto out = domain_ports(domain({nic("52:54:00:aa:00:01", "/run/vsw/vhost/a"),
                                    nic("52:54:00:aa:00:02", "/run/vsw/vhost/b", false),
                                    nic("52:54:00:aa:00:03", "/tmp/elsewhere/c"),
                                    nic("52:54:00:aa:00:04", "/run/vsw/vhost/sub/d")}),
                            "/run/vsw/vhost/");
    REQUIRE(out.ports.size() == 2);
    const PortConfig& a = out.ports[0];
    CHECK(a.name == "web1-525400aa0001");
    CHECK(a.type == PortType::kVhostUserClient);  // QEMU is the server
    CHECK(a.socket == "/run/vsw/vhost/a");
    CHECK(a.owner == "libvirt:d5d41a46-8457-4e09-87d5-ade279e6d41d");
    CHECK(a.admin_up);
    CHECK(a.vlan_mode == VlanMode::kTrunk);  // no metadata: what vswctl add-port gives
    CHECK(out.ports[1].type == PortType::kVhostUserServer);
    CHECK(validate_port_config(a).empty());
    CHECK(out.log.size() == 2);
    CHECK_THAT(joined(out.log), Catch::Contains("/tmp/elsewhere/c is outside"));
    CHECK_THAT(joined(out.log), Catch::Contains("/run/vsw/vhost/sub/d is outside"));
}

TEST_CASE("bandwidth maps KiB/s to bit/s, outbound to tx and inbound to rx", "[libvirt]") {
    auto i = nic("52:54:00:aa:00:01", "/d/a");
    i.outbound = Bandwidth{1000, 2000, 64};
    i.inbound = Bandwidth{500, 900, 1};
    auto out = domain_ports(domain({i}), "/d");
    REQUIRE(out.ports.size() == 1);
    const PortConfig& p = out.ports[0];
    CHECK(p.bandwidth.tx_rate == 8'192'000);
    CHECK(p.bandwidth.tx_peak == 16'384'000);
    CHECK(p.bandwidth.tx_burst == 65'536);
    CHECK(p.bandwidth.rx_rate == 4'096'000);
    CHECK(p.bandwidth.rx_burst == 2048);  // 1 KiB cannot hold a frame: raised, and said so
    CHECK_FALSE(p.bandwidth.rx_police);   // libvirt's inbound shapes (queues) as tc would
    CHECK_THAT(joined(out.log), Catch::Contains("raised to 2 KiB"));
    CHECK_THAT(joined(out.log), Catch::Contains("<inbound peak> ignored"));
}

TEST_CASE("<mtu size> becomes the port's mtu=; a bad one is logged and leaves 1500", "[libvirt]") {
    auto a = nic("52:54:00:aa:00:01", "/d/a"), b = nic("52:54:00:aa:00:02", "/d/b"),
         c = nic("52:54:00:aa:00:03", "/d/c");
    a.mtu = "1450";
    b.mtu = "70000";
    auto out = domain_ports(domain({a, b, c}), "/d");
    REQUIRE(out.ports.size() == 3);
    CHECK(out.ports[0].mtu == 1450);
    CHECK(out.ports[1].mtu == 1500);
    CHECK(out.ports[2].mtu == 1500);
    CHECK_THAT(joined(out.log), Catch::Contains("<mtu size='70000'>: mtu must be 68 to 9216"));
}

TEST_CASE("metadata sets the VLAN and overrides bandwidth", "[libvirt]") {
    auto i = nic("52:54:00:aa:00:01", "/d/a");
    i.outbound = Bandwidth{1000, 0, 0};
    auto out = domain_ports(domain({i}, {{"52:54:00:aa:00:01",
                                          {{"vlan-mode", "native-untagged"},
                                           {"tag", "10"},
                                           {"trunks", "20-22"},
                                           {"tx-rate", "50M"},
                                           {"rx-rate", "20M"},
                                           {"rx-mode", "police"}}}}),
                            "/d");
    REQUIRE(out.ports.size() == 1);
    const PortConfig& p = out.ports[0];
    CHECK(p.vlan_mode == VlanMode::kNativeUntagged);
    CHECK(p.tag == 10);
    CHECK(p.trunks == "20-22");
    CHECK(p.bandwidth.tx_rate == 50'000'000);
    CHECK(p.bandwidth.rx_rate == 20'000'000);
    CHECK(p.bandwidth.rx_police);
    CHECK(out.log.empty());
}

TEST_CASE("bad metadata: unknown keys are ignored, a bad VLAN keeps the port down", "[libvirt]") {
    auto out = domain_ports(
        domain(
            {nic("52:54:00:aa:00:01", "/d/a"), nic("52:54:00:aa:00:02", "/d/b")},
            {{"52:54:00:aa:00:01", {{"vlan-mode", "access"}, {"tag", "5000"}, {"colour", "blue"}}},
             {"52:54:00:aa:00:02", {{"tag", "10"}, {"tx-rate", "fast"}, {"admin", "maybe"}}},
             {"52:54:00:aa:00:09", {{"tag", "10"}}}}),
        "/d");
    REQUIRE(out.ports.size() == 2);
    // a: tag out of range -> VLAN rejected as a whole, port isolated.
    CHECK_FALSE(out.ports[0].admin_up);
    CHECK(out.ports[0].tag == 0);
    // b: trunk with a tag is invalid (no vlan-mode) -> down too; the bad rate is left out.
    CHECK_FALSE(out.ports[1].admin_up);
    CHECK(out.ports[1].bandwidth.tx_rate == 0);
    const std::string log = joined(out.log);
    INFO(log);
    CHECK_THAT(log, Catch::Contains("unknown vsw metadata attribute 'colour'"));
    CHECK_THAT(log, Catch::Contains("not '5000'"));
    CHECK_THAT(log, Catch::Contains("bandwidth from the guest not limited"));
    CHECK_THAT(log, Catch::Contains("admin state ignored"));
    CHECK_THAT(log, Catch::Contains("52:54:00:aa:00:09 matches no vhostuser interface"));
}

TEST_CASE("metadata can take a port down and bring it up", "[libvirt]") {
    auto i = nic("52:54:00:aa:00:01", "/d/a");
    CHECK_FALSE(domain_ports(domain({i}, {{"52:54:00:aa:00:01", {{"admin", "down"}}}}), "/d")
                    .ports[0]
                    .admin_up);
    CHECK(domain_ports(domain({i}, {{"52:54:00:aa:00:01", {{"admin", "up"}}}}), "/d")
              .ports[0]
              .admin_up);
}

TEST_CASE("two interfaces with one MAC make one port", "[libvirt]") {
    auto out = domain_ports(
        domain({nic("52:54:00:aa:00:01", "/d/a"), nic("52:54:00:aa:00:01", "/d/b")}), "/d");
    CHECK(out.ports.size() == 1);
    CHECK_THAT(joined(out.log), Catch::Contains("a second interface with this MAC"));
}

namespace {

Domain example(const std::string& file) {
    std::ifstream in(std::string(VSW_SOURCE_ROOT) + "/integration/libvirt/" + file);
    REQUIRE(in);
    std::stringstream xml;
    xml << in.rdbuf();
    std::string error;
    auto d = parse_domain(xml.str(), error);
    INFO(error);
    REQUIRE(d);
    return *d;
}

}  // namespace

TEST_CASE("the documented examples give the ports their comments promise", "[libvirt]") {
    auto web = domain_ports(example("web1.xml"), "/run/vsw/vhost", {}, filters());
    // Only the notes on what vsw does differently (DHCP and ND always pass, ...).
    CHECK_THAT(joined(web.log), !Catch::Contains("admin down") && !Catch::Contains("rejected"));
    REQUIRE(web.ports.size() == 1);
    CHECK(web.ports[0].name == "web1-5254000a0001");
    CHECK(vlan_summary(web.ports[0]) == "access 10");
    CHECK(web.ports[0].bandwidth.rx_rate == 12207 * 8192);
    CHECK(web.ports[0].bandwidth.tx_rate == 12207 * 8192);
    CHECK(web.ports[0].security.enabled);
    CHECK(allowed_ips_str(web.ports[0].security) == "10.0.10.5");
    CHECK(web.ports[0].acl.groups == std::vector<std::string>{"nwf-web1-5254000a0001"});
    CHECK(web.groups.count("nwf-web1-5254000a0001"));

    auto router = domain_ports(example("router1.xml"), "/run/vsw/vhost");
    CHECK(router.log.empty());
    REQUIRE(router.ports.size() == 2);
    CHECK(router.ports[0].type == PortType::kVhostUserServer);
    CHECK(vlan_summary(router.ports[0]) == "native-untagged 1 trunks 10,20");
    CHECK(vlan_summary(router.ports[1]) == "access 30");
    CHECK(router.ports[1].bandwidth.rx_police);
    CHECK(router.ports[1].bandwidth.rx_rate == 2441 * 8192);
}

namespace {

MetadataPort filtered(const std::string& mac, const std::string& filter,
                      std::vector<std::pair<std::string, std::string>> parameters,
                      std::vector<std::pair<std::string, std::string>> settings = {}) {
    return MetadataPort{mac, std::move(settings), FilterRef{filter, std::move(parameters)}};
}

}  // namespace

TEST_CASE("a metadata traffic filter becomes the port's port security and group", "[libvirt]") {
    auto out =
        domain_ports(domain({nic("52:54:00:aa:00:01", "/d/a")},
                            {filtered("52:54:00:aa:00:01", "clean-traffic", {{"IP", "10.0.0.1"}})}),
                     "/d", {}, filters());
    INFO(joined(out.log));
    // Only the notes on what vsw does differently (DHCP and ND always pass, ...).
    CHECK_THAT(joined(out.log), !Catch::Contains("admin down") && !Catch::Contains("rejected"));
    REQUIRE(out.ports.size() == 1);
    const PortConfig& p = out.ports[0];
    CHECK(p.admin_up);
    CHECK(p.security.enabled);
    CHECK(allowed_macs_str(p.security) == "52:54:00:aa:00:01");
    CHECK(allowed_ips_str(p.security) == "10.0.0.1");
    CHECK(ethertypes_str(p.security) == "ipv4,arp,rarp");
    // clean-traffic accepts IPv4 both ways and drops IPv6: a group of the port's own says so.
    CHECK(p.acl.groups == std::vector<std::string>{"nwf-web1-525400aa0001"});
    CHECK(validate_port_config(p).empty());
    REQUIRE(out.groups.size() == 1);
    CHECK(words(out.groups.at("nwf-web1-525400aa0001")) ==
          std::vector<std::string>{"direction=ingress ethertype=ipv4",
                                   "direction=egress ethertype=ipv4"});
}

TEST_CASE("explicit port security keys override what the filter sets", "[libvirt]") {
    auto out =
        domain_ports(domain({nic("52:54:00:aa:00:01", "/d/a")},
                            {filtered("52:54:00:aa:00:01", "clean-traffic", {{"IP", "10.0.0.1"}},
                                      {{"allowed-ips", "10.0.0.1,10.0.0.2"},
                                       {"allowed-ethertypes", "default"},
                                       {"mac-limit", "4"}})}),
                     "/d", {}, filters());
    REQUIRE(out.ports.size() == 1);
    const PortConfig& p = out.ports[0];
    CHECK(p.security.enabled);
    CHECK(allowed_ips_str(p.security) == "10.0.0.1,10.0.0.2");
    CHECK(ethertypes_str(p.security) == "default");
    CHECK(p.security.mac_limit == 4);
}

TEST_CASE("port security keys work without a filter, as the other metadata keys", "[libvirt]") {
    auto out = domain_ports(
        domain({nic("52:54:00:aa:00:01", "/d/a")}, {{"52:54:00:aa:00:01",
                                                     {{"port-security", "on"},
                                                      {"allowed-macs", "52:54:00:aa:00:01"},
                                                      {"allowed-ips", "10.0.0.9"},
                                                      {"flood-rate", "100"}}}}),
        "/d");
    INFO(joined(out.log));
    CHECK(out.log.empty());
    REQUIRE(out.ports.size() == 1);
    CHECK(out.ports[0].security.enabled);
    CHECK(allowed_ips_str(out.ports[0].security) == "10.0.0.9");
    CHECK(out.ports[0].security.flood_rate == 100);
}

TEST_CASE("an unknown filter or bad security settings keep the port admin down", "[libvirt]") {
    auto unknown = domain_ports(domain({nic("52:54:00:aa:00:01", "/d/a")},
                                       {filtered("52:54:00:aa:00:01", "my-own-filter", {})}),
                                "/d", {}, filters());
    REQUIRE(unknown.ports.size() == 1);
    CHECK_FALSE(unknown.ports[0].admin_up);
    CHECK(unknown.ports[0].description == "nwfilter: filter 'my-own-filter' does not exist");
    CHECK(unknown.ports[0].acl.groups.empty());
    CHECK(unknown.groups.empty());
    CHECK_THAT(joined(unknown.log), Catch::Contains("'my-own-filter' does not exist") &&
                                        Catch::Contains("kept admin down"));
    // Without a lookup (vswctl's tests, the fuzzers) no filter exists: the same.
    CHECK_FALSE(domain_ports(domain({nic("52:54:00:aa:00:01", "/d/a")},
                                    {filtered("52:54:00:aa:00:01", "clean-traffic", {})}),
                             "/d")
                    .ports[0]
                    .admin_up);

    auto bad_ip = domain_ports(
        domain({nic("52:54:00:aa:00:01", "/d/a")},
               {filtered("52:54:00:aa:00:01", "clean-traffic", {{"IP", "10.0.0.300"}})}),
        "/d", {}, filters());
    REQUIRE(bad_ip.ports.size() == 1);
    CHECK_FALSE(bad_ip.ports[0].admin_up);
    CHECK_THAT(joined(bad_ip.log), Catch::Contains("port security settings rejected"));

    // An operator's admin=up does not open it either.
    auto forced =
        domain_ports(domain({nic("52:54:00:aa:00:01", "/d/a")},
                            {filtered("52:54:00:aa:00:01", "nope", {}, {{"admin", "up"}})}),
                     "/d", {}, filters());
    CHECK_FALSE(forced.ports[0].admin_up);
}

TEST_CASE("--port-security=default locks unfiltered ports to their MAC; filters still win",
          "[libvirt]") {
    MappingOptions lock;
    lock.lock_mac_by_default = true;
    auto out =
        domain_ports(domain({nic("52:54:00:aa:00:01", "/d/a"), nic("52:54:00:aa:00:02", "/d/b"),
                             nic("52:54:00:aa:00:03", "/d/c")},
                            {filtered("52:54:00:aa:00:02", "clean-traffic", {{"IP", "10.0.0.2"}}),
                             {"52:54:00:aa:00:03", {{"port-security", "off"}}}}),
                     "/d", lock, filters());
    INFO(joined(out.log));
    REQUIRE(out.ports.size() == 3);
    CHECK(out.ports[0].admin_up);
    CHECK(out.ports[0].security.enabled);
    CHECK(allowed_macs_str(out.ports[0].security) == "52:54:00:aa:00:01");
    CHECK(allowed_ips_str(out.ports[0].security) == "any");
    CHECK(ethertypes_str(out.ports[0].security) == "any");
    CHECK(allowed_ips_str(out.ports[1].security) == "10.0.0.2");
    CHECK_FALSE(out.ports[2].security.enabled);  // the operator's metadata says so

    auto open = domain_ports(domain({nic("52:54:00:aa:00:01", "/d/a")}), "/d");
    CHECK_FALSE(open.ports[0].security.enabled);  // off, the default: as before
}

TEST_CASE("IPv6 IP parameters, dhcp learning and trusted reach the port", "[libvirt]") {
    auto out =
        domain_ports(domain({nic("52:54:00:aa:00:01", "/d/a"), nic("52:54:00:aa:00:02", "/d/b")},
                            {filtered("52:54:00:aa:00:01", "clean-traffic",
                                      {{"IP", "10.0.0.1"}, {"IP", "2001:db8::/64"}}),
                             filtered("52:54:00:aa:00:02", "clean-traffic",
                                      {{"CTRL_IP_LEARNING", "any"}}, {{"trusted", "on"}})}),
                     "/d", {}, filters());
    INFO(joined(out.log));
    // Only the notes on what vsw does differently (DHCP and ND always pass, ...).
    CHECK_THAT(joined(out.log), !Catch::Contains("admin down") && !Catch::Contains("rejected"));
    REQUIRE(out.ports.size() == 2);
    CHECK(out.ports[0].admin_up);
    CHECK(allowed_ips_str(out.ports[0].security) == "10.0.0.1,2001:db8::/64");
    // libvirt's clean-traffic drops IPv6 (no-other-l2-traffic): so does vsw, whatever the IPs.
    CHECK(ethertypes_str(out.ports[0].security) == "ipv4,arp,rarp");
    CHECK(out.ports[1].admin_up);
    CHECK(out.ports[1].security.learn_dhcp);
    CHECK(out.ports[1].security.trusted);
}

TEST_CASE("a filter's group is named after its port: nwf-PORT", "[libvirt]") {
    CHECK(filter_group_name("web1-525400aa0001") == "nwf-web1-525400aa0001");
    const std::string longest =
        port_name("a-domain-name-longer-than-nineteen", "52:54:00:aa:00:01");
    CHECK(longest.size() == 32);
    CHECK(acl::validate_group_name(filter_group_name(longest)).empty());
    CHECK(filter_group_name(longest).size() <= acl::kMaxGroupNameLength);
    CHECK(filter_group_port("nwf-web1-525400aa0001") == "web1-525400aa0001");
    CHECK(filter_group_port(filter_group_name(longest)) == longest);
    CHECK(filter_group_port("web") == "");
    CHECK(filter_group_port("nwf-web") == "");                // not a port vsw-libvirt names
    CHECK(filter_group_port("nwf-web1-525400aa000g") == "");  // not 12 hex digits
    CHECK(filter_group_port("xnwf-web1-525400aa0001") == "");
}

TEST_CASE("a custom filter: port security from its clean-traffic, its rules in the group",
          "[libvirt][nwfilter]") {
    const std::map<std::string, std::string> own = {{"ssh-only", R"(<filter name='ssh-only'>
        <filterref filter='clean-traffic'/>
        <rule action='accept' direction='in' priority='100'><tcp dstportstart='22' state='NEW'/></rule>
        <rule action='accept' direction='in' priority='110'><icmp/></rule>
        <rule action='accept' direction='out' priority='200'><all/></rule>
        <rule action='drop' direction='inout' priority='1000'><all/></rule>
      </filter>)"}};
    auto out =
        domain_ports(domain({nic("52:54:00:aa:00:01", "/d/a"), nic("52:54:00:aa:00:02", "/d/b")},
                            {filtered("52:54:00:aa:00:01", "ssh-only", {{"IP", "10.0.0.5"}})}),
                     "/d", {}, filters(own));
    INFO(joined(out.log));
    REQUIRE(out.ports.size() == 2);
    const PortConfig& p = out.ports[0];
    CHECK(p.admin_up);
    CHECK(allowed_ips_str(p.security) == "10.0.0.5");
    CHECK(p.acl.groups == std::vector<std::string>{"nwf-web1-525400aa0001"});
    CHECK(out.ports[1].acl.groups.empty());  // no filter, no group
    REQUIRE(out.groups.size() == 1);
    CHECK(
        words(out.groups.at("nwf-web1-525400aa0001")) ==
        std::vector<std::string>{"direction=ingress ethertype=ipv4 protocol=tcp port=22 priority=1",
                                 "direction=ingress ethertype=ipv4 protocol=icmp priority=2",
                                 "direction=egress ethertype=ipv4 priority=3"});
}

TEST_CASE("a filter that needs no rules gives no group", "[libvirt][nwfilter]") {
    auto out = domain_ports(domain({nic("52:54:00:aa:00:01", "/d/a")},
                                   {filtered("52:54:00:aa:00:01", "no-mac-spoofing", {})}),
                            "/d", {}, filters());
    REQUIRE(out.ports.size() == 1);
    CHECK(out.ports[0].admin_up);
    CHECK(out.ports[0].security.enabled);
    CHECK(out.ports[0].acl.groups.empty());
    CHECK(out.groups.empty());
}

TEST_CASE("a refused filter: admin down, the reason in the description and the log, no group",
          "[libvirt][nwfilter]") {
    const std::map<std::string, std::string> own = {{"srcport", R"(<filter name='srcport'>
        <rule action='accept' direction='in'><tcp srcportstart='1024'/></rule>
        <rule action='drop' direction='inout' priority='900'><all/></rule>
      </filter>)"}};
    auto out =
        domain_ports(domain({nic("52:54:00:aa:00:01", "/d/a")},
                            {filtered("52:54:00:aa:00:01", "srcport", {}, {{"admin", "up"}})}),
                     "/d", {}, filters(own));
    REQUIRE(out.ports.size() == 1);
    const PortConfig& p = out.ports[0];
    CHECK_FALSE(p.admin_up);  // the metadata's admin=up does not open it
    CHECK_THAT(p.description, Catch::StartsWith("nwfilter: filter 'srcport' rule 1") &&
                                  Catch::Contains("srcportstart"));
    CHECK(p.description.size() <= 256);
    CHECK(validate_port_config(p).empty());
    CHECK(p.acl.groups.empty());
    CHECK_FALSE(p.security.enabled);
    CHECK(out.groups.empty());
    CHECK_THAT(joined(out.log),
               Catch::Contains("traffic filter refused: filter 'srcport' rule 1") &&
                   Catch::Contains("kept admin down"));
}

TEST_CASE("descriptions are UTF-8 and at most the length asked", "[libvirt]") {
    CHECK(description_text("plain", 256) == "plain");
    CHECK(description_text("abcdef", 4) == "abcd");
    CHECK(description_text("caf\xc3\xa9", 4) == "caf");  // no half character
    CHECK(description_text("caf\xc3\xa9", 5) == "caf\xc3\xa9");
    CHECK(description_text("a\xff"
                           "b\xc3",
                           10) == "a?b?");
    CHECK(description_text("\xed\xa0\x80", 10) == "???");  // a surrogate is not UTF-8
    CHECK(description_text(std::string(300, 'x'), 256).size() == 256);
}
