// libFuzzer target: what an operator types after `vswctl acl` and the state file's security
// groups (acl/acl_syntax.h, acl/security_group_set.h). The same bytes are read both ways.
// Whatever the parser accepts prints back to words that parse to the same rule, and goes
// through JSON and back unchanged; whatever the JSON reader accepts writes back to JSON that
// reads the same; the classifier built from either never fails and always lets DHCP pass.
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "acl/acl_classifier.h"
#include "acl/acl_syntax.h"
#include "acl/security_group_set.h"

using namespace vsw::acl;

namespace {

// Classifies a few first packets (addresses and ports from the input) on a port with `port`.
void classify_some(const SecurityGroupSet& s, const std::vector<std::string>& port,
                   const std::string& text) {
    RemoteGroupMembers members;
    for (const SecurityGroup& g : s.groups)
        members[g.name] = {ipv4_host(0x0a000001), ipv6_host({0x20, 0x01, 0x0d, 0xb8})};
    const AclClassifier c(s, port, members);
    uint64_t seed = std::hash<std::string>{}(text);
    for (int i = 0; i < 16; ++i, seed = seed * 6364136223846793005ull + 1442695040888963407ull) {
        AclKey k;
        k.direction = seed & 1 ? Direction::kIngress : Direction::kEgress;
        k.ethertype = seed & 2 ? Ethertype::kIpv4 : Ethertype::kIpv6;
        k.protocol = static_cast<uint8_t>(seed >> 8);
        k.src = {k.ethertype == Ethertype::kIpv4 ? 0 : seed, (seed >> 16) & 0xffffffff};
        k.dst = {k.ethertype == Ethertype::kIpv4 ? 0 : ~seed, (seed >> 20) & 0xffffffff};
        k.dst_port = static_cast<uint16_t>(seed >> 32);
        k.src_port = static_cast<uint16_t>(seed >> 48);
        const AclDecision d = c.classify(k);
        if (d.reason == AclReason::kRule && d.rule >= c.rules().size()) __builtin_trap();
        if (d.reason == AclReason::kRule && d.allow != (c.rules()[d.rule].action == Action::kAllow))
            __builtin_trap();
        // DHCP client traffic passes whatever the rules say.
        k.protocol = kProtoUdp;
        const bool v4 = k.ethertype == Ethertype::kIpv4;
        k.src_port = k.direction == Direction::kEgress ? (v4 ? 68 : 546) : (v4 ? 67 : 547);
        k.dst_port = k.direction == Direction::kEgress ? (v4 ? 67 : 547) : (v4 ? 68 : 546);
        if (!c.classify(k).allow) __builtin_trap();
    }
}

void words_way(const std::string& text) {
    std::vector<std::string> words;
    std::istringstream in(text);
    for (std::string w; in >> w;) words.push_back(w);
    AclCommand c;
    if (!parse_acl_command(words, c).empty() || c.verb != AclVerb::kRuleAdd) return;
    // Printed back, it reads the same.
    std::vector<std::string> again = {"rule-add", c.group};
    for (const auto& [k, v] : rule_settings(c.rule)) again.push_back(k + "=" + v);
    AclCommand c2;
    if (!parse_acl_command(again, c2).empty() || !(c2.rule == c.rule)) __builtin_trap();
    // Through the state file's form.
    SecurityRule r = c.rule;
    r.id = 7;
    if (!(security_rule_from_json(nlohmann::json::parse(to_json(r).dump())) == r)) __builtin_trap();
    // Into a group and a classifier (a remote group must exist: the group itself, then).
    SecurityGroupSet s;
    add_group(s, c.group);
    if (!c.rule.remote_group.empty() && c.rule.remote_group != c.group)
        add_group(s, c.rule.remote_group);
    // A new rule in a new group: refused only as one of Neutron's default rules again.
    if (auto e = apply_acl_command(s, c); !e.empty() && e.find("has this rule already") == e.npos)
        __builtin_trap();
    classify_some(s, {c.group}, text);
}

void json_way(const std::string& text) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return;
    SecurityGroupSet s;
    try {
        s = security_group_set_from_json(j);
    } catch (const std::invalid_argument&) {
        return;
    }
    if (!(security_group_set_from_json(nlohmann::json::parse(to_json(s).dump())) == s))
        __builtin_trap();
    std::vector<std::string> port;
    for (const SecurityGroup& g : s.groups)
        if (port.size() < kMaxGroupsPerPort) port.push_back(g.name);
    classify_some(s, port, text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    words_way(text);
    json_way(text);
    return 0;
}
