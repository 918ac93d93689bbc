// libFuzzer target: DHCP frames from anywhere through port security's address learning
// (security/dhcp_message.h). It never reads past the frame, reads only what the workers' test
// let through, and an ACK it reads names an address and a lease.
#include <cstdint>
#include <vector>

#include "security/dhcp_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // An exact-size copy: ASan sees any read past the frame.
    std::vector<uint8_t> frame(data, data + size);
    const auto m = vsw::read_dhcp_message(frame.data(), frame.size());
    const auto len = static_cast<uint32_t>(size > 0xffff ? 0xffff : size);
    const bool dhcp = vsw::is_dhcp_frame(frame.data(), len);
    if (m && !dhcp) __builtin_trap();
    if (m && m->kind == vsw::DhcpMessage::Kind::kAck && (m->ip == 0 || m->lease == 0))
        __builtin_trap();
    return 0;
}
