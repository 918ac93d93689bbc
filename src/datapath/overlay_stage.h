// The VXLAN overlay's two halves in the datapath.
//
// Underlay ingress (decide_underlay): the VTEP port is the underlay, owned by vswd. What it
// receives is VXLAN for the local VTEP address, decapsulated into the VLAN of its VNI (only
// from VTEPs the control plane announced for that VNI), ARP for the control thread (the VTEP's
// own address, the remote VTEPs' next hops), or a counted drop. Decapsulated frames are never
// learned (EVPN says where MACs are) and never go back to the overlay.
//
// Overlay egress (to_vtep, in pipeline.cpp with the other egress steps): a frame for a MAC behind
// a remote VTEP, or a copy of a flood for each VTEP in the VNI's flood list (head-end
// replication), leaves the VTEP port untagged, segmented to fit the underlay's MTU, inside
// outer headers chained in front of it (overlay/vxlan_encap.h).
//
// Guest ARP (snoop_guest_arp): an ARP request or reply from a local port of a VLAN in the overlay
// tells the guest's IP; the control thread gets (VLAN, MAC, IP, port) for EVPN's MAC/IP routes.
#pragma once

#include <cstdint>

#include "core/burst.h"
#include "core/mac.h"
#include "core/vlan.h"
#include "src/datapath/pipeline.h"
#include "src/datapath/slow_path.h"

namespace vsw {

// For a frame `eth` of VLAN f.vlan received on port `slot`: if it is an ARP whose
// sender is the frame's source and the VLAN is mapped to a VNI, tells the control thread. A
// full ring loses the sighting (the guest's next ARP tells again), never the frame.
void snoop_guest_arp(Datapath& dp, const OverlayTable& ov, const uint8_t* eth, uint16_t len,
                     const FrameVlan& f, uint16_t slot);

// decide() for a burst received on the VTEP port (snap.overlay->uplink).
void decide_underlay(Datapath& dp, const Snapshot& snap, Port& in, rte_mbuf* const* pkts,
                     uint16_t n, BurstDecisions& d);

}  // namespace vsw
