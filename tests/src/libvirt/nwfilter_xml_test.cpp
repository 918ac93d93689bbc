#include "src/libvirt/nwfilter_xml.h"

#include <catch2/catch.hpp>

using namespace vsw::libvirt;

namespace {

NwFilter parse_ok(const std::string& xml) {
    std::string error;
    auto f = parse_nwfilter(xml, error);
    INFO(error);
    REQUIRE(f);
    return *f;
}

std::string parse_error(const std::string& xml) {
    std::string error;
    auto f = parse_nwfilter(xml, error);
    CHECK_FALSE(f);
    return error;
}

}  // namespace

TEST_CASE("a filter's chain, priority, rules and filterrefs in document order", "[nwfilter]") {
    auto f = parse_ok(R"(<filter name='web' chain='ipv4-web' priority='-300'>
        <uuid>0b6cd7a4-2d3c-4c34-9d1e-1f0e6b3f7d10</uuid>
        <rule action='accept' direction='in' priority='100' statematch='false'>
          <tcp srcipaddr='$NET' srcipmask='24' dstportstart='80' dstportend='81' state='NEW'/>
        </rule>
        <filterref filter='base'><parameter name='NET' value='10.0.0.0'/></filterref>
        <rule action='drop' direction='inout'/>
      </filter>)");
    CHECK(f.name == "web");
    CHECK(f.chain == "ipv4-web");
    CHECK(f.priority == -300);
    REQUIRE(f.entries.size() == 3);
    const auto& r1 = std::get<NwRule>(f.entries[0]);
    CHECK(r1.index == 1);
    CHECK(r1.action == NwAction::kAccept);
    CHECK(r1.direction == NwDirection::kIn);
    CHECK(r1.priority == 100);
    CHECK_FALSE(r1.statematch);
    REQUIRE(r1.match);
    CHECK(r1.match->protocol == "tcp");
    CHECK(r1.match->attributes.size() == 5);
    CHECK(r1.match->attributes[0] == std::pair<std::string, std::string>{"srcipaddr", "$NET"});
    const auto& ref = std::get<NwFilterRef>(f.entries[1]);
    CHECK(ref.filter == "base");
    CHECK(ref.parameters == std::vector<std::pair<std::string, std::string>>{{"NET", "10.0.0.0"}});
    const auto& r2 = std::get<NwRule>(f.entries[2]);
    CHECK(r2.index == 2);
    CHECK(r2.priority == 500);  // libvirt's default
    CHECK(r2.statematch);
    CHECK_FALSE(r2.match);
}

TEST_CASE("chains get libvirt's default priorities, prefixed ones their base's", "[nwfilter]") {
    CHECK(parse_ok("<filter name='a'/>").chain == "root");
    CHECK(parse_ok("<filter name='a'/>").priority == 0);
    CHECK(parse_ok("<filter name='a' chain='mac'/>").priority == -800);
    CHECK(parse_ok("<filter name='a' chain='arp-xyz'/>").priority == -500);
    CHECK(parse_ok("<filter name='a' chain='ipv6'/>").priority == -600);
    CHECK(parse_ok("<filter name='a' chain='rarp'/>").priority == -400);
    CHECK(nw_chain_default_priority("stp") == -810);
    CHECK(nw_chain_default_priority("vlan-x") == -750);
    CHECK(nw_chain_default_priority("ipv4") == -700);
}

TEST_CASE("variables: plain $NAME, iterators and indexes refused", "[nwfilter]") {
    std::string name;
    CHECK(nw_variable("10.0.0.1").empty());
    CHECK(nw_variable("$IP", &name).empty());
    CHECK(name == "IP");
    CHECK(nw_variable("$IP[@1]").find("iterators") != std::string::npos);
    CHECK(nw_variable("$IP[0]").find("not supported") != std::string::npos);
    CHECK_FALSE(nw_variable("$").empty());
    CHECK_FALSE(nw_variable("$1A").empty());
    CHECK_FALSE(nw_variable("$A-B").empty());
    auto e = parse_error(
        "<filter name='x'><rule action='accept' direction='out'><ip srcipaddr='$IP[@1]'/></rule>"
        "</filter>");
    CHECK(e.find("rule 1") != std::string::npos);
    CHECK(e.find("iterators") != std::string::npos);
}

TEST_CASE("malformed filters are refused with a reason", "[nwfilter]") {
    CHECK(parse_error("<filter name='x'>").find("malformed filter XML") == 0);
    CHECK(parse_error("").find("malformed") == 0);
    CHECK(parse_error("<domain/>").find("not a libvirt filter") == 0);
    CHECK(parse_error("<filter/>").find("filter name") == 0);
    CHECK(parse_error("<filter name='a b'/>").find("filter name") == 0);
    CHECK(parse_error("<filter name='x' chain='bogus'/>").find("unknown chain") !=
          std::string::npos);
    CHECK(parse_error("<filter name='x' chain='root-x'/>").find("unknown chain") !=
          std::string::npos);
    CHECK(parse_error("<filter name='x' priority='1001'/>").find("priority") != std::string::npos);
    CHECK(parse_error("<filter name='x'><rule direction='in'/></filter>").find("required") !=
          std::string::npos);
    CHECK(parse_error("<filter name='x'><rule action='allow' direction='in'/></filter>")
              .find("unknown action 'allow'") != std::string::npos);
    CHECK(parse_error("<filter name='x'><rule action='drop' direction='up'/></filter>")
              .find("unknown direction") != std::string::npos);
    CHECK(parse_error("<filter name='x'><rule action='drop' direction='in' priority='x'/></filter>")
              .find("priority 'x'") != std::string::npos);
    CHECK(parse_error("<filter name='x'><rule action='drop' direction='in'><tcp/><udp/></rule>"
                      "</filter>")
              .find("a second protocol element") != std::string::npos);
    CHECK(parse_error("<filter name='x'><rule action='drop' direction='in'><gre/></rule></filter>")
              .find("unknown protocol element") != std::string::npos);
    CHECK(parse_error("<filter name='x'><rule action='drop' direction='in'><udp flags='SYN'/>"
                      "</rule></filter>")
              .find("<udp> has no attribute 'flags'") != std::string::npos);
    CHECK(parse_error("<filter name='x'><filterref/></filter>").find("filterref") !=
          std::string::npos);
    CHECK(parse_error("<filter name='x'><filterref filter='y'><parameter name='A'/></filterref>"
                      "</filter>")
              .find("without name or value") != std::string::npos);
    CHECK(parse_error("<filter name='x'><bogus/></filter>").find("unknown element") !=
          std::string::npos);
    CHECK(parse_error(std::string(kMaxNwFilterXmlBytes + 1, ' ')).find("larger") !=
          std::string::npos);
    std::string many = "<filter name='x'>";
    for (unsigned i = 0; i <= kMaxNwFilterEntries; ++i)
        many += "<rule action='drop' direction='in'/>";
    CHECK(parse_error(many + "</filter>").find("more than") != std::string::npos);
}

TEST_CASE("no entity expansion or external DTD", "[nwfilter]") {
    std::string error;
    auto f = parse_nwfilter(
        "<?xml version='1.0'?><!DOCTYPE filter [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
        "<filter name='x'><rule action='drop' direction='in'><tcp comment='&e;'/></rule></filter>",
        error);
    if (f) {
        const auto& r = std::get<NwRule>(f->entries[0]);
        CHECK(r.match->attributes.empty() == false);
        CHECK(r.match->attributes[0].second.find("root:") == std::string::npos);
    }
}
