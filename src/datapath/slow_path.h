// The slow path, as the workers see it: one ring up to the control thread (punts) and one ring
// down (frames the control thread sends, drained by worker 0: inject() in pipeline.h). A worker
// punts a frame with a reference of its own, so the burst goes on as decided and the control
// thread frees what it took; a sighting (a guest's ARP) goes up as a small fact instead of a
// frame. A full ring loses the punt, never blocks a worker.
#pragma once

#include <cstdint>

#include "core/mac.h"

struct rte_mbuf;
struct rte_ring;

namespace vsw {

// Why a frame goes up.
enum class PuntReason : uint8_t {
    kArp,                // ARP the control thread may answer or learn from: the VTEP address,
                         // ERSPAN and VXLAN next hops (the frame)
    kGuestArp,           // what a guest's ARP in an overlay VLAN said (`guest_arp`, no frame)
    kReservedMulticast,  // to 01:80:C2:00:00:0X, on a port whose feature claims them (the frame)
    kDhcp,               // DHCP, while a port learns its guest's addresses from it (the frame)
    kCfm,                // CFM at or below the level of the port's MEP (the frame)
};
inline constexpr unsigned kPuntReasonCount = 5;

// What a guest's ARP said, for EVPN's MAC/IP routes.
struct GuestArp {
    Mac mac = 0;        // the ARP's sender, the same as the frame's source
    uint32_t ip = 0;    // the sender's IPv4 address (host byte order), never 0
    uint16_t vlan = 0;  // the VLAN the frame belongs to in the switch
    uint16_t slot = 0;  // the port it came in on
};

// One element of the punt ring.
struct Punt {
    PuntReason reason = PuntReason::kArp;
    uint16_t slot = 0;          // the port it came in on
    rte_mbuf* frame = nullptr;  // the frame (the control thread's reference), or null
    GuestArp guest_arp{};       // kGuestArp
};

// Punts frame `m`, received on port `slot`, with a reference of the ring's own. False (and no
// reference taken) if the ring is full or absent.
bool punt_frame(rte_ring* ring, PuntReason reason, uint16_t slot, rte_mbuf* m);
// Punts a guest's ARP sighting. False if the ring is full or absent.
bool punt_guest_arp(rte_ring* ring, const GuestArp& seen);

}  // namespace vsw
