// The CCM on the wire (ccm.h). Offsets are from the start of the PDU (the level/version byte).
#include "cfm/ccm.h"

#include <algorithm>

#include "core/bytes.h"

namespace vsw::cfm {
namespace {

constexpr std::string_view kErrorNames[] = {
#define VSW_X(e, name) name,
    VSW_CCM_ERRORS(VSW_X)
#undef VSW_X
};

constexpr size_t kFlags = 2;
constexpr size_t kFirstTlvOffset = 3;
constexpr size_t kSequence = 4;
constexpr size_t kMepid = 8;
constexpr size_t kMaid = 10;
constexpr size_t kY1731 = kMaid + kMaidLength;  // 16 bytes ITU-T Y.1731 reserves
constexpr size_t kTlvs = kY1731 + 16;           // optional TLVs, then the End TLV: 74
static_assert(kTlvs == kFirstTlvOffset + 1 + kCcmFirstTlvOffset);
static_assert(kTlvs + 1 == kCcmLength);

struct IntervalName {
    CcmInterval interval;
    uint64_t us;
    std::string_view ms;
};
constexpr IntervalName kIntervals[] = {
    {CcmInterval::k3ms, 3333, "3.3"},           {CcmInterval::k10ms, 10000, "10"},
    {CcmInterval::k100ms, 100000, "100"},       {CcmInterval::k1s, 1000000, "1000"},
    {CcmInterval::k10s, 10000000, "10000"},     {CcmInterval::k1min, 60000000, "60000"},
    {CcmInterval::k10min, 600000000, "600000"},
};

const IntervalName& interval_entry(CcmInterval i) {
    const auto code = static_cast<unsigned>(i);
    return kIntervals[code >= 1 && code <= 7 ? code - 1 : 3];
}

// True if the TLVs from `at` on end with an End TLV inside the frame.
bool ends_with_end_tlv(const uint8_t* f, size_t at, size_t len) {
    while (at < len) {
        if (f[at] == 0) return true;
        if (at + 3 > len) return false;
        at += 3 + get_be16(f + at + 1);
    }
    return false;
}

}  // namespace

uint64_t ccm_interval_us(CcmInterval i) {
    return interval_entry(i).us;
}

std::string_view ccm_interval_ms(CcmInterval i) {
    return interval_entry(i).ms;
}

std::optional<CcmInterval> ccm_interval_from_ms(std::string_view ms) {
    if (ms == "3" || ms == "3.33") return CcmInterval::k3ms;
    for (const IntervalName& n : kIntervals)
        if (n.ms == ms) return n.interval;
    return std::nullopt;
}

std::string_view ccm_error_name(CcmError e) {
    return kErrorNames[static_cast<unsigned>(e)];
}

std::vector<uint8_t> encode_ccm_frame(const Ccm& ccm, Mac source, uint16_t vlan) {
    std::vector<uint8_t> f(vlan ? kCcmTaggedFrameLength : kCcmFrameLength, 0);
    mac_to_bytes(ccm_destination(ccm.level), f.data());
    mac_to_bytes(source, f.data() + 6);
    size_t at = 12;
    if (vlan) {
        put_be16(f.data() + at, kVlanTpid);
        put_be16(f.data() + at + 2, vlan & 0x0fff);
        at += 4;
    }
    put_be16(f.data() + at, kCfmEthertype);
    uint8_t* p = f.data() + at + 2;
    p[0] = static_cast<uint8_t>((ccm.level & kMaxLevel) << 5);  // version 0
    p[1] = kCcmOpcode;
    p[kFlags] = static_cast<uint8_t>((ccm.rdi ? kCcmRdi : 0) | static_cast<uint8_t>(ccm.interval));
    p[kFirstTlvOffset] = kCcmFirstTlvOffset;
    put_be32(p + kSequence, ccm.sequence);
    put_be16(p + kMepid, ccm.mepid);
    std::copy(ccm.maid.begin(), ccm.maid.end(), p + kMaid);
    // The Y.1731 bytes and the End TLV (type 0) are the zeros f started with.
    return f;
}

CcmError decode_ccm_frame(const uint8_t* f, size_t len, ReceivedCcm& out) {
    if (len < 14 || (len < 18 && get_be16(f + 12) == kVlanTpid)) return CcmError::kTooShort;
    if (!is_cfm_frame(f, len)) return CcmError::kWrongEthertype;
    const std::optional<CfmHeader> h = read_cfm_header(f, len);
    if (!h) return CcmError::kTooShort;
    if (h->opcode != kCcmOpcode) return CcmError::kNotCcm;
    if (len < h->offset + kCcmLength) return CcmError::kTooShort;
    const uint8_t* p = f + h->offset;
    if (mac_from_bytes(f) != ccm_destination(h->level)) return CcmError::kWrongDestination;
    const Mac source = mac_from_bytes(f + 6);
    if (source == 0 || mac_is_multicast(source)) return CcmError::kBadSource;
    if (h->version != 0) return CcmError::kBadVersion;
    if (p[kFirstTlvOffset] != kCcmFirstTlvOffset) return CcmError::kBadFirstTlvOffset;
    const uint8_t code = p[kFlags] & 0x07;
    if (code == 0) return CcmError::kBadInterval;
    const uint16_t mepid = get_be16(p + kMepid);
    if (mepid == 0 || mepid > kMaxMepid) return CcmError::kBadMepid;
    if (!ends_with_end_tlv(f, h->offset + kTlvs, len)) return CcmError::kBadEndTlv;
    ReceivedCcm r;
    r.ccm.level = h->level;
    r.ccm.rdi = p[kFlags] & kCcmRdi;
    r.ccm.interval = static_cast<CcmInterval>(code);
    r.ccm.sequence = get_be32(p + kSequence);
    r.ccm.mepid = mepid;
    std::copy(p + kMaid, p + kMaid + kMaidLength, r.ccm.maid.begin());
    r.source = source;
    r.vlan = h->vlan;
    out = r;
    return CcmError::kNone;
}

}  // namespace vsw::cfm
