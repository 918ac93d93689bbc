#include "src/libvirt/xml_reading.h"

#include <libxml/parser.h>

namespace vsw::libvirt {

XmlDocument read_xml(std::string_view xml, const char* what, std::string& error) {
    xmlInitParser();
    const std::string file = std::string(what) + ".xml";
    XmlDocument doc(xmlReadMemory(
        xml.data(), static_cast<int>(xml.size()), file.c_str(), nullptr,
        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA));
    if (!doc) {
        const xmlError* e = xmlGetLastError();
        std::string msg = e && e->message ? e->message : "";
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        error = std::string("malformed ") + what + " XML" + (msg.empty() ? "" : ": " + msg);
    }
    return doc;
}

bool libvirt_element(const xmlNode* n, const char* name) {
    return n->type == XML_ELEMENT_NODE && n->ns == nullptr &&
           xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

std::optional<std::string> attr(const xmlNode* n, const char* name) {
    xmlChar* v = xmlGetNoNsProp(n, reinterpret_cast<const xmlChar*>(name));
    if (!v) return std::nullopt;
    std::string s(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return s;
}

}  // namespace vsw::libvirt
