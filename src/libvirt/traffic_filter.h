// libvirt's traffic filters (nwfilter's clean-traffic and its parts) as vsw port security
// settings. libvirt enforces nwfilter only on tap devices and drops <filterref> from vhostuser
// interfaces, so for a vhost-user guest the switch is the only place the filter can hold.
//
//   filter               port security settings (allowed-macs = the interface's MAC + MAC params)
//   clean-traffic        port-security=on allowed-ips=IPS allowed-ethertypes=ipv4,arp,rarp[,ipv6]
//   no-ip-spoofing,
//   no-arp-spoofing,
//   no-arp-ip-spoofing   port-security=on allowed-ips=IPS allowed-ethertypes=any
//   no-mac-spoofing,
//   no-arp-mac-spoofing,
//   qemu-announce-self   port-security=on allowed-ips=any allowed-ethertypes=any
//   allow-incoming-ipv4  nothing (it only accepts, and vsw does not filter towards a guest)
//   anything else        the port stays admin down (fail closed)
//
// IPS: the IP parameters (IPv4 and IPv6, several allowed). Without any, CTRL_IP_LEARNING says:
// dhcp and any (libvirt's default) -> allowed-ips=dhcp, the address a DHCP server hands to the
// guest's MAC (libvirt's `any` trusts the first address the guest itself sends from, which a
// guest chooses; vsw does not), none -> no address but 0.0.0.0. vsw checks the source MAC
// whenever port security is on, so every filter here also locks the MAC (stricter than libvirt's
// no-ip-spoofing alone); ipv6 is allowed by clean-traffic only with an IPv6 IP parameter (libvirt's
// clean-traffic drops IPv6 altogether).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "src/libvirt/domain_xml.h"

namespace vsw::libvirt {

using Settings = std::vector<std::pair<std::string, std::string>>;

struct FilterSettings {
    Settings settings;               // port security settings, in the order to apply them
    std::string refusal;             // not "": keep the port admin down, for this reason
    std::vector<std::string> notes;  // parameters ignored and the like, for the log
};

// The port security settings that enforce `filter` on the interface with MAC `mac`.
FilterSettings filter_settings(const FilterRef& filter, const std::string& mac);

// vsw-libvirt --port-security=default, for an interface without a filter: the guest may send
// only from its MAC (any address, any ethertype), so it can neither spoof another guest's MAC
// nor poison the FDB, and static guests keep working.
Settings mac_locked_settings(const std::string& mac);

}  // namespace vsw::libvirt
