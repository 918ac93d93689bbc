// EVPN routes (RFC 7432, RFC 8365) as GoBGP's API messages: the two kinds vsw originates, and
// what vsw reads from the RIB. Pure translation, no connection.
//
//   type 3 (inclusive multicast): one per VNI the host carries. RD VTEP-IP:VLAN, Ethernet tag 0,
//     originator = the VTEP; route target AS:VNI, the VXLAN encapsulation community, a PMSI
//     tunnel attribute "ingress replication" with the VNI as label; next hop = the VTEP.
//   type 2 (MAC/IP advertisement): one per MAC learned on a local port. ESI 0, tag 0, label =
//     VNI, the IP when known, the MAC mobility community when the sequence number is not 0 or
//     the MAC is static (its sticky flag, RFC 7432 section 15.2: a MAC pinned by port security).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/mac.h"
#include "gobgp.pb.h"

namespace vsw::evpn {

struct Originator {
    uint32_t vtep = 0;  // the local VTEP address (host byte order): next hop, RD, PMSI id
    uint32_t asn = 0;   // for route targets AS:VNI
};

apipb::Family evpn_family();

// A type-3 route for `vni` carried in VLAN `vlan` (the RD's number).
apipb::Path inclusive_multicast_route(const Originator& o, uint32_t vni, uint16_t vlan);

// A type-2 route for `mac` (and `ip`, 0 = none) in `vni`, with mobility sequence `seq`; `sticky`:
// a static MAC that must not move.
apipb::Path mac_ip_route(const Originator& o, uint32_t vni, uint16_t vlan, Mac mac, uint32_t ip,
                         uint32_t seq, bool sticky = false);

// A route as vsw reads it from the RIB.
struct RibRoute {
    enum class Kind { kInclusiveMulticast, kMacIp };
    Kind kind = Kind::kMacIp;
    std::string key;      // the NLRI's identity (kind, RD, tag, MAC/IP or originator)
    uint32_t vni = 0;     // type 3: PMSI label (or RT); type 2: label 1
    uint32_t vtep = 0;    // the next hop: where frames for it go
    Mac mac = 0;          // type 2
    uint32_t seq = 0;     // type 2: MAC mobility sequence (0 without the community)
    bool sticky = false;  // type 2: the mobility community's sticky (static) flag
    bool withdraw = false;
};

// Reads an EVPN path; nullopt for other route types or paths vsw cannot use (IPv6 next hop, no
// VNI), with `why` set.
std::optional<RibRoute> read_route(const apipb::Path& p, std::string& why);

}  // namespace vsw::evpn
