#include "src/pipeline.h"

#include <rte_ether.h>
#include <rte_mbuf.h>

namespace vsw {

using telemetry::DropReason;

uint16_t receive(Datapath& dp, Port& in, rte_mempool* pool, rte_mbuf** pkts) {
    (void)dp;
    switch (in.type) {
        case PortType::kVhostUserClient:
        case PortType::kVhostUserServer:
            return vhost::rx_burst(in.vhost, pool, pkts, kBurst);
        case PortType::kDpdk:
            if (!in.eth.started.load(std::memory_order_acquire)) return 0;
            return ethdev::rx_burst(in.eth, pkts, kBurst);
    }
    return 0;
}

void decide(Datapath& dp, const Snapshot& snap, Port& in, rte_mbuf* const* pkts, uint16_t n,
            uint32_t now_s, BurstDecisions& d) {
    telemetry::PortCounters& c = in.counters[dp.worker];
    uint64_t bytes = 0;
    Mac last_learned = ~Mac{0};  // a burst usually repeats one source: learn it once
    for (uint16_t i = 0; i < n; ++i) {
        const rte_mbuf* m = pkts[i];
        bytes += m->pkt_len;
        if (m->data_len < RTE_ETHER_HDR_LEN) {
            c.drop(DropReason::kMalformed);
            d.out[i] = kOutDrop;
            continue;
        }
        const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
        const Mac dst = mac_from_bytes(eth);
        const Mac src = mac_from_bytes(eth + 6);
        if (mac_is_multicast(src)) {
            c.drop(DropReason::kInvalidSrcMac);
            d.out[i] = kOutDrop;
            continue;
        }
        if (src != last_learned) {
            if (dp.fdb->learn(src, 0, in.slot, now_s) == Fdb::LearnResult::kFull) c.learn_full.add(1);
            last_learned = src;
        }
        if (mac_is_multicast(dst)) {
            d.out[i] = kOutFlood;
            continue;
        }
        const int slot = dp.fdb->lookup(dst, 0);
        if (slot < 0 || snap.ports[slot] == nullptr) {
            d.out[i] = kOutFlood;
        } else if (slot == in.slot) {
            c.drop(DropReason::kSamePort);
            d.out[i] = kOutDrop;
        } else {
            d.out[i] = static_cast<int16_t>(slot);
        }
    }
    c.rx_packets.add(n);
    c.rx_bytes.add(bytes);
}

namespace {

inline void push(Datapath& dp, const Snapshot& snap, uint16_t slot, rte_mbuf* m) {
    TxBuffer& b = dp.tx[slot];
    if (!b.pending) {
        b.pending = true;
        dp.pending[dp.n_pending++] = slot;
    }
    b.pkts[b.n++] = m;
    if (b.n == kBurst) flush_slot(dp, snap, slot);
}

}  // namespace

void scatter(Datapath& dp, const Snapshot& snap, Port& in, rte_mbuf* const* pkts, uint16_t n,
             const BurstDecisions& d) {
    rte_mbuf* to_free[kBurst];
    uint16_t n_free = 0;
    telemetry::PortCounters& c = in.counters[dp.worker];
    // Flood targets are the same for the whole burst: every port with its link up but the
    // ingress one. A port whose guest is not connected is not a flood target, not a drop.
    uint16_t targets[kMaxPorts];
    uint16_t n_targets = 0;
    for (uint16_t k = 0; k < snap.n_flood; ++k) {
        const uint16_t slot = snap.flood[k];
        if (slot != in.slot && snap.ports[slot]->link_up()) targets[n_targets++] = slot;
    }
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        const int16_t out = d.out[i];
        if (out >= 0) {
            push(dp, snap, static_cast<uint16_t>(out), m);
        } else if (out == kOutFlood) {
            c.flooded.add(1);
            if (n_targets == 0) {
                c.drop(DropReason::kNoDestination);
                to_free[n_free++] = m;
                continue;
            }
            // One reference per egress port; each transmit or drop releases one.
            if (n_targets > 1) rte_mbuf_refcnt_update(m, static_cast<int16_t>(n_targets - 1));
            for (uint16_t k = 0; k < n_targets; ++k) push(dp, snap, targets[k], m);
        } else {
            to_free[n_free++] = m;
        }
    }
    if (n_free) rte_pktmbuf_free_bulk(to_free, n_free);
}

void flush_slot(Datapath& dp, const Snapshot& snap, uint16_t slot) {
    TxBuffer& b = dp.tx[slot];
    const uint16_t n = b.n;
    if (n == 0) return;
    b.n = 0;
    Port* port = snap.ports[slot];
    if (port == nullptr) {  // the port was deleted while frames waited for it
        dp.orphan_drops += n;
        rte_pktmbuf_free_bulk(b.pkts, n);
        return;
    }
    uint32_t len[kBurst];
    for (uint16_t i = 0; i < n; ++i) len[i] = b.pkts[i]->pkt_len;
    uint16_t sent = 0;
    bool up = port->admin_up.load(std::memory_order_relaxed);
    if (up) {
        switch (port->type) {
            case PortType::kVhostUserClient:
            case PortType::kVhostUserServer: {
                vhost::TxResult r = vhost::tx_burst(port->vhost, dp.worker, b.pkts, n);
                sent = r.sent;
                up = r.up;
                rte_pktmbuf_free_bulk(b.pkts, n);  // rte_vhost copied what it sent
                break;
            }
            case PortType::kDpdk:
                up = port->eth.started.load(std::memory_order_acquire);
                if (up) sent = ethdev::tx_burst(port->eth, dp.worker, b.pkts, n);
                if (sent < n) rte_pktmbuf_free_bulk(b.pkts + sent, static_cast<unsigned>(n - sent));
                break;
        }
    } else {
        rte_pktmbuf_free_bulk(b.pkts, n);
    }
    telemetry::PortCounters& c = port->counters[dp.worker];
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < sent; ++i) bytes += len[i];
    c.tx_packets.add(sent);
    c.tx_bytes.add(bytes);
    if (sent < n) c.drop(up ? DropReason::kTxFull : DropReason::kPortDown, n - sent);
}

void flush_all(Datapath& dp, const Snapshot& snap) {
    for (uint16_t i = 0; i < dp.n_pending; ++i) {
        const uint16_t slot = dp.pending[i];
        flush_slot(dp, snap, slot);
        dp.tx[slot].pending = false;
    }
    dp.n_pending = 0;
}

}  // namespace vsw
