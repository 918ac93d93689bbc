#include "src/libvirt/domain_xml.h"

#include <catch2/catch.hpp>

using namespace vsw::libvirt;

namespace {

const char* kDomain = R"(<domain type='qemu'>
  <name>web1</name>
  <uuid>d5d41a46-8457-4e09-87d5-ade279e6d41d</uuid>
  <devices>
    <interface type='network'><mac address='52:54:00:00:00:09'/><source network='default'/></interface>
    <interface type='vhostuser'>
      <mac address='52:54:00:AA:00:01'/>
      <source type='unix' path='/run/vsw/vhost/web1-a' mode='server'/>
      <model type='virtio'/>
      <mtu size='1450'/>
      <bandwidth>
        <inbound average='1000' peak='2000' burst='64'/>
        <outbound average='500'/>
      </bandwidth>
    </interface>
    <interface type='vhostuser'>
      <mac address='52:54:00:aa:00:02'/>
      <source type='unix' path='/run/vsw/vhost/web1-b' mode='client'><reconnect enabled='yes' timeout='1'/></source>
    </interface>
  </devices>
  <metadata>
    <other:thing xmlns:other='http://example.org/other'><port mac='52:54:00:aa:00:01' tag='99'/></other:thing>
    <vsw:ports xmlns:vsw='urn:vsw:libvirt:1'>
      <vsw:port mac='52:54:00:aa:00:01' vlan-mode='access' tag='10'/>
      <vsw:port mac='52:54:00:AA:00:02' trunks='20-30'/>
    </vsw:ports>
  </metadata>
</domain>)";

Domain parse(const std::string& xml) {
    std::string error;
    auto d = parse_domain(xml, error);
    INFO(error);
    REQUIRE(d);
    return *d;
}

std::string parse_error(const std::string& xml) {
    std::string error;
    CHECK_FALSE(parse_domain(xml, error));
    return error;
}

}  // namespace

TEST_CASE("a domain's vhost-user interfaces, bandwidth and vsw metadata are read") {
    Domain d = parse(kDomain);
    CHECK(d.name == "web1");
    CHECK(d.uuid == "d5d41a46-8457-4e09-87d5-ade279e6d41d");
    REQUIRE(d.interfaces.size() == 2);  // the type='network' one is not ours
    const auto& a = d.interfaces[0];
    CHECK(a.mac == "52:54:00:aa:00:01");  // normalised
    CHECK(a.socket == "/run/vsw/vhost/web1-a");
    CHECK(a.qemu_is_server);
    CHECK(a.mtu == "1450");
    REQUIRE(a.inbound);
    CHECK(a.inbound->average == 1000);
    CHECK(a.inbound->peak == 2000);
    CHECK(a.inbound->burst == 64);
    REQUIRE(a.outbound);
    CHECK(a.outbound->average == 500);
    CHECK(a.outbound->peak == 0);
    const auto& b = d.interfaces[1];
    CHECK_FALSE(b.qemu_is_server);
    CHECK_FALSE(b.inbound);
    CHECK_FALSE(b.outbound);
    CHECK(b.mtu.empty());
    // Only vsw's namespace counts; the other namespace's <port> is not read.
    REQUIRE(d.metadata.size() == 2);
    CHECK(d.metadata[0].mac == "52:54:00:aa:00:01");
    CHECK(d.metadata[0].settings ==
          std::vector<std::pair<std::string, std::string>>{{"vlan-mode", "access"}, {"tag", "10"}});
    CHECK(d.metadata[1].mac == "52:54:00:aa:00:02");
    CHECK(d.problems.empty());
}

TEST_CASE("libvirt's default source mode is server") {
    Domain d = parse(R"(<domain><name>x</name><uuid>u</uuid><devices>
      <interface type='vhostuser'><mac address='52:54:00:00:00:01'/><source type='unix' path='/s'/></interface>
    </devices></domain>)");
    REQUIRE(d.interfaces.size() == 1);
    CHECK(d.interfaces[0].qemu_is_server);
}

TEST_CASE("bad interfaces and metadata entries are skipped with a reason") {
    Domain d = parse(R"(<domain><name>x</name><uuid>u</uuid><devices>
      <interface type='vhostuser'><source type='unix' path='/s1'/></interface>
      <interface type='vhostuser'><mac address='zz:54:00:00:00:01'/><source type='unix' path='/s2'/></interface>
      <interface type='vhostuser'><mac address='52:54:00:00:00:03'/></interface>
      <interface type='vhostuser'><mac address='52:54:00:00:00:04'/><source type='unix' path='/s4' mode='sideways'/></interface>
      <interface type='vhostuser'><mac address='52:54:00:00:00:05'/><source type='unix' path='/s5'/>
        <bandwidth><inbound average='lots'/><outbound peak='100'/></bandwidth></interface>
      <interface type='vhostuser'><mac address='52:54:00:00:00:06'/><source type='unix' path='/s6'/>
        <bandwidth><inbound average='99999999999999999999999'/></bandwidth></interface>
    </devices><metadata><vsw:ports xmlns:vsw='urn:vsw:libvirt:1'>
      <vsw:port tag='10'/>
      <vsw:port mac='not-a-mac' tag='10'/>
      <vsw:port mac='52:54:00:00:00:05' tag='10'/>
      <vsw:port mac='52:54:00:00:00:05' tag='20'/>
      <vsw:vlan id='3'/>
    </vsw:ports></metadata></domain>)");
    REQUIRE(d.interfaces.size() == 2);  // 05 and 06 stay, without bandwidth
    CHECK(d.interfaces[0].mac == "52:54:00:00:00:05");
    CHECK_FALSE(d.interfaces[0].inbound);
    CHECK_FALSE(d.interfaces[0].outbound);
    CHECK_FALSE(d.interfaces[1].inbound);
    REQUIRE(d.metadata.size() == 1);
    CHECK(d.metadata[0].settings[0].second == "10");  // the first entry for a MAC counts
    std::string all;
    for (const auto& p : d.problems) all += p + "\n";
    INFO(all);
    CHECK(d.problems.size() == 11);
    CHECK_THAT(all, Catch::Contains("vhostuser interface #2: no valid <mac address>"));
    CHECK_THAT(all, Catch::Contains("no <source type='unix'"));
    CHECK_THAT(all, Catch::Contains("sideways"));
    CHECK_THAT(all, Catch::Contains("average='lots'"));
    CHECK_THAT(all, Catch::Contains("without a positive average"));
    CHECK_THAT(all, Catch::Contains("mac='not-a-mac'"));
    CHECK_THAT(all, Catch::Contains("without a mac attribute"));
    CHECK_THAT(all, Catch::Contains("a second <port"));
    CHECK_THAT(all, Catch::Contains("unknown element <vlan>"));
}

TEST_CASE("what is not a readable domain is refused as a whole") {
    CHECK_THAT(parse_error("<domain><name>x</name>"), Catch::Contains("malformed"));
    CHECK_THAT(parse_error(""), Catch::Contains("malformed"));
    CHECK_THAT(parse_error("<network><name>x</name><uuid>u</uuid></network>"),
               Catch::Contains("not a libvirt domain"));
    CHECK_THAT(parse_error("<domain><uuid>u</uuid></domain>"), Catch::Contains("<name>"));
    CHECK_THAT(parse_error(std::string(17u << 20, ' ')), Catch::Contains("16 MiB"));
}

TEST_CASE("entities are not expanded and no external resource is loaded") {
    // A billion-laughs style document: libxml2 must not expand it (no XML_PARSE_NOENT).
    std::string xml = R"(<?xml version="1.0"?><!DOCTYPE domain [<!ENTITY a "aaaaaaaaaa">
      <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
      <!ENTITY ext SYSTEM "file:///etc/passwd">]>
      <domain><name>&c;</name><uuid>&ext;</uuid></domain>)";
    std::string error;
    auto d = parse_domain(xml, error);
    if (d) CHECK(d->uuid.find("root:") == std::string::npos);  // /etc/passwd was not read
}

TEST_CASE("a metadata port's filter and its parameters are read in order", "[libvirt]") {
    auto d = parse(R"(<domain><name>a</name><uuid>u</uuid><metadata>
      <vsw:ports xmlns:vsw='urn:vsw:libvirt:1'>
        <vsw:port mac='52:54:00:aa:00:01' filter='clean-traffic' tag='10'>
          <vsw:parameter name='IP' value='10.0.0.1'/>
          <vsw:parameter name='IP' value='2001:db8::1'/>
          <vsw:parameter name='CTRL_IP_LEARNING' value='none'/>
          <vsw:parameter value='no name'/>
          <vsw:rule/>
        </vsw:port>
        <vsw:port mac='52:54:00:aa:00:02' tag='20'><vsw:parameter name='IP' value='10.0.0.2'/></vsw:port>
      </vsw:ports></metadata></domain>)");
    REQUIRE(d.metadata.size() == 2);
    REQUIRE(d.metadata[0].filter);
    CHECK(d.metadata[0].filter->name == "clean-traffic");
    CHECK(d.metadata[0].filter->parameters ==
          std::vector<std::pair<std::string, std::string>>{
              {"IP", "10.0.0.1"}, {"IP", "2001:db8::1"}, {"CTRL_IP_LEARNING", "none"}});
    CHECK(d.metadata[0].settings ==
          std::vector<std::pair<std::string, std::string>>{{"tag", "10"}});
    CHECK_FALSE(d.metadata[1].filter);
    REQUIRE(d.problems.size() == 3);
    CHECK_THAT(d.problems[0], Catch::Contains("without name or value"));
    CHECK_THAT(d.problems[1], Catch::Contains("unknown element <rule>"));
    CHECK_THAT(d.problems[2], Catch::Contains("no filter attribute"));
}

TEST_CASE("at most kMaxFilterParameters parameters are kept", "[libvirt]") {
    std::string params;
    for (unsigned i = 0; i < kMaxFilterParameters + 5; ++i)
        params += "<vsw:parameter name='IP' value='10.0.0." + std::to_string(i % 250) + "'/>";
    auto d = parse(
        "<domain><name>a</name><uuid>u</uuid><metadata><vsw:ports "
        "xmlns:vsw='urn:vsw:libvirt:1'><vsw:port mac='52:54:00:aa:00:01' "
        "filter='clean-traffic'>" +
        params + "</vsw:port></vsw:ports></metadata></domain>");
    REQUIRE(d.metadata.size() == 1);
    CHECK(d.metadata[0].filter->parameters.size() == kMaxFilterParameters);
    REQUIRE(d.problems.size() == 1);
    CHECK_THAT(d.problems[0], Catch::Contains("the rest ignored"));
}
