// A port's security groups compiled for NEW connections (acl_classifier.h): the build, on the
// control thread, and the lookup, on the workers.
#include "acl/acl_classifier.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

namespace vsw::acl {
namespace {

constexpr std::string_view kReasonNames[] = {
#define VSW_X(e, name) name,
    VSW_ACL_REASONS(VSW_X)
#undef VSW_X
};

// A run with at least this many rules per prefix length that differ only by remote prefix gets
// prefix tables; fewer are checked one by one (a mask compare is cheaper than a binary search).
constexpr size_t kTableMin = 8;
// A list's intervals may hold this many references to each of its rules (and a constant more)
// before it keeps one interval: nested port ranges would otherwise repeat every rule.
constexpr size_t kMaxRefsPerRule = 8;
constexpr size_t kMaxRefsExtra = 64;

constexpr uint16_t kDhcpServer = 67, kDhcpClient = 68;
constexpr uint16_t kDhcp6Client = 546, kDhcp6Server = 547;
constexpr uint16_t kNdFirst = 133, kNdLast = 137;  // RS, RA, NS, NA, redirect

uint64_t be64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
    return v;
}

AclAddress mask_of(Ethertype f, uint8_t len) {
    if (len == 0) return {};
    if (f == Ethertype::kIpv4)
        return {0, (0xffffffffull << (32 - std::min<uint8_t>(len, 32))) & 0xffffffff};
    if (len <= 64) return {~0ull << (64 - len), 0};
    return {~0ull, ~0ull << (128 - std::min<uint8_t>(len, 128))};
}

AclAddress masked(const AclAddress& a, const AclAddress& m) {
    return {a.hi & m.hi, a.lo & m.lo};
}

bool address_less(const AclAddress& a, const AclAddress& b) {
    return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo;
}

}  // namespace

std::string_view acl_reason_name(AclReason r) {
    return kReasonNames[static_cast<unsigned>(r)];
}

AclAddress acl_ipv6(const uint8_t* bytes) {
    return {be64(bytes), be64(bytes + 8)};
}

AclAddress acl_address(const IpPrefix& p) {
    if (p.family == Ethertype::kIpv6) return acl_ipv6(p.addr.data());
    return {0, uint64_t{p.addr[0]} << 24 | uint64_t{p.addr[1]} << 16 | uint64_t{p.addr[2]} << 8 |
                   p.addr[3]};
}

AclFrameClass acl_frame_class(uint16_t ethertype) {
    switch (ethertype) {
        case 0x0806:  // ARP
        case 0x8035:  // RARP
            return AclFrameClass::kPass;
        case 0x0800:
        case 0x86dd: return AclFrameClass::kIp;
        default: return AclFrameClass::kDrop;
    }
}

// The build: fills the classifier's arrays.
struct AclClassifier::Builder {
    AclClassifier& c;                   // what is built
    const RemoteGroupMembers& members;  // the remote groups' prefixes
    std::map<std::pair<std::string, Ethertype>, std::optional<uint32_t>> sets{};  // built ones
    std::vector<bool> live{};       // per rule: can match something (its remote group has members)
    std::vector<uint8_t> proto{};   // per rule: its protocol
    std::vector<bool> any_proto{};  // per rule: protocol any
    std::vector<uint8_t> bucket{};  // per rule: direction * 2 + ethertype

    // Tables for (mask, address, rule) triples, appended to tables_: one per mask, one prefix
    // per address with its rules ascending. Returns [begin, end) of tables_.
    std::pair<uint32_t, uint32_t> add_tables(
        std::vector<std::tuple<AclAddress, AclAddress, uint32_t>> prefixes) {
        // By mask (longest first), then address, then rule.
        std::sort(prefixes.begin(), prefixes.end(), [](const auto& x, const auto& y) {
            const auto& [xm, xa, xr] = x;
            const auto& [ym, ya, yr] = y;
            if (!(xm == ym)) return address_less(ym, xm);
            if (!(xa == ya)) return address_less(xa, ya);
            return xr < yr;
        });
        const auto begin = static_cast<uint32_t>(c.tables_.size());
        for (size_t i = 0; i < prefixes.size(); ++i) {
            const auto& [mask, addr, rule] = prefixes[i];
            const bool new_mask = i == 0 || !(std::get<0>(prefixes[i - 1]) == mask);
            if (new_mask)
                c.tables_.push_back({mask, static_cast<uint32_t>(c.prefixes_.size()),
                                     static_cast<uint32_t>(c.prefixes_.size())});
            if (new_mask || !(std::get<1>(prefixes[i - 1]) == addr)) {
                const auto at = static_cast<uint32_t>(c.candidates_.size());
                c.prefixes_.push_back({addr, at, at});
                c.tables_.back().end = static_cast<uint32_t>(c.prefixes_.size());
            }
            if (rule != kNoRule) {
                c.candidates_.push_back(rule);
                c.prefixes_.back().rule_end = static_cast<uint32_t>(c.candidates_.size());
            }
        }
        return {begin, static_cast<uint32_t>(c.tables_.size())};
    }

    // The set of a remote group's members of family `f`, or nullopt if it has none.
    std::optional<uint32_t> set_for(const std::string& group, Ethertype f) {
        const auto key = std::make_pair(group, f);
        if (auto it = sets.find(key); it != sets.end()) return it->second;
        std::vector<std::tuple<AclAddress, AclAddress, uint32_t>> prefixes;
        if (auto m = members.find(group); m != members.end())
            for (const IpPrefix& p : m->second) {
                if (p.family != f) continue;
                const AclAddress mask = mask_of(f, p.len);
                prefixes.emplace_back(mask, masked(acl_address(p), mask), kNoRule);
            }
        std::optional<uint32_t> index;
        if (!prefixes.empty()) {
            const auto [begin, end] = add_tables(std::move(prefixes));
            index = static_cast<uint32_t>(c.sets_.size());
            c.sets_.push_back({begin, end});
        }
        sets[key] = index;
        return index;
    }

    void add_entry(const SecurityGroup& g, const SecurityRule& r) {
        c.refs_.push_back({g.name, r.id, r.action});
        Entry e;
        // Absent fields match any value: the whole range.
        e.a_lo = r.ports ? r.ports->min : r.icmp_type.value_or(0);
        e.a_hi = r.ports ? r.ports->max : r.icmp_type ? *r.icmp_type : 65535;
        e.b_lo = r.icmp_code.value_or(0);
        e.b_hi = r.icmp_code ? *r.icmp_code : 65535;
        bool can_match = true;
        if (r.remote_prefix) {
            e.mask = mask_of(r.ethertype, r.remote_prefix->len);
            e.addr = masked(acl_address(*r.remote_prefix), e.mask);
        } else if (!r.remote_group.empty()) {
            const auto s = set_for(r.remote_group, r.ethertype);
            can_match = s.has_value();
            e.set = s.value_or(kNoSet);
        }
        c.entries_.push_back(e);
        live.push_back(can_match);
        proto.push_back(r.protocol.value_or(0));
        any_proto.push_back(!r.protocol);
        bucket.push_back(static_cast<uint8_t>(static_cast<unsigned>(r.direction) * 2 +
                                              static_cast<unsigned>(r.ethertype)));
    }

    // The runs of the rules `cover` (ascending): those of one destination port interval.
    Interval add_runs(const std::vector<uint32_t>& cover) {
        Interval iv{static_cast<uint32_t>(c.runs_.size()), 0};
        for (size_t i = 0; i < cover.size();) {
            const Action action = c.refs_[cover[i]].action;
            size_t j = i;
            while (j < cover.size() && c.refs_[cover[j]].action == action) ++j;
            // Rules whose remote is a prefix (or anywhere) may go into tables.
            std::vector<uint32_t> plain, other;
            for (size_t k = i; k < j; ++k)
                (c.entries_[cover[k]].set == kNoSet ? plain : other).push_back(cover[k]);
            Run run;
            run.deny = action == Action::kDeny;
            run.table_begin = run.table_end = static_cast<uint32_t>(c.tables_.size());
            // Tables pay one binary search per prefix length: worth it with enough prefixes
            // per length.
            std::vector<AclAddress> masks;
            for (uint32_t m : plain)
                if (std::find(masks.begin(), masks.end(), c.entries_[m].mask) == masks.end())
                    masks.push_back(c.entries_[m].mask);
            if (!plain.empty() && plain.size() >= kTableMin * masks.size()) {
                std::vector<std::tuple<AclAddress, AclAddress, uint32_t>> prefixes;
                for (uint32_t m : plain)
                    prefixes.emplace_back(c.entries_[m].mask, c.entries_[m].addr, m);
                std::tie(run.table_begin, run.table_end) = add_tables(std::move(prefixes));
            } else {
                other.insert(other.end(), plain.begin(), plain.end());
                std::sort(other.begin(), other.end());
            }
            run.linear_begin = static_cast<uint32_t>(c.linear_.size());
            c.linear_.insert(c.linear_.end(), other.begin(), other.end());
            run.linear_end = static_cast<uint32_t>(c.linear_.size());
            c.runs_.push_back(run);
            i = j;
        }
        iv.run_end = static_cast<uint32_t>(c.runs_.size());
        return iv;
    }

    // A list of the rules `rules` (ascending), cut into destination port intervals.
    uint16_t add_list(const std::vector<uint32_t>& rules) {
        std::vector<uint32_t> bounds = {0};
        for (uint32_t m : rules) {
            bounds.push_back(c.entries_[m].a_lo);
            if (c.entries_[m].a_hi < 65535) bounds.push_back(c.entries_[m].a_hi + 1u);
        }
        std::sort(bounds.begin(), bounds.end());
        bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
        const auto index = [&](uint32_t port) {
            return static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), port) -
                                       bounds.begin());
        };
        // How many references the intervals would hold.
        size_t refs = 0;
        for (uint32_t m : rules) refs += index(c.entries_[m].a_hi + 1u) - index(c.entries_[m].a_lo);
        if (refs > kMaxRefsPerRule * rules.size() + kMaxRefsExtra) bounds = {0};
        std::vector<std::vector<uint32_t>> cover(bounds.size());
        for (uint32_t m : rules) {
            if (bounds.size() == 1) {
                cover[0].push_back(m);
                continue;
            }
            for (size_t i = index(c.entries_[m].a_lo); i < index(c.entries_[m].a_hi + 1u); ++i)
                cover[i].push_back(m);
        }
        List l;
        l.begin = static_cast<uint32_t>(c.starts_.size());
        for (size_t i = 0; i < bounds.size(); ++i) {
            c.starts_.push_back(static_cast<uint16_t>(bounds[i]));
            c.intervals_.push_back(add_runs(cover[i]));
        }
        l.end = static_cast<uint32_t>(c.starts_.size());
        c.lists_.push_back(l);
        return static_cast<uint16_t>(c.lists_.size() - 1);
    }

    // The lists of one (direction, ethertype).
    void add_bucket(uint8_t b) {
        std::vector<uint32_t> rules, any;
        std::vector<bool> named(256, false);
        for (uint32_t m = 0; m < c.entries_.size(); ++m) {
            if (bucket[m] != b || !live[m]) continue;
            rules.push_back(m);
            if (any_proto[m]) any.push_back(m);
            else named[proto[m]] = true;
        }
        const uint16_t other = add_list(any);
        for (unsigned p = 0; p < 256; ++p) {
            if (!named[p]) {
                c.list_of_[b * 256u + p] = other;
                continue;
            }
            std::vector<uint32_t> these;
            for (uint32_t m : rules)
                if (any_proto[m] || proto[m] == p) these.push_back(m);
            c.list_of_[b * 256u + p] = add_list(these);
        }
    }
};

AclClassifier::AclClassifier(const SecurityGroupSet& groups,
                             const std::vector<std::string>& port_groups,
                             const RemoteGroupMembers& members) {
    // The decision order: priority, deny before allow, the port's group order, rule ids.
    struct Item {
        const SecurityGroup* group;  // its group
        size_t position;             // the group's place in the port's list
        const SecurityRule* rule;    // the rule
    };
    std::vector<Item> items;
    for (size_t i = 0; i < port_groups.size(); ++i)
        if (const SecurityGroup* g = find_group(groups, port_groups[i]))
            for (const SecurityRule& r : g->rules) items.push_back({g, i, &r});
    std::stable_sort(items.begin(), items.end(), [](const Item& x, const Item& y) {
        if (x.rule->priority != y.rule->priority) return x.rule->priority < y.rule->priority;
        if (x.rule->action != y.rule->action) return x.rule->action == Action::kDeny;
        if (x.position != y.position) return x.position < y.position;
        return x.rule->id < y.rule->id;
    });
    Builder b{*this, members};
    for (const Item& i : items) b.add_entry(*i.group, *i.rule);
    for (uint8_t bucket = 0; bucket < 4; ++bucket) b.add_bucket(bucket);
}

const AclClassifier::Prefix* AclClassifier::find_prefix(const Table& table,
                                                        const AclAddress& remote) const {
    const AclAddress a = masked(remote, table.mask);
    const Prefix* first = prefixes_.data() + table.begin;
    const Prefix* last = prefixes_.data() + table.end;
    const Prefix* p = std::lower_bound(first, last, a, [](const Prefix& x, const AclAddress& y) {
        return address_less(x.addr, y);
    });
    return p != last && p->addr == a ? p : nullptr;
}

uint32_t AclClassifier::table_lookup(const Run& run, const AclKey& k, const AclAddress& remote,
                                     uint32_t best) const {
    for (uint32_t t = run.table_begin; t < run.table_end; ++t) {
        const Prefix* p = find_prefix(tables_[t], remote);
        if (!p) continue;
        // The address matches all of them: the first whose ranges do.
        for (uint32_t i = p->rule_begin; i < p->rule_end && candidates_[i] < best; ++i)
            if (in_ranges(entries_[candidates_[i]], k)) {
                best = candidates_[i];
                break;
            }
    }
    return best;
}

bool AclClassifier::matches(const Entry& e, const AclKey& k, const AclAddress& remote) const {
    if (!in_ranges(e, k)) return false;
    if (e.set == kNoSet)
        return (((remote.hi ^ e.addr.hi) & e.mask.hi) | ((remote.lo ^ e.addr.lo) & e.mask.lo)) == 0;
    const Set& s = sets_[e.set];
    for (uint32_t t = s.table_begin; t < s.table_end; ++t)
        if (find_prefix(tables_[t], remote)) return true;
    return false;
}

AclDecision AclClassifier::classify(const AclKey& k) const {
    const bool v4 = k.ethertype == Ethertype::kIpv4;
    const bool ingress = k.direction == Direction::kIngress;
    if (k.protocol == kProtoUdp) {
        const uint16_t client = v4 ? kDhcpClient : kDhcp6Client;
        const uint16_t server = v4 ? kDhcpServer : kDhcp6Server;
        const uint16_t from = ingress ? server : client;
        const uint16_t to = ingress ? client : server;
        if (k.src_port == from && k.dst_port == to) return {true, AclReason::kDhcp, 0};
    }
    if (!v4 && k.protocol == kProtoIcmpv6 && k.dst_port >= kNdFirst && k.dst_port <= kNdLast)
        return {true, AclReason::kNeighbour, 0};
    const unsigned b = static_cast<unsigned>(k.direction) * 2 + static_cast<unsigned>(k.ethertype);
    const List& l = lists_[list_of_[b * 256 + k.protocol]];
    // The interval holding the port: the last that starts at or below it (the first starts at 0).
    const uint16_t* first = starts_.data() + l.begin;
    const uint16_t* at = std::upper_bound(first, starts_.data() + l.end, k.dst_port) - 1;
    const Interval& iv = intervals_[static_cast<size_t>(at - starts_.data())];
    const AclAddress& remote = ingress ? k.src : k.dst;
    for (uint32_t r = iv.run_begin; r < iv.run_end; ++r) {
        const Run& run = runs_[r];
        uint32_t best = table_lookup(run, k, remote, kNoRule);
        for (uint32_t i = run.linear_begin; i < run.linear_end; ++i) {
            const uint32_t m = linear_[i];
            if (m >= best) break;
            if (matches(entries_[m], k, remote)) {
                best = m;
                break;
            }
        }
        if (best != kNoRule) return {!run.deny, AclReason::kRule, best};
    }
    return {false, AclReason::kNoRule, 0};
}

size_t AclClassifier::memory_bytes() const {
    return sizeof(*this) + entries_.size() * sizeof(Entry) + lists_.size() * sizeof(List) +
           starts_.size() * sizeof(uint16_t) + intervals_.size() * sizeof(Interval) +
           runs_.size() * sizeof(Run) + linear_.size() * sizeof(uint32_t) +
           tables_.size() * sizeof(Table) + prefixes_.size() * sizeof(Prefix) +
           candidates_.size() * sizeof(uint32_t) + sets_.size() * sizeof(Set);
}

}  // namespace vsw::acl
