// vsw's ACL classifier (acl/acl_classifier.h) against DPDK's rte_acl on the same ports and the
// same first packets as acl_classifier_bench.cpp (tests/acl/acl_lab.h): ns per lookup, and what
// building each costs the control thread.
//
// rte_acl gets the classic IPv4 5-tuple (protocol as a bitmask, source and destination address
// as prefixes, source and destination port as ranges; the key in network byte order) and one
// category. Each port's ingress IPv4 rules become rte_acl rules: the vsw rule at index i of
// AclClassifier::rules() (its decision order) gets priority N - i (rte_acl takes the highest)
// and userdata i + 1, so that both name the same rule. The fields map as vsw's compiled form
// reads them: destination port (ICMP: type) and source port (ICMP: code) as ranges, the remote
// (the source, ingress) as a prefix. rte_acl has no remote groups: a rule naming one becomes
// one rte_acl rule per IPv4 member prefix (same priority and userdata), so the cloud port's 11
// ingress IPv4 rules are 109 rte_acl rules (9, and 2 remote-group rules x 50 members). vsw
// passes DHCP (UDP 67->68 in) before any rule: rte_acl gets it as a rule of the highest priority.
//
// Left out: IPv6 and egress (rte_acl would need a context per direction and family; the IPv6
// one an 11-field layout), so only each mix's ingress IPv4 keys are compared and timed (the
// cloud port's 6 of 12; the others all but one egress key). Every compared key must get the
// same decision (the same rule, or none) from both: the mismatch count is printed.
//
// Timed: vsw's classify per key; rte_acl_classify with one key a call (the datapath classifies
// one NEW packet at a time; with fewer than 4 keys rte_acl runs its scalar search) and with 32
// keys a call (the same mix, repeated: rte_acl's best case, its SIMD search; the default
// algorithm rte_acl_create picks, AVX512X16 on an AVX-512 machine: VSW_ACL_DUMP=1 prints the
// contexts). The keys are prepared beforehand for both (from a frame: vsw's AclKey, rte_acl's
// 5-tuple). Builds: vsw's constructor from the groups; rte_acl_create, rte_acl_add_rules and
// rte_acl_build from rules already translated, then rte_acl_free.
#include <arpa/inet.h>
#include <rte_acl.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_version.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "acl/acl_classifier.h"
#include "tests/acl/acl_lab.h"
#include "tests/support/bench.h"

using namespace vsw;
using namespace vsw::acl;
using namespace vsw::acl::testing;

namespace {

// The key rte_acl reads: an IPv4 5-tuple, network byte order. The first field is one byte, the
// others in groups of 4 bytes (rte_acl's inputs): the two ports share one.
struct Ipv4Tuple {
    uint8_t proto = 0;
    uint8_t pad[3] = {};
    uint32_t src = 0;
    uint32_t dst = 0;
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
};

enum : uint8_t { kProtoField, kSrcField, kDstField, kSrcPortField, kDstPortField, kFields };

RTE_ACL_RULE_DEF(Ipv4Rule, kFields);

rte_acl_config acl_config() {
    rte_acl_config c{};
    c.num_categories = 1;
    c.num_fields = kFields;
    c.defs[0] = {RTE_ACL_FIELD_TYPE_BITMASK, sizeof(uint8_t), kProtoField, 0,
                 offsetof(Ipv4Tuple, proto)};
    c.defs[1] = {RTE_ACL_FIELD_TYPE_MASK, sizeof(uint32_t), kSrcField, 1, offsetof(Ipv4Tuple, src)};
    c.defs[2] = {RTE_ACL_FIELD_TYPE_MASK, sizeof(uint32_t), kDstField, 2, offsetof(Ipv4Tuple, dst)};
    c.defs[3] = {RTE_ACL_FIELD_TYPE_RANGE, sizeof(uint16_t), kSrcPortField, 3,
                 offsetof(Ipv4Tuple, src_port)};
    c.defs[4] = {RTE_ACL_FIELD_TYPE_RANGE, sizeof(uint16_t), kDstPortField, 3,
                 offsetof(Ipv4Tuple, dst_port)};
    return c;
}

bool ingress_ipv4(const AclKey& k) {
    return k.direction == Direction::kIngress && k.ethertype == Ethertype::kIpv4;
}

Ipv4Tuple tuple(const AclKey& k) {
    Ipv4Tuple t;
    t.proto = k.protocol;
    t.src = htonl(static_cast<uint32_t>(k.src.lo));
    t.dst = htonl(static_cast<uint32_t>(k.dst.lo));
    t.src_port = htons(k.src_port);
    t.dst_port = htons(k.dst_port);
    return t;
}

const SecurityRule& find_rule(const SecurityGroupSet& s, const AclRuleRef& ref) {
    for (const SecurityGroup& g : s.groups)
        if (g.name == ref.group)
            for (const SecurityRule& r : g.rules)
                if (r.id == ref.id) return r;
    std::fprintf(stderr, "rule %s/%u not found\n", ref.group.c_str(), ref.id);
    std::exit(1);
}

// A port's ingress IPv4 rules as rte_acl rules (see the top).
struct RteRules {
    std::vector<Ipv4Rule> rules{};
    uint32_t vsw_rules = 0;  // vsw rules carried over (ingress IPv4)
    uint32_t dhcp = 0;       // the userdata of the DHCP rule
};

RteRules rte_rules(const BenchPort& p, const AclClassifier& c) {
    const auto& refs = c.rules();
    const auto n = static_cast<uint32_t>(refs.size());
    RteRules out;
    out.dhcp = n + 1;
    auto base = [](int32_t priority, uint32_t userdata) {
        Ipv4Rule r{};
        r.data = {1, priority, userdata};
        r.field[kSrcPortField].mask_range.u16 = 65535;  // value 0: 0-65535
        r.field[kDstPortField].mask_range.u16 = 65535;
        return r;  // any protocol, any address (mask 0)
    };
    Ipv4Rule dhcp = base(RTE_ACL_MAX_PRIORITY, out.dhcp);
    dhcp.field[kProtoField].value.u8 = kProtoUdp;
    dhcp.field[kProtoField].mask_range.u8 = 0xff;
    dhcp.field[kSrcPortField].value.u16 = 67;
    dhcp.field[kSrcPortField].mask_range.u16 = 67;
    dhcp.field[kDstPortField].value.u16 = 68;
    dhcp.field[kDstPortField].mask_range.u16 = 68;
    out.rules.push_back(dhcp);
    for (uint32_t i = 0; i < n; ++i) {
        const SecurityRule& r = find_rule(p.groups, refs[i]);
        if (r.direction != Direction::kIngress || r.ethertype != Ethertype::kIpv4) continue;
        ++out.vsw_rules;
        Ipv4Rule e = base(static_cast<int32_t>(n - i), i + 1);
        if (r.protocol) {
            e.field[kProtoField].value.u8 = *r.protocol;
            e.field[kProtoField].mask_range.u8 = 0xff;
        }
        // As AclClassifier reads a rule: absent fields match any value.
        e.field[kDstPortField].value.u16 = r.ports ? r.ports->min : r.icmp_type.value_or(0);
        e.field[kDstPortField].mask_range.u16 = r.ports       ? r.ports->max
                                                : r.icmp_type ? *r.icmp_type
                                                              : 65535;
        e.field[kSrcPortField].value.u16 = r.icmp_code.value_or(0);
        e.field[kSrcPortField].mask_range.u16 = r.icmp_code ? *r.icmp_code : 65535;
        auto add = [&](const IpPrefix& remote) {
            e.field[kSrcField].value.u32 = static_cast<uint32_t>(acl_address(remote).lo);
            e.field[kSrcField].mask_range.u32 = remote.len;
            out.rules.push_back(e);
        };
        if (r.remote_prefix) {
            add(*r.remote_prefix);
        } else if (!r.remote_group.empty()) {
            if (auto m = p.members.find(r.remote_group); m != p.members.end())
                for (const IpPrefix& member : m->second)
                    if (member.family == Ethertype::kIpv4) add(member);
        } else {
            out.rules.push_back(e);  // anywhere
        }
    }
    return out;
}

rte_acl_ctx* rte_build(const std::string& name, const std::vector<Ipv4Rule>& rules) {
    rte_acl_param param{};
    param.name = name.c_str();
    param.socket_id = SOCKET_ID_ANY;
    param.rule_size = RTE_ACL_RULE_SZ(kFields);
    param.max_rule_num = static_cast<uint32_t>(rules.size());
    rte_acl_ctx* ctx = rte_acl_create(&param);
    if (ctx == nullptr) {
        std::fprintf(stderr, "rte_acl_create: %s\n", rte_strerror(rte_errno));
        std::exit(1);
    }
    const rte_acl_config cfg = acl_config();
    if (int e = rte_acl_add_rules(ctx, reinterpret_cast<const rte_acl_rule*>(rules.data()),
                                  static_cast<uint32_t>(rules.size()));
        e != 0) {
        std::fprintf(stderr, "rte_acl_add_rules: %d\n", e);
        std::exit(1);
    }
    if (int e = rte_acl_build(ctx, &cfg); e != 0) {
        std::fprintf(stderr, "rte_acl_build: %d\n", e);
        std::exit(1);
    }
    return ctx;
}

// The userdata rte_acl should give for vsw's decision.
uint32_t expected(const AclDecision& d, uint32_t dhcp) {
    if (d.reason == AclReason::kRule) return d.rule + 1;
    if (d.reason == AclReason::kDhcp) return dhcp;
    return 0;
}

void compare(const char* title, const BenchPort& p) {
    const AclClassifier c(p.groups, p.port, p.members);
    const RteRules rr = rte_rules(p, c);
    static unsigned contexts = 0;
    rte_acl_ctx* ctx = rte_build("vsw-cmp-" + std::to_string(contexts++), rr.rules);
    if (std::getenv("VSW_ACL_DUMP")) rte_acl_dump(ctx);

    std::vector<AclKey> keys;  // the mix's ingress IPv4 keys
    for (const AclKey& k : p.keys)
        if (ingress_ipv4(k)) keys.push_back(k);
    std::vector<Ipv4Tuple> tuples;
    for (const AclKey& k : keys) tuples.push_back(tuple(k));
    std::vector<const uint8_t*> one;  // one key a call
    for (const Ipv4Tuple& t : tuples) one.push_back(reinterpret_cast<const uint8_t*>(&t));
    std::vector<const uint8_t*> batch;  // the mix 32 times, 32 keys a call
    for (unsigned r = 0; r < 32; ++r) batch.insert(batch.end(), one.begin(), one.end());

    // Each key, alone and in the calls of 32 keys.
    std::vector<uint32_t> want;
    for (const AclKey& k : keys) want.push_back(expected(c.classify(k), rr.dhcp));
    unsigned mismatches = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
        uint32_t got = 0;
        rte_acl_classify(ctx, &one[i], &got, 1, 1);
        if (got != want[i]) {
            ++mismatches;
            std::printf("  mismatch: key %zu, vsw %u, rte_acl %u\n", i, want[i], got);
        }
    }
    for (size_t i = 0; i < batch.size(); i += 32) {
        uint32_t got[32];
        rte_acl_classify(ctx, batch.data() + i, got, 32, 1);
        for (size_t j = 0; j < 32; ++j)
            if (got[j] != want[(i + j) % keys.size()]) {
                ++mismatches;
                std::printf("  mismatch (32 a call): key %zu, vsw %u, rte_acl %u\n",
                            (i + j) % keys.size(), want[(i + j) % keys.size()], got[j]);
            }
    }
    std::printf(
        "%s: vsw %zu rules (%u ingress IPv4), rte_acl %zu rules; %zu of %zu keys "
        "compared, %u mismatches\n",
        title, c.rules().size(), rr.vsw_rules, rr.rules.size(), keys.size(), p.keys.size(),
        mismatches);
    std::fflush(stdout);

    const std::string t = title;
    bench::run(("vsw: " + t).c_str(), keys.size(), [&] {
        unsigned allowed = 0;
        for (const AclKey& k : keys) allowed += c.classify(k).allow;
        bench::keep(allowed);
    });
    bench::run(("rte_acl 1/call: " + t).c_str(), one.size(), [&] {
        uint32_t sum = 0;
        for (size_t i = 0; i < one.size(); ++i) {
            uint32_t res;
            rte_acl_classify(ctx, &one[i], &res, 1, 1);
            sum += res;
        }
        bench::keep(sum);
    });
    bench::run(("rte_acl 32/call: " + t).c_str(), batch.size(), [&] {
        uint32_t res[32];
        for (size_t i = 0; i < batch.size(); i += 32) {
            rte_acl_classify(ctx, batch.data() + i, res, 32, 1);
            bench::keep(res);
        }
    });
    bench::run(("vsw: build, " + t).c_str(), 1, [&] {
        const AclClassifier b(p.groups, p.port, p.members);
        bench::keep(b);
    });
    bench::run(("rte_acl: build, " + t).c_str(), 1, [&] {
        rte_acl_ctx* b = rte_build("vsw-build", rr.rules);
        bench::keep(b);
        rte_acl_free(b);
    });
    rte_acl_free(ctx);
}

}  // namespace

int main() {
    // rte_acl allocates from the EAL's heap. No hugepages (--no-huge's memory is anonymous;
    // the EAL refuses --in-memory with it), a file prefix of its own (tests/support/test_eal.h).
    std::vector<std::string> eal = {"acl_rte_bench",
                                    "--no-huge",
                                    "--no-pci",
                                    "-m",
                                    "256",
                                    "--no-telemetry",
                                    "--log-level=*:error",
                                    "-l",
                                    "0",
                                    "--file-prefix=vsw-acl-rte-" + std::to_string(::getpid())};
    std::vector<char*> argv;
    for (auto& a : eal) argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
        std::fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
        return 1;
    }
    std::printf(
        "%s, rte_acl's default classify algorithm; rte_acl 1/call: one key a call, "
        "32/call: 32 keys a call\n",
        rte_version());

    compare("20 rules (cloud port)", bench_cloud_port());
    compare("1000 rules, distinct ports", bench_distinct_ports());
    compare("1000 rules, 1000 prefixes", bench_one_port_prefixes());
    compare("1000 rules, nested ranges", bench_nested_ranges());
    compare("1000 nested ranges, no match", bench_nested_no_match());
    rte_eal_cleanup();
}
