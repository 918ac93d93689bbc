// sFlow version 5 datagrams (sflow.org "sFlow Version 5"; XDR: big-endian, every item a multiple
// of 4 bytes, opaque data and strings zero-padded). Pure byte building (no sockets): an agent
// sends what it builds, tests decode it.
//
// Samples use the expanded encodings (32-bit ifIndex and data source index):
//   flow sample (format 3): one sampled frame, with the records raw packet header (1: the
//     frame's first bytes, Ethernet) and extended switch (1001: VLANs and priorities);
//   counters sample (format 4): one port's generic interface counters (1) and its name
//     (1005, "port name" of sFlow's OpenFlow structures), so that a collector tells VMs apart.
// All formats are enterprise 0 (sflow.org's).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace vsw::telemetry::sflow {

constexpr uint32_t kVersion = 5;
constexpr uint32_t kAddressIpv4 = 1;  // agent address types
constexpr uint32_t kAddressIpv6 = 2;
constexpr uint32_t kFlowSampleExpanded = 3;  // sample formats
constexpr uint32_t kCountersSampleExpanded = 4;
constexpr uint32_t kRecordRawHeader = 1;  // flow record formats
constexpr uint32_t kRecordExtendedSwitch = 1001;
constexpr uint32_t kRecordGenericInterface = 1;  // counter record formats
constexpr uint32_t kRecordPortName = 1005;
constexpr uint32_t kHeaderProtocolEthernet = 1;  // raw packet header: ISO 8023
constexpr uint32_t kSourceIfIndex = 0;           // data source type: an interface
constexpr uint16_t kDefaultMaxLen = 1400;        // sFlow's default maximum datagram size
constexpr uint32_t kDefaultHeaderBytes = 128;    // frame bytes a flow sample carries
constexpr uint32_t kMaxPortNameLen = 255;        // port_name is a string<255>

// Why a frame was discarded: the value of a discarded output interface (sFlow v5, "interface").
enum class DiscardReason : uint32_t {
    kUnknown = 256,
    kAcl = 258,
    kNoBufferSpace = 259,
    kRateLimit = 261,
    kTooBig = 262,
};

// The agent's address in the datagram header.
struct AgentAddress {
    uint32_t type = kAddressIpv4;  // kAddressIpv4 or kAddressIpv6
    uint8_t bytes[16] = {};        // network order; IPv4 uses the first 4

    static AgentAddress ipv4(uint32_t host_order);
    static AgentAddress ipv6(std::span<const uint8_t, 16> address);
};

// An input or output interface of an expanded flow sample (interface_expanded).
struct Interface {
    uint32_t format = 0;  // 0 one ifIndex, 1 discarded, 2 several destinations
    uint32_t value = 0;   // ifIndex (0 unknown) / discard reason / how many (0 unknown)

    static constexpr Interface port(uint32_t ifindex) { return {0, ifindex}; }
    static constexpr Interface discarded(DiscardReason reason) {
        return {1, static_cast<uint32_t>(reason)};
    }
    static constexpr Interface flooded(uint32_t ports) { return {2, ports}; }
    static constexpr Interface switch_itself() { return {0, 0xffffffff}; }  // to/from the agent
    bool operator==(const Interface&) const = default;
};

// The extended switch record: VLANs and 802.1p priorities in and out.
struct SwitchData {
    uint32_t src_vlan = 0;      // VLAN the frame came in on
    uint32_t src_priority = 0;  // its priority
    uint32_t dst_vlan = 0;      // VLAN it leaves in
    uint32_t dst_priority = 0;  // its priority there
};

// One sampled frame: an expanded flow sample.
struct PacketSample {
    uint32_t sequence = 0;       // flow samples of this data source so far, this one included
    uint32_t source_index = 0;   // data source: the sampling port's ifIndex (type kSourceIfIndex)
    uint32_t sampling_rate = 1;  // one frame out of this many is sampled
    uint32_t sample_pool = 0;    // frames the data source saw, sampled or not
    uint32_t drops = 0;          // samples lost for lack of resources
    Interface input;             // where the frame came from
    Interface output;            // where it went: a port, several (a flood) or discarded
    std::span<const uint8_t> frame;   // the frame's first bytes as received (header_bytes sent)
    uint32_t frame_length = 0;        // the whole frame's length as received (no FCS)
    std::optional<SwitchData> vlans;  // the extended switch record; none: not sent
};

// A port's counters (if_counters, RFC 2233 names). Directions as the port's own: "in" is what the
// switch received from it. Packet counters travel as 32 bits and wrap, as SNMP's Counter32.
struct InterfaceCounters {
    uint32_t if_index = 0;           // the port
    uint32_t if_type = 6;            // IANAifType: 6 ethernetCsmacd
    uint64_t if_speed = 0;           // bits per second (0 unknown)
    uint32_t if_direction = 1;       // 1 full-duplex, 2 half-duplex, 3 in, 4 out, 0 unknown
    uint32_t if_status = 3;          // bit 0 admin up, bit 1 operationally up
    uint64_t in_octets = 0;          // bytes received
    uint64_t in_unicast = 0;         // unicast frames received
    uint64_t in_multicast = 0;       // multicast frames received
    uint64_t in_broadcast = 0;       // broadcast frames received
    uint64_t in_discards = 0;        // frames received and dropped
    uint64_t in_errors = 0;          // frames received with errors
    uint64_t in_unknown_protos = 0;  // frames received for no known protocol
    uint64_t out_octets = 0;         // bytes sent
    uint64_t out_unicast = 0;        // unicast frames sent
    uint64_t out_multicast = 0;      // multicast frames sent
    uint64_t out_broadcast = 0;      // broadcast frames sent
    uint64_t out_discards = 0;       // frames to send that were dropped
    uint64_t out_errors = 0;         // frames not sent because of errors
    uint32_t promiscuous_mode = 2;   // 1 true, 2 false
};

// One port's counters: an expanded counters sample.
struct CountersSample {
    uint32_t sequence = 0;      // counters samples of this data source so far, this one included
    uint32_t source_index = 0;  // data source: the port's ifIndex (type kSourceIfIndex)
    InterfaceCounters counters;
    std::string_view port_name;  // the port name record (cut at 255 bytes); empty: not sent
};

// Builds one datagram: begin(), add samples while they fit, finish().
class DatagramBuilder {
  public:
    DatagramBuilder(const AgentAddress& agent, uint32_t sub_agent_id,
                    uint16_t max_len = kDefaultMaxLen, uint32_t header_bytes = kDefaultHeaderBytes);

    // `sequence`: datagrams of this sub-agent so far, this one included. `uptime_ms`: the
    // agent's uptime now.
    void begin(uint32_t sequence, uint32_t uptime_ms);
    // False if the sample does not fit (the datagram is unchanged).
    bool add_packet_sample(const PacketSample& s);
    bool add_counters_sample(const CountersSample& s);

    uint32_t samples() const { return samples_; }
    bool empty() const { return samples_ == 0; }
    // Writes the sample count; the bytes stay valid until the next begin().
    std::span<const uint8_t> finish();

  private:
    uint8_t* append(size_t len);  // room for `len` more bytes, or nullptr if they do not fit

    AgentAddress agent_;          // the header's agent address
    uint32_t sub_agent_id_;       // the header's sub-agent id
    uint16_t max_len_;            // bytes a datagram may take
    uint32_t header_bytes_;       // frame bytes a flow sample carries at most
    std::vector<uint8_t> bytes_;  // the datagram so far
    size_t samples_at_ = 0;       // offset of the sample count
    uint32_t samples_ = 0;        // samples so far
};

// Rewrites the sequence number of a finished datagram (one datagram goes to several collectors,
// each counting its own).
void set_datagram_sequence(std::span<uint8_t> datagram, uint32_t sequence);

}  // namespace vsw::telemetry::sflow
