#include "src/datapath/port_io.h"

#include <rte_mbuf.h>

#include <cstring>

#include "src/datapath/owned_frames.h"
#include "telemetry/capture/capture_tap.h"

namespace vsw {

uint16_t receive(Port& in, rte_mempool* pool, rte_mbuf** pkts) {
    switch (in.kind) {
        case PortKind::kVhost: return vhost::rx_burst(in.vhost, pool, pkts, kBurst);
        case PortKind::kEthdev:
            if (!in.eth.started.load(std::memory_order_acquire)) return 0;
            return ethdev::rx_burst(in.eth, pkts, kBurst);
        case PortKind::kBond: return 0;  // its members receive for it
    }
    return 0;
}

namespace {

void count_sent(telemetry::PortCounters& c, const uint32_t* len, uint16_t sent) {
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < sent; ++i) bytes += len[i];
    c.tx_packets.add(sent);
    c.tx_bytes.add(bytes);
}

// Hands frames to the device: the first `sent` are gone afterwards (copied into the guest and
// freed, or the NIC's), the rest are still the caller's. `up`: the port could take frames at all.
struct DeviceTx {
    uint16_t sent;
    bool up;
};
DeviceTx to_device(Port& port, unsigned worker, rte_mbuf** pkts, uint16_t n) {
    if (!port.admin_up.load(std::memory_order_relaxed)) return {0, false};
    switch (port.kind) {
        case PortKind::kVhost: {
            const vhost::TxResult r = vhost::tx_burst(port.vhost, worker, pkts, n);
            rte_pktmbuf_free_bulk(pkts, r.sent);  // rte_vhost copied them
            return {r.sent, r.up};
        }
        case PortKind::kEthdev: {
            const bool up = port.eth.started.load(std::memory_order_acquire);
            return {up ? ethdev::tx_burst(port.eth, worker, pkts, n) : uint16_t{0}, up};
        }
        case PortKind::kBond: return {0, false};  // sent by its members (flush_list)
    }
    return {0, false};
}

// A device's own check of the frames it is to offload (rte_eth_tx_prepare): those it refuses
// (too many segments for it, say) are freed and counted as bad_offload; the burst is compacted.
uint16_t prepared_for_device(Port& port, unsigned worker, rte_mbuf** pkts, uint16_t n) {
    uint16_t done = 0;
    while ((done += ethdev::tx_prepare(port.eth, worker, pkts + done, n - done)) < n) {
        rte_pktmbuf_free(pkts[done]);
        port.counters[worker].drop(DropReason::kBadOffload);
        --n;
        std::memmove(pkts + done, pkts + done + 1, (n - done) * sizeof *pkts);
    }
    return n;
}

}  // namespace

uint16_t transmit(Port& port, unsigned worker, rte_mbuf** pkts, uint16_t n) {
    if (port.kind == PortKind::kEthdev) {
        owned_frames(pkts, n, port.counters[worker]);  // a NIC keeps them until sent
        if (port.eth.offloads.prepare()) n = prepared_for_device(port, worker, pkts, n);
    }
    capture_sent(port.capture, worker, pkts, n);
    uint32_t len[kBurst];
    for (uint16_t i = 0; i < n; ++i) len[i] = pkts[i]->pkt_len;
    const DeviceTx tx = to_device(port, worker, pkts, n);
    count_sent(port.counters[worker], len, tx.sent);
    if (tx.sent < n) {
        rte_pktmbuf_free_bulk(pkts + tx.sent, static_cast<unsigned>(n - tx.sent));
        port.counters[worker].drop(tx.up ? DropReason::kTxFull : DropReason::kPortDown,
                                   n - tx.sent);
    }
    return tx.sent;
}

uint16_t offer(Port& port, unsigned worker, rte_mbuf** pkts, uint16_t n, uint16_t first_new) {
    capture_sent(port.capture, worker, pkts + first_new, static_cast<uint16_t>(n - first_new));
    uint32_t len[kBurst];
    for (uint16_t i = 0; i < n; ++i) len[i] = pkts[i]->pkt_len;
    const DeviceTx tx = to_device(port, worker, pkts, n);
    count_sent(port.counters[worker], len, tx.sent);
    if (tx.up) return tx.sent;
    // Nobody to wait for.
    rte_pktmbuf_free_bulk(pkts + tx.sent, static_cast<unsigned>(n - tx.sent));
    port.counters[worker].drop(DropReason::kPortDown, n - tx.sent);
    return n;
}

}  // namespace vsw
