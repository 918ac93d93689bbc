// Where an exporter sends: a collector's address and transport, as operators write it. Shared by
// every export protocol (IPFIX, NetFlow, sFlow) and by the settings that name collectors (no
// sockets here: vswctl and the state file use it too).
#pragma once

#include <cstdint>
#include <string>

namespace vsw {

struct Collector {
    std::string host;   // name or address (IPv6 without brackets)
    uint16_t port = 0;  // UDP or TCP port
    bool tcp = false;   // TCP instead of UDP

    std::string str() const;  // "host:port", "[v6]:port", "tcp://host:port"
    bool operator==(const Collector&) const = default;
};

// "host:port" / "[v6]:port" / "host" (port `default_port`), optionally after "udp://" or
// "tcp://". Returns "" or the error.
std::string parse_collector(const std::string& s, uint16_t default_port, Collector& out);

}  // namespace vsw
