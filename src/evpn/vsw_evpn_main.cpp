// vsw-evpn: the EVPN agent. Runs beside vswd and a gobgpd on each host, and makes vswd a BGP
// EVPN VTEP (see evpn_agent.h and evpn_state.h).
#include <signal.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>

#include "src/config/program_options.h"
#include "src/evpn/evpn_agent.h"
#include "vsw_version.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
    g_stop.store(true);
}

}  // namespace

int main(int argc, char** argv) {
    namespace po = boost::program_options;
    vsw::evpn::AgentOptions o;
    if (const char* ctl = std::getenv("VSW_CTL")) o.vswd_ctl = ctl;
    po::options_description desc(
        "vsw-evpn " VSW_VERSION
        " - makes vswd a BGP EVPN VTEP through gobgpd\n\n"
        "Originates a type-3 route per VNI vswd maps (vswctl vxlan map) and a type-2 route per "
        "MAC\n"
        "learned on a local port of a mapped VLAN (with the MAC mobility sequence when it moved\n"
        "here), withdraws them when they go; programs the other VTEPs' routes into vswd as flood\n"
        "lists and remote MACs. gobgpd keeps the BGP sessions (l2vpn-evpn) and route "
        "reflectors.\n\n"
        "Usage: vsw-evpn [options]\n\nOptions");
    vsw::add_standard_options(desc);
    desc.add_options()("ctl", po::value(&o.vswd_ctl)->default_value(o.vswd_ctl),
                       "vswd control socket (default $VSW_CTL or /run/vsw/vswd.ctl)")(
        "gobgp", po::value(&o.gobgp)->default_value(o.gobgp), "gobgpd's gRPC API, HOST:PORT")(
        "interval-ms", po::value(&o.interval_ms)->default_value(o.interval_ms),
        "how often to look at vswd and the RIB (10 to 10000)")(
        "dup-max-moves", po::value(&o.duplicates.max_moves)->default_value(o.duplicates.max_moves),
        "a MAC that moves this many times (2 to 1000) within --dup-window-s is a duplicate: "
        "frozen where it is")(
        "dup-window-s", po::value(&o.duplicates.window_s)->default_value(o.duplicates.window_s),
        "the duplicate detection window, seconds (2 to 1800)")(
        "dup-hold-s", po::value(&o.duplicates.hold_s)->default_value(o.duplicates.hold_s),
        "how long a duplicate stays frozen, seconds (0: until vswctl vxlan clear-duplicates)");
    po::variables_map vm;
    if (auto status = vsw::parse_command_line("vsw-evpn", argc, argv, desc, vm)) return *status;
    if (o.interval_ms < 10 || o.interval_ms > 10000)
        return vsw::usage_error("vsw-evpn", "--interval-ms must be 10 to 10000");
    if (o.duplicates.max_moves < 2 || o.duplicates.max_moves > 1000)
        return vsw::usage_error("vsw-evpn", "--dup-max-moves must be 2 to 1000");
    if (o.duplicates.window_s < 2 || o.duplicates.window_s > 1800)
        return vsw::usage_error("vsw-evpn", "--dup-window-s must be 2 to 1800");
    if (o.duplicates.hold_s > 86400)
        return vsw::usage_error("vsw-evpn", "--dup-hold-s must be 0 to 86400");
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    std::cerr << "vsw-evpn " VSW_VERSION ": vswd " << o.vswd_ctl << ", gobgpd " << o.gobgp << "\n";
    vsw::evpn::Agent agent(o);
    agent.run(g_stop);
    return 0;
}
