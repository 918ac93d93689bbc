// A port's isolation settings as the operator sets them, persisted with its config: how many
// MACs it may learn (mac-limit) and how much broadcast, multicast and unknown unicast it may
// flood (flood-rate, storm control). Pure: no DPDK.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vsw {

struct PortSecurity {
    uint32_t mac_limit = 0;    // MACs the port may have learned at once; 0 = no limit
    uint32_t flood_rate = 0;   // packets/s of its frames that flood; 0 = no storm control
    uint32_t flood_burst = 0;  // packets; 0 = flood_rate / 10, at least kMinFloodBurst

    bool operator==(const PortSecurity&) const = default;
};

constexpr uint32_t kMaxMacLimit = 1'000'000;
constexpr uint32_t kMaxFloodRate = 100'000'000;
constexpr uint32_t kMinFloodBurst = 16;

// The keys apply_security_setting takes: mac-limit, flood-rate, flood-burst.
bool is_security_setting(const std::string& key);
// Applies one ("none" clears it; clearing flood-rate clears its burst). "" or the error.
std::string apply_security_setting(PortSecurity& s, const std::string& key,
                                   const std::string& value);
// Checks the combination (a burst needs its rate).
std::string validate_security(const PortSecurity& s);
// The settings that make any port's security `s` ("none" for those not set), applied in this
// order or sorted by key.
std::vector<std::pair<std::string, std::string>> security_settings(const PortSecurity& s);
// The burst storm control allows: flood_burst, or its default.
uint32_t effective_flood_burst(const PortSecurity& s);

}  // namespace vsw
