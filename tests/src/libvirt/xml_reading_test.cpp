#include "src/libvirt/xml_reading.h"

#include <catch2/catch.hpp>

using namespace vsw::libvirt;

TEST_CASE("a malformed document is refused with libxml2's reason, named", "[libvirt][xml]") {
    std::string error;
    CHECK_FALSE(read_xml("<domain><name>x</domain>", "domain", error));
    CHECK(error.rfind("malformed domain XML: ", 0) == 0);
    CHECK(error.back() != '\n');
    CHECK_FALSE(read_xml("", "filter", error));
    CHECK(error.rfind("malformed filter XML", 0) == 0);
}

TEST_CASE("no entity is expanded and no DTD loaded", "[libvirt][xml]") {
    std::string error;
    const XmlDocument doc = read_xml(
        R"(<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>)", "domain", error);
    REQUIRE(doc);
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    REQUIRE(root);
    xmlChar* content = xmlNodeGetContent(root);
    const std::string text = content ? reinterpret_cast<const char*>(content) : "";
    xmlFree(content);
    CHECK(text.find("root:") == std::string::npos);
}

TEST_CASE("libvirt's elements are un-namespaced; attributes are read without namespace",
          "[libvirt][xml]") {
    std::string error;
    const XmlDocument doc =
        read_xml("<domain xmlns:v='urn:x'><v:name/><name type='kvm' v:type='other'/></domain>",
                 "domain", error);
    REQUIRE(doc);
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    CHECK(libvirt_element(root, "domain"));
    CHECK_FALSE(libvirt_element(root, "name"));
    const xmlNode* foreign = root->children;
    const xmlNode* own = foreign->next;
    CHECK_FALSE(libvirt_element(foreign, "name"));
    CHECK(libvirt_element(own, "name"));
    CHECK(attr(own, "type") == "kvm");
    CHECK_FALSE(attr(own, "missing"));
}
