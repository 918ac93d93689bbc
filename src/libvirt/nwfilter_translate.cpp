// A libvirt nwfilter tree as port security and security group rules (nwfilter_translate.h).
#include "src/libvirt/nwfilter_translate.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "acl/acl_syntax.h"
#include "core/mac.h"
#include "core/parse.h"
#include "src/libvirt/nwfilter_xml.h"

namespace vsw::libvirt {
namespace {

using acl::Action;
using acl::Direction;
using acl::Ethertype;
using acl::SecurityRule;
using Vars = std::map<std::string, std::vector<std::string>>;
using Key = std::tuple<int, int, int, unsigned>;  // libvirt's order within a layer

// What a recognised standard filter stands for.
enum class Known { kLockMac, kLockIp, kAnnounce, kNothing, kDhcpServer };
struct KnownFilter {
    const char* name;
    Known what;
};
constexpr std::array kKnown = {
    KnownFilter{"no-mac-spoofing", Known::kLockMac},
    KnownFilter{"no-arp-mac-spoofing", Known::kLockMac},
    KnownFilter{"no-ip-spoofing", Known::kLockIp},
    KnownFilter{"no-arp-ip-spoofing", Known::kLockIp},
    KnownFilter{"no-arp-spoofing", Known::kLockIp},
    KnownFilter{"qemu-announce-self", Known::kAnnounce},
    KnownFilter{"qemu-announce-self-rarp", Known::kAnnounce},
    KnownFilter{"no-other-rarp-traffic", Known::kNothing},
    KnownFilter{"allow-dhcp", Known::kNothing},
    KnownFilter{"allow-dhcpv6", Known::kNothing},
    KnownFilter{"allow-dhcp-server", Known::kDhcpServer},
    KnownFilter{"allow-dhcpv6-server", Known::kDhcpServer},
};

enum class Layer { kEbtables, kIptables };

// One translated IP rule, for one direction and family.
struct IpRule {
    SecurityRule rule;
    Layer layer = Layer::kEbtables;
    bool stateful = false;           // accept: libvirt itself accepts the replies (iptables)
    bool drops_established = false;  // deny: also drops packets of established connections
    Key key{};
    std::string where;  // "filter 'x' rule 3"
};

// A rule about frames that are not IP (or all frames), per direction.
enum class FrameKind { kAll, kArp, kRarp, kEthertype };
struct FrameRule {
    FrameKind kind = FrameKind::kAll;
    uint16_t ethertype = 0;
    Direction direction = Direction::kIngress;
    bool accept = false;
    Key key{};
    std::string where;
};

bool unconditional(const SecurityRule& r) {
    return !r.protocol && !r.ports && !r.icmp_type && !r.remote_prefix;
}

std::string cut(const std::string& s) {
    return s.size() > 64 ? s.substr(0, 64) + "..." : s;
}

const char* dir_word(Direction d) {
    return d == Direction::kIngress ? "in" : "out";
}

struct Walk {
    const FilterLookup& lookup;
    std::string refusal;
    std::vector<std::string> notes;
    std::vector<IpRule> ip;
    std::vector<FrameRule> frames;
    std::map<std::string, std::pair<int, int>> chains;  // chain -> (priority, order seen)
    std::vector<std::string> stack;                     // filters being walked, for cycles
    unsigned filters = 0, instances = 0, seq = 0;
    bool lock_mac = false, lock_ip = false, announce = false, rejects = false;
    std::vector<std::string> ips;  // IP values where an IP lock applies
    std::string learning;          // CTRL_IP_LEARNING there

    void note(const std::string& n) {
        if (std::find(notes.begin(), notes.end(), n) == notes.end() && notes.size() < 64)
            notes.push_back(n);
    }
    bool refuse(const std::string& why) {
        if (refusal.empty()) refusal = why;
        return false;
    }

    bool walk(const std::string& name, const Vars& vars);
    bool known(const KnownFilter& k, const NwFilter& f, const Vars& vars);
    bool rule(const NwFilter& f, const NwRule& r, const Vars& vars);
    bool instance(const NwFilter& f, const NwRule& r,
                  const std::map<std::string, std::string>& attrs, const std::string& where);
    bool ip_rule(const NwFilter& f, const NwRule& r, const std::string& element,
                 const std::map<std::string, std::string>& attrs, const std::string& where);
    Key key(const NwFilter& f, const NwRule& r, Layer layer);
    void add_frame(FrameKind kind, uint16_t type, const NwFilter& f, const NwRule& r,
                   const std::string& where);
    void add_ip(IpRule base, const NwRule& r, std::optional<acl::IpPrefix> src,
                std::optional<acl::IpPrefix> dst, const std::string& where);
};

std::vector<Direction> directions(NwDirection d) {
    if (d == NwDirection::kIn) return {Direction::kIngress};
    if (d == NwDirection::kOut) return {Direction::kEgress};
    return {Direction::kIngress, Direction::kEgress};
}

Key Walk::key(const NwFilter& f, const NwRule& r, Layer layer) {
    ++seq;
    if (layer == Layer::kIptables) return {r.priority, 0, 0, seq};
    if (f.chain == "root") return {r.priority, 0, r.priority, seq};
    return {chains[f.chain].first, chains[f.chain].second, r.priority, seq};
}

void Walk::add_frame(FrameKind kind, uint16_t type, const NwFilter& f, const NwRule& r,
                     const std::string& where) {
    const Key k = key(f, r, Layer::kEbtables);
    for (Direction d : directions(r.direction))
        frames.push_back({kind, type, d, r.action == NwAction::kAccept, k, where});
}

// An address with an optional mask (a length, or for IPv4 a dotted mask) as a prefix.
std::string read_prefix(const std::string& addr, const std::optional<std::string>& mask,
                        Ethertype family, acl::IpPrefix& out) {
    std::string len = mask.value_or("");
    if (len.find('.') != std::string::npos) {
        unsigned a, b, c, d;
        char extra;
        if (std::sscanf(len.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) != 4 || a > 255 ||
            b > 255 || c > 255 || d > 255)
            return "mask '" + cut(len) + "' is not a dotted mask";
        const uint32_t m = a << 24 | b << 16 | c << 8 | d;
        const int bits = __builtin_popcount(m);
        if (m != (bits ? ~0u << (32 - bits) : 0u)) return "mask '" + cut(len) + "' has holes";
        len = std::to_string(bits);
    }
    // parse_prefix refuses host bits: a masked address names its network, as in iptables.
    std::string e = acl::parse_prefix(addr, out);
    if (!e.empty()) return "'" + cut(addr) + "': " + e;
    if (!len.empty()) {
        const unsigned max = out.family == Ethertype::kIpv4 ? 32 : 128;
        auto l = parse_uint(len, 0, max);
        if (!l) return "mask '" + cut(len) + "' is not 0-" + std::to_string(max);
        out.len = static_cast<uint8_t>(*l);
        out = acl::network_of(out);
    }
    if (out.family != family)
        return "'" + cut(addr) + "' is not an " + (family == Ethertype::kIpv4 ? "IPv4" : "IPv6") +
               " address";
    return "";
}

std::optional<uint8_t> protocol_number(const std::string& s) {
    static const std::map<std::string, uint8_t> names = {
        {"tcp", 6},  {"udp", 17}, {"udplite", 136}, {"esp", 50},    {"ah", 51},
        {"icmp", 1}, {"igmp", 2}, {"sctp", 132},    {"icmpv6", 58},
    };
    if (auto it = names.find(s); it != names.end()) return it->second;
    if (auto n = parse_uint(s, 0, 255)) return static_cast<uint8_t>(*n);
    return std::nullopt;
}

void Walk::add_ip(IpRule base, const NwRule& r, std::optional<acl::IpPrefix> src,
                  std::optional<acl::IpPrefix> dst, const std::string& where) {
    for (Direction d : directions(r.direction)) {
        IpRule x = base;
        x.rule.direction = d;
        // The remote end: the source of ingress, the destination of egress; a /0 is anywhere.
        auto remote = d == Direction::kIngress ? src : dst;
        if (remote && remote->len == 0) remote.reset();
        x.rule.remote_prefix = remote;
        x.where = where;
        ip.push_back(std::move(x));
    }
}

bool Walk::ip_rule(const NwFilter& f, const NwRule& r, const std::string& element,
                   const std::map<std::string, std::string>& attrs, const std::string& where) {
    const bool l2 = element == "ip" || element == "ipv6" || element.empty();
    const bool v6 = element == "ipv6" || element.ends_with("-ipv6") || element == "icmpv6" ||
                    (element.empty() && f.chain.starts_with("ipv6"));
    IpRule base;
    base.layer = l2 ? Layer::kEbtables : Layer::kIptables;
    base.rule.ethertype = v6 ? Ethertype::kIpv6 : Ethertype::kIpv4;
    base.rule.action = r.action == NwAction::kAccept ? Action::kAllow : Action::kDeny;
    const auto get = [&](const char* k) -> std::optional<std::string> {
        auto it = attrs.find(k);
        if (it == attrs.end()) return std::nullopt;
        return it->second;
    };
    for (const auto& [k, v] : attrs) {
        if (k == "comment" || k == "state" || k == "protocol" || k == "type" || k == "code" ||
            k == "typeend" || k == "codeend" || k.starts_with("dstport") || k.ends_with("ipaddr") ||
            k.ends_with("ipmask"))
            continue;
        if (k == "match" && (v == "yes" || v == "true")) continue;
        if (k.starts_with("srcport"))
            return refuse(where + ": " + k +
                          " (a source port match): vsw's rules match destination ports only");
        return refuse(where + ": <" + element + " " + k + "='" + cut(v) +
                      "'> has no vsw equivalent (" +
                      (k == "match"                               ? "negated matches"
                       : k.find("mac") != std::string::npos       ? "MAC matches in IP rules"
                       : k.ends_with("from") || k.ends_with("to") ? "address ranges"
                                                                  : "not supported") +
                      ")");
    }
    // Protocol.
    std::string proto = element;
    if (proto.ends_with("-ipv6")) proto.resize(proto.size() - 5);
    if (l2) proto = get("protocol").value_or("");
    if (!proto.empty() && proto != "all") {
        auto n = protocol_number(proto);
        if (!n) return refuse(where + ": protocol '" + cut(proto) + "' is not known");
        base.rule.protocol = *n;
    }
    // Destination ports.
    if (auto s = get("dstportstart")) {
        auto lo = parse_uint(*s, 0, 65535);
        auto hi = parse_uint(get("dstportend").value_or(*s), 0, 65535);
        if (!lo || !hi || *hi < *lo)
            return refuse(where + ": destination ports '" + cut(*s) + "' are not a port range");
        if (*lo != 0 || *hi != 65535)
            base.rule.ports =
                acl::PortRange{static_cast<uint16_t>(*lo), static_cast<uint16_t>(*hi)};
    } else if (get("dstportend")) {
        return refuse(where + ": dstportend without dstportstart");
    }
    // ICMP type and code (ipv6's typeend/codeend: only a single value).
    for (auto [k, end, field] : {std::tuple{"type", "typeend", &base.rule.icmp_type},
                                 std::tuple{"code", "codeend", &base.rule.icmp_code}}) {
        auto v = get(k);
        if (!v) continue;
        auto n = parse_uint(*v, 0, 255);
        if (!n || get(end).value_or(*v) != *v)
            return refuse(where + ": ICMP " + k + " '" + cut(*v) +
                          "' is not a single number 0-255 (vsw matches one type and code)");
        *field = static_cast<uint8_t>(*n);
    }
    // Addresses.
    std::optional<acl::IpPrefix> src, dst;
    for (auto [addr, mask, out] :
         {std::tuple{"srcipaddr", "srcipmask", &src}, std::tuple{"dstipaddr", "dstipmask", &dst}}) {
        auto a = get(addr);
        if (!a) {
            if (get(mask)) return refuse(where + ": " + mask + " without " + addr);
            continue;
        }
        acl::IpPrefix p;
        if (auto e = read_prefix(*a, get(mask), base.rule.ethertype, p); !e.empty())
            return refuse(where + ": " + addr + " " + e);
        *out = p;
    }
    const bool local_src = src && src->len && r.direction != NwDirection::kIn;
    const bool local_dst = dst && dst->len && r.direction != NwDirection::kOut;
    if (local_src || local_dst)
        return refuse(where + ": matches the guest's own address (" +
                      (local_src ? "srcipaddr on out" : "dstipaddr on in") +
                      "); vsw's rules match the remote address only");
    // State.
    std::set<std::string> state;
    if (auto s = get("state"))
        for (const auto& w : split_list(*s)) state.insert(w);
    for (const auto& w : state)
        if (w != "NEW" && w != "ESTABLISHED" && w != "RELATED")
            return refuse(where + ": state " + cut(w) +
                          " cannot be expressed (vsw's rules see a connection's first packet)");
    if (r.action == NwAction::kAccept) {
        if (!state.empty() && !state.count("NEW")) {
            note(where +
                 ": accepts established/related traffic only; vsw's connection tracking "
                 "does that already (skipped)");
            return true;
        }
        base.stateful = !l2 && r.statematch;
    } else {
        if (!state.empty() && (state.count("ESTABLISHED") || state.count("RELATED")))
            return refuse(where +
                          ": drops established or related traffic; vsw's connection "
                          "tracking passes it before any rule");
        base.drops_established = state.empty();
    }
    if (base.rule.ports && (!base.rule.protocol || !acl::has_ports(*base.rule.protocol)))
        return refuse(where + ": destination ports need tcp, udp, sctp or udplite");
    base.key = key(f, r, base.layer);
    const size_t first = ip.size();
    add_ip(base, r, src, dst, where);
    for (size_t i = first; i < ip.size(); ++i)
        if (auto e = acl::validate_rule(ip[i].rule); !e.empty()) return refuse(where + ": " + e);
    return true;
}

// One rule instance, its variables replaced by values.
bool Walk::instance(const NwFilter& f, const NwRule& r,
                    const std::map<std::string, std::string>& attrs, const std::string& where) {
    if (r.action == NwAction::kReject) rejects = true;
    const std::string element = r.match ? r.match->protocol : "";
    const std::string base = f.chain.substr(0, f.chain.find('-'));
    std::string what = element.empty() ? base : element;
    if (what == "root") what = "mac";  // a rule without element in root: every frame
    if (what == "mac") {
        for (const auto& [k, v] : attrs)
            if (k != "protocolid" && k != "comment")
                return refuse(where + ": <mac " + k +
                              "> is not something vsw's rules match (only the standard "
                              "anti-spoofing filters' MAC checks are)");
        auto id = attrs.count("protocolid") ? attrs.at("protocolid") : "";
        uint16_t type = 0;
        if (id == "ipv4") type = 0x0800;
        else if (id == "ipv6") type = 0x86dd;
        else if (id == "arp") type = 0x0806;
        else if (id == "rarp") type = 0x8035;
        else if (!id.empty()) {
            char* end = nullptr;
            const unsigned long n = std::strtoul(id.c_str(), &end, 0);
            if (*end || n < 0x600 || n > 0xffff)
                return refuse(where + ": protocolid '" + cut(id) + "' is not an ethertype");
            type = static_cast<uint16_t>(n);
        }
        if (type == 0x0800 || type == 0x86dd)
            return ip_rule(f, r, type == 0x0800 ? "ip" : "ipv6", {}, where);
        if (type == 0x0806 || type == 0x8035) {
            add_frame(type == 0x0806 ? FrameKind::kArp : FrameKind::kRarp, type, f, r, where);
            return true;
        }
        if (type) {
            add_frame(FrameKind::kEthertype, type, f, r, where);
            return true;
        }
        // Every frame: IPv4, IPv6 and the rest.
        add_frame(FrameKind::kAll, 0, f, r, where);
        return ip_rule(f, r, "ip", {}, where) && ip_rule(f, r, "ipv6", {}, where);
    }
    if (what == "arp" || what == "rarp") {
        for (const auto& [k, v] : attrs)
            if (k != "comment")
                return refuse(where + ": <" + what + " " + k +
                              "> is an ARP rule vsw cannot express (vsw's ACL passes ARP and "
                              "RARP; only the standard anti-spoofing filters' checks map)");
        add_frame(what == "arp" ? FrameKind::kArp : FrameKind::kRarp, 0, f, r, where);
        return true;
    }
    if (what == "stp" || what == "vlan")
        return refuse(where + ": " + what + " rules have no vsw equivalent");
    if (what == "ipv4") what = "ip";
    return ip_rule(f, r, what, attrs, where);
}

bool Walk::rule(const NwFilter& f, const NwRule& r, const Vars& vars) {
    const std::string where = "filter '" + f.name + "' rule " + std::to_string(r.index) + " (" +
                              nw_action_name(r.action) + " " + nw_direction_name(r.direction) +
                              (r.match ? " <" + r.match->protocol + ">" : "") + ")";
    if (r.action == NwAction::kContinue) {
        note(where + ": 'continue' has no effect on the decision (skipped)");
        return true;
    }
    if (r.action == NwAction::kReturn)
        return refuse(where +
                      ": 'return' leaves its chain early, which vsw's single rule list "
                      "cannot express");
    // The variables the rule names, and their values.
    std::vector<std::string> names;
    if (r.match)
        for (const auto& [k, v] : r.match->attributes) {
            std::string var;
            if (k == "comment" || !nw_variable(v, &var).empty() || var.empty()) continue;
            auto it = vars.find(var);
            if (it == vars.end() || it->second.empty())
                return refuse(where + ": variable $" + var +
                              (var == "IP"
                                   ? " has no value (libvirt would learn it at run time; "
                                     "vsw needs IP parameters)"
                                   : " is not defined (libvirt would not start the guest)"));
            if (std::find(names.begin(), names.end(), var) == names.end()) names.push_back(var);
        }
    // Every combination of the variables' values.
    std::vector<size_t> at(names.size(), 0);
    while (true) {
        if (++instances > kMaxNwRuleInstances)
            return refuse("more than " + std::to_string(kMaxNwRuleInstances) +
                          " rule instances (variables with many values)");
        std::map<std::string, std::string> attrs;
        if (r.match)
            for (const auto& [k, v] : r.match->attributes) {
                std::string var;
                if (k != "comment" && nw_variable(v, &var).empty() && !var.empty()) {
                    const size_t i = std::find(names.begin(), names.end(), var) - names.begin();
                    attrs[k] = vars.at(var)[at[i]];
                } else {
                    attrs[k] = v;
                }
            }
        if (!instance(f, r, attrs, where)) return false;
        size_t i = 0;
        for (; i < names.size(); ++i) {
            if (++at[i] < vars.at(names[i]).size()) break;
            at[i] = 0;
        }
        if (i == names.size()) return true;
    }
}

bool Walk::known(const KnownFilter& k, const NwFilter& f, const Vars& vars) {
    const auto values = [&](const char* name) {
        auto it = vars.find(name);
        return it == vars.end() ? std::vector<std::string>{} : it->second;
    };
    lock_mac = lock_mac || (k.what != Known::kNothing && k.what != Known::kDhcpServer);
    if (k.what == Known::kLockIp) {
        lock_ip = true;
        for (const auto& v : values("IP"))
            if (std::find(ips.begin(), ips.end(), v) == ips.end()) ips.push_back(v);
        if (auto l = values("CTRL_IP_LEARNING"); !l.empty()) learning = l.back();
    }
    if (k.what == Known::kAnnounce) announce = true;
    if (k.what == Known::kDhcpServer)
        note("filter '" + f.name +
             "': DHCPSERVER is not enforced; vsw takes DHCP answers from trusted ports "
             "(trusted=on), whichever server it is");
    return true;
}

bool Walk::walk(const std::string& name, const Vars& vars) {
    if (std::find(stack.begin(), stack.end(), name) != stack.end()) {
        std::string path;
        for (const auto& s : stack) path += s + " -> ";
        return refuse("filter reference cycle: " + path + name);
    }
    if (stack.size() == kMaxNwFilterDepth)
        return refuse("filter references nested deeper than " + std::to_string(kMaxNwFilterDepth) +
                      " at '" + cut(name) + "'");
    if (++filters > kMaxNwFilterInstances)
        return refuse("more than " + std::to_string(kMaxNwFilterInstances) +
                      " filter references in the tree");
    auto xml = lookup(name);
    const std::string from = stack.empty() ? "" : " (referenced by '" + stack.back() + "')";
    if (!xml) return refuse("filter '" + cut(name) + "' does not exist" + from);
    std::string error;
    auto f = parse_nwfilter(*xml, error);
    if (!f) {
        if (!error.starts_with("filter '")) error = "filter '" + cut(name) + "': " + error;
        return refuse(error + from);
    }
    if (f->name != name)
        return refuse("filter '" + cut(name) + "': its XML is named '" + f->name + "'");
    // Chains in the order first seen, after the root chain's own rules (0) at a priority.
    auto [it, fresh] =
        chains.try_emplace(f->chain, f->priority, static_cast<int>(chains.size()) + 1);
    if (!fresh && it->second.first != f->priority)
        return refuse("filter '" + f->name + "': chain '" + f->chain + "' at priority " +
                      std::to_string(f->priority) + ", but another filter put it at " +
                      std::to_string(it->second.first));
    for (const auto& k : kKnown)
        if (name == k.name) return known(k, *f, vars);
    stack.push_back(name);
    for (const NwEntry& e : f->entries) {
        if (const auto* r = std::get_if<NwRule>(&e)) {
            if (!rule(*f, *r, vars)) return false;
            continue;
        }
        const auto& ref = std::get<NwFilterRef>(e);
        // The reference's parameters are defaults: inherited variables win (libvirt's order).
        Vars inner;
        for (const auto& [k, v] : ref.parameters) inner[k].push_back(v);
        for (const auto& [k, v] : vars) inner[k] = v;
        if (!walk(ref.filter, inner)) return false;
    }
    stack.pop_back();
    return true;
}

// A list for one direction and family, in libvirt's order, cut after its first unconditional
// rule.
std::vector<IpRule> list_of(const std::vector<IpRule>& all, Layer layer, Direction d, Ethertype e) {
    std::vector<IpRule> out;
    for (const IpRule& r : all)
        if (r.layer == layer && r.rule.direction == d && r.rule.ethertype == e) out.push_back(r);
    std::stable_sort(out.begin(), out.end(),
                     [](const IpRule& a, const IpRule& b) { return a.key < b.key; });
    for (size_t i = 0; i < out.size(); ++i)
        if (unconditional(out[i].rule)) {
            out.resize(i + 1);
            break;
        }
    return out;
}

bool accepts_all(const std::vector<IpRule>& l) {
    return l.empty() || (unconditional(l[0].rule) && l[0].rule.action == Action::kAllow);
}
bool drops_all(const std::vector<IpRule>& l) {
    return !l.empty() && unconditional(l[0].rule) && l[0].rule.action == Action::kDeny;
}
bool ends_in_drop(const std::vector<IpRule>& l) {
    return !l.empty() && unconditional(l.back().rule) && l.back().rule.action == Action::kDeny;
}

bool prefixes_overlap(const std::optional<acl::IpPrefix>& a,
                      const std::optional<acl::IpPrefix>& b) {
    if (!a || !b) return true;
    const uint8_t len = std::min(a->len, b->len);
    acl::IpPrefix x = *a, y = *b;
    x.len = y.len = len;
    return acl::network_of(x) == acl::network_of(y);
}

bool multicast(const std::optional<acl::IpPrefix>& p) {
    if (!p) return false;
    if (p->family == Ethertype::kIpv4) return p->len >= 4 && (p->addr[0] & 0xf0) == 0xe0;
    return p->len >= 8 && p->addr[0] == 0xff;
}

// Whether deny `d` may match the replies of connections `a` accepts the other way: a reply's
// remote is the same host, its destination port the connection's (unmatched) source port.
bool may_drop_replies(const SecurityRule& d, const SecurityRule& a) {
    if (multicast(d.remote_prefix)) return false;
    if (d.protocol && a.protocol && *d.protocol != *a.protocol) return false;
    return prefixes_overlap(d.remote_prefix, a.remote_prefix);
}

std::string family_word(Ethertype e) {
    return e == Ethertype::kIpv4 ? "IPv4" : "IPv6";
}

}  // namespace

NwTranslation translate_nwfilter(const FilterRef& filter, const std::string& mac,
                                 const FilterLookup& lookup) {
    NwTranslation out;
    Walk w{lookup, {}, {}, {}, {}, {}, {}, 0, 0, 0, false, false, false, false, {}, {}};
    Vars vars;
    vars["MAC"].push_back(mac);
    for (const auto& [k, v] : filter.parameters) {
        auto& values = vars[k];
        std::string value = v;
        if (k == "MAC")
            if (auto m = mac_from_string(v)) value = mac_to_string(*m);
        if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
    }
    const auto done = [&]() {
        out.notes = std::move(w.notes);
        out.refusal = w.refusal;
        if (!out.refusal.empty()) {
            out.settings.clear();
            out.rules.clear();
        }
        return out;
    };
    if (!w.walk(filter.name, vars)) return done();
    if (w.rejects) w.note("reject is enforced as drop: vsw sends no ICMP error or TCP reset");

    // Per direction and family: the two layers combined into one list.
    std::map<std::pair<Direction, Ethertype>, std::vector<IpRule>> lists;
    bool all_accept = true;
    for (Ethertype e : {Ethertype::kIpv4, Ethertype::kIpv6})
        for (Direction d : {Direction::kIngress, Direction::kEgress}) {
            auto l2 = list_of(w.ip, Layer::kEbtables, d, e);
            auto l3 = list_of(w.ip, Layer::kIptables, d, e);
            std::vector<IpRule> l;
            if (accepts_all(l2)) l = l3;
            else if (accepts_all(l3) || drops_all(l2)) l = l2;
            else if (drops_all(l3)) l = l3;
            else {
                w.refuse(l2[0].where + " and " + l3[0].where + " both decide " + family_word(e) +
                         " " + dir_word(d) +
                         " traffic in different libvirt layers (ebtables and iptables); vsw has "
                         "one rule list and cannot combine them");
                return done();
            }
            all_accept = all_accept && accepts_all(l);
            lists[{d, e}] = std::move(l);
        }

    // Drops that also hit established traffic, against the replies of what the other direction
    // accepts (its rules, or libvirt's default when its list does not end in a drop).
    for (auto& [de, l] : lists) {
        const auto [d, e] = de;
        const Direction other = d == Direction::kIngress ? Direction::kEgress : Direction::kIngress;
        const auto& back = lists[{other, e}];
        std::vector<IpRule> accepted;
        for (const IpRule& a : back)
            if (a.rule.action == Action::kAllow) accepted.push_back(a);
        if (back.empty() || !unconditional(back.back().rule)) {
            IpRule dflt;
            dflt.rule.ethertype = e;
            dflt.where = "libvirt's default accept (" + std::string(dir_word(other)) + ")";
            accepted.push_back(dflt);
        }
        bool open_before = false;  // an unconditional allow before: the replies pass there
        for (const IpRule& r : l) {
            if (r.rule.action == Action::kAllow) {
                open_before = open_before || unconditional(r.rule);
                continue;
            }
            if (!r.drops_established || open_before) continue;
            for (const IpRule& a : accepted) {
                const bool same_layer_reply = a.stateful && a.layer == r.layer && a.key < r.key;
                if (same_layer_reply || !may_drop_replies(r.rule, a.rule)) continue;
                w.refuse(r.where + ": drops " + family_word(e) + " " + dir_word(d) +
                         " traffic that includes replies of connections accepted by " + a.where +
                         " (libvirt drops them, vsw's connection tracking would pass them); give "
                         "the drop state='NEW' or accept the replies before it");
                return done();
            }
        }
    }

    // Frames that are not IP, per direction, in libvirt's order.
    std::stable_sort(w.frames.begin(), w.frames.end(),
                     [](const FrameRule& a, const FrameRule& b) { return a.key < b.key; });
    bool catch_all[2] = {false, false};
    std::vector<uint16_t> egress_types;
    for (Direction d : {Direction::kIngress, Direction::kEgress}) {
        bool arp_decided = false, rarp_decided = false;
        for (const FrameRule& f : w.frames) {
            if (f.direction != d) continue;
            const bool arp = f.kind == FrameKind::kAll || f.kind == FrameKind::kArp;
            const bool rarp = f.kind == FrameKind::kAll || f.kind == FrameKind::kRarp;
            if (arp && !arp_decided) {
                arp_decided = true;
                if (!f.accept) {
                    w.refuse(f.where + ": drops ARP " + dir_word(d) +
                             "; vsw always passes ARP (accept it before, e.g. with allow-arp)");
                    return done();
                }
            }
            if (rarp && !rarp_decided) {
                rarp_decided = true;
                if (!f.accept && !(d == Direction::kEgress && w.announce))
                    w.note(f.where + ": drops RARP " + dir_word(d) + "; vsw lets RARP through");
            }
            if (f.kind == FrameKind::kAll && !f.accept) {
                catch_all[d == Direction::kEgress] = true;
                break;
            }
            if (d == Direction::kEgress && f.accept) {
                const uint16_t t = f.kind == FrameKind::kArp    ? 0x0806
                                   : f.kind == FrameKind::kRarp ? 0x8035
                                                                : f.ethertype;
                if (t &&
                    std::find(egress_types.begin(), egress_types.end(), t) == egress_types.end())
                    egress_types.push_back(t);
            }
            if (f.kind == FrameKind::kEthertype && !f.accept && d == Direction::kEgress)
                w.note(f.where + ": drops ethertype " + std::to_string(f.ethertype) +
                       " out; enforced only if vsw's ACL is on (it drops all non-IP but ARP)");
            if (f.kind == FrameKind::kEthertype && !f.accept && d == Direction::kIngress)
                catch_all[0] = true;  // the ACL then drops it (and other non-IP) towards the guest
        }
    }

    // Port security.
    const bool lock_types = catch_all[1];
    if (w.lock_mac || w.lock_ip || lock_types) {
        std::vector<std::string> macs;
        for (const auto& m : vars["MAC"])
            if (std::find(macs.begin(), macs.end(), m) == macs.end()) macs.push_back(m);
        out.settings = {{"port-security", "on"}, {"allowed-macs", join_list(macs)}};
        if (!w.lock_ip) out.settings.emplace_back("allowed-ips", "any");
        else if (!w.ips.empty()) out.settings.emplace_back("allowed-ips", join_list(w.ips));
        else if (w.learning.empty() || w.learning == "any" || w.learning == "dhcp")
            out.settings.emplace_back("allowed-ips", "dhcp");
        else if (w.learning == "none") out.settings.emplace_back("allowed-ips", "none");
        else {
            w.refuse("CTRL_IP_LEARNING='" + cut(w.learning) + "' is not any, dhcp or none");
            return done();
        }
        if (!lock_types) out.settings.emplace_back("allowed-ethertypes", "any");
        else {
            std::vector<std::string> types;
            if (!drops_all(lists[{Direction::kEgress, Ethertype::kIpv4}])) types.push_back("ipv4");
            const auto has = [&](uint16_t t) {
                return std::find(egress_types.begin(), egress_types.end(), t) != egress_types.end();
            };
            if (has(0x0806)) types.push_back("arp");
            if (has(0x8035) || w.announce) types.push_back("rarp");
            if (!drops_all(lists[{Direction::kEgress, Ethertype::kIpv6}])) types.push_back("ipv6");
            for (uint16_t t : egress_types)
                if (t != 0x0806 && t != 0x8035) {
                    char hex[8];
                    std::snprintf(hex, sizeof hex, "0x%04x", t);
                    types.emplace_back(hex);
                }
            if (types.empty()) {
                w.refuse(
                    "the filter lets no frame out of the guest; vsw's port security needs "
                    "at least one ethertype");
                return done();
            }
            out.settings.emplace_back("allowed-ethertypes", join_list(types));
        }
    }

    // Security group rules, unless every list accepts everything and no ingress drop needs
    // the ACL's non-IP drop.
    if (all_accept && !catch_all[0]) return done();
    uint16_t priority = 1;
    for (Ethertype e : {Ethertype::kIpv4, Ethertype::kIpv6})
        for (Direction d : {Direction::kIngress, Direction::kEgress}) {
            const auto& l = lists[{d, e}];
            for (const IpRule& r : l) {
                if (r.rule.action == Action::kDeny && unconditional(r.rule)) break;  // the default
                SecurityRule s = r.rule;
                s.priority = priority++;
                out.rules.push_back(s);
            }
            if (!ends_in_drop(l) && !(l.size() && accepts_all({l.back()}))) {
                SecurityRule all;
                all.direction = d;
                all.ethertype = e;
                out.rules.push_back(all);  // libvirt's default accept, at the lowest priority
            }
        }
    if (out.rules.size() > acl::kMaxRulesPerGroup) {
        w.refuse("the filter makes " + std::to_string(out.rules.size()) +
                 " rules; a security group holds at most " +
                 std::to_string(acl::kMaxRulesPerGroup));
        return done();
    }
    if (catch_all[0] || catch_all[1])
        w.note(
            "vsw passes DHCP client traffic and IPv6 neighbour discovery whatever the "
            "filter says");
    if (!all_accept || catch_all[0])
        w.note("with vsw's ACL on, frames neither IP nor ARP/RARP are dropped both ways");
    return done();
}

}  // namespace vsw::libvirt
