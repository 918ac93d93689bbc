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

}  // namespace vsw
