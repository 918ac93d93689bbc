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
    telemetry::PortCounters& c = port.counters[worker];
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < sent; ++i) bytes += len[i];
    c.tx_packets.add(sent);
    c.tx_bytes.add(bytes);
    if (sent < n) c.drop(up ? DropReason::kTxFull : DropReason::kPortDown, n - sent);
    return sent;
}

}  // namespace vsw
