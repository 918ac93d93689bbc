#include "telemetry/ipfix/ipfix_message.h"

#include <array>

#include "core/bytes.h"

namespace vsw::telemetry::ipfix {

namespace {

// Information elements (IANA IPFIX registry).
enum : uint16_t {
    kOctetDeltaCount = 1,
    kPacketDeltaCount = 2,
    kProtocolIdentifier = 4,
    kIpClassOfService = 5,
    kTcpControlBits = 6,
    kSourceTransportPort = 7,
    kSourceIpv4Address = 8,
    kIngressInterface = 10,
    kDestinationTransportPort = 11,
    kDestinationIpv4Address = 12,
    kSourceIpv6Address = 27,
    kDestinationIpv6Address = 28,
    kIcmpTypeCodeIpv4 = 32,
    kExportedOctetTotalCount = 40,
    kExportedMessageTotalCount = 41,
    kExportedFlowRecordTotalCount = 42,
    kSourceMacAddress = 56,
    kVlanId = 58,
    kFlowDirection = 61,
    kDestinationMacAddress = 80,
    kFlowEndReason = 136,
    kIcmpTypeCodeIpv6 = 139,
    kExportingProcessId = 144,
    kFlowStartMilliseconds = 152,
    kFlowEndMilliseconds = 153,
    kIgnoredPacketTotalCount = 164,
    kIgnoredOctetTotalCount = 165,
    kNotSentFlowTotalCount = 166,
    kNotSentPacketTotalCount = 167,
    kNotSentOctetTotalCount = 168,
    kDot1qVlanId = 243,
    kEthernetType = 256,
    kSelectorId = 302,
    kSelectorAlgorithm = 304,
    kSamplingSize = 305,
    kSamplingPopulation = 306,
    kLayer2OctetDeltaCount = 352,
    kInterfaceName = 82,
};

// IPv4 and IPv6 flows have the same template but for the addresses and the ICMP type.
constexpr std::array<Field, 21> ip_fields(uint16_t src, uint16_t dst, uint16_t address_length,
                                          uint16_t icmp) {
    return {{
        {kFlowStartMilliseconds, 8},
        {kFlowEndMilliseconds, 8},
        {kPacketDeltaCount, 8},
        {kOctetDeltaCount, 8},
        {kLayer2OctetDeltaCount, 8},
        {kIngressInterface, 4},
        {kFlowDirection, 1},
        {kSourceMacAddress, 6},
        {kDestinationMacAddress, 6},
        {kVlanId, 2},
        {kDot1qVlanId, 2},
        {kEthernetType, 2},
        {src, address_length},
        {dst, address_length},
        {kProtocolIdentifier, 1},
        {kIpClassOfService, 1},
        {kSourceTransportPort, 2},
        {kDestinationTransportPort, 2},
        {icmp, 2},
        {kTcpControlBits, 2},
        {kFlowEndReason, 1},
    }};
}
constexpr auto kIpv4Fields =
    ip_fields(kSourceIpv4Address, kDestinationIpv4Address, 4, kIcmpTypeCodeIpv4);
constexpr auto kIpv6Fields =
    ip_fields(kSourceIpv6Address, kDestinationIpv6Address, 16, kIcmpTypeCodeIpv6);
constexpr Field kL2Fields[] = {
    {kFlowStartMilliseconds, 8}, {kFlowEndMilliseconds, 8},   {kPacketDeltaCount, 8},
    {kLayer2OctetDeltaCount, 8}, {kIngressInterface, 4},      {kFlowDirection, 1},
    {kSourceMacAddress, 6},      {kDestinationMacAddress, 6}, {kVlanId, 2},
    {kDot1qVlanId, 2},           {kEthernetType, 2},          {kFlowEndReason, 1},
};
constexpr Field kExporterStatsFields[] = {
    {kExportingProcessId, 4},           {kExportedMessageTotalCount, 8},
    {kExportedFlowRecordTotalCount, 8}, {kExportedOctetTotalCount, 8},
    {kNotSentFlowTotalCount, 8},        {kNotSentPacketTotalCount, 8},
    {kNotSentOctetTotalCount, 8},       {kIgnoredPacketTotalCount, 8},
    {kIgnoredOctetTotalCount, 8},
};
constexpr Field kSamplingFields[] = {
    {kSelectorId, 8},
    {kSelectorAlgorithm, 2},
    {kSamplingSize, 4},
    {kSamplingPopulation, 4},
};
constexpr Field kInterfaceFields[] = {{kIngressInterface, 4}, {kInterfaceName, kVariableLength}};
constexpr uint16_t kAllTemplates[] = {kTemplateIpv4,     kTemplateIpv6,
                                      kTemplateL2,       kTemplateExporterStats,
                                      kTemplateSampling, kTemplateInterfaces};

}  // namespace

std::span<const Field> template_fields(uint16_t id) {
    switch (id) {
        case kTemplateIpv4: return kIpv4Fields;
        case kTemplateIpv6: return kIpv6Fields;
        case kTemplateL2: return kL2Fields;
        case kTemplateExporterStats: return kExporterStatsFields;
        case kTemplateSampling: return kSamplingFields;
        case kTemplateInterfaces: return kInterfaceFields;
    }
    return {};
}

uint16_t scope_field_count(uint16_t id) {
    return id == kTemplateExporterStats || id == kTemplateSampling || id == kTemplateInterfaces ? 1
                                                                                                : 0;
}

uint16_t record_length(uint16_t id) {
    uint16_t n = 0;
    for (const Field& f : template_fields(id)) n = static_cast<uint16_t>(n + f.length);
    return n;
}

uint16_t template_for(FlowKind kind) {
    switch (kind) {
        case FlowKind::kIpv4: return kTemplateIpv4;
        case FlowKind::kIpv6: return kTemplateIpv6;
        case FlowKind::kL2: break;
    }
    return kTemplateL2;
}

MessageBuilder::MessageBuilder(uint32_t observation_domain, uint16_t max_len)
    : domain_(observation_domain), max_len_(max_len) {
    bytes_.reserve(max_len);
}

void MessageBuilder::begin(uint32_t export_time_s, uint32_t sequence) {
    bytes_.assign(kHeaderLen, 0);
    BeWriter w{bytes_.data()};
    w.u16(kVersion);
    w.u16(0);  // length, set by finish()
    w.u32(export_time_s);
    w.u32(sequence);
    w.u32(domain_);
    set_start_ = 0;
    set_id_ = 0;
    data_records_ = 0;
}

void MessageBuilder::close_set() {
    if (set_start_ == 0) return;
    put_be16(&bytes_[set_start_ + 2], static_cast<uint16_t>(bytes_.size() - set_start_));
    set_start_ = 0;
    set_id_ = 0;
}

bool MessageBuilder::add_templates() {
    size_t need = 4 + 4;  // two set headers
    for (uint16_t id : kAllTemplates)
        need += 4 + (scope_field_count(id) ? 2 : 0) + 4 * template_fields(id).size();
    close_set();
    if (bytes_.size() + need > max_len_) return false;
    for (uint16_t set : {kSetTemplate, kSetOptionsTemplate}) {
        const size_t start = bytes_.size();
        size_t len = 4;
        for (uint16_t id : kAllTemplates)
            if ((scope_field_count(id) != 0) == (set == kSetOptionsTemplate))
                len += 4 + (scope_field_count(id) ? 2 : 0) + 4 * template_fields(id).size();
        bytes_.resize(start + len);
        BeWriter w{bytes_.data() + start};
        w.u16(set);
        w.u16(len);
        for (uint16_t id : kAllTemplates) {
            const uint16_t scopes = scope_field_count(id);
            if ((scopes != 0) != (set == kSetOptionsTemplate)) continue;
            w.u16(id);
            w.u16(template_fields(id).size());
            if (scopes) w.u16(scopes);
            for (const Field& f : template_fields(id)) {
                w.u16(f.id);
                w.u16(f.length);
            }
        }
    }
    return true;
}

uint8_t* MessageBuilder::open_record(uint16_t id, uint16_t len) {
    const size_t header = set_id_ == id ? 0 : 4;
    if (bytes_.size() + header + len > max_len_) return nullptr;
    if (header) {
        close_set();
        set_start_ = bytes_.size();
        set_id_ = id;
        bytes_.resize(bytes_.size() + 4);
        BeWriter w{bytes_.data() + set_start_};
        w.u16(id);
    }
    const size_t at = bytes_.size();
    bytes_.resize(at + len);
    ++data_records_;
    return bytes_.data() + at;
}

bool MessageBuilder::add_flow(const FlowRecord& r, uint64_t epoch_ms) {
    const uint16_t id = template_for(r.key.kind);
    uint8_t* p = open_record(id, record_length(id));
    if (!p) return false;
    BeWriter w{p};
    const FlowKey& k = r.key;
    w.u64(epoch_ms + r.c.first_ms);
    w.u64(epoch_ms + r.c.last_ms);
    w.u64(r.c.packets);
    if (id != kTemplateL2) w.u64(r.c.ip_octets);
    w.u64(r.c.l2_octets);
    w.u32(k.in_port);
    w.u8(0);  // flowDirection: ingress
    w.bytes(k.src_mac, 6);
    w.bytes(k.dst_mac, 6);
    w.u16(k.vlan);
    w.u16(k.vlan);
    w.u16(k.ethertype);
    if (id != kTemplateL2) {
        const size_t ip_len = id == kTemplateIpv4 ? 4 : 16;
        w.bytes(k.src_ip, ip_len);
        w.bytes(k.dst_ip, ip_len);
        w.u8(k.protocol);
        w.u8(r.c.tos);
        w.u16(k.src_port);
        w.u16(k.dst_port);
        w.u16(k.icmp_type_code);
        w.u16(r.c.tcp_flags);
    }
    w.u8(static_cast<uint8_t>(r.reason));
    return true;
}

bool MessageBuilder::add_exporter_stats(const ExporterStats& s) {
    uint8_t* p = open_record(kTemplateExporterStats, record_length(kTemplateExporterStats));
    if (!p) return false;
    BeWriter w{p};
    w.u32(s.process_id);
    for (uint64_t v : {s.messages, s.records, s.octets, s.lost_records, s.lost_packets,
                       s.lost_octets, s.ignored_packets, s.ignored_octets})
        w.u64(v);
    return true;
}

bool MessageBuilder::add_sampling(const SamplingInfo& s) {
    uint8_t* p = open_record(kTemplateSampling, record_length(kTemplateSampling));
    if (!p) return false;
    BeWriter w{p};
    w.u64(s.selector_id);
    w.u16(s.algorithm);
    w.u32(s.size);
    w.u32(s.population);
    return true;
}

bool MessageBuilder::add_interface(uint32_t ifindex, std::string_view name) {
    if (name.size() > 254) name = name.substr(0, 254);  // one length byte (RFC 7011 section 7)
    uint8_t* p = open_record(kTemplateInterfaces, static_cast<uint16_t>(4 + 1 + name.size()));
    if (!p) return false;
    BeWriter w{p};
    w.u32(ifindex);
    w.u8(name.size());
    w.bytes(name.data(), name.size());
    return true;
}

std::span<const uint8_t> MessageBuilder::finish() {
    close_set();
    put_be16(&bytes_[2], static_cast<uint16_t>(bytes_.size()));
    return {bytes_.data(), bytes_.size()};
}

}  // namespace vsw::telemetry::ipfix
