// Reading DHCP messages (dhcp_message.h), RFC 2131 and RFC 2132.
#include "security/dhcp_message.h"

namespace vsw {

namespace {

uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

constexpr size_t kBootpFixed = 236;  // op .. file, before the magic cookie
constexpr uint8_t kOptionPad = 0, kOptionEnd = 255, kOptionLease = 51, kOptionType = 53,
                  kOptionServerId = 54;
constexpr uint8_t kAck = 5, kNak = 6, kRelease = 7;

}  // namespace

std::optional<DhcpMessage> read_dhcp_message(const uint8_t* f, size_t len) {
    if (!is_dhcp_frame(f, static_cast<uint32_t>(len > 0xffffffff ? 0xffffffff : len)))
        return std::nullopt;
    const size_t l3 = f[12] == 0x81 ? 18 : 14;
    const size_t bootp = l3 + (f[l3] & 0x0f) * 4u + 8;
    if (len < bootp + kBootpFixed + 4) return std::nullopt;
    const uint8_t* b = f + bootp;
    // Ethernet hardware addresses only, and the magic cookie before the options.
    if (b[1] != 1 || b[2] != 6 || be32(b + kBootpFixed) != 0x63825363) return std::nullopt;
    DhcpMessage m;
    m.client = mac_from_bytes(b + 28);
    int type = -1;
    bool has_lease = false;
    for (size_t o = bootp + kBootpFixed + 4; o < len;) {
        const uint8_t code = f[o];
        if (code == kOptionEnd) break;
        if (code == kOptionPad) {
            ++o;
            continue;
        }
        if (o + 2 > len || o + 2 + f[o + 1] > len) return std::nullopt;
        const uint8_t size = f[o + 1];
        const uint8_t* v = f + o + 2;
        if (code == kOptionType && size == 1) type = v[0];
        if (code == kOptionLease && size == 4) {
            m.lease = be32(v);
            has_lease = true;
        }
        if (code == kOptionServerId && size == 4) m.server_id = be32(v);
        o += 2 + size;
    }
    const uint8_t op = b[0];  // 1 request (from a client), 2 reply (from a server)
    if (op == 2 && type == kAck) {
        m.kind = DhcpMessage::Kind::kAck;
        m.ip = be32(b + 16);  // yiaddr
        // An ACK to a DHCPINFORM carries no address and no lease: nothing to learn.
        if (!m.ip || !has_lease || m.lease == 0) return std::nullopt;
        return m;
    }
    if (op == 2 && type == kNak) {
        m.kind = DhcpMessage::Kind::kNak;
        return m;
    }
    if (op == 1 && type == kRelease) {
        m.kind = DhcpMessage::Kind::kRelease;
        m.ip = be32(b + 12);  // ciaddr
        return m.ip ? std::optional(m) : std::nullopt;
    }
    return std::nullopt;
}

}  // namespace vsw
