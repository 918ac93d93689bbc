// vswctl libvirt-xml: the XML a libvirt domain needs for a vsw port (needs no vswd).
#include <iostream>

#include "core/parse.h"
#include "qos/bandwidth.h"
#include "src/vswctl/cli.h"
#include "src/vswctl/libvirt_xml.h"

namespace vsw::ctl {

namespace {

constexpr StringOption kOptions[] = {
    {"domain", "domain name"},
    {"mac", "the interface's MAC (default: random 52:54:00:xx:xx:xx)"},
    {"vlan", "access VLAN (native VLAN with --trunks)"},
    {"trunks", "VLANs of a trunk, e.g. 10,20-30"},
    {"rate", "bandwidth both ways, bit/s (100M)"},
    {"rx-rate", "bandwidth towards the guest"},
    {"tx-rate", "bandwidth from the guest"},
    {"mode", "server (QEMU listens; default) or client"},
};

std::vector<std::string> libvirt_xml_option_names() {
    std::vector<std::string> names = option_names(kOptions);
    names.push_back("socket-dir");
    return names;
}

uint64_t rate_option(const std::string& opt, const std::string& v) {
    if (v.empty()) return 0;
    auto r = parse_rate(v);
    if (!r) throw UsageError("--" + opt + " must be a rate in bit/s such as 100M, not '" + v + "'");
    return *r;
}

int libvirt_xml_run(const CliCall& c) {
    c.expect_args(0, 0);
    LibvirtXmlRequest lx;
    lx.domain = c.option<std::string>("domain");
    lx.mac = c.option<std::string>("mac");
    lx.trunks = c.option<std::string>("trunks");
    lx.socket_dir = c.option<std::string>("socket-dir", lx.socket_dir);
    if (const auto vlan = c.option<std::string>("vlan"); !vlan.empty()) {
        auto v = parse_uint(vlan, 1, 4094);
        if (!v) throw UsageError("--vlan must be 1 to 4094");
        lx.vlan = static_cast<uint16_t>(*v);
    }
    const auto rate = c.option<std::string>("rate"), rx = c.option<std::string>("rx-rate"),
               tx = c.option<std::string>("tx-rate");
    if (!rate.empty() && (!rx.empty() || !tx.empty()))
        throw UsageError("give --rate, or --rx-rate and --tx-rate");
    lx.rx_rate = rate_option("rx-rate", rx.empty() ? rate : rx);
    lx.tx_rate = rate_option("tx-rate", tx.empty() ? rate : tx);
    const auto mode = c.option<std::string>("mode", "server");
    if (mode != "server" && mode != "client") throw UsageError("--mode must be server or client");
    lx.qemu_is_server = mode == "server";
    std::string error;
    const std::string xml = libvirt_xml(lx, error);
    if (xml.empty()) throw UsageError(error);
    std::cout << xml;
    return 0;
}

}  // namespace

void add_libvirt_xml_cli(CliTable& t) {
    t.add(
        {.name = "libvirt-xml",
         .usage =
             R"(  libvirt-xml --domain NAME [--mac M] [--vlan N] [--trunks LIST] [--rate R | --rx-rate R --tx-rate R]
              [--mode server|client] [--socket-dir DIR]
                                     the interface, memoryBacking and vsw metadata XML for a
                                     libvirt domain (vsw-libvirt applies it; needs no vswd)
)",
         .options = libvirt_xml_option_names(),
         .declare =
             [](po::options_description& d) {
                 declare_string_options(d, "libvirt-xml", kOptions);
                 d.add_options()(
                     "socket-dir",
                     po::value<std::string>()->default_value(LibvirtXmlRequest{}.socket_dir),
                     "libvirt-xml: vswd's --socket-dir");
             },
         .run = libvirt_xml_run});
}

}  // namespace vsw::ctl
