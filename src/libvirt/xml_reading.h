// libxml2 as both libvirt readers use it (domain_xml.h, nwfilter_xml.h): a document read with no
// network, no DTD loading and no entity expansion, errors returned rather than printed; libvirt's
// own (un-namespaced) elements; attributes as strings.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace vsw::libvirt {

struct XmlDocFree {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using XmlDocument = std::unique_ptr<xmlDoc, XmlDocFree>;

// Parses `xml` (`what` names it in the error: "malformed <what> XML: <libxml2's message>").
// Returns null and sets `error` if it is not well-formed.
XmlDocument read_xml(std::string_view xml, const char* what, std::string& error);

// An element of libvirt's own called `name` (a foreign namespace's element of that name is not).
bool libvirt_element(const xmlNode* n, const char* name);

// Attribute `name` (without namespace), if present.
std::optional<std::string> attr(const xmlNode* n, const char* name);

}  // namespace vsw::libvirt
