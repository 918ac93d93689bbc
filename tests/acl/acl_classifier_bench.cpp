// The ACL classifier's decision on a NEW connection (acl/acl_classifier.h): ns per lookup over
// a mix of first packets (allowed, denied, both directions, IPv4 and IPv6), for a cloud port
// with 20 rules and for ports with 1000 rules laid out four ways (distinct ports; one port from
// 1000 prefixes; nested port ranges from 1000 prefixes; nested port ranges from anywhere with
// packets that no rule matches, where every rule is checked: the worst case). And what building
// one costs the control thread.
#include <cstdio>
#include <vector>

#include "acl/acl_classifier.h"
#include "tests/acl/acl_lab.h"
#include "tests/support/bench.h"

using namespace vsw;
using namespace vsw::acl;
using namespace vsw::acl::testing;

namespace {

void lookups(const char* name, const AclClassifier& c, const std::vector<AclKey>& keys) {
    bench::run(name, keys.size(), [&] {
        unsigned allowed = 0;
        for (const AclKey& k : keys) allowed += c.classify(k).allow;
        bench::keep(allowed);
    });
}

}  // namespace

int main() {
    // The ports and their first packets: tests/acl/acl_lab.h (shared with acl_rte_bench.cpp).
    const BenchPort cloud = bench_cloud_port();
    const AclClassifier small(cloud.groups, cloud.port, cloud.members);
    std::printf("20 rules: %zu in decision order, %zu bytes compiled\n", small.rules().size(),
                small.memory_bytes());
    lookups("acl: 20 rules, a mix of 12 first packets", small, cloud.keys);

    // 1000 rules, each its own port and /24.
    const BenchPort ports = bench_distinct_ports();
    const AclClassifier by_port(ports.groups, ports.port, {});
    std::printf("1000 rules, distinct ports: %zu bytes compiled\n", by_port.memory_bytes());
    lookups("acl: 1000 rules, distinct ports", by_port, ports.keys);

    // 1000 rules for one port, each from its own prefix (/24s and /32s): prefix tables.
    const BenchPort prefixes = bench_one_port_prefixes();
    const AclClassifier by_prefix(prefixes.groups, prefixes.port, {});
    std::printf("1000 rules, one port: %zu bytes compiled\n", by_prefix.memory_bytes());
    lookups("acl: 1000 rules, one port, 1000 prefixes", by_prefix, prefixes.keys);

    // 1000 rules with nested port ranges, each from its own /24: one interval (the ranges would
    // repeat the rules in every interval), the rules found by prefix, their ranges checked.
    const BenchPort nested = bench_nested_ranges();
    const AclClassifier by_range(nested.groups, nested.port, {});
    std::printf("1000 rules, nested ranges: %zu bytes compiled\n", by_range.memory_bytes());
    lookups("acl: 1000 rules, nested ranges, 1000 prefixes", by_range, nested.keys);

    // The worst case: 1000 nested port ranges from anywhere, and packets that none matches:
    // every rule is checked.
    const BenchPort worst = bench_nested_no_match();
    const AclClassifier by_worst(worst.groups, worst.port, {});
    std::printf("1000 rules, nested ranges from anywhere: %zu bytes compiled\n",
                by_worst.memory_bytes());
    lookups("acl: 1000 nested ranges, no match (worst case)", by_worst, worst.keys);

    bench::run("acl: build a port's classifier, 20 rules", 1, [&] {
        const AclClassifier c(cloud.groups, cloud.port, cloud.members);
        bench::keep(c);
    });
    bench::run("acl: build a port's classifier, 1000 rules", 1, [&] {
        const AclClassifier c(ports.groups, ports.port, {});
        bench::keep(c);
    });
}
