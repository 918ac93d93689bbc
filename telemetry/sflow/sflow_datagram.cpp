#include "telemetry/sflow/sflow_datagram.h"

#include <algorithm>
#include <cstring>

#include "core/bytes.h"

namespace vsw::telemetry::sflow {

namespace {

constexpr size_t kFcsLen = 4;  // sFlow counts an 802.3 FCS, which virtio frames do not carry

constexpr size_t xdr_padded(size_t n) {
    return (n + 3) & ~size_t{3};
}

// XDR variable-length opaque data or string: length, bytes, zeros to a multiple of 4.
void put_opaque(BeWriter& w, const void* b, size_t n) {
    w.u32(n);
    w.bytes(b, n);
    memset(w.p, 0, xdr_padded(n) - n);
    w.p += xdr_padded(n) - n;
}

// The head of a sample: its format and length, its sequence number and data source (an
// interface, expanded: type and index in two words).
void put_sample_head(BeWriter& w, uint32_t format, size_t len, uint32_t sequence,
                     uint32_t source_index) {
    w.u32(format);
    w.u32(len);
    w.u32(sequence);
    w.u32(kSourceIfIndex);
    w.u32(source_index);
}

// Sizes of the samples and records. Each sample and record starts with its data_format
// (enterprise << 12 | format: enterprise 0 here, so the format alone) and its length.
constexpr size_t kRecordHeadLen = 8;
constexpr size_t kFlowSampleFixedLen = 44;  // sequence .. output, record count
constexpr size_t kCountersSampleFixedLen = 16;
constexpr size_t kRawHeaderFixedLen = 16;  // protocol, frame length, stripped, header length
constexpr size_t kExtendedSwitchLen = 16;
constexpr size_t kGenericInterfaceLen = 88;

size_t header_copy_len(const PacketSample& s, uint32_t header_bytes) {
    return std::min<size_t>(s.frame.size(), header_bytes);
}

std::string_view port_name_of(const CountersSample& s) {
    return s.port_name.substr(0, kMaxPortNameLen);
}

}  // namespace

AgentAddress AgentAddress::ipv4(uint32_t host_order) {
    AgentAddress a;
    a.type = kAddressIpv4;
    put_be32(a.bytes, host_order);
    return a;
}

AgentAddress AgentAddress::ipv6(std::span<const uint8_t, 16> address) {
    AgentAddress a;
    a.type = kAddressIpv6;
    memcpy(a.bytes, address.data(), 16);
    return a;
}

DatagramBuilder::DatagramBuilder(const AgentAddress& agent, uint32_t sub_agent_id, uint16_t max_len,
                                 uint32_t header_bytes)
    : agent_(agent), sub_agent_id_(sub_agent_id), max_len_(max_len), header_bytes_(header_bytes) {
    bytes_.reserve(max_len);
}

void DatagramBuilder::begin(uint32_t sequence, uint32_t uptime_ms) {
    const size_t address_len = agent_.type == kAddressIpv6 ? 16 : 4;
    bytes_.assign(4 + 4 + address_len + 4 + 4 + 4 + 4, 0);
    BeWriter w{bytes_.data()};
    w.u32(kVersion);
    w.u32(agent_.type);
    w.bytes(agent_.bytes, address_len);
    w.u32(sub_agent_id_);
    w.u32(sequence);
    w.u32(uptime_ms);
    samples_at_ = bytes_.size() - 4;  // the count, set by finish()
    samples_ = 0;
}

uint8_t* DatagramBuilder::append(size_t len) {
    if (bytes_.size() + len > max_len_) return nullptr;
    const size_t at = bytes_.size();
    bytes_.resize(at + len);
    return bytes_.data() + at;
}

bool DatagramBuilder::add_packet_sample(const PacketSample& s) {
    const size_t copy = header_copy_len(s, header_bytes_);
    const size_t raw_len = kRawHeaderFixedLen + xdr_padded(copy);
    const size_t sample_len = kFlowSampleFixedLen + kRecordHeadLen + raw_len +
                              (s.vlans ? kRecordHeadLen + kExtendedSwitchLen : 0);
    uint8_t* p = append(kRecordHeadLen + sample_len);
    if (!p) return false;
    BeWriter w{p};
    put_sample_head(w, kFlowSampleExpanded, sample_len, s.sequence, s.source_index);
    w.u32(s.sampling_rate);
    w.u32(s.sample_pool);
    w.u32(s.drops);
    w.u32(s.input.format);
    w.u32(s.input.value);
    w.u32(s.output.format);
    w.u32(s.output.value);
    w.u32(s.vlans ? 2 : 1);  // flow records

    w.u32(kRecordRawHeader);
    w.u32(raw_len);
    w.u32(kHeaderProtocolEthernet);
    w.u32(uint64_t{s.frame_length} + kFcsLen);
    w.u32(kFcsLen);  // stripped: the FCS
    put_opaque(w, s.frame.data(), copy);

    if (s.vlans) {
        w.u32(kRecordExtendedSwitch);
        w.u32(kExtendedSwitchLen);
        w.u32(s.vlans->src_vlan);
        w.u32(s.vlans->src_priority);
        w.u32(s.vlans->dst_vlan);
        w.u32(s.vlans->dst_priority);
    }
    ++samples_;
    return true;
}

bool DatagramBuilder::add_counters_sample(const CountersSample& s) {
    const std::string_view name = port_name_of(s);
    const size_t sample_len = kCountersSampleFixedLen + kRecordHeadLen + kGenericInterfaceLen +
                              (name.empty() ? 0 : kRecordHeadLen + 4 + xdr_padded(name.size()));
    uint8_t* p = append(kRecordHeadLen + sample_len);
    if (!p) return false;
    BeWriter w{p};
    put_sample_head(w, kCountersSampleExpanded, sample_len, s.sequence, s.source_index);
    w.u32(name.empty() ? 1 : 2);  // counter records

    const InterfaceCounters& c = s.counters;
    w.u32(kRecordGenericInterface);
    w.u32(kGenericInterfaceLen);
    w.u32(c.if_index);
    w.u32(c.if_type);
    w.u64(c.if_speed);
    w.u32(c.if_direction);
    w.u32(c.if_status);
    w.u64(c.in_octets);
    for (uint64_t v : {c.in_unicast, c.in_multicast, c.in_broadcast, c.in_discards, c.in_errors,
                       c.in_unknown_protos})
        w.u32(v);  // Counter32: the low 32 bits
    w.u64(c.out_octets);
    for (uint64_t v :
         {c.out_unicast, c.out_multicast, c.out_broadcast, c.out_discards, c.out_errors})
        w.u32(v);
    w.u32(c.promiscuous_mode);

    if (!name.empty()) {
        w.u32(kRecordPortName);
        w.u32(4 + xdr_padded(name.size()));
        put_opaque(w, name.data(), name.size());
    }
    ++samples_;
    return true;
}

std::span<const uint8_t> DatagramBuilder::finish() {
    put_be32(&bytes_[samples_at_], samples_);
    return {bytes_.data(), bytes_.size()};
}

void set_datagram_sequence(std::span<uint8_t> datagram, uint32_t sequence) {
    if (datagram.size() < 8) return;
    const uint32_t type = get_be32(datagram.data() + 4);
    const size_t at = 4 + 4 + (type == kAddressIpv6 ? 16 : 4) + 4;
    if (datagram.size() < at + 4) return;
    put_be32(datagram.data() + at, sequence);
}

}  // namespace vsw::telemetry::sflow
