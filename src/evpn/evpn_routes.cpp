#include "src/evpn/evpn_routes.h"

#include <arpa/inet.h>

#include "attribute.pb.h"
#include "core/ipv4.h"

namespace vsw::evpn {
namespace {

constexpr uint32_t kPmsiIngressReplication = 6;  // RFC 6514
constexpr uint32_t kTunnelTypeVxlan = 8;         // RFC 8365
constexpr uint32_t kRouteTargetSubType = 0x02;

std::string ip_bytes(uint32_t ip) {
    const uint32_t be = htonl(ip);
    return std::string(reinterpret_cast<const char*>(&be), 4);
}

google::protobuf::Any route_distinguisher(const Originator& o, uint16_t vlan) {
    apipb::RouteDistinguisherIPAddress rd;
    rd.set_admin(format_ipv4(o.vtep));
    rd.set_assigned(vlan);
    google::protobuf::Any any;
    any.PackFrom(rd);
    return any;
}

// ORIGIN IGP, next hop, route target AS:VNI and the VXLAN encapsulation (+ MAC mobility).
void add_common_attributes(apipb::Path& p, const Originator& o, uint32_t vni,
                           const google::protobuf::Any& nlri, uint32_t seq, bool sticky) {
    apipb::OriginAttribute origin;
    origin.set_origin(0);
    p.add_pattrs()->PackFrom(origin);
    apipb::MpReachNLRIAttribute reach;
    *reach.mutable_family() = evpn_family();
    reach.add_next_hops(format_ipv4(o.vtep));
    *reach.add_nlris() = nlri;
    p.add_pattrs()->PackFrom(reach);
    apipb::ExtendedCommunitiesAttribute ext;
    apipb::TwoOctetAsSpecificExtended rt;
    rt.set_is_transitive(true);
    rt.set_sub_type(kRouteTargetSubType);
    rt.set_asn(o.asn);
    rt.set_local_admin(vni);
    ext.add_communities()->PackFrom(rt);
    apipb::EncapExtended encap;
    encap.set_tunnel_type(kTunnelTypeVxlan);
    ext.add_communities()->PackFrom(encap);
    if (seq || sticky) {
        apipb::MacMobilityExtended mobility;
        mobility.set_is_sticky(sticky);
        mobility.set_sequence_num(seq);
        ext.add_communities()->PackFrom(mobility);
    }
    p.add_pattrs()->PackFrom(ext);
}

std::string rd_text(const google::protobuf::Any& rd) {
    apipb::RouteDistinguisherIPAddress ip;
    if (rd.UnpackTo(&ip)) return ip.admin() + ":" + std::to_string(ip.assigned());
    apipb::RouteDistinguisherTwoOctetASN two;
    if (rd.UnpackTo(&two))
        return std::to_string(two.admin()) + ":" + std::to_string(two.assigned());
    apipb::RouteDistinguisherFourOctetASN four;
    if (rd.UnpackTo(&four))
        return std::to_string(four.admin()) + ":" + std::to_string(four.assigned());
    return "?";
}

}  // namespace

apipb::Family evpn_family() {
    apipb::Family f;
    f.set_afi(apipb::Family::AFI_L2VPN);
    f.set_safi(apipb::Family::SAFI_EVPN);
    return f;
}

apipb::Path inclusive_multicast_route(const Originator& o, uint32_t vni, uint16_t vlan) {
    apipb::EVPNInclusiveMulticastEthernetTagRoute r;
    *r.mutable_rd() = route_distinguisher(o, vlan);
    r.set_ethernet_tag(0);
    r.set_ip_address(format_ipv4(o.vtep));
    apipb::Path p;
    p.mutable_nlri()->PackFrom(r);
    *p.mutable_family() = evpn_family();
    add_common_attributes(p, o, vni, p.nlri(), 0, false);
    apipb::PmsiTunnelAttribute pmsi;
    pmsi.set_flags(0);
    pmsi.set_type(kPmsiIngressReplication);
    pmsi.set_label(vni);  // RFC 8365 section 5.1.3: the label field carries the VNI
    pmsi.set_id(ip_bytes(o.vtep));
    p.add_pattrs()->PackFrom(pmsi);
    return p;
}

apipb::Path mac_ip_route(const Originator& o, uint32_t vni, uint16_t vlan, Mac mac, uint32_t ip,
                         uint32_t seq, bool sticky) {
    apipb::EVPNMACIPAdvertisementRoute r;
    *r.mutable_rd() = route_distinguisher(o, vlan);
    r.mutable_esi()->set_type(0);
    r.mutable_esi()->set_value(std::string(9, '\0'));
    r.set_ethernet_tag(0);
    r.set_mac_address(mac_to_string(mac));
    r.set_ip_address(ip ? format_ipv4(ip) : "");
    r.add_labels(vni);
    apipb::Path p;
    p.mutable_nlri()->PackFrom(r);
    *p.mutable_family() = evpn_family();
    add_common_attributes(p, o, vni, p.nlri(), seq, sticky);
    return p;
}

std::optional<RibRoute> read_route(const apipb::Path& p, std::string& why) {
    RibRoute out;
    out.withdraw = p.is_withdraw();
    uint32_t pmsi_label = 0, rt_vni = 0;
    for (const auto& a : p.pattrs()) {
        apipb::MpReachNLRIAttribute reach;
        apipb::NextHopAttribute nh;
        apipb::ExtendedCommunitiesAttribute ext;
        apipb::PmsiTunnelAttribute pmsi;
        if (a.UnpackTo(&reach) && reach.next_hops_size() > 0) {
            if (!parse_ipv4(reach.next_hops(0), out.vtep)) {
                why = "next hop " + reach.next_hops(0) + " is not IPv4";
                return std::nullopt;
            }
        } else if (a.UnpackTo(&nh)) {
            if (!parse_ipv4(nh.next_hop(), out.vtep)) {
                why = "next hop " + nh.next_hop() + " is not IPv4";
                return std::nullopt;
            }
        } else if (a.UnpackTo(&ext)) {
            for (const auto& c : ext.communities()) {
                apipb::MacMobilityExtended mobility;
                apipb::TwoOctetAsSpecificExtended rt;
                if (c.UnpackTo(&mobility)) {
                    out.seq = mobility.sequence_num();
                    out.sticky = mobility.is_sticky();
                } else if (c.UnpackTo(&rt) && rt.sub_type() == kRouteTargetSubType && !rt_vni)
                    rt_vni = rt.local_admin();
            }
        } else if (a.UnpackTo(&pmsi)) {
            pmsi_label = pmsi.label();
        }
    }
    apipb::EVPNMACIPAdvertisementRoute mac_ip;
    apipb::EVPNInclusiveMulticastEthernetTagRoute multicast;
    if (p.nlri().UnpackTo(&mac_ip)) {
        out.kind = RibRoute::Kind::kMacIp;
        const auto mac = mac_from_string(mac_ip.mac_address());
        if (!mac) {
            why = "MAC " + mac_ip.mac_address() + " unreadable";
            return std::nullopt;
        }
        out.mac = *mac;
        out.vni = mac_ip.labels_size() ? mac_ip.labels(0) : rt_vni;
        // gobgpd writes a route without an IP as "<nil>" (or 0.0.0.0): the key says "".
        uint32_t ip = 0;
        const std::string ip_text =
            parse_ipv4(mac_ip.ip_address(), ip) && ip ? format_ipv4(ip) : "";
        out.key = "2:" + rd_text(mac_ip.rd()) + ":" + std::to_string(mac_ip.ethernet_tag()) + ":" +
                  mac_to_string(*mac) + ":" + ip_text;
    } else if (p.nlri().UnpackTo(&multicast)) {
        out.kind = RibRoute::Kind::kInclusiveMulticast;
        out.vni = pmsi_label ? pmsi_label : rt_vni;
        out.key = "3:" + rd_text(multicast.rd()) + ":" + std::to_string(multicast.ethernet_tag()) +
                  ":" + multicast.ip_address();
    } else {
        why = "not a type-2 or type-3 route";
        return std::nullopt;
    }
    if (out.vni == 0 || out.vni > 0xffffff) {
        why = "no VNI";
        return std::nullopt;
    }
    if (!out.withdraw && out.vtep == 0) {
        why = "no next hop";
        return std::nullopt;
    }
    return out;
}

}  // namespace vsw::evpn
