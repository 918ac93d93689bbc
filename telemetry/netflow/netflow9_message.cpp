#include "telemetry/netflow/netflow9_message.h"

#include <array>
#include <cstring>

#include "core/bytes.h"

namespace vsw::telemetry::netflow {

namespace {

// Field types (RFC 3954 section 8, and Cisco's NetFlow v9 list for the MAC, VLAN, direction
// and interface-name fields). Scope types (section 6.1) are a separate number space.
enum FieldType : uint16_t {
    kInBytes = 1,
    kInPkts = 2,
    kProtocol = 4,
    kSrcTos = 5,
    kTcpFlags = 6,
    kL4SrcPort = 7,
    kIpv4SrcAddr = 8,
    kInputSnmp = 10,
    kL4DstPort = 11,
    kIpv4DstAddr = 12,
    kLastSwitched = 21,
    kFirstSwitched = 22,
    kIpv6SrcAddr = 27,
    kIpv6DstAddr = 28,
    kIcmpType = 32,  // type * 256 + code (IPv4 and IPv6: v9 has no separate ICMPv6 field)
    kSamplingInterval = 34,
    kSamplingAlgorithm = 35,
    kInSrcMac = 56,
    kSrcVlan = 58,
    kDirection = 61,
    kInDstMac = 80,
    kIfDesc = 83,  // the interface's name: what nfdump reads (it ignores IF_NAME 82)
};

// IPv4 and IPv6 flows have the same template but for the addresses.
constexpr std::array<V9Field, 17> ip_fields(uint16_t src, uint16_t dst, uint16_t address_length) {
    return {{
        {kFirstSwitched, 4},
        {kLastSwitched, 4},
        {kInPkts, 8},
        {kInBytes, 8},  // IP bytes, as NetFlow counts them
        {kInputSnmp, 4},
        {kDirection, 1},
        {kInSrcMac, 6},
        {kInDstMac, 6},
        {kSrcVlan, 2},
        {src, address_length},
        {dst, address_length},
        {kProtocol, 1},
        {kSrcTos, 1},
        {kL4SrcPort, 2},
        {kL4DstPort, 2},
        {kIcmpType, 2},
        {kTcpFlags, 1},
    }};
}
constexpr auto kIpv4Fields = ip_fields(kIpv4SrcAddr, kIpv4DstAddr, 4);
constexpr auto kIpv6Fields = ip_fields(kIpv6SrcAddr, kIpv6DstAddr, 16);
// nfdump 1.7.1 (Debian 12) ignores this template: it takes SAMPLING_INTERVAL only without
// SAMPLING_ALGORITHM (its issue 410, fixed in 1.7.2). tshark and nfdump 1.7.2 read it.
constexpr V9Field kSamplingFields[] = {
    {kV9ScopeSystem, 4},
    {kSamplingInterval, 4},
    {kSamplingAlgorithm, 1},
};
constexpr V9Field kInterfaceFields[] = {
    {kV9ScopeSystem, 4},
    {kInputSnmp, 4},
    {kIfDesc, kV9InterfaceNameLen},
};
constexpr uint16_t kDataTemplates[] = {kV9TemplateIpv4, kV9TemplateIpv6};
constexpr uint16_t kOptionsTemplates[] = {kV9TemplateSampling, kV9TemplateInterfaces};

constexpr size_t align4(size_t n) {
    return (n + 3) & ~size_t{3};
}

// Template FlowSet: header, then per template its id, field count and fields.
size_t template_flowset_length() {
    size_t len = 4;
    for (uint16_t id : kDataTemplates) len += 4 + 4 * v9_template_fields(id).size();
    return len;
}

// One options template FlowSet per options template (nfdump 1.7 reads only the first of a
// FlowSet): header, the template's id, scope and option lengths in bytes and its fields;
// padded to 4 bytes.
size_t options_flowset_length(uint16_t id) {
    return align4(4 + 6 + 4 * v9_template_fields(id).size());
}

}  // namespace

std::span<const V9Field> v9_template_fields(uint16_t id) {
    switch (id) {
        case kV9TemplateIpv4: return kIpv4Fields;
        case kV9TemplateIpv6: return kIpv6Fields;
        case kV9TemplateSampling: return kSamplingFields;
        case kV9TemplateInterfaces: return kInterfaceFields;
    }
    return {};
}

uint16_t v9_scope_field_count(uint16_t id) {
    return id == kV9TemplateSampling || id == kV9TemplateInterfaces ? 1 : 0;
}

uint16_t v9_record_length(uint16_t id) {
    uint16_t n = 0;
    for (const V9Field& f : v9_template_fields(id)) n = static_cast<uint16_t>(n + f.length);
    return n;
}

Netflow9Builder::Netflow9Builder(uint32_t source_id, uint16_t max_len)
    : source_id_(source_id), max_len_(max_len) {
    bytes_.reserve(max_len);
}

void Netflow9Builder::begin(const ExportClock& clock, uint32_t sequence) {
    clock_ = clock;
    bytes_.assign(kV9HeaderLen, 0);
    BeWriter w{bytes_.data()};
    w.u16(kV9Version);
    w.u16(0);  // count, set by finish()
    w.u32(clock.sys_uptime());
    w.u32(clock.unix_secs());
    w.u32(sequence);
    w.u32(source_id_);
    flowset_start_ = 0;
    flowset_id_ = 0;
    records_ = 0;
    skipped_not_ip_ = 0;
}

size_t Netflow9Builder::closed_end() const {
    return flowset_start_ ? align4(bytes_.size()) : bytes_.size();
}

void Netflow9Builder::close_flowset() {
    if (flowset_start_ == 0) return;
    bytes_.resize(align4(bytes_.size()), 0);  // padding: zeros to a 4-byte boundary
    put_be16(&bytes_[flowset_start_ + 2], static_cast<uint16_t>(bytes_.size() - flowset_start_));
    flowset_start_ = 0;
    flowset_id_ = 0;
}

bool Netflow9Builder::add_templates() {
    size_t len = template_flowset_length();
    for (uint16_t id : kOptionsTemplates) len += options_flowset_length(id);
    if (closed_end() + len > max_len_) return false;
    close_flowset();
    const size_t at = bytes_.size();
    bytes_.resize(at + len, 0);  // padding included: zeros
    BeWriter w{bytes_.data() + at};
    w.u16(kV9FlowSetTemplate);
    w.u16(template_flowset_length());
    for (uint16_t id : kDataTemplates) {
        w.u16(id);
        w.u16(v9_template_fields(id).size());
        for (const V9Field& f : v9_template_fields(id)) {
            w.u16(f.type);
            w.u16(f.length);
        }
    }
    for (uint16_t id : kOptionsTemplates) {
        const auto fields = v9_template_fields(id);
        const uint16_t scopes = v9_scope_field_count(id);
        uint8_t* const flowset_end = w.p + options_flowset_length(id);
        w.u16(kV9FlowSetOptionsTemplate);
        w.u16(options_flowset_length(id));
        w.u16(id);
        w.u16(4 * scopes);                    // option scope length, bytes
        w.u16(4 * (fields.size() - scopes));  // option length, bytes
        for (const V9Field& f : fields) {
            w.u16(f.type);
            w.u16(f.length);
        }
        w.p = flowset_end;
    }
    records_ =
        static_cast<uint16_t>(records_ + std::size(kDataTemplates) + std::size(kOptionsTemplates));
    return true;
}

uint8_t* Netflow9Builder::open_record(uint16_t id, uint16_t len) {
    const bool same_flowset = flowset_id_ == id;
    const size_t start = same_flowset ? bytes_.size() : closed_end() + 4;
    if (align4(start + len) > max_len_) return nullptr;
    if (!same_flowset) {
        close_flowset();
        flowset_start_ = bytes_.size();
        flowset_id_ = id;
        bytes_.resize(bytes_.size() + 4);
        put_be16(&bytes_[flowset_start_], id);  // the length is written when it closes
    }
    const size_t at = bytes_.size();
    bytes_.resize(at + len);
    ++records_;
    return bytes_.data() + at;
}

AddResult Netflow9Builder::add_flow(const FlowRecord& r) {
    const FlowKey& k = r.key;
    if (k.kind != FlowKind::kIpv4 && k.kind != FlowKind::kIpv6) {
        ++skipped_not_ip_;
        return AddResult::kNotExported;
    }
    const uint16_t id = k.kind == FlowKind::kIpv4 ? kV9TemplateIpv4 : kV9TemplateIpv6;
    uint8_t* p = open_record(id, v9_record_length(id));
    if (!p) return AddResult::kNoRoom;
    BeWriter w{p};
    w.u32(clock_.uptime_of(r.c.first_ms));
    w.u32(clock_.uptime_of(r.c.last_ms));
    w.u64(r.c.packets);
    w.u64(r.c.ip_octets);
    w.u32(k.in_port);
    w.u8(0);  // DIRECTION: ingress
    for (const uint8_t* mac : {k.src_mac, k.dst_mac}) w.bytes(mac, 6);
    w.u16(k.vlan);
    const size_t ip_len = id == kV9TemplateIpv4 ? 4 : 16;
    for (const uint8_t* ip : {k.src_ip, k.dst_ip}) w.bytes(ip, ip_len);
    w.u8(k.protocol);
    w.u8(r.c.tos);
    for (uint16_t v : {k.src_port, k.dst_port, k.icmp_type_code}) w.u16(v);
    w.u8(r.c.tcp_flags);  // v9's field has 8 bits: NS (0x100) is not reported
    return AddResult::kAdded;
}

bool Netflow9Builder::add_sampling(const V9Sampling& s) {
    uint8_t* p = open_record(kV9TemplateSampling, v9_record_length(kV9TemplateSampling));
    if (!p) return false;
    BeWriter w{p};
    w.u32(source_id_);  // scope System: this exporter
    w.u32(s.interval);
    w.u8(s.algorithm);
    return true;
}

bool Netflow9Builder::add_interface(uint32_t ifindex, std::string_view name) {
    uint8_t* p = open_record(kV9TemplateInterfaces, v9_record_length(kV9TemplateInterfaces));
    if (!p) return false;
    name = name.substr(0, kV9InterfaceNameLen - 1);  // at least one zero byte follows
    BeWriter w{p};
    w.u32(source_id_);  // scope System: this exporter
    w.u32(ifindex);
    memset(w.p, 0, kV9InterfaceNameLen);
    if (!name.empty()) memcpy(w.p, name.data(), name.size());
    return true;
}

std::span<const uint8_t> Netflow9Builder::finish() {
    close_flowset();
    put_be16(&bytes_[2], records_);
    return {bytes_.data(), bytes_.size()};
}

}  // namespace vsw::telemetry::netflow
