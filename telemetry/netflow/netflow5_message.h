// NetFlow version 5 export packets for the flow cache's records: a 24-byte header and at most
// 30 fixed 48-byte records (Cisco's format, as OVS exports it). Pure byte building (no sockets).
//
// NetFlow v5 describes IPv4 flows only: IPv6 and L2-only records are skipped and counted. Its
// counters have 32 bits: a flow with more packets or bytes becomes several records with the
// same key whose counts add up. Ports are 16-bit ifIndexes; the output port, next hop, AS
// numbers and masks are not known to the flow cache and are sent as 0. ICMP flows carry
// type * 256 + code in the destination port, as Cisco's exporters do.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "telemetry/netflow/add_result.h"
#include "telemetry/netflow/export_clock.h"

namespace vsw::telemetry {
struct FlowRecord;  // telemetry/ipfix/flow_cache.h (this header passes it by reference only)
}

namespace vsw::telemetry::netflow {

constexpr uint16_t kV5Version = 5;
constexpr uint16_t kV5HeaderLen = 24;
constexpr uint16_t kV5RecordLen = 48;
constexpr uint16_t kV5MaxRecords = 30;
constexpr uint16_t kV5MaxLen = kV5HeaderLen + kV5MaxRecords * kV5RecordLen;  // 1464 bytes
constexpr uint16_t kV5MaxSamplingInterval = 0x3fff;                          // 14 bits

// The header's sampling_interval: 2 bits of mode, 14 bits of interval.
struct V5Sampling {
    uint8_t mode = 0;       // 0 none, 1 deterministic (every n-th packet), 2 random
    uint16_t interval = 0;  // one packet out of `interval`; larger values are sent as 0x3fff
};

// Builds one export packet: begin(), add flows while they fit, finish().
class Netflow5Builder {
  public:
    // `max_len` below kV5MaxLen holds fewer records (a small path MTU); it must hold one
    // (kV5HeaderLen + kV5RecordLen bytes).
    Netflow5Builder(uint8_t engine_type, uint8_t engine_id, V5Sampling sampling,
                    uint16_t max_len = kV5MaxLen);

    // `flow_sequence`: flow records sent before this packet (the sum of earlier records()).
    void begin(const ExportClock& clock, uint32_t flow_sequence);
    // One flow record (several v5 records if its counts exceed 32 bits), times mapped by the
    // clock given to begin().
    AddResult add_flow(const FlowRecord& r);

    // Records in the packet so far: its count, and what flow_sequence grows by.
    uint16_t records() const { return records_; }
    // Flow records offered since begin() that NetFlow v5 cannot describe (IPv6, L2-only).
    uint32_t skipped_not_ipv4() const { return skipped_not_ipv4_; }
    bool empty() const { return records_ == 0; }
    // Writes the count; the bytes stay valid until the next begin().
    std::span<const uint8_t> finish();

  private:
    uint8_t engine_type_;            // the header's engine type ...
    uint8_t engine_id_;              // ... and id
    V5Sampling sampling_;            // the header's sampling_interval
    uint16_t max_records_;           // records a packet may hold (30, or fewer for max_len)
    ExportClock clock_;              // from begin(): maps flow times to sysUptime
    std::vector<uint8_t> bytes_;     // the packet so far
    uint16_t records_ = 0;           // the header's count so far
    uint32_t skipped_not_ipv4_ = 0;  // IPv6 and L2-only flows offered since begin()
};

}  // namespace vsw::telemetry::netflow
