// Any CFM frame and the level rule (cfm_frame.h).
#include "cfm/cfm_frame.h"

#include "core/bytes.h"

namespace vsw::cfm {
namespace {

constexpr size_t kEthertype = 12;  // offset of the ethertype (or of the tag's TPID)

// Where the PDU starts if the frame is CFM (0 otherwise), with the VLAN id.
size_t cfm_payload(const uint8_t* f, size_t len, uint16_t& vlan) {
    vlan = 0;
    if (len < kEthertype + 2) return 0;
    uint16_t type = get_be16(f + kEthertype);
    size_t at = kEthertype + 2;
    if (type == kVlanTpid) {
        if (len < kEthertype + 6) return 0;
        vlan = get_be16(f + kEthertype + 2) & 0x0fff;
        type = get_be16(f + kEthertype + 4);
        at += 4;
    }
    return type == kCfmEthertype ? at : 0;
}

}  // namespace

std::optional<CfmHeader> read_cfm_header(const uint8_t* f, size_t len) {
    CfmHeader h;
    h.offset = cfm_payload(f, len, h.vlan);
    if (h.offset == 0 || len < h.offset + 4) return std::nullopt;
    h.level = f[h.offset] >> 5;
    h.version = f[h.offset] & 0x1f;
    h.opcode = f[h.offset + 1];
    return h;
}

bool is_cfm_frame(const uint8_t* f, size_t len) {
    uint16_t vlan;
    return cfm_payload(f, len, vlan) != 0;
}

CfmFate cfm_frame_fate(const uint8_t* f, size_t len, uint8_t mep_level) {
    if (!is_cfm_frame(f, len)) return CfmFate::kNotCfm;
    const std::optional<CfmHeader> h = read_cfm_header(f, len);
    if (h && h->level > mep_level) return CfmFate::kPass;
    return CfmFate::kStop;
}

}  // namespace vsw::cfm
