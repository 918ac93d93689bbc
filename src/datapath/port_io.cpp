#include "src/datapath/port_io.h"

#include <rte_mbuf.h>

#include "telemetry/capture/capture_tap.h"

namespace vsw {

uint16_t receive(Port& in, rte_mempool* pool, rte_mbuf** pkts) {
    switch (in.kind) {
        case PortKind::kVhost: return vhost::rx_burst(in.vhost, pool, pkts, kBurst);
        case PortKind::kEthdev:
            if (!in.eth.started.load(std::memory_order_acquire)) return 0;
            return ethdev::rx_burst(in.eth, pkts, kBurst);
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

}  // namespace

uint16_t transmit(Port& port, unsigned worker, rte_mbuf** pkts, uint16_t n) {
    capture_sent(port.capture, worker, pkts, n);
    uint32_t len[kBurst];
    for (uint16_t i = 0; i < n; ++i) len[i] = pkts[i]->pkt_len;
    uint16_t sent = 0;
    bool up = port.admin_up.load(std::memory_order_relaxed);
    if (up) {
        switch (port.kind) {
            case PortKind::kVhost: {
                vhost::TxResult r = vhost::tx_burst(port.vhost, worker, pkts, n);
                sent = r.sent;
                up = r.up;
                rte_pktmbuf_free_bulk(pkts, n);  // rte_vhost copied what it sent
                break;
            }
            case PortKind::kEthdev:
                up = port.eth.started.load(std::memory_order_acquire);
                if (up) sent = ethdev::tx_burst(port.eth, worker, pkts, n);
                if (sent < n) rte_pktmbuf_free_bulk(pkts + sent, static_cast<unsigned>(n - sent));
                break;
        }
    } else {
        rte_pktmbuf_free_bulk(pkts, n);
    }
    count_sent(port.counters[worker], len, sent);
    if (sent < n)
        port.counters[worker].drop(up ? DropReason::kTxFull : DropReason::kPortDown, n - sent);
    return sent;
}

uint16_t offer(Port& port, unsigned worker, rte_mbuf** pkts, uint16_t n, uint16_t first_new) {
    capture_sent(port.capture, worker, pkts + first_new, static_cast<uint16_t>(n - first_new));
    uint32_t len[kBurst];
    for (uint16_t i = 0; i < n; ++i) len[i] = pkts[i]->pkt_len;
    uint16_t sent = 0;
    bool up = port.admin_up.load(std::memory_order_relaxed);
    if (up) {
        switch (port.kind) {
            case PortKind::kVhost: {
                const vhost::TxResult r = vhost::tx_burst(port.vhost, worker, pkts, n);
                up = r.up;
                sent = r.sent;
                rte_pktmbuf_free_bulk(pkts, sent);  // copied into the guest; the rest stays ours
                break;
            }
            case PortKind::kEthdev:
                up = port.eth.started.load(std::memory_order_acquire);
                if (up) sent = ethdev::tx_burst(port.eth, worker, pkts, n);
                break;
        }
    }
    count_sent(port.counters[worker], len, sent);
    if (!up) {  // nobody to wait for
        rte_pktmbuf_free_bulk(pkts + sent, static_cast<unsigned>(n - sent));
        port.counters[worker].drop(DropReason::kPortDown, n - sent);
        return n;
    }
    return sent;
}

}  // namespace vsw
