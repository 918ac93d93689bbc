// The carrier of the kernel interfaces behind af_packet ports, which DPDK's net_af_packet does
// not report (its link state never changes): read once from the interface's flags, then
// followed through rtnetlink's link notifications (RTMGRP_LINK), which arrive as the kernel
// changes the state. Control thread only.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vsw {

class CarrierWatch {
  public:
    CarrierWatch();
    ~CarrierWatch();
    CarrierWatch(const CarrierWatch&) = delete;
    CarrierWatch& operator=(const CarrierWatch&) = delete;

    // Whether `ifname` is up with its carrier now (IFF_UP and IFF_RUNNING); false if it does
    // not exist.
    static bool carrier(const std::string& ifname);
    // The link notifications since the last call: (interface, up with carrier), in order. After
    // a lost notification (the socket's buffer overran) every interface the caller follows
    // should be read again with carrier(): `resync()` says so once.
    std::vector<std::pair<std::string, bool>> changes();
    bool resync();
    bool open() const { return fd_ >= 0; }

  private:
    int fd_ = -1;
    bool overrun_ = false;
};

// The kernel interface of an af_packet port's devargs ("net_af_packet0,iface=veth0,..."), or "".
std::string af_packet_interface(const std::string& devargs);

}  // namespace vsw
