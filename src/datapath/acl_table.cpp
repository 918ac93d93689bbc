// A tracked connection's key as the classifier reads it (acl_table.h).
#include "src/datapath/acl_table.h"

namespace vsw {

namespace {

acl::AclAddress address(const conntrack::CtKey& k, unsigned endpoint) {
    const uint8_t* a = k.addr[endpoint];
    if (k.family == 6) return acl::acl_ipv6(a);
    return acl::acl_ipv4(uint32_t{a[0]} << 24 | uint32_t{a[1]} << 16 | uint32_t{a[2]} << 8 | a[3]);
}

}  // namespace

acl::AclKey acl_key_of(const conntrack::CtKey& k, uint8_t sender, acl::Direction dir,
                       uint8_t icmp_type, uint8_t icmp_code) {
    const unsigned s = sender & 1, r = 1 - s;
    acl::AclKey out;
    out.src = address(k, s);
    out.dst = address(k, r);
    out.protocol = k.protocol;
    out.direction = dir;
    out.ethertype = k.family == 6 ? acl::Ethertype::kIpv6 : acl::Ethertype::kIpv4;
    if (acl::is_icmp(k.protocol)) {
        out.dst_port = icmp_type;
        out.src_port = icmp_code;
    } else if (acl::has_ports(k.protocol)) {
        out.dst_port = k.port[r];
        out.src_port = k.port[s];
    }
    return out;
}

acl::AclKey acl_key_of(const conntrack::CtEntryView& c) {
    const acl::Direction dir =
        c.mark == kCtMarkIngress ? acl::Direction::kIngress : acl::Direction::kEgress;
    const auto icmp_type = static_cast<uint8_t>(c.key.port[1] >> 8);
    return acl_key_of(c.key, c.orig_side, dir, icmp_type, 0);
}

}  // namespace vsw
