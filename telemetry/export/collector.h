// Where an exporter sends: a collector's address and transport, as operators write it. Shared by
// every export protocol (IPFIX, NetFlow, sFlow) and by the settings that name collectors (no
// sockets here: vswctl and the state file use it too).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vsw {

struct Collector {
    std::string host;        // name or address (IPv6 without brackets)
    uint16_t port = 0;       // UDP or TCP port
    bool tcp = false;        // TCP instead of UDP
    std::string protocol{};  // "" = the setting's own, else a scheme it allows ("netflow9")

    std::string str() const;  // "host:port", "[v6]:port", "tcp://host:port", "netflow9://host:port"
    bool operator==(const Collector&) const = default;
};

// Another protocol a setting takes collectors of, written as its scheme ("netflow9://H:P"),
// always over UDP.
struct CollectorProtocol {
    const char* scheme;     // "netflow9"
    uint16_t default_port;  // for a collector given without a port
};

// "host:port" / "[v6]:port" / "host" (port `default_port`), optionally after "udp://" or
// "tcp://", or after the scheme of one of `protocols`. Returns "" or the error.
std::string parse_collector(const std::string& s, uint16_t default_port, Collector& out,
                            std::span<const CollectorProtocol> protocols = {});

// A comma-separated list of collectors (as parse_collector reads each), none twice and at most
// `max`. Returns "" or the error; `out` is replaced only on success.
std::string parse_collector_list(const std::string& list, uint16_t default_port, unsigned max,
                                 std::vector<Collector>& out,
                                 std::span<const CollectorProtocol> protocols = {});
// The list back as parse_collector_list reads it ("h:1,tcp://h2:2").
std::string collector_list_str(const std::vector<Collector>& list);

}  // namespace vsw
