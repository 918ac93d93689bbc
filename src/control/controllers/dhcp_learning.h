// allowed-ips=dhcp: the addresses DHCP servers give the guests of port-security ports, learned
// from the server's ACK to the guest's allowed MAC (punted by the workers: slow_path.h), ended
// by the lease time or the guest's RELEASE, persisted with their ends in the state file's
// "dhcp-leases" section. Part of the port security controller; control thread only.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "security/dhcp_leases.h"
#include "src/control/controller.h"

namespace vsw {

class DhcpLearning {
  public:
    explicit DhcpLearning(const SwitchServices& services) : sw_(services) {}

    // A punted DHCP frame that came in on `slot`. True if a port's addresses changed.
    bool take(uint16_t slot, const rte_mbuf* frame);
    // Ends the leases whose time is up. True if a port's addresses changed.
    bool expire();
    // A port's learned addresses.
    std::vector<uint32_t> addresses(const std::string& port) const {
        return leases_.addresses(port);
    }
    // A port stopped learning or went: its leases go. True if it had some.
    bool forget(const std::string& port) { return leases_.forget(port); }
    // "learned-ips" of a port's view: [{"ip": ..., "expires_in": seconds}] (no expires_in:
    // infinite).
    nlohmann::json view(const std::string& port) const;

    // After the ports were restored (leases of ports that no longer learn are dropped).
    void restore(const SwitchConfig& c);
    void save(SwitchConfig& c) const;

  private:
    uint64_t now() const;  // wall clock seconds: leases outlive vswd in the state file

    const SwitchServices sw_;
    DhcpLeases leases_;
    std::optional<std::string> unreadable_;  // a section that could not be read, kept as it was
};

}  // namespace vsw
