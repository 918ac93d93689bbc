// pcapng (draft-ietf-opsawg-pcapng) as Wireshark, tshark and tcpdump read it: one section, one
// Ethernet interface per captured port, enhanced packet blocks with their direction, and an
// interface statistics block with the frames the capture lost. Builds the bytes; the caller
// writes them where it wants.
#pragma once

#include <cstdint>
#include <string>

namespace vsw {

class PcapngWriter {
  public:
    // Section header: the application writing the file.
    std::string section(const std::string& application) const;
    // Interface description: an Ethernet port named `name`, nanosecond timestamps, the capture
    // filter (a pcap-filter expression, "" for none). Interfaces are numbered from 0 in the
    // order they are described.
    std::string interface(const std::string& name, const std::string& description, uint32_t snaplen,
                          const std::string& filter = "") const;
    // One frame: `direction` 1 inbound (received from the port), 2 outbound (sent to it).
    std::string packet(uint32_t interface_id, uint64_t time_ns, const std::string& data,
                       uint32_t orig_len, uint8_t direction) const;
    // Interface statistics: frames delivered and lost, between start and end.
    std::string statistics(uint32_t interface_id, uint64_t start_ns, uint64_t end_ns,
                           uint64_t received, uint64_t dropped) const;
};

}  // namespace vsw
