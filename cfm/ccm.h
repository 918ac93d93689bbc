// The Continuity Check Message on the wire (IEEE 802.1ag 21.6), as Open vSwitch 3.1 sends it
// (lib/cfm.c): to 01:80:C2:00:00:3L (L: the MD level), optionally 802.1Q-tagged, ethertype
// 0x8902, then 75 bytes: the common header (MD level and version 0, opcode 1, flags: RDI 0x80 and
// the interval code in the low 3 bits, first TLV offset 70), the sequence number, the MEP ID, the
// 48-byte MAID, 16 bytes ITU-T Y.1731 reserves (zeros), the End TLV (type 0). 89 bytes with the
// Ethernet header, 93 tagged, no padding needed.
//
// Encoding, and a strict decoding that says why it refused a frame: the bytes come from whatever
// sits at the other end of a cable or inside a guest, so they are hostile (fuzzed). Other CFM
// opcodes (loopback, linktrace, Y.1731's) are reported as kNotCcm: not malformed, just not
// ours to read. Pure: no DPDK.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "cfm/cfm_frame.h"
#include "cfm/maid.h"
#include "core/mac.h"

namespace vsw::cfm {

constexpr uint8_t kCcmOpcode = 1;
constexpr uint8_t kCcmFirstTlvOffset = 70;  // from the byte after the offset to the End TLV
constexpr size_t kCcmLength = 75;           // the PDU: common header to End TLV
constexpr size_t kCcmFrameLength = 14 + kCcmLength;            // untagged, without FCS: 89
constexpr size_t kCcmTaggedFrameLength = kCcmFrameLength + 4;  // 93
constexpr uint8_t kCcmRdi = 0x80;                              // the flags' RDI bit
constexpr uint16_t kMaxMepid = 8191;                           // MEP IDs are 1-8191
constexpr Mac kCcmGroupAddress = 0x0180c2000030;               // 01:80:C2:00:00:30 + the level

// 802.1ag's group address for CCMs of MD level `level` (0-7): 01:80:C2:00:00:3L.
constexpr Mac ccm_destination(uint8_t level) {
    return kCcmGroupAddress + (level & kMaxLevel);
}

// The CCM interval codes (802.1ag table 21-16); 0 is invalid.
enum class CcmInterval : uint8_t {
    k3ms = 1,  // 3 1/3 ms (kept here as 3333 us)
    k10ms = 2,
    k100ms = 3,
    k1s = 4,
    k10s = 5,
    k1min = 6,
    k10min = 7,
};

// The interval in microseconds: 3333, 10000, 100000, ... 600000000.
uint64_t ccm_interval_us(CcmInterval i);
// In milliseconds as operators write it: "3.3", "10", "100", "1000", ... "600000".
std::string_view ccm_interval_ms(CcmInterval i);
// The reverse ("3" and "3.33" also mean 3.3 ms); nullopt for anything else.
std::optional<CcmInterval> ccm_interval_from_ms(std::string_view ms);

struct Ccm {
    uint8_t level = 0;                        // MD level, 0-7 (also the L of the destination)
    bool rdi = false;                         // Remote Defect Indication: the sender sees a fault
    CcmInterval interval = CcmInterval::k1s;  // how often the sender sends
    uint32_t sequence = 0;                    // counts up by one per CCM sent
    uint16_t mepid = 0;                       // the sender's MEP ID, 1-8191
    Maid maid{};                              // the sender's maintenance association
    bool operator==(const Ccm&) const = default;
};

// A decoded CCM with what its Ethernet header said.
struct ReceivedCcm {
    Ccm ccm;            // the PDU
    Mac source = 0;     // the sender's MAC
    uint16_t vlan = 0;  // the tag's VLAN id; 0: untagged
};

// Why a frame was refused. X(enumerator, name): one list, the enum and the names.
#define VSW_CCM_ERRORS(X)                                                                          \
    X(kNone, "none")                                                                               \
    X(kTooShort, "too_short")                 /* shorter than a CCM (89 bytes, 93 tagged) */       \
    X(kWrongEthertype, "wrong_ethertype")     /* not 0x8902 (behind at most one 802.1Q tag) */     \
    X(kNotCcm, "not_ccm")                     /* another CFM opcode: LBM, LTM...; not malformed */ \
    X(kWrongDestination, "wrong_destination") /* not 01:80:C2:00:00:3L for the CCM's level L */    \
    X(kBadSource, "bad_source")               /* a group or zero source MAC */                     \
    X(kBadVersion, "bad_version")             /* CFM version not 0 */                              \
    X(kBadFirstTlvOffset, "bad_first_tlv_offset") /* not 70 */                                     \
    X(kBadInterval, "bad_interval")               /* interval code 0 (OVS's extended mode) */      \
    X(kBadMepid, "bad_mepid")                     /* MEP ID 0 or above 8191 */                     \
    X(kBadEndTlv, "bad_end_tlv")                  /* the TLVs run past the frame: no End TLV */

enum class CcmError : uint8_t {
#define VSW_X(e, name) e,
    VSW_CCM_ERRORS(VSW_X)
#undef VSW_X
};

std::string_view ccm_error_name(CcmError e);

// The whole frame: to ccm_destination(ccm.level) from `source` (the port's MAC), tagged with
// `vlan` (priority 0) unless it is 0; reserved fields zero. 89 or 93 bytes.
std::vector<uint8_t> encode_ccm_frame(const Ccm& ccm, Mac source, uint16_t vlan = 0);

// Reads the frame whose first `len` bytes are `f`. On kNone `out` holds the CCM; otherwise `out`
// is untouched. Optional TLVs between the Y.1731 bytes and the End TLV (sender ID, port or
// interface status, organization-specific) are skipped, bytes after the End TLV (an FCS) are
// ignored; so are the flags' reserved bits and the Y.1731 bytes, as OVS does.
CcmError decode_ccm_frame(const uint8_t* f, size_t len, ReceivedCcm& out);

}  // namespace vsw::cfm
