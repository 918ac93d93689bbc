// libvirt nwfilter documents, read strictly (nwfilter_xml.h).
#include "src/libvirt/nwfilter_xml.h"

#include <libxml/tree.h>

#include <algorithm>
#include <array>

#include "src/libvirt/xml_reading.h"

namespace vsw::libvirt {
namespace {

const char* name_of(const xmlNode* n) {
    return reinterpret_cast<const char*>(n->name);
}

// Names and values quoted in messages are cut, so that a hostile document cannot flood a log.
std::string quoted(const std::string& s) {
    return "'" + (s.size() > 64 ? s.substr(0, 64) + "..." : s) + "'";
}

std::optional<int> parse_priority(const std::string& s) {
    if (s.empty() || s.size() > 5) return std::nullopt;
    size_t i = s[0] == '-' || s[0] == '+' ? 1 : 0;
    if (i == s.size()) return std::nullopt;
    int v = 0;
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    if (s[0] == '-') v = -v;
    if (v < -1000 || v > 1000) return std::nullopt;
    return v;
}

// The attributes each protocol element takes (libvirt's formatnwfilter), by group.
constexpr std::array kL2Common = {"srcmacaddr", "srcmacmask", "dstmacaddr",
                                  "dstmacmask", "comment",    "match"};
constexpr std::array kMacOnly = {"protocolid"};
constexpr std::array kVlanOnly = {"vlanid", "encap-protocol"};
constexpr std::array kStpOnly = {"type",
                                 "flags",
                                 "root-priority",
                                 "root-priority-hi",
                                 "root-address",
                                 "root-address-mask",
                                 "root-cost",
                                 "root-cost-hi",
                                 "sender-priority",
                                 "sender-priority-hi",
                                 "sender-address",
                                 "sender-address-mask",
                                 "port",
                                 "port-hi",
                                 "msg-age",
                                 "msg-age-hi",
                                 "max-age",
                                 "max-age-hi",
                                 "hello-time",
                                 "hello-time-hi",
                                 "forward-delay",
                                 "forward-delay-hi"};
constexpr std::array kArpOnly = {"hwtype",        "protocoltype", "opcode",       "arpsrcmacaddr",
                                 "arpdstmacaddr", "arpsrcipaddr", "arpsrcipmask", "arpdstipaddr",
                                 "arpdstipmask",  "gratuitous"};
constexpr std::array kIpOnly = {"srcipaddr",  "srcipmask",    "dstipaddr",  "dstipmask",
                                "protocol",   "srcportstart", "srcportend", "dstportstart",
                                "dstportend", "dscp"};
constexpr std::array kIpv6Only = {"type", "typeend", "code", "codeend"};
constexpr std::array kL3Common = {"srcmacaddr", "srcipaddr", "srcipmask",  "dstipaddr",
                                  "dstipmask",  "srcipfrom", "srcipto",    "dstipfrom",
                                  "dstipto",    "dscp",      "comment",    "state",
                                  "match",      "ipset",     "ipsetflags", "connlimit-above"};
constexpr std::array kPorts = {"srcportstart", "srcportend", "dstportstart", "dstportend"};
constexpr std::array kTcpOnly = {"flags"};
constexpr std::array kIcmpOnly = {"type", "code"};

template <size_t N>
bool in(const std::array<const char*, N>& names, const std::string& name) {
    return std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
}

// Whether `element` is a protocol element, and `attribute` one of its attributes.
enum class Known { kNoElement, kNoAttribute, kYes };
Known known_attribute(const std::string& element, const std::string& attribute) {
    std::string base = element;
    if (base.ends_with("-ipv6")) base.resize(base.size() - 5);
    const bool l3 = in(std::array{"tcp", "udp", "sctp", "udplite", "esp", "ah", "all", "icmp",
                                  "igmp", "tcp-ipv6", "udp-ipv6", "sctp-ipv6", "udplite-ipv6",
                                  "esp-ipv6", "ah-ipv6", "all-ipv6", "icmpv6"},
                       element);
    bool ok = false;
    if (element == "mac") ok = in(kL2Common, attribute) || in(kMacOnly, attribute);
    else if (element == "vlan") ok = in(kL2Common, attribute) || in(kVlanOnly, attribute);
    else if (element == "stp") ok = in(kL2Common, attribute) || in(kStpOnly, attribute);
    else if (element == "arp" || element == "rarp")
        ok = in(kL2Common, attribute) || in(kArpOnly, attribute);
    else if (element == "ip") ok = in(kL2Common, attribute) || in(kIpOnly, attribute);
    else if (element == "ipv6")
        ok = in(kL2Common, attribute) || in(kIpOnly, attribute) || in(kIpv6Only, attribute);
    else if (l3) {
        ok = in(kL3Common, attribute);
        if (base == "tcp") ok = ok || in(kPorts, attribute) || in(kTcpOnly, attribute);
        else if (base == "udp" || base == "sctp") ok = ok || in(kPorts, attribute);
        else if (base == "icmp" || element == "icmpv6") ok = ok || in(kIcmpOnly, attribute);
    } else return Known::kNoElement;
    return ok ? Known::kYes : Known::kNoAttribute;
}

std::string read_rule(const xmlNode* n, unsigned index, NwRule& rule) {
    const std::string where = "rule " + std::to_string(index);
    rule.index = index;
    const auto action = attr(n, "action");
    const auto direction = attr(n, "direction");
    if (!action || !direction) return where + ": action and direction are required";
    if (*action == "accept") rule.action = NwAction::kAccept;
    else if (*action == "drop") rule.action = NwAction::kDrop;
    else if (*action == "reject") rule.action = NwAction::kReject;
    else if (*action == "return") rule.action = NwAction::kReturn;
    else if (*action == "continue") rule.action = NwAction::kContinue;
    else return where + ": unknown action " + quoted(*action);
    if (*direction == "in") rule.direction = NwDirection::kIn;
    else if (*direction == "out") rule.direction = NwDirection::kOut;
    else if (*direction == "inout") rule.direction = NwDirection::kInOut;
    else return where + ": unknown direction " + quoted(*direction);
    if (auto p = attr(n, "priority")) {
        auto v = parse_priority(*p);
        if (!v) return where + ": priority " + quoted(*p) + " is not a number in -1000..1000";
        rule.priority = *v;
    }
    if (auto s = attr(n, "statematch")) {
        if (*s == "0" || *s == "false") rule.statematch = false;
        else if (*s == "1" || *s == "true") rule.statematch = true;
        else return where + ": statematch " + quoted(*s) + " is not true or false";
    }
    for (const xmlAttr* a = n->properties; a; a = a->next) {
        const std::string name = reinterpret_cast<const char*>(a->name);
        if (!in(std::array{"action", "direction", "priority", "statematch"}, name))
            return where + ": unknown attribute " + quoted(name);
    }
    for (const xmlNode* c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        const std::string element = name_of(c);
        if (c->ns) return where + ": namespaced element <" + quoted(element) + "> not allowed";
        if (rule.match)
            return where + ": a second protocol element <" + quoted(element) +
                   "> (a rule has at most one)";
        if (known_attribute(element, "comment") == Known::kNoElement)
            return where + ": unknown protocol element <" + quoted(element) + ">";
        NwMatch m{element, {}};
        for (const xmlAttr* a = c->properties; a; a = a->next) {
            const std::string name = reinterpret_cast<const char*>(a->name);
            if (known_attribute(element, name) != Known::kYes)
                return where + ": <" + element + "> has no attribute " + quoted(name);
            std::string value;
            if (xmlChar* v = xmlNodeListGetString(c->doc, a->children, 1)) {
                value = reinterpret_cast<const char*>(v);
                xmlFree(v);
            }
            if (name != "comment") {
                if (auto e = nw_variable(value); !e.empty())
                    return where + ": <" + element + " " + name + "=" + quoted(value) + ">: " + e;
            }
            m.attributes.emplace_back(name, value);
        }
        rule.match = std::move(m);
    }
    return "";
}

std::string read_filterref(const xmlNode* n, NwFilterRef& ref) {
    auto name = attr(n, "filter");
    if (!name || name->empty()) return "a <filterref> without a filter attribute";
    ref.filter = *name;
    for (const xmlNode* c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (!libvirt_element(c, "parameter"))
            return "<filterref filter=" + quoted(ref.filter) + ">: unknown element <" +
                   quoted(name_of(c)) + "> (expected <parameter>)";
        auto pname = attr(c, "name");
        auto value = attr(c, "value");
        if (!pname || pname->empty() || !value)
            return "<filterref filter=" + quoted(ref.filter) +
                   ">: a <parameter> without name or value";
        std::string var;
        if (nw_variable("$" + *pname, &var).size() || var != *pname)
            return "<filterref filter=" + quoted(ref.filter) + ">: parameter name " +
                   quoted(*pname) + " is not [A-Za-z_][A-Za-z0-9_]*";
        if (ref.parameters.size() == kMaxNwFilterParameters)
            return "<filterref filter=" + quoted(ref.filter) + ">: more than " +
                   std::to_string(kMaxNwFilterParameters) + " parameters";
        ref.parameters.emplace_back(*pname, *value);
    }
    return "";
}

bool valid_filter_name(const std::string& s) {
    if (s.empty() || s.size() > 128) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.' || c == ':';
    });
}

constexpr std::array kChains = {"root", "mac", "stp", "vlan", "arp", "rarp", "ipv4", "ipv6"};

// The chain's base (the part before the first '-'), or "" if it is not a chain libvirt knows.
std::string chain_base(const std::string& chain) {
    const auto dash = chain.find('-');
    const std::string base = chain.substr(0, dash);
    if (!in(kChains, base)) return "";
    if (dash == std::string::npos) return base;
    if (base == "root" || dash + 1 == chain.size() || chain.size() > 64) return "";
    return base;
}

}  // namespace

const char* nw_action_name(NwAction a) {
    switch (a) {
        case NwAction::kAccept: return "accept";
        case NwAction::kDrop: return "drop";
        case NwAction::kReject: return "reject";
        case NwAction::kReturn: return "return";
        case NwAction::kContinue: return "continue";
    }
    return "?";
}

const char* nw_direction_name(NwDirection d) {
    switch (d) {
        case NwDirection::kIn: return "in";
        case NwDirection::kOut: return "out";
        case NwDirection::kInOut: return "inout";
    }
    return "?";
}

int nw_chain_default_priority(const std::string& chain) {
    const std::string base = chain_base(chain);
    if (base == "stp") return -810;
    if (base == "mac") return -800;
    if (base == "vlan") return -750;
    if (base == "ipv4") return -700;
    if (base == "ipv6") return -600;
    if (base == "arp") return -500;
    if (base == "rarp") return -400;
    return 0;
}

std::string nw_variable(const std::string& value, std::string* name) {
    if (value.empty() || value[0] != '$') return "";
    size_t i = 1;
    const auto word = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    };
    while (i < value.size() && word(value[i])) ++i;
    if (i == 1 || (value[1] >= '0' && value[1] <= '9'))
        return "variable reference " + quoted(value) + " has no valid name";
    if (i < value.size()) {
        if (value[i] == '[')
            return "variable " + quoted(value) +
                   ": iterators and indexes ($NAME[@N], $NAME[N]) are not supported by vsw";
        return "variable reference " + quoted(value) + " has trailing characters";
    }
    if (i > 65) return "variable name longer than 64 characters";
    if (name) *name = value.substr(1);
    return "";
}

std::optional<NwFilter> parse_nwfilter(std::string_view xml, std::string& error) {
    if (xml.size() > kMaxNwFilterXmlBytes) {
        error = "filter XML larger than 1 MiB";
        return std::nullopt;
    }
    const XmlDocument doc = read_xml(xml, "filter", error);
    if (!doc) return std::nullopt;
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    if (!root || !libvirt_element(root, "filter")) {
        error = "not a libvirt filter (root element is not <filter>)";
        return std::nullopt;
    }
    NwFilter f;
    f.name = attr(root, "name").value_or("");
    if (!valid_filter_name(f.name)) {
        error = "filter name " + quoted(f.name) + " is not 1-128 of [A-Za-z0-9_.:-]";
        return std::nullopt;
    }
    const std::string who = "filter " + quoted(f.name) + ": ";
    f.chain = attr(root, "chain").value_or("root");
    if (chain_base(f.chain).empty()) {
        error = who + "unknown chain " + quoted(f.chain) +
                " (root, mac, stp, vlan, arp, rarp, ipv4, ipv6, or one of the last seven with a "
                "-suffix)";
        return std::nullopt;
    }
    f.priority = nw_chain_default_priority(f.chain);
    if (auto p = attr(root, "priority")) {
        auto v = parse_priority(*p);
        if (!v) {
            error = who + "priority " + quoted(*p) + " is not a number in -1000..1000";
            return std::nullopt;
        }
        f.priority = *v;
    }
    unsigned rules = 0;
    for (const xmlNode* c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (f.entries.size() == kMaxNwFilterEntries) {
            error =
                who + "more than " + std::to_string(kMaxNwFilterEntries) + " rules and filterrefs";
            return std::nullopt;
        }
        std::string e;
        if (libvirt_element(c, "rule")) {
            NwRule r;
            e = read_rule(c, ++rules, r);
            f.entries.emplace_back(std::move(r));
        } else if (libvirt_element(c, "filterref")) {
            NwFilterRef r;
            e = read_filterref(c, r);
            f.entries.emplace_back(std::move(r));
        } else if (!libvirt_element(c, "uuid")) {
            e = "unknown element <" + quoted(name_of(c)) + ">";
        }
        if (!e.empty()) {
            error = who + e;
            return std::nullopt;
        }
    }
    return f;
}

}  // namespace vsw::libvirt
