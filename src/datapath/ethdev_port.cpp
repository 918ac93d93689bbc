#include "src/datapath/ethdev_port.h"

#include <rte_dev.h>
#include <rte_errno.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace vsw {
namespace {

constexpr uint16_t kRxDescriptors = 1024;
constexpr uint16_t kTxDescriptors = 1024;

std::string dpdk_error(const std::string& what, int rc) {
    return what + ": " + rte_strerror(rc < 0 ? -rc : rc);
}

// What vsw asks of a device that can do it. Chained frames (guest frames over 2 KB, segments,
// VLAN pushes) need MULTI_SEGS on real NICs; the others take a guest's offloads off the CPU.
constexpr uint64_t kWantedTxOffloads =
    RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
    RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_TSO;

DeviceOffloads device_offloads(const rte_eth_dev_info& info) {
    DeviceOffloads d;
    d.enabled = info.tx_offload_capa & kWantedTxOffloads;
    const auto has = [&](uint64_t o) { return (d.enabled & o) == o; };
    d.csum = has(RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
    const bool tso = has(RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
                         RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
    d.tso4 = tso && has(RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
    d.tso6 = tso;
    if (info.driver_name && std::strcmp(info.driver_name, "net_tap") == 0) {
        // net_tap segments with librte_gso, which has no TCP/IPv6 (it would write the large
        // frame to the kernel as it is), and takes headers + segment size against its MTU.
        d.tso6 = false;
        d.tso_counts_l2 = true;
    }
    return d;
}

}  // namespace

std::string ethdev_open(const std::string& devargs, unsigned workers, rte_mempool* pool,
                        EthdevState& state) {
    // The device name is what precedes the first comma: "net_tap0", "0000:00:08.0", ...
    std::string name = devargs.substr(0, devargs.find(','));
    uint16_t pid;
    if (rte_eth_dev_get_port_by_name(name.c_str(), &pid) == 0)
        return "device " + name + " is already in use";
    if (int rc = rte_dev_probe(devargs.c_str()); rc != 0)
        return dpdk_error("cannot probe devargs '" + devargs + "'", rc);
    if (rte_eth_dev_get_port_by_name(name.c_str(), &pid) != 0) {
        rte_eal_hotplug_remove("vdev", name.c_str());
        return "devargs '" + devargs + "' probed no ethdev named " + name;
    }
    state.port_id = pid;
    auto fail = [&](const std::string& e) {
        ethdev_close(state);
        return e;
    };
    rte_eth_dev_info info;
    if (int rc = rte_eth_dev_info_get(pid, &info); rc != 0)
        return fail(dpdk_error("cannot get device info", rc));
    state.tx_queues = static_cast<uint16_t>(std::min<unsigned>(workers, info.max_tx_queues));
    if (state.tx_queues == 0) return fail("device " + name + " has no TX queue");
    state.tx_shared = state.tx_queues < workers;
    rte_eth_conf conf;
    std::memset(&conf, 0, sizeof conf);
    state.offloads = device_offloads(info);
    conf.txmode.offloads = state.offloads.enabled;
    if (int rc = rte_eth_dev_configure(pid, 1, state.tx_queues, &conf); rc != 0)
        return fail(dpdk_error("cannot configure " + name, rc));
    uint16_t nb_rx = kRxDescriptors, nb_tx = kTxDescriptors;
    rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rx, &nb_tx);
    int socket = rte_eth_dev_socket_id(pid);
    if (socket < 0) socket = 0;
    if (int rc =
            rte_eth_rx_queue_setup(pid, 0, nb_rx, static_cast<unsigned>(socket), nullptr, pool);
        rc != 0)
        return fail(dpdk_error("cannot set up RX queue of " + name, rc));
    for (uint16_t q = 0; q < state.tx_queues; ++q)
        if (int rc = rte_eth_tx_queue_setup(pid, q, nb_tx, static_cast<unsigned>(socket), nullptr);
            rc != 0)
            return fail(dpdk_error("cannot set up TX queue of " + name, rc));
    if (int rc = rte_eth_dev_start(pid); rc != 0)
        return fail(dpdk_error("cannot start " + name, rc));
    rte_eth_promiscuous_enable(pid);  // a switch port sees every frame
    state.started.store(true, std::memory_order_release);
    return "";
}

std::string ethdev_offload_names(const EthdevState& state) {
    std::string names;
    for (uint64_t bit = 1; bit; bit <<= 1) {
        if (!(state.offloads.enabled & bit)) continue;
        std::string name = rte_eth_dev_tx_offload_name(bit);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        names += (names.empty() ? "" : ",") + name;
    }
    return names;
}

void ethdev_close(EthdevState& state) {
    state.started.store(false, std::memory_order_release);
    rte_eth_dev_info info;
    rte_device* dev = rte_eth_dev_info_get(state.port_id, &info) == 0 ? info.device : nullptr;
    rte_eth_dev_stop(state.port_id);
    rte_eth_dev_close(state.port_id);
    if (dev) rte_dev_remove(dev);
}

}  // namespace vsw
