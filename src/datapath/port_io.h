// A port's two ends on the datapath: receiving a burst from its device and handing frames to
// it. Dispatched with a switch on the port's kind, never a virtual call.
#pragma once

#include <cstdint>

#include "src/datapath/port.h"

struct rte_mbuf;
struct rte_mempool;

namespace vsw {

// Receives one burst from `in` into `pkts` (kBurst entries); returns the count. Owner worker.
uint16_t receive(Port& in, rte_mempool* pool, rte_mbuf** pkts);

// Hands frames to the port's device now, as worker `worker` (its TX queue and counters);
// frees what it does not take and counts it. Returns how many it took.
uint16_t transmit(Port& port, unsigned worker, rte_mbuf** pkts, uint16_t n);

// For a guest-RX-shaped port (qos/shaping.h): hands frames to the device like transmit(), but
// what the device does not take yet stays with the caller, counted nowhere (the shaping queue
// keeps it). Frames before `first_new` were offered before and are not captured again. A port
// that is down or disconnected takes nothing, ever: its frames are freed, counted as port_down,
// and all `n` are reported taken.
uint16_t offer(Port& port, unsigned worker, rte_mbuf** pkts, uint16_t n, uint16_t first_new);

}  // namespace vsw
