// The IPv4 addresses DHCP servers gave the guests of ports with allowed-ips=dhcp, with their
// ends (wall clock seconds, so that they survive a restart in the state file). At most
// kMaxLearnedIps per port: a new one replaces the one that ends first. Pure: unit-tested.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace vsw {

class DhcpLeases {
  public:
    struct Lease {
        uint32_t ip = 0;       // host byte order
        uint64_t expires = 0;  // seconds since 1970; kNever: an infinite lease
        bool operator==(const Lease&) const = default;
    };
    static constexpr uint64_t kNever = ~uint64_t{0};

    // The server acknowledged `ip` to `port`'s guest until `expires` (a renewal moves the end).
    // True if the port's addresses changed (not for a renewal).
    bool grant(const std::string& port, uint32_t ip, uint64_t expires);
    // The guest released `ip`, or the server refused it; true if it was the port's.
    bool release(const std::string& port, uint32_t ip);
    // Forgets a port (deleted, or no longer learning); true if it had leases.
    bool forget(const std::string& port);
    // Removes the leases that ended by `now`; returns the ports that lost one.
    std::vector<std::string> expire(uint64_t now);

    // A port's addresses and leases.
    std::vector<uint32_t> addresses(const std::string& port) const;
    const std::vector<Lease>& leases(const std::string& port) const;
    bool empty() const { return by_port_.empty(); }
    std::vector<std::string> ports() const;  // that have leases

    // The state file's form: {"PORT": [{"ip": "10.0.0.5", "expires": 1700000000}, ...]}; an
    // infinite lease has no "expires". from_json skips entries that ended by `now` and throws
    // std::invalid_argument on anything else unreadable.
    nlohmann::json to_json() const;
    static DhcpLeases from_json(const nlohmann::json& j, uint64_t now);

  private:
    std::map<std::string, std::vector<Lease>> by_port_;
};

}  // namespace vsw
