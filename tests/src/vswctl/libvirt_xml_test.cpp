#include "src/vswctl/libvirt_xml.h"

#include <catch2/catch.hpp>

#include "src/libvirt/domain_xml.h"
#include "src/libvirt/port_mapping.h"

using namespace vsw;

namespace {

std::string snippet(ctl::LibvirtXmlRequest r) {
    std::string error;
    std::string xml = ctl::libvirt_xml(r, error);
    INFO(error);
    REQUIRE_FALSE(xml.empty());
    return xml;
}

// The snippet's pieces put into a whole domain, read back the way vsw-libvirt reads it.
libvirt::Domain read_back(const std::string& xml) {
    const auto mem = xml.find("<memoryBacking>");
    const auto itf = xml.find("<interface");
    const auto itf_end = xml.find("</interface>") + std::string("</interface>").size();
    const auto meta = xml.find("<vsw:ports");
    REQUIRE(mem != std::string::npos);
    REQUIRE(meta != std::string::npos);
    const std::string domain = "<domain type='qemu'><name>web1</name><uuid>u-1</uuid>" +
                               xml.substr(mem, xml.find("</memoryBacking>") + 16 - mem) +
                               "<devices>" + xml.substr(itf, itf_end - itf) +
                               "</devices><metadata>" + xml.substr(meta) + "</metadata></domain>";
    std::string error;
    auto d = libvirt::parse_domain(domain, error);
    INFO(error << "\n" << domain);
    REQUIRE(d);
    return *d;
}

}  // namespace

TEST_CASE("libvirt-xml round-trips through the agent's reading of a domain", "[libvirt]") {
    ctl::LibvirtXmlRequest r;
    r.domain = "web1";
    r.mac = "52:54:00:00:00:01";
    r.vlan = 10;
    r.rx_rate = 100'000'000;
    r.tx_rate = 50'000'000;
    const std::string xml = snippet(r);
    CHECK_THAT(xml, Catch::Contains("<source type='memfd'/>"));
    // Pasted as a whole (comments included) it is well-formed XML: no "--" inside a comment.
    std::string error;
    CHECK_FALSE(libvirt::parse_domain("<domain>" + xml + "</domain>", error));
    CHECK_THAT(error, Catch::Contains("without <name>"));
    CHECK_THAT(xml, Catch::Contains("<access mode='shared'/>"));
    libvirt::Domain d = read_back(xml);
    REQUIRE(d.problems.empty());
    auto ports = libvirt::domain_ports(d, "/run/vsw/vhost");
    INFO(ports.log.size());
    REQUIRE(ports.ports.size() == 1);
    const PortConfig& p = ports.ports[0];
    CHECK(p.name == "web1-525400000001");
    CHECK(p.socket == "/run/vsw/vhost/web1-525400000001");
    CHECK(p.type == PortType::kVhostUserClient);
    CHECK(p.vlan_mode == VlanMode::kAccess);
    CHECK(p.tag == 10);
    // KiB/s granularity: within 8192 bit/s of what was asked.
    CHECK(p.bandwidth.rx_rate >= 100'000'000 - 8192);
    CHECK(p.bandwidth.rx_rate <= 100'000'000 + 8192);
    CHECK(p.bandwidth.tx_rate >= 50'000'000 - 8192);
    CHECK(p.bandwidth.tx_rate <= 50'000'000 + 8192);
}

TEST_CASE("libvirt-xml: trunks, client mode, random MAC", "[libvirt]") {
    ctl::LibvirtXmlRequest r;
    r.domain = "db";
    r.trunks = "20-22,30";
    r.qemu_is_server = false;
    const std::string xml = snippet(r);
    CHECK_THAT(xml, Catch::Contains("mode='client'"));
    CHECK_THAT(xml, Catch::Contains("<reconnect enabled='yes'"));
    CHECK_THAT(xml, Catch::Contains("vlan-mode='trunk' trunks='20-22,30'"));
    CHECK_THAT(xml, Catch::Contains("<mac address='52:54:00:"));
    CHECK_THAT(xml, !Catch::Contains("<bandwidth>"));
    libvirt::Domain d = read_back(xml);
    auto ports = libvirt::domain_ports(d, "/run/vsw/vhost");
    REQUIRE(ports.ports.size() == 1);
    CHECK(ports.ports[0].type == PortType::kVhostUserServer);
    CHECK(ports.ports[0].trunks == "20-22,30");
}

TEST_CASE("libvirt-xml refuses what would not work", "[libvirt]") {
    std::string error;
    ctl::LibvirtXmlRequest r;
    CHECK(ctl::libvirt_xml(r, error).empty());
    CHECK_THAT(error, Catch::Contains("--domain"));
    r.domain = "x";
    r.mac = "01:00:5e:00:00:01";
    CHECK(ctl::libvirt_xml(r, error).empty());
    CHECK_THAT(error, Catch::Contains("unicast"));
    r.mac = "";
    r.trunks = "5000";
    CHECK(ctl::libvirt_xml(r, error).empty());
    CHECK_THAT(error, Catch::Contains("--trunks"));
    r.trunks = "";
    r.socket_dir = "relative";
    CHECK(ctl::libvirt_xml(r, error).empty());
    r.socket_dir = "/run/vsw/vhost";
    r.tx_rate = 100;
    CHECK(ctl::libvirt_xml(r, error).empty());
    CHECK_THAT(error, Catch::Contains("8k"));
}

TEST_CASE("libvirt-xml escapes what it quotes", "[libvirt]") {
    ctl::LibvirtXmlRequest r;
    r.domain = "a--b";
    r.socket_dir = "/run/it's";
    const std::string xml = snippet(r);
    CHECK_THAT(xml, Catch::Contains("/run/it&apos;s/a--b-"));
    CHECK_THAT(xml, Catch::Contains("domain a-_b"));  // no "--" inside a comment
}
