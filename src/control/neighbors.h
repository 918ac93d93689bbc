// ARP resolution for the frames vsw builds itself: the next hops of ERSPAN sessions (GRE) and
// of the VXLAN underlay (UDP). Each user says, at every tick, which addresses it needs, out of
// which port and as whom; a request goes out at once for a new address, each second until it is
// answered, every 30 s after. A reply from the address, or a request from it for one of the
// addresses vsw asks as, teaches the MAC. Pure: the time is given and frames leave through
// `send` (the slow path), so it is unit-tested with a fake clock. Control thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>

#include "core/arp.h"
#include "core/mac.h"

namespace vsw {

class Neighbors {
  public:
    // Sends a frame out of port `slot`; false if it could not be queued (asked again later).
    using Send = std::function<bool(uint16_t slot, std::span<const uint8_t> frame)>;

    // How to ask for an address: out of which port, from which MAC and IPv4 address.
    struct Via {
        uint16_t slot = 0;
        Mac mac = 0;
        uint32_t ip = 0;
    };

    struct Entry {
        Mac mac = 0;                // 0 = not resolved yet
        Via via;                    // how it was last asked for
        uint64_t requested_ms = 0;  // when the last request went out
        uint64_t wanted_ms = 0;     // when a user last needed it
        uint64_t requests = 0;      // requests sent
        uint64_t replies = 0;       // answers taken (replies, or its own requests for us)
    };

    static constexpr uint64_t kRetryMs = 1000;     // unanswered: ask each second
    static constexpr uint64_t kRefreshMs = 30000;  // answered: ask again every 30 s
    static constexpr uint64_t kForgetMs = 300000;  // not needed for 5 minutes: forgotten

    explicit Neighbors(Send send) : send_(std::move(send)) {}

    // `ip` is needed, asked for as `via` (requests go out when due). Call it at every tick.
    void want(uint32_t ip, const Via& via, uint64_t now_ms);
    // Learns from an ARP message; true if a MAC changed (frames built with it must change too).
    bool learn(const ArpMessage& a);
    // Forgets the addresses nobody wanted for kForgetMs, or asked for out of port `slot`.
    void forget_unwanted(uint64_t now_ms);
    void forget_port(uint16_t slot);

    // The MAC of `ip`, 0 if unknown.
    Mac mac_of(uint32_t ip) const;
    const Entry* find(uint32_t ip) const;

  private:
    Send send_;
    std::map<uint32_t, Entry> entries_;  // by IPv4 address (host order)
};

}  // namespace vsw
