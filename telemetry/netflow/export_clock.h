// The times a NetFlow v5 or v9 export packet carries. Both versions give flow start and end as
// sysUptime (milliseconds since the exporter "booted", 32 bits, wrapping after 49.7 days) and the
// packet's own sysUptime and wall-clock time in its header; a collector turns flow times into
// wall-clock times from those two. vsw's flow records carry the switch clock (ms since its
// origin): this says how one maps to the other.
#pragma once

#include <cstdint>

namespace vsw::telemetry::netflow {

struct ExportClock {
    uint64_t now_ms = 0;   // switch clock at export (ms since its origin)
    uint64_t boot_ms = 0;  // switch clock when the exporter's sysUptime was 0
    uint64_t unix_ms = 0;  // wall clock at export (ms since 1970)

    // sysUptime of a switch-clock time; a time before boot_ms is reported as 0 (boot).
    uint32_t uptime_of(uint64_t switch_ms) const {
        return switch_ms <= boot_ms ? 0 : static_cast<uint32_t>(switch_ms - boot_ms);
    }
    uint32_t sys_uptime() const { return uptime_of(now_ms); }
    uint32_t unix_secs() const { return static_cast<uint32_t>(unix_ms / 1000); }
    uint32_t unix_nsecs() const { return static_cast<uint32_t>(unix_ms % 1000 * 1'000'000); }
};

}  // namespace vsw::telemetry::netflow
