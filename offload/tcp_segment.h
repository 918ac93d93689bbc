// Software TCP segmentation (TSO done by the switch) and software checksums (TCP, UDP), for
// destinations that cannot take a guest's large frames or partial checksums as they are: a guest
// that did not negotiate GUEST_TSO / GUEST_CSUM, a NIC without the offload, a mirror copy. Works
// for IPv4 and IPv6 (DPDK's librte_gso has no TCP/IPv6) and for frames chained over many mbufs.
//
// Segmenting copies headers only: each segment is a new first mbuf holding the headers, chained
// to indirect mbufs over the original's payload (rte_pktmbuf_attach), so the payload stays
// where the guest put it. The segments are what a NIC would send: IP lengths and checksums,
// consecutive IPv4 ids, sequence numbers advancing by the payload, PSH and FIN on the last
// segment only, CWR on the first only, every TCP checksum complete.
#pragma once

#include <cstdint>

#include "offload/tcp_layout.h"

struct rte_mbuf;
struct rte_mempool;

namespace vsw::offload {

// Cuts frame `m` (layout `l`, checked with check_tso) into segments of at most `mss` payload
// bytes, written to `out` (room for kMaxSegments). `m` is not consumed (the segments hold
// references to its buffers). Returns how many; 0 if `pool` ran out (nothing is left allocated).
uint16_t segment_tcp(rte_mbuf* m, const L4Layout& l, uint16_t mss, rte_mempool* pool,
                     rte_mbuf** out);

// A copy of frame `m` (TCP or UDP, layout `l`) with its L4 checksum complete, whatever its
// field held (a guest's partial checksum): new headers chained to indirect mbufs over m's
// payload, so that a frame shared by several destinations is never written to. `m` is not
// consumed. Null if `pool` ran out.
rte_mbuf* with_checksum(rte_mbuf* m, const L4Layout& l, rte_mempool* pool);

// A copy of frame `m` (layout `l`) whose headers are its own: a new first mbuf holding them,
// chained to indirect mbufs over m's payload, with m's offload metadata and the header lengths
// of `l`. For a NIC that does the offload: its TX preparation writes into the headers (pseudo
// header checksums), and a frame shared by several destinations must not be written to. `m` is
// not consumed. Null if `pool` ran out.
rte_mbuf* with_own_headers(rte_mbuf* m, const L4Layout& l, rte_mempool* pool);

}  // namespace vsw::offload
