// vsw-macgen --tso: the TSO frames and the ports' offloads (net_virtio_user, DPDK 22.11).
//
// The sender asks for TCP segmentation (RTE_ETH_TX_OFFLOAD_TCP_TSO, which virtio-user offers
// when the backend offers VIRTIO_NET_F_HOST_TSO4 and _TSO6): each frame leaves with a
// virtio-net header of gso_type TCPv4, gso_size 1448, and the partial checksum flag. The
// receiver turns on RTE_ETH_RX_OFFLOAD_TCP_LRO and TCP_CKSUM (VIRTIO_NET_F_GUEST_TSO4/6 and
// GUEST_CSUM): a switch may then hand it whole TSO frames, which arrive marked
// RTE_MBUF_F_RX_LRO. virtio has no IPv4 header checksum offload: the header's sum is written
// here (the segmenting side recomputes it per segment).
//
// The frames are built once: kTsoTemplates single-segment mbufs of 64 KB data room, each sent
// again and again with a reference taken per transmission (virtio then never writes its header
// into the frame's headroom: it does so only for a frame with one reference).
#pragma once

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include <cstdio>
#include <cstring>

namespace tso {

constexpr uint16_t kMss = 1448;              // a TCP segment's payload, as Linux over MTU 1500
constexpr uint32_t kSegments = 45;           // 45 x 1448 = 65160 bytes of payload
constexpr uint16_t kHeaders = 14 + 20 + 20;  // Ethernet, IPv4, TCP without options
constexpr uint32_t kPayload = kSegments * kMss;
constexpr uint32_t kFrame = kHeaders + kPayload;  // 65214 bytes, without FCS
constexpr unsigned kTemplates = 16;
constexpr uint64_t kWindow = 64;  // frames in flight at most: 4 MB, as a TCP window

// The port's offloads set up for its role, or false with a reason printed.
inline bool configure(uint16_t port, bool sender, rte_eth_conf& conf) {
    rte_eth_dev_info info;
    if (rte_eth_dev_info_get(port, &info) != 0) return false;
    const uint64_t want = sender ? RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
                                       RTE_ETH_TX_OFFLOAD_MULTI_SEGS
                                 : RTE_ETH_RX_OFFLOAD_TCP_LRO | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
    const uint64_t capa = sender ? info.tx_offload_capa : info.rx_offload_capa;
    if ((capa & want) != want) {
        std::fprintf(stderr,
                     "vsw-macgen: port %u lacks the %s offloads (0x%llx of 0x%llx): does the "
                     "switch offer TSO?\n",
                     port, sender ? "TX TSO" : "RX LRO",
                     static_cast<unsigned long long>(capa & want),
                     static_cast<unsigned long long>(want));
        return false;
    }
    (sender ? conf.txmode.offloads : conf.rxmode.offloads) |= want;
    return true;
}

// One TSO frame from `src` to `dst`: IPv4/TCP 10.0.0.1:1000 -> 10.0.0.2:2000, `seq`.
inline rte_mbuf* make_frame(rte_mempool* pool, const uint8_t* dst, const uint8_t* src,
                            uint32_t seq) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (!m) return nullptr;
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(kFrame)));
    if (!p) {
        rte_pktmbuf_free(m);
        return nullptr;
    }
    for (uint32_t i = kHeaders; i < kFrame; ++i) p[i] = static_cast<uint8_t>(i * 7);
    std::memcpy(p, dst, 6);
    std::memcpy(p + 6, src, 6);
    p[12] = 0x08;
    p[13] = 0x00;
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p + 14);
    std::memset(ip, 0, sizeof *ip + sizeof(rte_tcp_hdr));
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(kFrame - 14));
    ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_TCP;
    ip->src_addr = rte_cpu_to_be_32(0x0a000001);
    ip->dst_addr = rte_cpu_to_be_32(0x0a000002);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    auto* tcp = reinterpret_cast<rte_tcp_hdr*>(ip + 1);
    tcp->src_port = rte_cpu_to_be_16(1000);
    tcp->dst_port = rte_cpu_to_be_16(2000);
    tcp->sent_seq = rte_cpu_to_be_32(seq);
    tcp->recv_ack = rte_cpu_to_be_32(1);
    tcp->data_off = 5 << 4;
    tcp->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
    tcp->rx_win = rte_cpu_to_be_16(65535);
    m->l2_len = 14;
    m->l3_len = 20;
    m->l4_len = 20;
    m->tso_segsz = kMss;
    m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
    // The partial sum over the pseudo header with the TCP length, as virtio's tx_prepare leaves it
    // (virtio_tso_fix_cksum) and as Linux does: this frame's length fits the IPv4 header.
    tcp->cksum = rte_ipv4_phdr_cksum(ip, 0);
    return m;
}

// What the receiver counted.
struct Received {
    uint64_t frames = 0, bytes = 0, lro = 0;  // lro: frames marked RTE_MBUF_F_RX_LRO
};

inline unsigned drain(uint16_t port, Received& r) {
    rte_mbuf* pkts[32];
    unsigned total = 0;
    for (uint16_t n; (n = rte_eth_rx_burst(port, 0, pkts, 32)) > 0;) {
        for (uint16_t i = 0; i < n; ++i) {
            r.bytes += pkts[i]->pkt_len;
            r.lro += (pkts[i]->ol_flags & RTE_MBUF_F_RX_LRO) != 0;
        }
        r.frames += n;
        rte_pktmbuf_free_bulk(pkts, n);
        total += n;
    }
    return total;
}

}  // namespace tso
