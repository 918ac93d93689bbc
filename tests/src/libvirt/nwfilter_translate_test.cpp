#include "src/libvirt/nwfilter_translate.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "acl/acl_syntax.h"

using namespace vsw::libvirt;
using vsw::acl::SecurityRule;

namespace {

const std::string kMac = "52:54:00:aa:00:01";

// libvirt's own filters, read where libvirt installs them: a missing one fails the test.
std::optional<std::string> system_filter(const std::string& name) {
    std::ifstream in("/etc/libvirt/nwfilter/" + name + ".xml");
    if (!in) return std::nullopt;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// `own` filters first, then libvirt's; the names looked up are recorded.
struct Lookup {
    std::map<std::string, std::string> own;
    std::vector<std::string> missing;
    FilterLookup fn() {
        return [this](const std::string& name) -> std::optional<std::string> {
            if (auto it = own.find(name); it != own.end()) return it->second;
            auto xml = system_filter(name);
            if (!xml) missing.push_back(name);
            return xml;
        };
    }
};

NwTranslation translate(const std::string& name, Settings params = {}, Lookup* lookup = nullptr) {
    Lookup system;
    Lookup& l = lookup ? *lookup : system;
    auto t = translate_nwfilter(FilterRef{name, std::move(params)}, kMac, l.fn());
    INFO("filters missing from /etc/libvirt/nwfilter: " << l.missing.size());
    for (const auto& m : l.missing) FAIL_CHECK("missing " << m);
    return t;
}

// A rule as vswctl acl words, to compare whole lists readably.
std::vector<std::string> words(const std::vector<SecurityRule>& rules) {
    std::vector<std::string> out;
    for (const auto& r : rules) out.push_back(vsw::acl::rule_words(r));
    return out;
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("clean-traffic: anti-spoofing, libvirt's ethertypes, IPv4 only both ways", "[nwfilter]") {
    auto t = translate("clean-traffic", {{"IP", "10.0.0.1"}, {"IP", "10.0.1.0/24"}});
    INFO(t.refusal);
    REQUIRE(t.refusal.empty());
    CHECK(t.settings == Settings{{"port-security", "on"},
                                 {"allowed-macs", kMac},
                                 {"allowed-ips", "10.0.0.1,10.0.1.0/24"},
                                 {"allowed-ethertypes", "ipv4,arp,rarp"}});
    // IPv4 passes both ways; IPv6 and other ethertypes are dropped (no rule: vsw denies).
    // libvirt's ebtables accept IPv4 both ways, its iptables have no rule: vsw allows all IPv4.
    CHECK(words(t.rules) == std::vector<std::string>{"direction=ingress ethertype=ipv4",
                                                     "direction=egress ethertype=ipv4"});
}

TEST_CASE("clean-traffic without IP learns by DHCP, CTRL_IP_LEARNING=none allows none",
          "[nwfilter]") {
    auto t = translate("clean-traffic");
    REQUIRE(t.refusal.empty());
    CHECK(t.settings[2] == std::pair<std::string, std::string>{"allowed-ips", "dhcp"});
    t = translate("clean-traffic", {{"CTRL_IP_LEARNING", "none"}});
    CHECK(t.settings[2] == std::pair<std::string, std::string>{"allowed-ips", "none"});
    t = translate("clean-traffic", {{"CTRL_IP_LEARNING", "often"}});
    CHECK(contains(t.refusal, "CTRL_IP_LEARNING"));
    CHECK(t.settings.empty());
}

TEST_CASE("the parts of clean-traffic alone", "[nwfilter]") {
    const Settings mac_only = {{"port-security", "on"},
                               {"allowed-macs", kMac},
                               {"allowed-ips", "any"},
                               {"allowed-ethertypes", "any"}};
    for (const char* name : {"no-mac-spoofing", "no-arp-mac-spoofing", "qemu-announce-self"}) {
        INFO(name);
        auto t = translate(name);
        CHECK(t.refusal.empty());
        CHECK(t.settings == mac_only);
        CHECK(t.rules.empty());
    }
    for (const char* name : {"no-ip-spoofing", "no-arp-spoofing", "no-arp-ip-spoofing"}) {
        INFO(name);
        auto t = translate(name, {{"IP", "10.0.0.1"}});
        CHECK(t.refusal.empty());
        CHECK(t.settings == Settings{{"port-security", "on"},
                                     {"allowed-macs", kMac},
                                     {"allowed-ips", "10.0.0.1"},
                                     {"allowed-ethertypes", "any"}});
        CHECK(t.rules.empty());
    }
    // Accepting only, or what vsw does anyway: nothing to enforce, no ACL.
    for (const char* name : {"allow-incoming-ipv4", "allow-dhcp", "allow-ipv4", "allow-arp"}) {
        INFO(name);
        auto t = translate(name);
        CHECK(t.refusal.empty());
        CHECK(t.settings.empty());
        CHECK(t.rules.empty());
    }
}

TEST_CASE("no-other-l2-traffic alone is refused: vsw cannot drop ARP", "[nwfilter]") {
    auto t = translate("no-other-l2-traffic");
    CHECK(contains(t.refusal, "filter 'no-other-l2-traffic' rule 1 (drop inout)"));
    CHECK(contains(t.refusal, "drops ARP"));
    CHECK(t.settings.empty());
    CHECK(t.rules.empty());
}

TEST_CASE("no-ip-multicast: a drop of multicast destinations, IPv4 otherwise open", "[nwfilter]") {
    auto t = translate("no-ip-multicast");
    INFO(t.refusal);
    REQUIRE(t.refusal.empty());
    CHECK(words(t.rules) ==
          std::vector<std::string>{"direction=ingress ethertype=ipv4",
                                   "direction=egress ethertype=ipv4 remote=224.0.0.0/4 "
                                   "action=deny priority=1",
                                   "direction=egress ethertype=ipv4",
                                   "direction=ingress ethertype=ipv6",
                                   "direction=egress ethertype=ipv6"});
}

TEST_CASE("a custom filter: TCP 22 and ICMP in, all out, the rest dropped", "[nwfilter]") {
    Lookup l;
    l.own["ssh-only"] = R"(<filter name='ssh-only'>
        <filterref filter='clean-traffic'/>
        <rule action='drop' direction='inout' priority='1000'><all/></rule>
        <rule action='accept' direction='out' priority='200'><all/></rule>
        <rule action='accept' direction='in' priority='110'><icmp/></rule>
        <rule action='accept' direction='in' priority='100'><tcp dstportstart='22'/></rule>
      </filter>)";
    auto t = translate("ssh-only", {{"IP", "10.0.0.5"}}, &l);
    INFO(t.refusal);
    REQUIRE(t.refusal.empty());
    CHECK(t.settings[2] == std::pair<std::string, std::string>{"allowed-ips", "10.0.0.5"});
    // Ordered by priority, each its own; the final drop is vsw's no-rule deny.
    CHECK(words(t.rules) == std::vector<std::string>{
                                "direction=ingress ethertype=ipv4 protocol=tcp port=22 priority=1",
                                "direction=ingress ethertype=ipv4 protocol=icmp priority=2",
                                "direction=egress ethertype=ipv4 priority=3"});
}

TEST_CASE("without a final drop libvirt accepts: allow-all at the lowest priority", "[nwfilter]") {
    Lookup l;
    l.own["no-telnet"] = R"(<filter name='no-telnet'>
        <rule action='drop' direction='in'><tcp state='NEW' srcipaddr='192.0.2.0' srcipmask='24'
          dstportstart='23'/></rule>
        <rule action='reject' direction='in' priority='400'><udp-ipv6 dstportstart='161'
          dstportend='162' state='NEW'/></rule>
      </filter>)";
    auto t = translate("no-telnet", {}, &l);
    INFO(t.refusal);
    REQUIRE(t.refusal.empty());
    CHECK(t.settings.empty());
    CHECK(words(t.rules) ==
          std::vector<std::string>{
              "direction=ingress ethertype=ipv4 protocol=tcp port=23 remote=192.0.2.0/24 "
              "action=deny priority=1",
              "direction=ingress ethertype=ipv4", "direction=egress ethertype=ipv4",
              "direction=ingress ethertype=ipv6 protocol=udp port=161-162 action=deny priority=2",
              "direction=ingress ethertype=ipv6", "direction=egress ethertype=ipv6"});
    CHECK(t.rules[1].priority == vsw::acl::kLowestPriority);
    CHECK(std::find_if(t.notes.begin(), t.notes.end(), [](const std::string& n) {
              return contains(n, "reject is enforced as drop");
          }) != t.notes.end());
}

TEST_CASE("chains: a chain's priority orders its rules against the root's", "[nwfilter]") {
    Lookup l;
    // The ipv4 chain (-700) comes before the root rule at -650, whatever the rules' own
    // priorities; within the chain, rule priority decides. (Multicast destinations: no reply
    // can be dropped by these stateless drops.)
    l.own["top"] = R"(<filter name='top'>
        <rule action='drop' direction='out' priority='-650'><ip dstipaddr='239.0.0.0'
          dstipmask='8'/></rule>
        <filterref filter='v4'/>
      </filter>)";
    l.own["v4"] = R"(<filter name='v4' chain='ipv4'>
        <rule action='accept' direction='out' priority='900'><ip dstipaddr='239.1.1.7'/></rule>
        <rule action='drop' direction='out' priority='100'><ip dstipaddr='239.1.1.0'
          dstipmask='255.255.255.0'/></rule>
      </filter>)";
    auto t = translate("top", {}, &l);
    INFO(t.refusal);
    REQUIRE(t.refusal.empty());
    REQUIRE(t.rules.size() >= 4);
    CHECK(vsw::acl::rule_words(t.rules[1]) ==
          "direction=egress ethertype=ipv4 remote=239.1.1.0/24 action=deny priority=1");
    CHECK(vsw::acl::rule_words(t.rules[2]) ==
          "direction=egress ethertype=ipv4 remote=239.1.1.7/32 priority=2");
    CHECK(vsw::acl::rule_words(t.rules[3]) ==
          "direction=egress ethertype=ipv4 remote=239.0.0.0/8 action=deny priority=3");
}

TEST_CASE("parameters pass down; a filterref's are defaults; values multiply rules", "[nwfilter]") {
    Lookup l;
    l.own["outer"] = R"(<filter name='outer'>
        <filterref filter='inner'>
          <parameter name='PORT' value='80'/>
          <parameter name='NET' value='10.9.9.9'/>
        </filterref>
      </filter>)";
    l.own["inner"] = R"(<filter name='inner'>
        <rule action='accept' direction='in' priority='100'><tcp srcipaddr='$NET'
          dstportstart='$PORT'/></rule>
        <rule action='accept' direction='out' priority='100'><all/></rule>
        <rule action='drop' direction='in' priority='900'><all/></rule>
      </filter>)";
    // NET from the interface wins over the filterref's; PORT is the filterref's default.
    auto t = translate("outer", {{"NET", "10.0.0.1"}, {"NET", "10.0.0.2"}}, &l);
    INFO(t.refusal);
    REQUIRE(t.refusal.empty());
    CHECK(words(t.rules) ==
          std::vector<std::string>{"direction=ingress ethertype=ipv4 protocol=tcp port=80 "
                                   "remote=10.0.0.1/32 priority=1",
                                   "direction=ingress ethertype=ipv4 protocol=tcp port=80 "
                                   "remote=10.0.0.2/32 priority=2",
                                   "direction=egress ethertype=ipv4 priority=3",
                                   "direction=ingress ethertype=ipv6",
                                   "direction=egress ethertype=ipv6"});
}

TEST_CASE("cycles, depth, missing and broken filters are refused", "[nwfilter]") {
    Lookup l;
    l.own["a"] = "<filter name='a'><filterref filter='b'/></filter>";
    l.own["b"] = "<filter name='b'><filterref filter='a'/></filter>";
    CHECK(contains(translate("a", {}, &l).refusal, "filter reference cycle: a -> b -> a"));
    for (int i = 0; i < 20; ++i)
        l.own["d" + std::to_string(i)] = "<filter name='d" + std::to_string(i) +
                                         "'><filterref filter='d" + std::to_string(i + 1) +
                                         "'/></filter>";
    CHECK(contains(translate("d0", {}, &l).refusal, "nested deeper than 16"));
    Lookup gone;
    gone.own["gone"] = "<filter name='gone'><filterref filter='nowhere'/></filter>";
    auto t = translate_nwfilter(FilterRef{"gone", {}}, kMac, gone.fn());
    CHECK(t.refusal == "filter 'nowhere' does not exist (referenced by 'gone')");
    l.own["bad"] = "<filter name='bad'><rule action='x' direction='in'/></filter>";
    CHECK(contains(translate("bad", {}, &l).refusal, "unknown action 'x'"));
    l.own["alias"] = "<filter name='other'/>";
    CHECK(contains(translate("alias", {}, &l).refusal, "its XML is named 'other'"));
}

TEST_CASE("what vsw cannot enforce faithfully is refused, precisely", "[nwfilter]") {
    const auto refusal = [](const std::string& rules, Settings params = {}) {
        Lookup l;
        l.own["f"] = "<filter name='f'>" + rules + "</filter>";
        return translate("f", std::move(params), &l).refusal;
    };
    CHECK(contains(refusal("<rule action='accept' direction='in'><tcp srcportstart='1024'/>"
                           "</rule>"),
                   "filter 'f' rule 1 (accept in <tcp>): srcportstart (a source port match)"));
    CHECK(contains(refusal("<rule action='return' direction='out'><ip/></rule>"),
                   "'return' leaves its chain early"));
    CHECK(contains(refusal("<rule action='drop' direction='out'><mac srcmacaddr='$MAC'/></rule>"),
                   "<mac srcmacaddr> is not something vsw's rules match"));
    CHECK(contains(refusal("<rule action='accept' direction='in'><arp opcode='Request'/></rule>"),
                   "an ARP rule vsw cannot express"));
    CHECK(contains(refusal("<rule action='accept' direction='in'><ip srcipaddr='$IP'/></rule>"),
                   "variable $IP has no value"));
    CHECK(contains(refusal("<rule action='accept' direction='in'><ip srcipaddr='$FOO'/></rule>"),
                   "variable $FOO is not defined"));
    CHECK(contains(refusal("<rule action='accept' direction='in'><tcp connlimit-above='3'/>"
                           "</rule>"),
                   "connlimit-above"));
    CHECK(contains(refusal("<rule action='drop' direction='in'><tcp state='ESTABLISHED'/></rule>"),
                   "drops established or related traffic"));
    CHECK(contains(refusal("<rule action='accept' direction='in'><tcp dstipaddr='10.0.0.1'/>"
                           "</rule>"),
                   "matches the guest's own address"));
    CHECK(contains(refusal("<rule action='accept' direction='in'><ip srcipaddr='10.0.0.0' "
                           "srcipmask='8'/></rule>"
                           "<rule action='drop' direction='in' priority='600'><tcp "
                           "dstportstart='22' state='NEW'/></rule>"),
                   "different libvirt layers"));
    // A stateless (ebtables) accept in, and a drop out that libvirt applies to its replies.
    auto e = refusal(
        "<rule action='accept' direction='in'><ip protocol='tcp' dstportstart='22'/>"
        "</rule><rule action='drop' direction='out' priority='900'><ip/></rule>");
    CHECK(contains(e,
                   "filter 'f' rule 2 (drop out <ip>): drops IPv4 out traffic that includes "
                   "replies of connections accepted by filter 'f' rule 1"));
    // The same with iptables' stateful rules is faithful: libvirt accepts the replies too.
    CHECK(refusal("<rule action='accept' direction='in'><tcp dstportstart='22'/></rule>"
                  "<rule action='drop' direction='inout' priority='900'><all/></rule>")
              .empty());
    // ... unless the drop comes first.
    CHECK(contains(refusal("<rule action='accept' direction='in' priority='900'><tcp "
                           "dstportstart='22'/></rule><rule action='drop' direction='out' "
                           "priority='100'><tcp/></rule>"),
                   "replies of connections accepted by filter 'f' rule 1"));
}

TEST_CASE("accepting established traffic only is redundant: skipped with a note", "[nwfilter]") {
    Lookup l;
    l.own["f"] = R"(<filter name='f'>
        <rule action='accept' direction='in' priority='10'><tcp state='ESTABLISHED,RELATED'/></rule>
        <rule action='accept' direction='out' priority='20'><all state='NEW'/></rule>
        <rule action='drop' direction='inout' priority='30'><all/></rule>
      </filter>)";
    auto t = translate("f", {}, &l);
    INFO(t.refusal);
    REQUIRE(t.refusal.empty());
    CHECK(words(t.rules) == std::vector<std::string>{"direction=egress ethertype=ipv4 priority=1",
                                                     "direction=ingress ethertype=ipv6",
                                                     "direction=egress ethertype=ipv6"});
    CHECK(contains(t.notes.at(0), "rule 1 (accept in <tcp>): accepts established/related"));
}
