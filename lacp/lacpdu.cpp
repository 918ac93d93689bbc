// The LACPDU on the wire (lacpdu.h). Offsets are from the start of the frame.
#include "lacp/lacpdu.h"

#include <cstring>

#include "core/bytes.h"

namespace vsw::lacp {
namespace {

constexpr std::string_view kErrorNames[] = {
#define VSW_X(e, name) name,
    VSW_LACPDU_ERRORS(VSW_X)
#undef VSW_X
};

constexpr size_t kPdu = 14;                  // the subtype
constexpr size_t kActorTlv = kPdu + 2;       // type, length, then the information
constexpr size_t kPartnerTlv = kPdu + 22;    //
constexpr size_t kCollectorTlv = kPdu + 42;  //
constexpr size_t kTerminator = kPdu + 58;    //
constexpr uint8_t kInfoLength = 20;          // an actor or partner TLV, type and length included
constexpr uint8_t kCollectorLength = 16;

// The information after a TLV's type and length: 18 bytes, then 3 reserved.
void put_info(uint8_t* p, const PortInfo& i) {
    put_be16(p, i.system_priority);
    mac_to_bytes(i.system, p + 2);
    put_be16(p + 8, i.key);
    put_be16(p + 10, i.port_priority);
    put_be16(p + 12, i.port);
    p[14] = i.state;
}

PortInfo get_info(const uint8_t* p) {
    PortInfo i;
    i.system_priority = get_be16(p);
    i.system = mac_from_bytes(p + 2);
    i.key = get_be16(p + 8);
    i.port_priority = get_be16(p + 10);
    i.port = get_be16(p + 12);
    i.state = p[14];
    return i;
}

bool tlv_is(const uint8_t* p, uint8_t type, uint8_t length) {
    return p[0] == type && p[1] == length;
}

}  // namespace

std::string_view lacpdu_error_name(LacpduError e) {
    return kErrorNames[static_cast<unsigned>(e)];
}

LacpFrame encode_lacp_frame(const Lacpdu& pdu, Mac source) {
    LacpFrame f{};
    mac_to_bytes(kSlowProtocolsAddress, f.data());
    mac_to_bytes(source, f.data() + 6);
    put_be16(f.data() + 12, kSlowProtocolsEthertype);
    f[kPdu] = kLacpSubtype;
    f[kPdu + 1] = kLacpVersion;
    f[kActorTlv] = 1;
    f[kActorTlv + 1] = kInfoLength;
    put_info(f.data() + kActorTlv + 2, pdu.actor);
    f[kPartnerTlv] = 2;
    f[kPartnerTlv + 1] = kInfoLength;
    put_info(f.data() + kPartnerTlv + 2, pdu.partner);
    f[kCollectorTlv] = 3;
    f[kCollectorTlv + 1] = kCollectorLength;
    put_be16(f.data() + kCollectorTlv + 2, pdu.collector_max_delay);
    // The terminator (type 0, length 0) and the reserved bytes are the zeros f started with.
    return f;
}

LacpduError decode_lacp_frame(const uint8_t* f, size_t len, Lacpdu& out) {
    if (len < kLacpFrameLength) return LacpduError::kTooShort;
    if (mac_from_bytes(f) != kSlowProtocolsAddress) return LacpduError::kWrongDestination;
    const Mac source = mac_from_bytes(f + 6);
    if (source == 0 || mac_is_multicast(source)) return LacpduError::kBadSource;
    if (get_be16(f + 12) != kSlowProtocolsEthertype) return LacpduError::kWrongEthertype;
    if (f[kPdu] != kLacpSubtype) return LacpduError::kNotLacp;
    if (f[kPdu + 1] != kLacpVersion) return LacpduError::kBadVersion;
    if (!tlv_is(f + kActorTlv, 1, kInfoLength)) return LacpduError::kBadActorTlv;
    if (!tlv_is(f + kPartnerTlv, 2, kInfoLength)) return LacpduError::kBadPartnerTlv;
    if (!tlv_is(f + kCollectorTlv, 3, kCollectorLength)) return LacpduError::kBadCollectorTlv;
    if (!tlv_is(f + kTerminator, 0, 0)) return LacpduError::kBadTerminator;
    Lacpdu pdu;
    pdu.actor = get_info(f + kActorTlv + 2);
    if (pdu.actor.system == 0 || mac_is_multicast(pdu.actor.system))
        return LacpduError::kBadActorSystem;
    pdu.partner = get_info(f + kPartnerTlv + 2);
    pdu.collector_max_delay = get_be16(f + kCollectorTlv + 2);
    out = pdu;
    return LacpduError::kNone;
}

}  // namespace vsw::lacp
