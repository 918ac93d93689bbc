#include "telemetry/capture/capture_filter.h"

#include <pcap/pcap.h>
#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_malloc.h>

namespace vsw {

std::unique_ptr<CaptureFilter> CaptureFilter::compile(const std::string& expression,
                                                      std::string& error) {
    pcap_t* pcap = pcap_open_dead(DLT_EN10MB, 65535);
    if (!pcap) {
        error = "cannot set up libpcap to compile the filter";
        return nullptr;
    }
    bpf_program cbpf{};
    if (pcap_compile(pcap, &cbpf, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        error = "filter '" + expression + "': " + pcap_geterr(pcap);
        pcap_close(pcap);
        return nullptr;
    }
    rte_bpf_prm* prm = rte_bpf_convert(&cbpf);
    pcap_freecode(&cbpf);
    pcap_close(pcap);
    if (!prm) {
        error = std::string("filter '") + expression +
                "': cannot convert it to eBPF: " + rte_strerror(rte_errno);
        return nullptr;
    }
    std::unique_ptr<CaptureFilter> f(new CaptureFilter);
    f->bpf_ = rte_bpf_load(prm);
    rte_free(prm);
    if (!f->bpf_) {
        error = std::string("filter '") + expression +
                "': eBPF load failed: " + rte_strerror(rte_errno);
        return nullptr;
    }
    rte_bpf_jit jit{};
    if (rte_bpf_get_jit(f->bpf_, &jit) == 0 && jit.func) f->jit_ = jit.func;
    return f;
}

CaptureFilter::~CaptureFilter() {
    if (bpf_) rte_bpf_destroy(bpf_);
}

void CaptureFilter::run(rte_mbuf* const* pkts, uint16_t n, uint64_t* match) const {
    if (jit_) {
        for (uint16_t i = 0; i < n; ++i) match[i] = jit_(pkts[i]);
        return;
    }
    rte_bpf_exec_burst(bpf_, reinterpret_cast<void**>(const_cast<rte_mbuf**>(pkts)), match, n);
}

}  // namespace vsw
