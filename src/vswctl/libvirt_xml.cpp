#include "src/vswctl/libvirt_xml.h"

#include <cstdio>
#include <random>
#include <sstream>

#include "core/mac.h"
#include "core/vlan.h"
#include "src/config/config.h"
#include "src/libvirt/domain_xml.h"
#include "src/libvirt/port_mapping.h"

namespace vsw::ctl {
namespace {

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '\'': out += "&apos;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

// Comments may not contain "--".
std::string comment_safe(std::string s) {
    for (size_t i; (i = s.find("--")) != std::string::npos;) s.replace(i, 2, "-_");
    return s;
}

std::string random_mac() {
    std::random_device rd;
    char buf[18];
    std::snprintf(buf, sizeof buf, "52:54:00:%02x:%02x:%02x", rd() & 0xff, rd() & 0xff,
                  rd() & 0xff);
    return buf;
}

// libvirt takes KiB/s: the nearest, at least 1.
uint64_t kib_per_s(uint64_t bits) {
    return std::max<uint64_t>(1, (bits + 4096) / 8192);
}

}  // namespace

std::string libvirt_xml(LibvirtXmlRequest req, std::string& error) {
    if (req.domain.empty()) {
        error = "give --domain NAME";
        return "";
    }
    if (req.mac.empty()) req.mac = random_mac();
    auto mac = mac_from_string(req.mac);
    if (!mac || mac_is_multicast(*mac)) {
        error = "--mac must be a unicast MAC address such as 52:54:00:12:34:56";
        return "";
    }
    const std::string mac_s = mac_to_string(*mac);
    const std::string port = libvirt::port_name(req.domain, mac_s);
    const std::string socket = req.socket_dir + (req.socket_dir.ends_with('/') ? "" : "/") + port;
    if (req.socket_dir.empty() || req.socket_dir[0] != '/' || socket.size() >= 108) {
        error = "--socket-dir must be an absolute path (and the socket path under 108 characters)";
        return "";
    }
    if (req.vlan > 4094) {
        error = "--vlan must be 1 to 4094";
        return "";
    }
    std::string vlan_attrs;
    if (!req.trunks.empty()) {
        std::string err;
        auto set = parse_vlan_list(req.trunks, err);
        if (!set) {
            error = "--trunks: " + err;
            return "";
        }
        vlan_attrs = req.vlan
                         ? " vlan-mode='native-untagged' tag='" + std::to_string(req.vlan) + "'"
                         : " vlan-mode='trunk'";
        vlan_attrs += " trunks='" + format_vlan_list(*set) + "'";
    } else if (req.vlan) {
        vlan_attrs = " vlan-mode='access' tag='" + std::to_string(req.vlan) + "'";
    }
    for (uint64_t r : {req.rx_rate, req.tx_rate})
        if (r && r < 8192) {
            error = "rates must be at least 8k bit/s (libvirt counts in KiB/s)";
            return "";
        }

    std::ostringstream x;
    x << "<!-- vsw port " << port << " for domain " << comment_safe(req.domain)
      << " (vsw-libvirt creates it"
      << " when the domain starts) -->\n";
    x << "<!-- 1. In <domain>: vhost-user needs guest memory QEMU can share with vswd. -->\n"
      << "<memoryBacking>\n  <source type='memfd'/>\n  <access mode='shared'/>\n</memoryBacking>\n";
    x << "<!-- 2. In <devices>. -->\n<interface type='vhostuser'>\n"
      << "  <mac address='" << mac_s << "'/>\n";
    if (req.qemu_is_server) {
        x << "  <source type='unix' path='" << escape(socket) << "' mode='server'/>\n";
    } else {
        x << "  <source type='unix' path='" << escape(socket) << "' mode='client'>\n"
          << "    <reconnect enabled='yes' timeout='1'/>\n  </source>\n";
    }
    x << "  <model type='virtio'/>\n";
    if (req.rx_rate || req.tx_rate) {
        x << "  <!-- KiB/s. inbound: towards the guest; outbound: from it. -->\n  <bandwidth>\n";
        if (req.rx_rate)
            x << "    <inbound average='" << kib_per_s(req.rx_rate) << "'/>  <!-- "
              << kib_per_s(req.rx_rate) * 8192 << " bit/s -->\n";
        if (req.tx_rate)
            x << "    <outbound average='" << kib_per_s(req.tx_rate) << "'/>  <!-- "
              << kib_per_s(req.tx_rate) * 8192 << " bit/s -->\n";
        x << "  </bandwidth>\n";
    }
    x << "</interface>\n";
    x << "<!-- 3. In <metadata> (libvirt refuses <vlan> on vhostuser interfaces). Change it live "
         "with\n"
      << "     virsh metadata, namespace " << libvirt::kMetadataNamespace
      << ", key vsw, option live. -->\n"
      << "<vsw:ports xmlns:vsw='" << libvirt::kMetadataNamespace << "'>\n"
      << "  <vsw:port mac='" << mac_s << "'" << vlan_attrs << "/>\n"
      << "</vsw:ports>\n";
    return x.str();
}

}  // namespace vsw::ctl
