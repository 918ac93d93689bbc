// IPFIX (RFC 7011) message encoding: templates, options templates and data records for the
// flow records of the flow cache. Pure byte building (no sockets): the exporter sends what it
// builds, tests and fuzzers decode it.
//
// Templates: 256 IPv4 flows, 257 IPv6 flows, 258 L2-only flows; options templates 259 exporter
// statistics (RFC 7011 section 4.3), 260 sampling (RFC 5477 selector) and 261 interface names
// (ingressInterface -> interfaceName, variable length). Field lists in the .cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "telemetry/ipfix/flow_cache.h"

namespace vsw::telemetry::ipfix {

constexpr uint16_t kVersion = 10;
constexpr uint16_t kHeaderLen = 16;
constexpr uint16_t kSetTemplate = 2;
constexpr uint16_t kSetOptionsTemplate = 3;
constexpr uint16_t kTemplateIpv4 = 256;
constexpr uint16_t kTemplateIpv6 = 257;
constexpr uint16_t kTemplateL2 = 258;
constexpr uint16_t kTemplateExporterStats = 259;
constexpr uint16_t kTemplateSampling = 260;
constexpr uint16_t kTemplateInterfaces = 261;
constexpr uint16_t kVariableLength = 65535;  // a field whose length each record gives

struct Field {
    uint16_t id;      // information element
    uint16_t length;  // bytes
};

// The fields of each template, in record order (options templates: scope fields first).
std::span<const Field> template_fields(uint16_t template_id);
uint16_t scope_field_count(uint16_t template_id);  // 0 for data templates
uint16_t record_length(uint16_t template_id);      // fixed-length templates only
uint16_t template_for(FlowKind kind);

// Exporting-process reliability statistics (RFC 7011 section 4.3), totals since start.
struct ExporterStats {
    uint32_t process_id = 0;       // exportingProcessId (scope)
    uint64_t messages = 0;         // exportedMessageTotalCount
    uint64_t records = 0;          // exportedFlowRecordTotalCount
    uint64_t octets = 0;           // exportedOctetTotalCount (message bytes)
    uint64_t lost_records = 0;     // notSentFlowTotalCount
    uint64_t lost_packets = 0;     // notSentPacketTotalCount
    uint64_t lost_octets = 0;      // notSentOctetTotalCount
    uint64_t ignored_packets = 0;  // ignoredPacketTotalCount: frames seen but not metered
    uint64_t ignored_octets = 0;   // ignoredOctetTotalCount
};

// Packet selection (RFC 5477): 1 = systematic count-based, 3 = random n-out-of-N.
struct SamplingInfo {
    uint64_t selector_id = 1;
    uint16_t algorithm = 1;
    uint32_t size = 1;        // samplingSize: frames selected ...
    uint32_t population = 1;  // ... out of this many
};

// Builds one message: begin(), add sets while they fit, finish(). Data records of one template
// share one data set; a record of another template opens a new set.
class MessageBuilder {
  public:
    MessageBuilder(uint32_t observation_domain, uint16_t max_len);

    void begin(uint32_t export_time_s, uint32_t sequence);
    // The three data templates and the two options templates. False if they do not fit.
    bool add_templates();
    // A flow record; its times are the switch clock plus `epoch_ms_at_origin`. False: no room.
    bool add_flow(const FlowRecord& r, uint64_t epoch_ms_at_origin);
    bool add_exporter_stats(const ExporterStats& s);
    bool add_sampling(const SamplingInfo& s);
    // Which port an ingressInterface value is (names up to 254 bytes).
    bool add_interface(uint32_t ifindex, std::string_view name);
    // Data records (flows and options) in the message so far: what the sequence number counts.
    uint32_t data_records() const { return data_records_; }
    bool empty() const { return bytes_.size() == kHeaderLen; }
    // Closes the last set, writes the lengths; the bytes stay valid until the next begin().
    std::span<const uint8_t> finish();

  private:
    uint8_t* open_record(uint16_t template_id, uint16_t len);  // room for one record, or nullptr
    void close_set();

    uint32_t domain_;
    uint16_t max_len_;
    std::vector<uint8_t> bytes_;
    size_t set_start_ = 0;  // offset of the open set's header; 0 = none open
    uint16_t set_id_ = 0;   // the open set's id
    uint32_t data_records_ = 0;
};

}  // namespace vsw::telemetry::ipfix
