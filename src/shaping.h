// Per-VM bandwidth on the datapath.
//
// Guest TX (VM -> switch) is shaped by backpressure: while the port's bucket has no credit the
// owner worker does not dequeue from the guest's TX ring, so the guest's own queue fills and its
// TCP slows down; nothing is dropped in the switch. rte_vhost dequeues packets, not bytes, so a
// burst is taken while the credit is positive and its real bytes are charged (a deficit).
//
// Guest RX (switch -> VM) goes through a bounded per-port queue (an rte_ring: any worker
// enqueues, the port's owner drains). In shape mode the owner sends while the bucket has credit;
// in police mode it sends what conforms and drops the rest at once. Rates count L2 frame bytes.
#pragma once

#include <cstdint>

#include "src/pipeline.h"

namespace vsw {

// Owner worker, before polling `in`: may its guest's TX ring be read this round?
bool guest_tx_allowed(Datapath& dp, Port& in, const PortQos& q, uint64_t now, uint64_t hz);
// Owner worker, after receiving n frames from a shaped port: charges their bytes.
void guest_tx_charge(Port& in, rte_mbuf* const* pkts, uint16_t n);

// Any worker: puts frames for a guest-RX-shaped port into its queue (tail drops counted).
void guest_rx_enqueue(Datapath& dp, Port& port, const PortQos& q, rte_mbuf** pkts, uint16_t n);
// Owner worker: sends what the bucket allows from the port's queue.
void guest_rx_drain(Datapath& dp, Port& port, const PortQos& q, uint64_t now, uint64_t hz);

// Control thread, once no worker can touch the queue: drops what is left in it.
uint32_t guest_rx_flush(Port& port);

}  // namespace vsw
