// Bandwidth per VM as the operator sets it (tx-rate, rx-rate and their companions), its words
// and rates, and the datapath's view of it (PortQos): what the shaping stage (qos/shaping.h)
// reads. "tx" is what the guest sends into the switch, "rx" what it receives. Pure: no DPDK.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vsw {

// A port's bandwidth settings (0 / "" = not set), persisted with its config.
struct PortBandwidth {
    uint64_t tx_rate = 0;   // bits/s: guest TX shaped by not dequeuing (backpressure)
    uint64_t tx_burst = 0;  // bytes; 0 = 10 ms of tx_rate (at least two full frames)
    uint64_t tx_peak = 0;   // bits/s, optional peak rate (>= tx_rate)
    uint64_t rx_rate = 0;   // bits/s: frames to the guest shaped (queued) or policed (dropped)
    uint64_t rx_burst = 0;  // bytes; 0 = default as for tx
    std::string rx_limit;   // queue bound: bytes ("150000", "150k") or latency ("20ms"); "" = 50 ms
    bool rx_police = false;  // rx-mode=police: drop what exceeds the rate instead of queueing

    bool operator==(const PortBandwidth&) const = default;
};

// The keys apply_bandwidth_setting takes.
bool is_bandwidth_setting(const std::string& key);
// Applies one of tx-rate, tx-burst, tx-peak, rx-rate, rx-burst, rx-limit, rx-mode. "" or the
// error. Removing a rate ("none") removes its companions too.
std::string apply_bandwidth_setting(PortBandwidth& b, const std::string& key,
                                    const std::string& value);
// Checks the combination (companions need their rate, peak >= rate, a readable rx-limit).
std::string validate_bandwidth(const PortBandwidth& b);
// The settings that reproduce `b` when applied in order (companions only after a set rate).
std::vector<std::pair<std::string, std::string>> bandwidth_settings(const PortBandwidth& b);

// The datapath's bandwidth view of valid settings, in bytes.
struct PortQos {
    uint64_t version = 0;    // set when published: workers reset their buckets when it changes
    bool tx_shaped = false;  // guest TX limited
    uint64_t tx_rate = 0;    // bytes/s
    uint64_t tx_burst = 0;   // bytes
    uint64_t tx_peak = 0;    // bytes/s, 0 = none
    bool rx_shaped = false;  // guest RX limited (queued or policed)
    bool rx_police = false;  // drop instead of queueing
    uint64_t rx_rate = 0;    // bytes/s
    uint64_t rx_burst = 0;   // bytes
    uint64_t rx_limit = 0;   // queue bound in bytes
};
PortQos port_qos(const PortBandwidth& b);
// "tx 50M, rx 100M shape" for tables; "-" when unlimited.
std::string qos_summary(const PortBandwidth& b);

// "100M", "1.5G", "64k", "2000000" (bits/s) -> bits/s; nullopt for anything else.
std::optional<uint64_t> parse_rate(const std::string& s);
// "1500", "64k", "2M" -> bytes.
std::optional<uint64_t> parse_bytes(const std::string& s);
std::string format_rate(uint64_t bits_per_second);

}  // namespace vsw
