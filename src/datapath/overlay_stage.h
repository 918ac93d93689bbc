// The VXLAN overlay's two halves in the datapath. Each sees only its slice of the worker, the
// snapshot and the VTEP port (UnderlayIngress, OverlayEgress); the pipeline cuts the slices.
//
// Underlay ingress (decide_underlay): the VTEP port is the underlay, owned by vswd. What it
// receives is VXLAN for the local VTEP address, decapsulated into the VLAN of its VNI (only
// from VTEPs the control plane announced for that VNI), ARP for the control thread (the VTEP's
// own address, the remote VTEPs' next hops), or a counted drop. Decapsulated frames are never
// learned (EVPN says where MACs are) and never go back to the overlay.
//
// Overlay egress (encapsulate_for_vtep): a frame for a MAC behind a remote VTEP, or a copy of a
// flood for each VTEP in the VNI's flood list (head-end replication), leaves the VTEP port
// untagged, segmented to fit the underlay's MTU, inside outer headers chained in front of it
// (overlay/vxlan_encap.h).
//
// Guest ARP (snoop_guest_arp): an ARP request or reply from a local port of a VLAN in the overlay
// tells the guest's IP; the control thread gets (VLAN, MAC, IP, port) for EVPN's MAC/IP routes.
#pragma once

#include <cstdint>

#include "core/burst.h"
#include "core/limits.h"
#include "core/mac.h"
#include "core/vlan.h"
#include "offload/tcp_layout.h"
#include "src/datapath/fdb.h"
#include "src/datapath/overlay_table.h"
#include "src/datapath/slow_path.h"
#include "src/datapath/vlan_stage.h"
#include "telemetry/port_counters.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace vsw {

struct Port;

// The overlay's part of a burst's decisions, passed along beside BurstDecisions (core/burst.h).
struct OverlayDecisions {
    // The burst's floods also go to every VTEP of their VNI's flood list: there is an overlay
    // and the burst came from a switching port (never back from the underlay).
    bool flood_to_vteps = false;
    uint16_t vtep[kBurst];  // a frame decided kOutRemote: its remote VTEP's index in the table
};

// One worker's overlay state. Not shared: no locks.
struct OverlayWorker {
    uint16_t ip_id = 0;  // outer IPv4 identification of this worker's VXLAN frames
};

// What decide_underlay reads and writes besides the burst.
struct UnderlayIngress {
    const OverlayTable& table;          // VNIs, their VLANs and accepted senders
    const Fdb& fdb;                     // where inner destinations are (looked up, never learned)
    rte_ring* punt;                     // ARP up to the control thread (null: none)
    unsigned worker;                    // selects the VTEP counter block
    uint16_t slot;                      // the VTEP port's
    telemetry::PortCounters& counters;  // the VTEP port's, this worker's block
    Port* const* ports;                 // by slot: the snapshot's ports (null: no port)
    const PortVlan* const* vlan;        // by slot: the VLANs each port carries
};

// decide() for a burst received on the VTEP port (snap.overlay->uplink).
void decide_underlay(const UnderlayIngress& u, rte_mbuf* const* pkts, uint16_t n,
                     BurstDecisions& d);

// For a frame `eth` of VLAN f.vlan received on port `slot`: if it is an ARP whose sender is the
// frame's source and the VLAN is mapped to a VNI, tells the control thread through `punt`. A
// full ring loses the sighting (the guest's next ARP tells again), never the frame.
void snoop_guest_arp(rte_ring* punt, const OverlayTable& ov, const uint8_t* eth, uint16_t len,
                     const FrameVlan& f, uint16_t slot);

// What the overlay's egress reads and writes for one frame.
struct OverlayEgress {
    const OverlayTable& table;                 // the remote VTEPs and VNIs
    telemetry::PortCounters& uplink_counters;  // the VTEP port's, this worker's block: drops
    bool uplink_up;                            // the VTEP port's link
    uint16_t uplink_mtu;                       // the VTEP port's mtu=
    unsigned worker;                           // selects the VTEP counter block
    rte_mempool* pool;                         // header segments, segments of large frames
    OverlayWorker& state;                      // this worker's
};

// Most frames one encapsulation makes: a guest's large frame cut into segments.
inline constexpr unsigned kMaxEncapsulated = offload::kMaxSegments;

// Puts one reference of `m` (a frame of VLAN f.vlan) into VXLAN for remote VTEP `vtep`:
// untagged, cut into segments (or checksummed) where it is a guest's large frame, into `out`
// (room for kMaxEncapsulated), in the order they are to leave the VTEP port. Returns how many.
// The reference is consumed either way. Drops are counted on the VTEP port: vxlan_unresolved,
// port_down, vxlan_over_mtu where it does not fit the underlay's MTU with 50 bytes of VXLAN,
// no_mbufs.
uint16_t encapsulate_for_vtep(OverlayEgress& e, uint16_t vtep, rte_mbuf* m, const FrameVlan& f,
                              rte_mbuf** out);

}  // namespace vsw
