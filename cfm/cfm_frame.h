// Any CFM frame (IEEE 802.1ag, ethertype 0x8902, behind at most one 802.1Q tag): where its PDU
// starts, its MD level and opcode, and the level rule a port's MEP applies to it. Pure: no DPDK.
//
// The level rule (802.1ag 19.2, the MEP's level demultiplexer): a CFM frame of a level ABOVE
// the MEP's belongs to a wider maintenance domain and crosses the MEP as ordinary traffic; one
// AT or BELOW the MEP's level stops there (the MEP takes it or refuses it), and is never
// forwarded. Which VLAN the frame is on does not matter, as in Open vSwitch (which may send its
// CCMs on a random VLAN).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace vsw::cfm {

constexpr uint16_t kCfmEthertype = 0x8902;
constexpr uint16_t kVlanTpid = 0x8100;  // the one tag a CFM frame may carry here
constexpr uint8_t kMaxLevel = 7;

// The CFM common header (802.1ag 21.4) of a frame and where it is.
struct CfmHeader {
    size_t offset = 0;    // of the PDU (the level/version byte): 14, or 18 behind a tag
    uint16_t vlan = 0;    // the tag's VLAN id; 0: untagged (or priority-tagged)
    uint8_t level = 0;    // MD level, 0-7
    uint8_t version = 0;  // CFM version (0 in 802.1ag and Y.1731)
    uint8_t opcode = 0;   // 1 CCM, 2 LBR, 3 LBM, 4 LTR, 5 LTM, others Y.1731's
};

// The header, if `f` (`len` bytes) is a CFM frame with its 4-byte common header whole.
std::optional<CfmHeader> read_cfm_header(const uint8_t* f, size_t len);

// True if `f` has the CFM ethertype (behind at most one tag), whole header or not.
bool is_cfm_frame(const uint8_t* f, size_t len);

enum class CfmFate : uint8_t {
    kNotCfm,  // not a CFM frame: none of the MEP's business
    kPass,    // CFM of a level above the MEP's: ordinary traffic
    kStop,    // CFM at or below the MEP's level, or too short to say: the MEP's, never forwarded
};

// The level rule for a port whose MEP is at `mep_level`.
CfmFate cfm_frame_fate(const uint8_t* f, size_t len, uint8_t mep_level);

}  // namespace vsw::cfm
