// libFuzzer target: IPFIX encoding round trip. A flow record made of fuzz bytes is encoded with
// the templates and read back by the strict test decoder; every field must come back.
#include <cstdint>
#include <cstring>
#include <vector>

#include "telemetry/ipfix/ipfix_message.h"
#include "tests/support/ipfix_decoder.h"

using namespace vsw::telemetry;
using namespace vsw::telemetry::ipfix;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FlowRecord r{};
    if (size < sizeof r) return 0;
    memcpy(&r, data, sizeof r);
    const FlowKind kinds[] = {FlowKind::kL2, FlowKind::kIpv4, FlowKind::kIpv6};
    r.key.kind = kinds[static_cast<uint8_t>(r.key.kind) % 3];
    r.reason = static_cast<FlowEndReason>(1 + static_cast<uint8_t>(r.reason) % 5);
    const uint16_t mtu = static_cast<uint16_t>(576 + (size > sizeof r ? data[sizeof r] * 32 : 0));
    MessageBuilder b(0x01020304, mtu);
    vsw::test::IpfixDecoder dec;
    b.begin(1, 0);
    if (!b.add_templates()) __builtin_trap();
    dec.decode(std::vector<uint8_t>(b.finish().begin(), b.finish().end()));
    b.begin(2, 7);
    if (!b.add_flow(r, 1000)) __builtin_trap();  // one record always fits
    const auto bytes = b.finish();
    vsw::test::DecodedMessage m;
    try {
        m = dec.decode(std::vector<uint8_t>(bytes.begin(), bytes.end()));
    } catch (...) {
        __builtin_trap();  // our own encoding must always decode
    }
    if (m.records.size() != 1 || m.sequence != 7 || m.domain != 0x01020304) __builtin_trap();
    const auto& d = m.records[0];
    if (d.u(2) != r.c.packets || d.u(352) != r.c.l2_octets ||
        d.u(136) != static_cast<uint8_t>(r.reason))
        __builtin_trap();
    if (d.u(152) != 1000 + r.c.first_ms || d.u(153) != 1000 + r.c.last_ms) __builtin_trap();
    if (r.key.kind != FlowKind::kL2 &&
        (d.u(1) != r.c.ip_octets || d.u(7) != r.key.src_port || d.u(11) != r.key.dst_port))
        __builtin_trap();
    return 0;
}
