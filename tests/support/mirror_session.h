// A mirror session as the workers see it, for tests and benchmarks of the mirror stage: fixed
// addresses and ids (what the tests check for), the ERSPAN header built as the Switch builds it.
#pragma once

#include <cstdint>

#include "telemetry/mirror/mirror.h"

namespace vsw::test {

inline MirrorSession mirror_session(MirrorKind kind, uint32_t snaplen, MirrorRuntime& rt,
                                    uint16_t out_slot = 2) {
    MirrorSession s;
    s.kind = kind;
    s.out_slot = out_slot;
    s.snaplen = snaplen;
    s.rspan_vlan = 999;
    s.rt = &rt;
    s.tsc_hz = 1'000'000'000;
    MirrorConfig c;
    c.kind = kind;
    c.local_ip = 0xc0000201;
    c.remote_ip = 0xc0000202;
    c.session_id = 0x155;
    c.index = 0xabcde;
    c.next_hop_mac = 0x0200000000e0;
    if (kind == MirrorKind::kErspan3) c.hw_id = 0x2b;
    if (is_erspan(kind)) build_erspan_template(c, 0x020000000011, s);
    return s;
}

}  // namespace vsw::test
