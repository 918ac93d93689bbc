// What vsw-evpn decides, from what vswd shows (the VTEP, VNI mappings, MACs learned on local
// ports) and what the RIB holds (other VTEPs' type-2 and type-3 routes):
//
//  * routes to originate: one type-3 per mapped VNI, one type-2 per local MAC;
//  * the remote state to program into vswd: each VNI's flood list (type-3 next hops) and each
//    remote MAC's VTEP.
//
// MAC mobility (RFC 7432 section 15): per (VNI, MAC) the route with the highest sequence number
// wins, on a tie the lower VTEP address. A MAC that becomes local while another VTEP advertises
// it is advertised with that sequence + 1; a local MAC that another VTEP advertises with a
// higher sequence has moved away: its route is withdrawn (GoBGP does not do this itself) and the
// MAC is programmed as remote, which also replaces vswd's local entry.
//
// In a live migration the source port stops before the destination's guest runs, so the old
// host usually withdraws before the new one sees the MAC: the sequence other VTEPs last
// advertised for a MAC is remembered for kSequenceMemory seconds after their route went, and a
// MAC that appears here in that time takes it + 1 (never a lower number than the fabric saw).
// Pure logic: unit-tested.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <utility>

#include "core/mac.h"
#include "overlay/overlay_config.h"
#include "src/evpn/evpn_routes.h"

namespace vsw::evpn {

// vswd as vsw-evpn sees it.
struct LocalView {
    uint32_t vtep = 0;                         // the VTEP address; 0: none configured
    std::map<uint32_t, uint16_t> vlan_of_vni;  // mapped VNIs
    // (VNI, MAC) learned on local ports -> the IP vswd saw in the guest's ARP (0: none yet)
    std::map<std::pair<uint32_t, Mac>, uint32_t> macs;
};

// From the answers to vxlan-show and fdb-show; throws std::invalid_argument if they do not
// read as vswd's.
LocalView local_view(const nlohmann::json& vxlan_show, const nlohmann::json& fdb_show);

class EvpnState {
  public:
    static constexpr uint32_t kSequenceMemory = 300;  // seconds, as long as an FDB entry lives

    // A route (or its withdrawal) from the RIB's event stream.
    void apply(const RibRoute& r);
    void clear_rib() { rib_.clear(); }
    // A type-2 route this host originated before (found in gobgpd when the agent starts): its
    // sequence number is kept while the MAC stays local.
    void adopt(const RibRoute& own);
    size_t rib_size() const { return rib_.size(); }

    struct Decision {
        std::map<std::string, apipb::Path> routes;  // to originate, by NLRI key
        OverlayRemote remote;                       // to program into vswd
    };
    // `now`: seconds on any monotonic clock (for the sequence memory).
    Decision decide(const LocalView& local, uint32_t asn, uint64_t now = 0);

    // The sequence number advertised for a local MAC, if it is advertised.
    std::optional<uint32_t> advertised_seq(uint32_t vni, Mac mac) const;

  private:
    std::map<std::string, RibRoute> rib_;                      // by NLRI key
    std::map<std::pair<uint32_t, Mac>, uint32_t> advertised_;  // local MAC -> its sequence
    struct Seen {
        uint32_t seq;   // highest sequence another VTEP advertised
        uint64_t last;  // when (decide's `now`) it was last advertised
    };
    std::map<std::pair<uint32_t, Mac>, Seen> seen_;  // remote MACs, also shortly after they went
};

}  // namespace vsw::evpn
