// Capture filters: a pcap-filter(7) expression ("udp port 53", "vlan 10 and arp"), compiled by
// libpcap to classic BPF, converted by DPDK to eBPF and JIT-compiled where DPDK can (as
// dpdk-dumpcap does). Runs on each frame of a captured port before it is copied.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

struct rte_bpf;
struct rte_mbuf;

namespace vsw {

class CaptureFilter {
  public:
    // Compiles `expression` for Ethernet frames. Null and `error` set if it does not compile.
    static std::unique_ptr<CaptureFilter> compile(const std::string& expression,
                                                  std::string& error);
    ~CaptureFilter();
    CaptureFilter(const CaptureFilter&) = delete;
    CaptureFilter& operator=(const CaptureFilter&) = delete;

    // Sets match[i] non-zero for each frame the expression accepts.
    void run(rte_mbuf* const* pkts, uint16_t n, uint64_t* match) const;
    bool jit() const { return jit_ != nullptr; }

  private:
    CaptureFilter() = default;
    rte_bpf* bpf_ = nullptr;
    uint64_t (*jit_)(void*) = nullptr;  // the native code, if DPDK made it
};

}  // namespace vsw
