// libFuzzer target: slow protocols frames from a cable or a guest through LACP (lacp/lacpdu.h,
// lacp/lacp_bond.h). The decoder never reads past the frame; what it accepts encodes back to the
// same PDU; a bond fed such PDUs on one member, whatever they claim, keeps its invariants (it
// distributes only on members with their carrier up, and never on one that is not selected).
#include <cstdint>
#include <vector>

#include "lacp/lacp_bond.h"
#include "lacp/lacpdu.h"
#include "lacp/marker.h"

using namespace vsw::lacp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // An exact-size copy: ASan sees any read past the frame.
    std::vector<uint8_t> frame(data, data + size);
    // The marker responder reads the same frames (a response is never answered).
    if (auto r = marker_response(frame.data(), frame.size(), 0x020000000001))
        if (marker_response(r->data(), r->size(), 0x020000000001)) __builtin_trap();
    Lacpdu pdu;
    if (decode_lacp_frame(frame.data(), frame.size(), pdu) == LacpduError::kNone) {
        const LacpFrame again = encode_lacp_frame(pdu, vsw::mac_from_bytes(frame.data() + 6));
        Lacpdu back;
        if (decode_lacp_frame(again.data(), again.size(), back) != LacpduError::kNone ||
            !(back.actor == pdu.actor) || !(back.partner == pdu.partner) ||
            back.collector_max_delay != pdu.collector_max_delay)
            __builtin_trap();
    }
    LacpBondSettings s;
    s.actor.system = 0x020000000a00;
    s.actor.time = LacpTime::kFast;
    s.fallback = size % 2;
    s.members = {{"eth0", 1, 32768, 0x020000000a01}, {"eth1", 2, 32768, 0x020000000a02}};
    LacpBond bond(s);
    bond.set_carrier(0, true, 0);
    bond.set_carrier(1, true, 0);
    for (uint64_t now = 0; now <= 4000; now += 500) {
        bond.receive_frame(0, frame.data(), frame.size(), now);
        bond.run(now);
    }
    bond.set_carrier(1, false, 4000);
    for (size_t i = 0; i < bond.size(); ++i) {
        const bool distributing = bond.distributing() & (MemberMask{1} << i);
        if (distributing && !bond.member(i).carrier()) __builtin_trap();
        if (distributing && !bond.in_fallback() && !bond.selected(i)) __builtin_trap();
    }
    return 0;
}
