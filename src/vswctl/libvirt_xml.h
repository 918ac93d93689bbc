// vswctl libvirt-xml: the XML an operator pastes into a libvirt domain to put one of its NICs on
// vsw, with the VLAN and bandwidth vsw-libvirt will apply.
#pragma once

#include <cstdint>
#include <string>

namespace vsw::ctl {

struct LibvirtXmlRequest {
    std::string domain;                         // domain name (names the port and socket)
    std::string mac;                            // "" = a random 52:54:00:xx:xx:xx
    std::string socket_dir = "/run/vsw/vhost";  // vswd's --socket-dir
    bool qemu_is_server = true;  // QEMU listens (recommended: survives vswd restarts)
    uint16_t vlan = 0;           // access VLAN, or the native VLAN with trunks
    std::string trunks;          // "" = none; with vlan: native-untagged
    uint64_t rx_rate = 0;        // bit/s towards the guest (<inbound>), 0 = none
    uint64_t tx_rate = 0;        // bit/s from the guest (<outbound>), 0 = none
};

// The snippet, or "" with `error` set.
std::string libvirt_xml(LibvirtXmlRequest req, std::string& error);

}  // namespace vsw::ctl
