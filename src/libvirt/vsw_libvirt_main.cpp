// vsw-libvirt: the libvirt agent. Runs beside vswd and keeps its ports in step with the libvirt
// domains whose vhost-user interfaces use vsw's socket directory (see agent.h).
#include <signal.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>

#include "src/config/program_options.h"
#include "src/libvirt/agent.h"
#include "vsw_version.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
    g_stop.store(true);
}

}  // namespace

int main(int argc, char** argv) {
    namespace po = boost::program_options;
    vsw::libvirt::AgentOptions o;
    if (const char* ctl = std::getenv("VSW_CTL")) o.ctl = ctl;
    po::options_description desc(
        "vsw-libvirt " VSW_VERSION
        " - keeps vswd's ports in step with libvirt domains\n\n"
        "For every running domain, each <interface type='vhostuser'> whose socket is in vswd's "
        "socket\n"
        "directory becomes a vswd port named DOMAIN-MAC (e.g. web1-525400000001), created when the "
        "domain\n"
        "starts and removed when it stops. <bandwidth> sets its rates (inbound = towards the "
        "guest);\n"
        "VLANs come from the domain's metadata in namespace urn:vsw:libvirt:1:\n"
        "  <vsw:ports xmlns:vsw='urn:vsw:libvirt:1'>\n"
        "    <vsw:port mac='52:54:00:00:00:01' vlan-mode='access' tag='10'/>\n"
        "  </vsw:ports>\n"
        "Keys: admin, vlan-mode, tag, trunks, tx-rate, tx-burst, tx-peak, rx-rate, rx-burst, "
        "rx-limit,\n"
        "rx-mode, port-security, allowed-macs, allowed-ips, allowed-ethertypes, mac-limit, "
        "flood-rate,\n"
        "flood-burst, trusted (as vswctl set-port). Change them live with virsh metadata "
        "--live.\n"
        "libvirt drops <filterref> from vhostuser interfaces: give vsw the filter instead, as\n"
        "  <vsw:port mac='...' filter='clean-traffic'><vsw:parameter name='IP' "
        "value='10.0.0.5'/></vsw:port>\n"
        "vsw-libvirt reads the filter (and those it references) from libvirt's nwfilter driver "
        "and\n"
        "enforces it with port security and, for its IP rules, a security group of the port's "
        "own\n"
        "(nwf-PORT); a filter vsw cannot enforce faithfully keeps the port admin down, the reason "
        "in\n"
        "its description. Filters are re-read every --filter-interval-ms: virsh "
        "nwfilter-define\n"
        "takes effect without restarting the guest.\n\n"
        "Usage: vsw-libvirt [options]\n\nOptions");
    vsw::add_standard_options(desc);
    desc.add_options()("connect,c", po::value(&o.uri)->default_value(o.uri), "libvirt URI")(
        "ctl", po::value(&o.ctl)->default_value(o.ctl),
        "vswd control socket (default $VSW_CTL or /run/vsw/vswd.ctl)")(
        "socket-dir", po::value(&o.socket_dir),
        "manage interfaces whose sockets are here (default: vswd's --socket-dir)")(
        "poll-interval-ms", po::value(&o.poll_interval_ms)->default_value(o.poll_interval_ms),
        "how often to list active domains (libvirt has no event for a starting domain)")(
        "resync-interval", po::value(&o.resync_interval_s)->default_value(o.resync_interval_s),
        "seconds between full resyncs")(
        "filter-interval-ms", po::value(&o.filter_interval_ms)->default_value(o.filter_interval_ms),
        "how often to re-read the traffic filters in use (libvirt has no nwfilter events)");
    std::string port_security = "off";
    desc.add_options()("port-security", po::value(&port_security)->default_value(port_security),
                       "default: lock every port without a traffic filter to its domain's MAC "
                       "(allowed-ips=any); off: leave it open");
    po::variables_map vm;
    if (auto status = vsw::parse_command_line("vsw-libvirt", argc, argv, desc, vm)) return *status;
    if (o.poll_interval_ms < 100 || o.poll_interval_ms > 60000)
        return vsw::usage_error("vsw-libvirt", "--poll-interval-ms must be 100 to 60000");
    if (o.filter_interval_ms < 100 || o.filter_interval_ms > 600000)
        return vsw::usage_error("vsw-libvirt", "--filter-interval-ms must be 100 to 600000");
    if (o.resync_interval_s < 1 || o.resync_interval_s > 86400)
        return vsw::usage_error("vsw-libvirt", "--resync-interval must be 1 to 86400 seconds");
    if (port_security != "default" && port_security != "off")
        return vsw::usage_error("vsw-libvirt", "--port-security must be default or off");
    o.mapping.lock_mac_by_default = port_security == "default";
    if (!o.socket_dir.empty() && o.socket_dir[0] != '/')
        return vsw::usage_error("vsw-libvirt", "--socket-dir must be an absolute path");
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
    vsw::libvirt::Agent agent(o);
    return agent.run(g_stop);
}
