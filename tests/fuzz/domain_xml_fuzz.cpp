// libFuzzer target: libvirt domain XML (vsw-libvirt reads what libvirtd reports, including the
// metadata any domain owner can write). Never crashes, never follows entities or the network.
#include <cstdint>
#include <string>
#include <string_view>

#include "src/libvirt/domain_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string error;
    auto d = vsw::libvirt::parse_domain(std::string_view(reinterpret_cast<const char*>(data), size),
                                        error);
    if (!d && error.empty()) __builtin_trap();  // a refusal always says why
    return 0;
}
