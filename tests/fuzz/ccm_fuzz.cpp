// libFuzzer target: CFM frames from a cable or a guest through the CCM decoder and a MEP
// (cfm/ccm.h, cfm/cfm_frame.h, cfm/cfm_mep.h). The decoder never reads past the frame; what it
// accepts encodes back to the same CCM; the level rule and the MEP agree (a frame passes the MEP
// exactly when the rule says it is not the MEP's); a MEP fed the frame again and again, with
// its time running, keeps its table bounded, and sends one valid CCM per interval with its own
// MEP ID and sequence numbers counting up.
#include <cstdint>
#include <vector>

#include "cfm/ccm.h"
#include "cfm/cfm_frame.h"
#include "cfm/cfm_mep.h"

using namespace vsw::cfm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // An exact-size copy: ASan sees any read past the frame.
    std::vector<uint8_t> frame(data, data + size);
    ReceivedCcm r;
    if (decode_ccm_frame(frame.data(), frame.size(), r) == CcmError::kNone) {
        const std::vector<uint8_t> again = encode_ccm_frame(r.ccm, r.source, r.vlan);
        ReceivedCcm back;
        if (decode_ccm_frame(again.data(), again.size(), back) != CcmError::kNone ||
            !(back.ccm == r.ccm) || back.source != r.source || back.vlan != r.vlan)
            __builtin_trap();
    }
    vsw::CfmConfig c;
    c.mpid = 1;
    c.level = static_cast<uint8_t>(size % 8);
    c.interval = size % 3 ? CcmInterval::k100ms : CcmInterval::k3ms;
    CfmMep mep(c, 0x020000000a01, 0);
    const CfmFate fate = cfm_frame_fate(frame.data(), frame.size(), c.level);
    uint32_t sequence = 0;
    for (uint64_t now = 0; now <= 2000; now += 7) {
        const CfmRx rx = mep.receive(frame.data(), frame.size(), now);
        if ((rx.action == CfmRxAction::kPassed) != (fate != CfmFate::kStop)) __builtin_trap();
        if (rx.action == CfmRxAction::kRefused && rx.reason == CcmError::kNone) __builtin_trap();
        for (const CcmBytes& f : mep.run(now)) {
            ReceivedCcm sent;
            if (decode_ccm_frame(f.data(), f.size(), sent) != CcmError::kNone ||
                sent.ccm.mepid != 1 || sent.ccm.sequence != ++sequence ||
                sent.ccm.rdi != mep.sending_rdi())
                __builtin_trap();
        }
        if (mep.next_run_ms(now) < now) __builtin_trap();
    }
    if (mep.remote_meps().size() > kMaxRemoteMeps) __builtin_trap();
    if (mep.health() < -1 || mep.health() > 100) __builtin_trap();
    return 0;
}
