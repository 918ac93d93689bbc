// The ACL classifier's decision on a NEW connection (acl/acl_classifier.h): ns per lookup over
// a mix of first packets (allowed, denied, both directions, IPv4 and IPv6), for a cloud port
// with 20 rules and for ports with 1000 rules laid out four ways (distinct ports; one port from
// 1000 prefixes; nested port ranges from 1000 prefixes; nested port ranges from anywhere with
// packets that no rule matches, where every rule is checked: the worst case). And what building
// one costs the control thread.
#include <string>
#include <vector>

#include "acl/acl_classifier.h"
#include "tests/acl/acl_lab.h"
#include "tests/support/bench.h"

using namespace vsw;
using namespace vsw::acl;
using namespace vsw::acl::testing;

namespace {

constexpr auto kIn = Direction::kIngress;
constexpr auto kOut = Direction::kEgress;

void lookups(const char* name, const AclClassifier& c, const std::vector<AclKey>& keys) {
    bench::run(name, keys.size(), [&] {
        unsigned allowed = 0;
        for (const AclKey& k : keys) allowed += c.classify(k).allow;
        bench::keep(allowed);
    });
}

std::string n(unsigned i) {
    return std::to_string(i);
}

}  // namespace

int main() {
    // A cloud port: Neutron's defaults, a web tier's rules, an operator's denies, IPv6.
    SecurityGroupSet s;
    add_group(s, "web");
    add_group(s, "ops");
    for (const char* r :
         {"direction=ingress protocol=tcp port=22 remote=10.0.0.0/8",
          "direction=ingress protocol=tcp port=80", "direction=ingress protocol=tcp port=443",
          "direction=ingress protocol=tcp port=8000-8080 remote=192.168.0.0/16",
          "direction=ingress protocol=icmp icmp-type=8",
          "direction=ingress protocol=icmp icmp-type=3 icmp-code=4",
          "direction=ingress protocol=udp port=53 remote-group=web",
          "direction=ingress protocol=tcp port=5432 remote-group=web",
          "direction=ingress ethertype=ipv6 protocol=tcp port=22 remote=2001:db8::/32",
          "direction=ingress ethertype=ipv6 protocol=tcp port=443",
          "direction=ingress ethertype=ipv6 protocol=icmpv6 icmp-type=128"}) {
        add_group_rule(s, "web", rule(r));
    }
    for (const char* r :
         {"direction=ingress remote=10.66.0.0/16 action=deny priority=10",
          "direction=egress protocol=tcp port=25 action=deny priority=10",
          "direction=ingress protocol=tcp port=22 remote=10.1.2.3 priority=5",
          "direction=ingress ethertype=ipv6 remote=2001:db8:bad::/48 action=deny priority=10",
          "direction=ingress protocol=udp port=161 remote=10.0.5.0/24"}) {
        add_group_rule(s, "ops", rule(r));
    }
    RemoteGroupMembers members;
    for (unsigned i = 1; i <= 50; ++i)
        members["web"].push_back(ipv4_host(0x0a000a00 + i));  // 10.0.10.x
    const AclClassifier small(s, {"web", "ops"}, members);
    const std::vector<AclKey> mix = {
        tcp4_in("10.1.1.1", 22),                 // allowed
        tcp4_in("198.51.100.7", 443),            // allowed
        tcp4_in("198.51.100.7", 3389),           // denied: no rule
        tcp4_in("10.66.1.1", 80),                // denied first
        udp4(kIn, "10.0.10.17", 53),             // remote group
        icmp4(kIn, "203.0.113.1", 8, 0),         // echo
        udp4(kOut, "198.51.100.7", 443),         // egress allow-all
        v6(kIn, kProtoTcp, "2001:db8::99", 22),  // IPv6 allowed
        v6(kIn, kProtoTcp, "2001:db9::99", 22),  // IPv6 denied
        v6(kIn, kProtoIcmpv6, "fe80::1", 135),   // neighbour solicitation
        udp4(kOut, "255.255.255.255", 67, 68),   // DHCP
        key(kOut, Ethertype::kIpv4, kProtoTcp, acl_ipv4(1), acl_ipv4(2), 25),  // denied out
    };
    std::printf("20 rules: %zu in decision order, %zu bytes compiled\n", small.rules().size(),
                small.memory_bytes());
    lookups("acl: 20 rules, a mix of 12 first packets", small, mix);

    // 1000 rules, each its own port and /24.
    SecurityGroupSet ports;
    add_group(ports, "many");
    for (unsigned i = 0; i < 998; ++i)
        add_group_rule(ports, "many",
                       rule("direction=ingress protocol=tcp port=" + n(1000 + i) + " remote=10." +
                            n(i / 250) + "." + n(i % 250) + ".0/24"));
    const AclClassifier by_port(ports, {"many"}, {});
    std::vector<AclKey> port_keys;
    for (unsigned i = 0; i < 998; i += 83) {
        const std::string from = "10." + n(i / 250) + "." + n(i % 250) + ".9";
        port_keys.push_back(tcp4_in(from.c_str(), static_cast<uint16_t>(1000 + i)));  // allowed
        port_keys.push_back(tcp4_in("192.0.2.1", static_cast<uint16_t>(1000 + i)));   // denied
    }
    port_keys.push_back(udp4(kOut, "198.51.100.7", 53));
    std::printf("1000 rules, distinct ports: %zu bytes compiled\n", by_port.memory_bytes());
    lookups("acl: 1000 rules, distinct ports", by_port, port_keys);

    // 1000 rules for one port, each from its own prefix (/24s and /32s): prefix tables.
    SecurityGroupSet prefixes;
    add_group(prefixes, "ssh");
    for (unsigned i = 0; i < 998; ++i)
        add_group_rule(prefixes, "ssh",
                       rule("direction=ingress protocol=tcp port=22 remote=" +
                            (i % 2 ? "172.16." + n(i / 250) + "." + n(i % 250)
                                   : "10." + n(i / 250) + "." + n(i % 250) + ".0/24")));
    const AclClassifier by_prefix(prefixes, {"ssh"}, {});
    std::vector<AclKey> prefix_keys;
    for (unsigned i = 0; i < 998; i += 83) {
        const std::string a = i % 2 ? "172.16." + n(i / 250) + "." + n(i % 250)
                                    : "10." + n(i / 250) + "." + n(i % 250) + ".9";
        prefix_keys.push_back(tcp4_in(a.c_str(), 22));
        prefix_keys.push_back(tcp4_in("192.0.2.1", 22));
    }
    std::printf("1000 rules, one port: %zu bytes compiled\n", by_prefix.memory_bytes());
    lookups("acl: 1000 rules, one port, 1000 prefixes", by_prefix, prefix_keys);

    // 1000 rules with nested port ranges, each from its own /24: one interval (the ranges would
    // repeat the rules in every interval), the rules found by prefix, their ranges checked.
    SecurityGroupSet nested;
    add_group(nested, "nested");
    for (unsigned i = 0; i < 998; ++i)
        add_group_rule(nested, "nested",
                       rule("direction=ingress protocol=udp port=" + n(1000 + i) + "-" +
                            n(3000 - i) + " remote=10." + n(i / 250) + "." + n(i % 250) + ".0/24"));
    const AclClassifier by_range(nested, {"nested"}, {});
    std::vector<AclKey> range_keys;
    for (unsigned i = 0; i < 998; i += 83) {
        const std::string from = "10." + n(i / 250) + "." + n(i % 250) + ".9";
        range_keys.push_back(udp4(kIn, from.c_str(), 2000));
        range_keys.push_back(udp4(kIn, "192.0.2.1", 2000));
    }
    std::printf("1000 rules, nested ranges: %zu bytes compiled\n", by_range.memory_bytes());
    lookups("acl: 1000 rules, nested ranges, 1000 prefixes", by_range, range_keys);

    // The worst case: 1000 nested port ranges from anywhere, and packets that none matches:
    // every rule is checked.
    SecurityGroupSet worst;
    add_group(worst, "worst");
    for (unsigned i = 0; i < 998; ++i)
        add_group_rule(
            worst, "worst",
            rule("direction=ingress protocol=udp port=" + n(1000 + i) + "-" + n(3000 - i)));
    const AclClassifier by_worst(worst, {"worst"}, {});
    const std::vector<AclKey> worst_keys = {udp4(kIn, "192.0.2.1", 999),
                                            udp4(kIn, "192.0.2.1", 3001)};
    std::printf("1000 rules, nested ranges from anywhere: %zu bytes compiled\n",
                by_worst.memory_bytes());
    lookups("acl: 1000 nested ranges, no match (worst case)", by_worst, worst_keys);

    bench::run("acl: build a port's classifier, 20 rules", 1, [&] {
        const AclClassifier c(s, {"web", "ops"}, members);
        bench::keep(c);
    });
    bench::run("acl: build a port's classifier, 1000 rules", 1, [&] {
        const AclClassifier c(ports, {"many"}, {});
        bench::keep(c);
    });
}
