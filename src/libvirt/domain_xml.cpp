#include "src/libvirt/domain_xml.h"

#include <libxml/tree.h>

#include "core/mac.h"
#include "core/parse.h"
#include "src/libvirt/xml_reading.h"

namespace vsw::libvirt {
namespace {

constexpr size_t kMaxXmlBytes = 16u << 20;  // libvirt's own limit for a domain XML is 10 MiB

// An element called `name` in any namespace (vsw's metadata has its own).
bool named(const xmlNode* n, const char* name) {
    return n->type == XML_ELEMENT_NODE &&
           xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

const xmlNode* child(const xmlNode* n, const char* name) {
    for (const xmlNode* c = n->children; c; c = c->next)
        if (libvirt_element(c, name)) return c;
    return nullptr;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    const auto e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string text(const xmlNode* n) {
    if (!n) return "";
    xmlChar* v = xmlNodeGetContent(n);
    if (!v) return "";
    std::string s(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return trim(s);
}

std::optional<std::string> normalised_mac(const std::string& s) {
    auto m = mac_from_string(s);
    if (!m) return std::nullopt;
    return mac_to_string(*m);
}

// <inbound average=... peak=... burst=.../>; nullopt (and a problem) if a value is malformed.
std::optional<Bandwidth> read_bandwidth(const xmlNode* n, const std::string& where,
                                        std::vector<std::string>& problems) {
    Bandwidth b;
    for (auto [name, field] :
         {std::pair{"average", &b.average}, {"peak", &b.peak}, {"burst", &b.burst}}) {
        auto v = attr(n, name);
        if (!v) continue;
        auto parsed = parse_uint(*v, 0, UINT64_MAX / 8192);  // KiB/s -> bit/s must not overflow
        if (!parsed) {
            problems.push_back(where + ": <" + reinterpret_cast<const char*>(n->name) + "> " +
                               name + "='" + *v +
                               "' is not a number of KiB; bandwidth in that direction ignored");
            return std::nullopt;
        }
        *field = *parsed;
    }
    if (!b.average) {
        problems.push_back(where + ": <" + reinterpret_cast<const char*>(n->name) +
                           "> without a positive average; bandwidth in that direction ignored");
        return std::nullopt;
    }
    return b;
}

// `index`: 1-based among the domain's vhostuser interfaces, to name one that has no MAC.
void read_interface(const xmlNode* n, unsigned index, Domain& d) {
    const std::string where = "vhostuser interface #" + std::to_string(index);
    VhostUserInterface itf;
    const xmlNode* mac = child(n, "mac");
    auto m = mac ? attr(mac, "address") : std::nullopt;
    auto norm = m ? normalised_mac(*m) : std::nullopt;
    if (!norm) {
        d.problems.push_back(where + ": no valid <mac address>; skipped");
        return;
    }
    itf.mac = *norm;
    const std::string who = "interface " + itf.mac;
    const xmlNode* src = child(n, "source");
    if (!src || attr(src, "type").value_or("unix") != "unix" || !attr(src, "path")) {
        d.problems.push_back(who + ": no <source type='unix' path=...>; skipped");
        return;
    }
    itf.socket = *attr(src, "path");
    const std::string mode = attr(src, "mode").value_or("server");
    if (mode != "server" && mode != "client") {
        d.problems.push_back(who + ": <source mode='" + mode +
                             "'> is neither server nor client; skipped");
        return;
    }
    itf.qemu_is_server = mode == "server";
    if (const xmlNode* bw = child(n, "bandwidth")) {
        if (const xmlNode* in = child(bw, "inbound"))
            itf.inbound = read_bandwidth(in, who, d.problems);
        if (const xmlNode* out = child(bw, "outbound"))
            itf.outbound = read_bandwidth(out, who, d.problems);
    }
    if (const xmlNode* mtu = child(n, "mtu")) itf.mtu = attr(mtu, "size").value_or("");
    d.interfaces.push_back(std::move(itf));
}

// The <parameter name= value=/> children of a <vsw:port filter=...>.
void read_filter_parameters(const xmlNode* n, FilterRef& filter, Domain& d) {
    for (const xmlNode* c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (!named(c, "parameter")) {
            d.problems.push_back(std::string("vsw metadata: unknown element <") +
                                 reinterpret_cast<const char*>(c->name) +
                                 "> in a <port> ignored (expected <parameter>)");
            continue;
        }
        auto name = attr(c, "name");
        auto value = attr(c, "value");
        if (!name || name->empty() || !value) {
            d.problems.push_back(
                "vsw metadata: a filter <parameter> without name or value ignored");
            continue;
        }
        if (filter.parameters.size() == kMaxFilterParameters) {
            d.problems.push_back("vsw metadata: more than " + std::to_string(kMaxFilterParameters) +
                                 " filter parameters; the rest ignored");
            return;
        }
        filter.parameters.emplace_back(*name, *value);
    }
}

void read_metadata_port(const xmlNode* n, Domain& d) {
    MetadataPort port;
    for (const xmlAttr* a = n->properties; a; a = a->next) {
        const std::string key = reinterpret_cast<const char*>(a->name);
        std::string value;
        if (xmlChar* v = xmlNodeListGetString(n->doc, a->children, 1)) {
            value = reinterpret_cast<const char*>(v);
            xmlFree(v);
        }
        if (key == "mac") {
            auto norm = normalised_mac(value);
            if (!norm) {
                d.problems.push_back("vsw metadata: <port mac='" + value +
                                     "'> is not a MAC address; entry skipped");
                return;
            }
            port.mac = *norm;
        } else if (key == "filter") {
            port.filter = FilterRef{value, {}};
        } else {
            port.settings.emplace_back(key, value);
        }
    }
    if (port.mac.empty()) {
        d.problems.push_back("vsw metadata: <port> without a mac attribute; entry skipped");
        return;
    }
    if (port.filter) read_filter_parameters(n, *port.filter, d);
    else if (xmlFirstElementChild(const_cast<xmlNode*>(n)))
        d.problems.push_back("vsw metadata: <port mac='" + port.mac +
                             "'> has child elements but no filter attribute; they are ignored");
    for (const auto& other : d.metadata)
        if (other.mac == port.mac) {
            d.problems.push_back("vsw metadata: a second <port mac='" + port.mac +
                                 "'>; the first one counts");
            return;
        }
    d.metadata.push_back(std::move(port));
}

void read_metadata(const xmlNode* metadata, Domain& d) {
    for (const xmlNode* top = metadata->children; top; top = top->next) {
        if (top->type != XML_ELEMENT_NODE || !top->ns || !top->ns->href ||
            xmlStrcmp(top->ns->href, reinterpret_cast<const xmlChar*>(kMetadataNamespace)) != 0)
            continue;
        for (const xmlNode* c = top->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE) continue;
            if (named(c, "port")) read_metadata_port(c, d);
            else
                d.problems.push_back(std::string("vsw metadata: unknown element <") +
                                     reinterpret_cast<const char*>(c->name) +
                                     "> ignored (expected <port>)");
        }
    }
}

}  // namespace

std::optional<Domain> parse_domain(std::string_view xml, std::string& error) {
    if (xml.size() > kMaxXmlBytes) {
        error = "domain XML larger than 16 MiB";
        return std::nullopt;
    }
    const XmlDocument doc = read_xml(xml, "domain", error);
    if (!doc) return std::nullopt;
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    if (!root || !libvirt_element(root, "domain")) {
        error = "not a libvirt domain (root element is not <domain>)";
        return std::nullopt;
    }
    Domain d;
    d.name = text(child(root, "name"));
    d.uuid = text(child(root, "uuid"));
    if (d.name.empty() || d.uuid.empty()) {
        error = "domain XML without <name> or <uuid>";
        return std::nullopt;
    }
    unsigned vhostuser = 0;
    if (const xmlNode* devices = child(root, "devices"))
        for (const xmlNode* c = devices->children; c; c = c->next)
            if (libvirt_element(c, "interface") && attr(c, "type") == "vhostuser")
                read_interface(c, ++vhostuser, d);
    if (const xmlNode* metadata = child(root, "metadata")) read_metadata(metadata, d);
    return d;
}

}  // namespace vsw::libvirt
