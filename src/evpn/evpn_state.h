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
// Static MACs (RFC 7432 section 15.2): a MAC pinned here by port security is advertised with
// the mobility community's sticky flag and never given up: another VTEP's route for it, whatever
// its sequence, is a conflict (reported), not a move. Elsewhere a sticky route beats any
// non-sticky one. A host that learns locally a MAC another VTEP holds as static reports the
// conflict and advertises it as usual (sequence + 1), so that the owner sees it too.
//
// Duplicates (duplicate_detector.h): a MAC that moves too often is frozen where it is: if here,
// its route stays as it was (same sequence, not withdrawn, not re-advertised); if remote, it
// stays programmed at that VTEP; its later moves are not followed until it is cleared or its
// hold time ends.
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
#include "overlay/overlay_report.h"
#include "src/evpn/duplicate_detector.h"
#include "src/evpn/evpn_routes.h"

namespace vsw::evpn {

// vswd as vsw-evpn sees it.
struct LocalView {
    uint32_t vtep = 0;                         // the VTEP address; 0: none configured
    std::map<uint32_t, uint16_t> vlan_of_vni;  // mapped VNIs
    // (VNI, MAC) learned on local ports -> the IP vswd saw in the guest's ARP (0: none yet)
    std::map<std::pair<uint32_t, Mac>, uint32_t> macs;
    std::set<std::pair<uint32_t, Mac>> pinned;  // those of `macs` pinned by port security
};

// From the answers to vxlan-show and fdb-show; throws std::invalid_argument if they do not
// read as vswd's.
LocalView local_view(const nlohmann::json& vxlan_show, const nlohmann::json& fdb_show);

class EvpnState {
  public:
    static constexpr uint32_t kSequenceMemory = 300;  // seconds, as long as an FDB entry lives

    explicit EvpnState(DuplicateOptions dup = {}) : duplicates_(dup) {}

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
        OverlayReport report;                       // conflicts and duplicates, for vswd
    };
    // `now`: seconds on any monotonic clock (for the sequence memory).
    Decision decide(const LocalView& local, uint32_t asn, uint64_t now = 0);

    // The sequence number advertised for a local MAC, if it is advertised.
    std::optional<uint32_t> advertised_seq(uint32_t vni, Mac mac) const;

    // An operator's clear: one duplicate (vni != 0) or all. Followed from the next decide on.
    void clear_duplicates(uint32_t vni, Mac mac);

  private:
    std::map<std::string, RibRoute> rib_;                      // by NLRI key
    std::map<std::pair<uint32_t, Mac>, uint32_t> advertised_;  // local MAC -> its sequence
    struct Seen {
        uint32_t seq;   // highest sequence another VTEP advertised
        uint64_t last;  // when (decide's `now`) it was last advertised
    };
    std::map<std::pair<uint32_t, Mac>, Seen> seen_;  // remote MACs, also shortly after they went
    DuplicateDetector duplicates_;
    struct Held {
        uint32_t vtep;  // where it was frozen: a remote VTEP, or 0: here
        uint32_t seq;   // here: the route's sequence and IP then
        uint32_t ip;
    };
    std::map<std::pair<uint32_t, Mac>, Held> held_;  // frozen duplicates, as they were
};

}  // namespace vsw::evpn
