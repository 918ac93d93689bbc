#include "src/libvirt/port_mapping.h"

#include <algorithm>
#include <array>

#include "src/config/path_policy.h"

namespace vsw::libvirt {
namespace {

constexpr size_t kDomainPartMax = 19;  // + '-' + 12 hex digits = 32, the longest port name

constexpr std::array kAdminKeys = {"admin"};
constexpr std::array kVlanKeys = {"vlan-mode", "tag", "trunks"};
constexpr std::array kTxKeys = {"tx-rate", "tx-burst", "tx-peak"};
constexpr std::array kRxKeys = {"rx-rate", "rx-burst", "rx-limit", "rx-mode"};
constexpr std::array kSecurityKeys = {"port-security",      "allowed-macs", "allowed-ips",
                                      "allowed-ethertypes", "mac-limit",    "flood-rate",
                                      "flood-burst",        "trusted"};

template <size_t N>
bool in(const std::array<const char*, N>& keys, const std::string& k) {
    return std::find_if(keys.begin(), keys.end(), [&](const char* x) { return k == x; }) !=
           keys.end();
}

// KiB/s -> bit/s and KiB -> bytes, as vsw settings.
std::string kib_rate(uint64_t kib_per_s) {
    return std::to_string(kib_per_s * 8192);
}
std::string kib_bytes(uint64_t kib) {
    return std::to_string(kib * 1024);
}

// A bucket must hold a full frame: libvirt allows bursts of 1 KiB, vsw needs 1518 bytes.
std::string burst_bytes(uint64_t kib, const std::string& who, std::vector<std::string>& log) {
    if (kib >= 2) return kib_bytes(kib);
    log.push_back(who + ": burst of " + std::to_string(kib) +
                  " KiB raised to 2 KiB (one full frame)");
    return kib_bytes(2);
}

Settings tx_from_bandwidth(const Bandwidth& b, const std::string& who,
                           std::vector<std::string>& log) {
    Settings s = {{"tx-rate", kib_rate(b.average)}};
    if (b.peak) s.emplace_back("tx-peak", kib_rate(b.peak));
    if (b.burst) s.emplace_back("tx-burst", burst_bytes(b.burst, who, log));
    return s;
}

Settings rx_from_bandwidth(const Bandwidth& b, const std::string& who,
                           std::vector<std::string>& log) {
    Settings s = {{"rx-rate", kib_rate(b.average)}};
    if (b.burst) s.emplace_back("rx-burst", burst_bytes(b.burst, who, log));
    if (b.peak)
        log.push_back(who +
                      ": <inbound peak> ignored: vsw shapes traffic towards a guest at one rate");
    return s;
}

// Applies a group of settings to `p`; if one is malformed or the result is invalid, `p` is
// left as it was and the error returned.
std::string apply_group(PortConfig& p, const Settings& settings) {
    PortConfig trial = p;
    for (const auto& [k, v] : settings)
        if (auto e = apply_port_setting(trial, k, v); !e.empty()) return e;
    if (auto e = validate_port_config(trial); !e.empty()) return e;
    p = trial;
    return "";
}

// What the interface's filter asks for, before its metadata keys: its translation, or the MAC
// lock of --port-security=default when it names none.
NwTranslation from_filter(const VhostUserInterface& itf, const MetadataPort* meta,
                          const MappingOptions& options, const FilterLookup& lookup,
                          const std::string& who, std::vector<std::string>& log) {
    NwTranslation t;
    if (!meta || !meta->filter) {
        if (options.lock_mac_by_default) t.settings = mac_locked_settings(itf.mac);
        return t;
    }
    const FilterLookup none = [](const std::string&) { return std::optional<std::string>(); };
    t = translate_nwfilter(*meta->filter, itf.mac, lookup ? lookup : none);
    for (const auto& note : t.notes) log.push_back(who + ": " + note);
    return t;
}

// The length of the well-formed UTF-8 sequence at s[i] (Unicode's table 3-7), 0 if none.
size_t utf8_sequence(const std::string& s, size_t i) {
    const auto at = [&](size_t k) -> unsigned {
        return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u;
    };
    const unsigned c = at(i);
    const auto in = [](unsigned b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
    if (c < 0x80) return 1;
    if (in(c, 0xc2, 0xdf)) return in(at(i + 1), 0x80, 0xbf) ? 2 : 0;
    if (in(c, 0xe0, 0xef)) {
        const unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return in(at(i + 1), lo, hi) && in(at(i + 2), 0x80, 0xbf) ? 3 : 0;
    }
    if (in(c, 0xf0, 0xf4)) {
        const unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return in(at(i + 1), lo, hi) && in(at(i + 2), 0x80, 0xbf) && in(at(i + 3), 0x80, 0xbf) ? 4
                                                                                               : 0;
    }
    return 0;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::string port_name(const std::string& domain, const std::string& mac) {
    std::string name;
    for (char c : domain.substr(0, kDomainPartMax)) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        name += ok ? c : '_';
    }
    name += '-';
    for (char c : mac)
        if (c != ':') name += c;
    return name;
}

std::string port_owner(const std::string& uuid) {
    return kOwnerPrefix + uuid;
}

std::string owner_uuid(const std::string& owner) {
    const std::string prefix = kOwnerPrefix;
    return owner.rfind(prefix, 0) == 0 ? owner.substr(prefix.size()) : "";
}

std::string filter_group_name(const std::string& port) {
    return kFilterGroupPrefix + port;
}

std::string filter_group_port(const std::string& group) {
    const std::string prefix = kFilterGroupPrefix;
    if (group.rfind(prefix, 0) != 0) return "";
    const std::string port = group.substr(prefix.size());
    if (port.size() < 14 || port[port.size() - 13] != '-') return "";
    for (size_t i = port.size() - 12; i < port.size(); ++i)
        if (!is_hex(port[i])) return "";
    return port;
}

std::string description_text(const std::string& s, size_t max) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
        const size_t n = utf8_sequence(s, i);
        if (out.size() + std::max<size_t>(n, 1) > max) break;
        out += n ? s.substr(i, n) : "?";
        i += n ? n : 1;
    }
    return out;
}

Settings mac_locked_settings(const std::string& mac) {
    return {{"port-security", "on"},
            {"allowed-macs", mac},
            {"allowed-ips", "any"},
            {"allowed-ethertypes", "any"}};
}

DomainPorts domain_ports(const Domain& d, const std::string& socket_dir,
                         const MappingOptions& options, const FilterLookup& lookup) {
    DomainPorts out;
    for (const auto& problem : d.problems) out.log.push_back(problem);
    std::vector<std::string> used_macs;
    for (const VhostUserInterface& itf : d.interfaces) {
        const std::string who = "interface " + itf.mac;
        if (!is_inside_dir(itf.socket, socket_dir)) {
            out.log.push_back(who + ": socket " + itf.socket +
                              " is outside vsw's socket directory " + socket_dir +
                              "; not managed by vsw");
            continue;
        }
        if (std::find(used_macs.begin(), used_macs.end(), itf.mac) != used_macs.end()) {
            out.log.push_back(who + ": a second interface with this MAC; skipped");
            continue;
        }
        used_macs.push_back(itf.mac);

        PortConfig p;
        p.name = port_name(d.name, itf.mac);
        // QEMU as server means vswd connects: a vhost-user-client port, and the other way round.
        p.type = itf.qemu_is_server ? PortType::kVhostUserClient : PortType::kVhostUserServer;
        p.socket = itf.socket;
        p.owner = port_owner(d.uuid);
        p.description =
            "libvirt domain " + description_text(d.name, 128) + ", interface " + itf.mac;
        if (auto e = validate_port_config(p); !e.empty()) {
            out.log.push_back(who + ": " + e + "; skipped");
            continue;
        }

        // Settings from <bandwidth>, then from vsw's metadata, sorted into their groups.
        const auto meta_it = std::find_if(d.metadata.begin(), d.metadata.end(),
                                          [&](const MetadataPort& m) { return m.mac == itf.mac; });
        const MetadataPort* meta = meta_it == d.metadata.end() ? nullptr : &*meta_it;
        Settings admin, vlan, tx, rx;
        NwTranslation filter = from_filter(itf, meta, options, lookup, who, out.log);
        Settings security = filter.settings;
        if (itf.outbound) tx = tx_from_bandwidth(*itf.outbound, who, out.log);
        if (itf.inbound) rx = rx_from_bandwidth(*itf.inbound, who, out.log);
        for (const auto& [k, v] : meta ? meta->settings : Settings{}) {
            if (in(kAdminKeys, k)) admin.emplace_back(k, v);
            else if (in(kVlanKeys, k)) vlan.emplace_back(k, v);
            else if (in(kTxKeys, k)) tx.emplace_back(k, v);
            else if (in(kRxKeys, k)) rx.emplace_back(k, v);
            else if (in(kSecurityKeys, k)) security.emplace_back(k, v);
            else out.log.push_back(who + ": unknown vsw metadata attribute '" + k + "' ignored");
        }
        if (auto e = apply_group(p, admin); !e.empty())
            out.log.push_back(who + ": " + e + "; admin state ignored");
        if (auto e = apply_group(p, vlan); !e.empty()) {
            p.admin_up = false;
            out.log.push_back(who + ": VLAN settings rejected (" + e + "); port " + p.name +
                              " kept admin down");
        }
        if (!filter.refusal.empty()) {
            // The operator sees why in `vswctl show` as well as in the log.
            p.admin_up = false;
            p.description = description_text("nwfilter: " + filter.refusal, 256);
            out.log.push_back(who + ": traffic filter refused: " + filter.refusal + "; port " +
                              p.name + " kept admin down");
        } else {
            if (auto e = apply_group(p, security); !e.empty()) {
                p.admin_up = false;
                out.log.push_back(who + ": port security settings rejected (" + e + "); port " +
                                  p.name + " kept admin down");
            }
            // The filter's IP rules: a group of the port's own (nothing else names it).
            if (!filter.rules.empty()) {
                const std::string group = filter_group_name(p.name);
                p.acl.groups = {group};
                out.groups[group] = std::move(filter.rules);
            }
        }
        // libvirt gives the guest <mtu size> through QEMU's host_mtu: the port takes the same.
        if (!itf.mtu.empty())
            if (auto e = apply_port_setting(p, "mtu", itf.mtu); !e.empty())
                out.log.push_back(who + ": <mtu size='" + itf.mtu.substr(0, 16) + "'>: " + e +
                                  "; port MTU left at " + std::to_string(p.mtu));
        if (auto e = apply_group(p, tx); !e.empty())
            out.log.push_back(who + ": bandwidth from the guest not limited: " + e);
        if (auto e = apply_group(p, rx); !e.empty())
            out.log.push_back(who + ": bandwidth towards the guest not limited: " + e);
        out.ports.push_back(std::move(p));
    }
    for (const MetadataPort& m : d.metadata)
        if (std::find(used_macs.begin(), used_macs.end(), m.mac) == used_macs.end() &&
            std::none_of(d.interfaces.begin(), d.interfaces.end(),
                         [&](const VhostUserInterface& i) { return i.mac == m.mac; }))
            out.log.push_back("vsw metadata for " + m.mac +
                              " matches no vhostuser interface of the domain");
    return out;
}

}  // namespace vsw::libvirt
