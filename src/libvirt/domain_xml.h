// What vsw reads from a libvirt domain's XML: its vhost-user interfaces, their <bandwidth>, and
// vsw's own <metadata> element (libvirt rejects <vlan> on vhostuser interfaces and silently drops
// their <filterref>, so VLANs and traffic filters live there). Pure parsing: no libvirt
// connection, so it is unit-tested and fuzzed on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vsw::libvirt {

// KEY=VALUE settings in the order given (vswctl set-port's words).
using Settings = std::vector<std::pair<std::string, std::string>>;

// vsw's metadata namespace. One element in it, holding a <port mac=... KEY=VALUE.../> per
// interface; filter="NAME" with <parameter name= value=/> children is what libvirt's
// <filterref filter="NAME"><parameter .../></filterref> would say on the interface:
//   <vsw:ports xmlns:vsw="urn:vsw:libvirt:1">
//     <vsw:port mac="52:54:00:00:00:01" vlan-mode="access" tag="10"/>
//     <vsw:port mac="52:54:00:00:00:02" filter="clean-traffic">
//       <vsw:parameter name="IP" value="10.0.0.2"/>
//     </vsw:port>
//   </vsw:ports>
inline constexpr const char* kMetadataNamespace = "urn:vsw:libvirt:1";

// libvirt's <inbound>/<outbound>: average and peak in KiB/s, burst in KiB; 0 = not given.
struct Bandwidth {
    uint64_t average = 0;
    uint64_t peak = 0;
    uint64_t burst = 0;
};

struct VhostUserInterface {
    std::string mac;                    // normalised, lower case
    std::string socket;                 // <source path>
    bool qemu_is_server = true;         // <source mode='server'> (libvirt's default) or 'client'
    std::optional<Bandwidth> inbound;   // towards the guest
    std::optional<Bandwidth> outbound;  // from the guest
    std::string mtu;                    // <mtu size='N'/> as written ("" = none): QEMU's host_mtu
};

// A traffic filter as libvirt names it: <filterref filter=NAME> and its <parameter>s.
struct FilterRef {
    std::string name;
    // (name, value) in document order; a name may repeat (several IP parameters).
    std::vector<std::pair<std::string, std::string>> parameters;
};

// At most this many <parameter>s per port; more are ignored (and said so).
inline constexpr unsigned kMaxFilterParameters = 64;

// One <vsw:port> of the metadata: the settings for the interface with that MAC, in document order.
struct MetadataPort {
    std::string mac;
    Settings settings;
    std::optional<FilterRef> filter{};  // filter="NAME" and its <parameter> children
};

struct Domain {
    std::string name;
    std::string uuid;
    std::vector<VhostUserInterface> interfaces;  // type='vhostuser' only, in document order
    std::vector<MetadataPort> metadata;
    std::vector<std::string> problems;  // what was skipped and why, for the log
};

// Parses a domain's XML. Returns nullopt with `error` set when it is not a readable domain
// (malformed XML, no <name> or <uuid>); a bad interface or metadata entry is skipped and
// described in Domain::problems instead.
std::optional<Domain> parse_domain(std::string_view xml, std::string& error);

}  // namespace vsw::libvirt
