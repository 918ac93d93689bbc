// Mirror sessions as the operator configures them: SPAN (to a local port), RSPAN (into a VLAN on
// an uplink) and ERSPAN type II/III (GRE over IPv4 out of a port). Persisted in the state file.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/ipv4.h"  // format_ipv4, parse_ipv4 for the sessions' addresses

namespace vsw {

enum class MirrorKind { kSpan, kRspan, kErspan2, kErspan3 };
const char* mirror_kind_name(MirrorKind k);  // "span", "rspan", "erspan2", "erspan3"
inline bool is_erspan(MirrorKind k) {
    return k == MirrorKind::kErspan2 || k == MirrorKind::kErspan3;
}

struct MirrorConfig {
    std::string name;                  // unique, as port names
    std::vector<std::string> sources;  // ports whose traffic is copied
    bool rx = true;                    // frames as received on a source port
    bool tx = true;                    // frames as sent to a source port
    std::string vlans;     // only frames of these VLANs, normalised "10,20-30"; "" = all
    uint32_t snaplen = 0;  // bytes of each frame kept; 0 = whole frames
    std::string output;    // SPAN: the destination port; RSPAN/ERSPAN: the port they leave by
    MirrorKind kind = MirrorKind::kSpan;
    uint16_t rspan_vlan = 0;  // RSPAN: the VLAN mirrored frames are carried in
    // ERSPAN.
    uint32_t local_ip = 0;    // outer IPv4 source, host byte order
    uint32_t remote_ip = 0;   // outer IPv4 destination
    uint16_t session_id = 0;  // 10 bits
    uint32_t index = 0;       // type II: 20-bit port index
    uint8_t hw_id = 0;        // type III: 6-bit hardware id
    uint8_t granularity =
        1;  // type III timestamp: 0 = 100 us, 1 = 100 ns, 2 = IEEE 1588 (ns), 3 = us
    uint64_t next_hop_mac = 0;  // outer destination MAC; 0 = resolved by ARP
    uint32_t gateway = 0;       // the next hop ARP asks for; 0 = remote_ip (on-link)
    uint8_t ttl = 64;           // outer IPv4 TTL
    uint8_t dscp = 0;           // outer IPv4 DSCP

    bool operator==(const MirrorConfig&) const = default;
};

// Applies one KEY=VALUE (vswctl mirror add NAME KEY=VALUE...). Returns "" or the error.
//   sources=a,b  direction=rx|tx|both  vlans=LIST|all  snaplen=BYTES|0
//   output=PORT  rspan-vlan=N  erspan=2|3  local-ip=A  remote-ip=A  session-id=N  index=N
//   hw-id=N  granularity=N  next-hop-mac=M  gateway=A  ttl=N  dscp=N
std::string apply_mirror_setting(MirrorConfig& m, const std::string& key, const std::string& value);

// Checks a session on its own (ports and other sessions are the switch's business).
std::string validate_mirror(const MirrorConfig& m);

// Checks a new session against the switch's ports and the other sessions: every source and the
// output exist, the output is not a source (no loops), a SPAN output is nobody's source and
// no other session's output, session ids are unique per remote IP. `port_exists` by name.
std::string validate_mirror_against(const MirrorConfig& m, const std::vector<MirrorConfig>& others,
                                    const std::vector<std::string>& port_names);

nlohmann::json to_json(const MirrorConfig& m);
MirrorConfig mirror_config_from_json(const nlohmann::json& j);  // throws std::invalid_argument

}  // namespace vsw
