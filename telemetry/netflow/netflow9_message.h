// NetFlow version 9 (RFC 3954) export packets for the flow cache's records. Pure byte building
// (no sockets): an exporter sends what it builds, tests decode it.
//
// Templates (one template FlowSet, id 0): 256 IPv4 flows, 257 IPv6 flows. Options templates
// (one options template FlowSet, id 1, each), both with scope System: 258 sampling
// (SAMPLING_INTERVAL 34, SAMPLING_ALGORITHM 35) and 259 interface names (INPUT_SNMP 10 ->
// IF_DESC 83, a fixed-length zero-padded string). Field lists in the .cpp.
//
// NetFlow v9 describes IP flows: L2-only records (ARP, LLDP, ...) are skipped and counted, never
// encoded (IPFIX exports them). Flow times are sysUptime milliseconds (see export_clock.h).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "telemetry/ipfix/flow_cache.h"
#include "telemetry/netflow/add_result.h"
#include "telemetry/netflow/export_clock.h"

namespace vsw::telemetry::netflow {

// One field of a template, in the template FlowSet's order.
struct V9Field {
    uint16_t type;    // field type (options templates: scope fields give a scope type)
    uint16_t length;  // bytes
};

constexpr uint16_t kV9Version = 9;
constexpr uint16_t kV9HeaderLen = 20;
constexpr uint16_t kV9FlowSetTemplate = 0;
constexpr uint16_t kV9FlowSetOptionsTemplate = 1;
constexpr uint16_t kV9TemplateIpv4 = 256;
constexpr uint16_t kV9TemplateIpv6 = 257;
constexpr uint16_t kV9TemplateSampling = 258;
constexpr uint16_t kV9TemplateInterfaces = 259;
constexpr uint16_t kV9ScopeSystem = 1;           // options scope type: the whole exporter
constexpr uint16_t kV9InterfaceNameLen = 32;     // IF_DESC bytes, zero-padded
constexpr uint8_t kV9SamplingDeterministic = 1;  // SAMPLING_ALGORITHM: every n-th packet
constexpr uint8_t kV9SamplingRandom = 2;         // one packet out of n at random

// The fields of each template, in record order (options templates: scope fields first).
std::span<const V9Field> v9_template_fields(uint16_t template_id);
uint16_t v9_scope_field_count(uint16_t template_id);  // 0 for data templates
uint16_t v9_record_length(uint16_t template_id);

// Packet sampling of the flows' frames, as the sampling options record reports it.
struct V9Sampling {
    uint32_t interval = 1;                         // one packet out of `interval` (1: all)
    uint8_t algorithm = kV9SamplingDeterministic;  // kV9SamplingDeterministic or kV9SamplingRandom
};

// Builds one export packet: begin(), add records while they fit, finish(). Data records of one
// template share one data FlowSet; a record of another template opens a new FlowSet. Every
// FlowSet is padded to 4 bytes, and the packet never exceeds max_len.
class Netflow9Builder {
  public:
    Netflow9Builder(uint32_t source_id, uint16_t max_len);

    // `sequence`: export packets sent before this one (RFC 3954 section 5.1).
    void begin(const ExportClock& clock, uint32_t sequence);
    // Both templates and both options templates. False if they do not fit.
    bool add_templates();
    // One flow record, its times mapped by the clock given to begin().
    AddResult add_flow(const FlowRecord& r);
    bool add_sampling(const V9Sampling& s);
    // Which port an INPUT_SNMP value is (names are cut at kV9InterfaceNameLen - 1 bytes: the
    // field always ends in a zero byte).
    bool add_interface(uint32_t ifindex, std::string_view name);

    // Records in the packet so far (templates, options templates, data records): its count.
    uint16_t records() const { return records_; }
    // Flow records offered since begin() that NetFlow v9 cannot describe (L2-only flows).
    uint32_t skipped_not_ip() const { return skipped_not_ip_; }
    bool empty() const { return bytes_.size() == kV9HeaderLen; }
    // Pads and closes the last FlowSet, writes the count; the bytes stay valid until begin().
    std::span<const uint8_t> finish();

  private:
    uint8_t* open_record(uint16_t template_id, uint16_t len);  // room for one record, or nullptr
    size_t closed_end() const;  // the packet's size once the open FlowSet is padded
    void close_flowset();

    uint32_t source_id_;           // the header's source id, the System scope's value
    uint16_t max_len_;             // bytes a packet may take
    ExportClock clock_;            // from begin(): maps flow times to sysUptime
    std::vector<uint8_t> bytes_;   // the packet so far
    size_t flowset_start_ = 0;     // offset of the open data FlowSet's header; 0 = none open
    uint16_t flowset_id_ = 0;      // the open data FlowSet's id (its template)
    uint16_t records_ = 0;         // the header's count so far
    uint32_t skipped_not_ip_ = 0;  // L2-only flows offered since begin()
};

}  // namespace vsw::telemetry::netflow
