// The LACPDU on the wire (IEEE 802.1AX-2008, formerly 802.3ad clause 43): an untagged slow
// protocols frame (ethertype 0x8809, subtype 1, version 1) to 01:80:C2:00:00:02 carrying the
// actor's and the partner's information, the collector TLV and the terminator: 110 bytes after
// the Ethernet header. Encoding, and a strict decoding that says why it refused a frame: the
// bytes come from whatever sits at the other end of a cable or a guest, so they are hostile
// (fuzzed). Pure: no DPDK.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/mac.h"

namespace vsw::lacp {

constexpr Mac kSlowProtocolsAddress = 0x0180c2000002;  // the frames' destination
constexpr uint16_t kSlowProtocolsEthertype = 0x8809;
constexpr uint8_t kLacpSubtype = 1;  // 2 is the marker protocol
constexpr uint8_t kLacpVersion = 1;
constexpr size_t kLacpduLength = 110;  // from the subtype to the last reserved byte
constexpr size_t kLacpFrameLength = 14 + kLacpduLength;  // with the Ethernet header, without FCS

// The state octet of an actor or partner (802.1AX-2008 5.4.2.2 item m).
namespace state {
constexpr uint8_t kActivity = 0x01;         // active LACP (passive when clear)
constexpr uint8_t kTimeout = 0x02;          // short timeout: send me a PDU every second
constexpr uint8_t kAggregation = 0x04;      // the link may be aggregated (individual when clear)
constexpr uint8_t kSynchronization = 0x08;  // attached to the right aggregator
constexpr uint8_t kCollecting = 0x10;
constexpr uint8_t kDistributing = 0x20;
constexpr uint8_t kDefaulted = 0x40;  // using default partner information
constexpr uint8_t kExpired = 0x80;    // the receive machine is in EXPIRED
}  // namespace state

// One side's information as a PDU carries it (the actor or the partner TLV).
struct PortInfo {
    uint16_t system_priority = 0;
    Mac system = 0;  // the system's MAC: with the priority, the system identifier
    uint16_t key = 0;
    uint16_t port_priority = 0;
    uint16_t port = 0;  // the port number
    uint8_t state = 0;  // state:: bits
    bool operator==(const PortInfo&) const = default;
};

struct Lacpdu {
    PortInfo actor;                    // the sender
    PortInfo partner;                  // what the sender knows of us
    uint16_t collector_max_delay = 0;  // tens of microseconds; 0: frames are never held back
};

// Why a frame was refused. X(enumerator, name): one list, the enum and the names.
#define VSW_LACPDU_ERRORS(X)                                                          \
    X(kNone, "none")                                                                  \
    X(kTooShort, "too_short")                 /* fewer than kLacpFrameLength bytes */ \
    X(kWrongDestination, "wrong_destination") /* not 01:80:C2:00:00:02 */             \
    X(kBadSource, "bad_source")               /* a group or zero source MAC */        \
    X(kWrongEthertype, "wrong_ethertype")     /* not 0x8809 (an 802.1Q tag too) */    \
    X(kNotLacp, "not_lacp")                   /* another slow protocol (marker) */    \
    X(kBadVersion, "bad_version")             /* not version 1 */                     \
    X(kBadActorTlv, "bad_actor_tlv")          /* not type 1, length 20 */             \
    X(kBadPartnerTlv, "bad_partner_tlv")      /* not type 2, length 20 */             \
    X(kBadCollectorTlv, "bad_collector_tlv")  /* not type 3, length 16 */             \
    X(kBadTerminator, "bad_terminator")       /* not type 0, length 0 */              \
    X(kBadActorSystem, "bad_actor_system")    /* the actor's system MAC zero or group */

enum class LacpduError : uint8_t {
#define VSW_X(e, name) e,
    VSW_LACPDU_ERRORS(VSW_X)
#undef VSW_X
};

std::string_view lacpdu_error_name(LacpduError e);

using LacpFrame = std::array<uint8_t, kLacpFrameLength>;

// The whole frame: to kSlowProtocolsAddress from `source` (the member's own MAC), reserved
// fields zero.
LacpFrame encode_lacp_frame(const Lacpdu& pdu, Mac source);

// Reads the frame whose first `len` bytes are `f` (bytes after the PDU, such as an FCS, are
// ignored). On kNone `out` holds the PDU; otherwise `out` is untouched. Reserved fields are not
// checked (802.1AX: ignored on receipt). Version 2 PDUs (802.1AX-2014) are refused: every
// implementation met here (Linux bonding, OVS, VPP, DPDK) sends version 1.
LacpduError decode_lacp_frame(const uint8_t* f, size_t len, Lacpdu& out);

}  // namespace vsw::lacp
