// libFuzzer target: libvirt nwfilter XML (vsw-libvirt reads the filters libvirtd holds, which
// their owners write) and its translation into port security and security group rules. Never
// crashes; a refusal always says why; what is translated is valid for vsw.
#include <cstdint>
#include <string>
#include <string_view>

#include "acl/security_group.h"
#include "src/libvirt/nwfilter_translate.h"
#include "src/libvirt/nwfilter_xml.h"

using namespace vsw::libvirt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string xml(reinterpret_cast<const char*>(data), size);
    std::string error;
    auto f = parse_nwfilter(xml, error);
    if (!f) {
        if (error.empty()) __builtin_trap();
        return 0;
    }
    // The document is every filter it references too: references to itself are cycles,
    // to other names missing filters (both refused), and its own rules are translated.
    const FilterLookup lookup = [&](const std::string& name) -> std::optional<std::string> {
        if (name == f->name) return xml;
        return std::nullopt;
    };
    auto t = translate_nwfilter(FilterRef{f->name, {{"IP", "10.0.0.1"}, {"V", "7"}}},
                                "52:54:00:00:00:01", lookup);
    if (!t.refusal.empty() && (!t.rules.empty() || !t.settings.empty())) __builtin_trap();
    for (const auto& r : t.rules)
        if (!vsw::acl::validate_rule(r).empty()) __builtin_trap();
    return 0;
}
