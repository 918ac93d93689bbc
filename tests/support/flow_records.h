// Flow records for the flow encoders' tests (IPFIX, NetFlow v9 and v5): the parts of a flow's
// key they share, and counts; each test fills in addresses and MACs of its own.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "telemetry/ipfix/flow_cache.h"

namespace vsw::test {

// A flow of `kind` that came in on port 4, VLAN 10, with the kind's EtherType (ARP for an
// L2-only flow) and `protocol` from `src_port` to `dst_port`; it ended idle.
inline telemetry::FlowRecord flow_record(telemetry::FlowKind kind, uint8_t protocol,
                                         uint16_t src_port, uint16_t dst_port) {
    using telemetry::FlowKind;
    telemetry::FlowRecord r{};
    r.key.kind = kind;
    r.key.in_port = 4;
    r.key.vlan = 10;
    r.key.ethertype = kind == FlowKind::kIpv6 ? 0x86dd : kind == FlowKind::kIpv4 ? 0x0800 : 0x0806;
    r.key.protocol = protocol;
    r.key.src_port = src_port;
    r.key.dst_port = dst_port;
    r.reason = telemetry::FlowEndReason::kIdle;
    return r;
}

// The counts of `packets` frames of `frame_len` bytes, `ip_len` of them IP (0: an L2-only
// flow), the first seen at `first_ms` and the last at `last_ms` (switch clock).
inline telemetry::FlowCounters frames(uint64_t packets, uint32_t frame_len, uint32_t ip_len,
                                      uint64_t first_ms, uint64_t last_ms) {
    return {.packets = packets,
            .l2_octets = packets * frame_len,
            .ip_octets = packets * ip_len,
            .first_ms = first_ms,
            .last_ms = last_ms};
}

// The key's IPv4 addresses (network order, in the first 4 bytes of each).
inline void set_ipv4(telemetry::FlowKey& k, std::array<uint8_t, 4> src,
                     std::array<uint8_t, 4> dst) {
    memcpy(k.src_ip, src.data(), 4);
    memcpy(k.dst_ip, dst.data(), 4);
}

}  // namespace vsw::test
