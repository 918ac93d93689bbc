#include "telemetry/netflow/netflow5_message.h"

#include <algorithm>
#include <cstring>

#include "core/bytes.h"
#include "telemetry/ipfix/flow_cache.h"

namespace vsw::telemetry::netflow {

namespace {

constexpr uint64_t kCounterMax = 0xffffffff;
constexpr uint8_t kIcmp = 1;

// Records needed for counts of 32 bits each.
uint64_t pieces_for(uint64_t packets, uint64_t octets) {
    return std::max({uint64_t{1}, (packets + kCounterMax - 1) / kCounterMax,
                     (octets + kCounterMax - 1) / kCounterMax});
}

// Piece i of n of a count: the count divided as evenly as possible (the first pieces take the
// remainder), so that n = pieces_for() pieces add up to it and none exceeds 32 bits.
uint64_t share(uint64_t total, uint64_t n, uint64_t i) {
    return total / n + (i < total % n ? 1 : 0);
}

}  // namespace

Netflow5Builder::Netflow5Builder(uint8_t engine_type, uint8_t engine_id, V5Sampling sampling,
                                 uint16_t max_len)
    : engine_type_(engine_type),
      engine_id_(engine_id),
      sampling_(sampling),
      max_records_(static_cast<uint16_t>(
          std::min<int>(kV5MaxRecords, std::max(0, (max_len - kV5HeaderLen) / kV5RecordLen)))) {
    bytes_.reserve(kV5HeaderLen + size_t{max_records_} * kV5RecordLen);
}

void Netflow5Builder::begin(const ExportClock& clock, uint32_t flow_sequence) {
    clock_ = clock;
    bytes_.assign(kV5HeaderLen, 0);
    uint8_t* p = bytes_.data();
    put_be16(p, kV5Version);
    put_be16(p + 2, 0);  // count, set by finish()
    put_be32(p + 4, clock.sys_uptime());
    put_be32(p + 8, clock.unix_secs());
    put_be32(p + 12, clock.unix_nsecs());
    put_be32(p + 16, flow_sequence);
    p[20] = engine_type_;
    p[21] = engine_id_;
    const uint16_t interval = std::min(sampling_.interval, kV5MaxSamplingInterval);
    put_be16(p + 22, static_cast<uint16_t>((sampling_.mode & 3) << 14 | interval));
    records_ = 0;
    skipped_not_ipv4_ = 0;
}

AddResult Netflow5Builder::add_flow(const FlowRecord& r) {
    const FlowKey& k = r.key;
    if (k.kind != FlowKind::kIpv4) {
        ++skipped_not_ipv4_;
        return AddResult::kNotExported;
    }
    // Pieces beyond one packet's records (over 128 GB in one flow record) are not sent: the
    // counts saturate instead, so that a flow always fits an empty packet.
    const uint64_t n = std::min<uint64_t>(pieces_for(r.c.packets, r.c.ip_octets), max_records_);
    if (records_ + n > max_records_) return AddResult::kNoRoom;
    const uint16_t dst_port = k.protocol == kIcmp ? k.icmp_type_code : k.dst_port;
    uint64_t packets_left = r.c.packets, octets_left = r.c.ip_octets;
    for (uint64_t i = 0; i < n; ++i) {
        const size_t at = bytes_.size();
        bytes_.resize(at + kV5RecordLen, 0);  // next hop, AS numbers, masks, pads: 0
        uint8_t* p = bytes_.data() + at;
        memcpy(p, k.src_ip, 4);
        memcpy(p + 4, k.dst_ip, 4);
        put_be16(p + 12, k.in_port);  // input ifIndex; output (p + 14) unknown: 0
        const bool last = i + 1 == n;
        const uint64_t packets =
            std::min(last ? packets_left : share(r.c.packets, n, i), kCounterMax);
        const uint64_t octets =
            std::min(last ? octets_left : share(r.c.ip_octets, n, i), kCounterMax);
        packets_left -= packets;
        octets_left -= octets;
        put_be32(p + 16, static_cast<uint32_t>(packets));
        put_be32(p + 20, static_cast<uint32_t>(octets));
        put_be32(p + 24, clock_.uptime_of(r.c.first_ms));
        put_be32(p + 28, clock_.uptime_of(r.c.last_ms));
        put_be16(p + 32, k.src_port);
        put_be16(p + 34, dst_port);
        p[37] = static_cast<uint8_t>(r.c.tcp_flags);  // 8 bits: NS (0x100) is not reported
        p[38] = k.protocol;
        p[39] = r.c.tos;
        ++records_;
    }
    return AddResult::kAdded;
}

std::span<const uint8_t> Netflow5Builder::finish() {
    put_be16(&bytes_[2], records_);
    return {bytes_.data(), bytes_.size()};
}

}  // namespace vsw::telemetry::netflow
