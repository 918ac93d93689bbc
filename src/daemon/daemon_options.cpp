#include "src/daemon/daemon_options.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <sstream>

#include "core/parse.h"
#include "src/config/program_options.h"
#include "vsw_version.h"

namespace vsw {

namespace po = boost::program_options;

namespace {

std::optional<mode_t> parse_mode(const std::string& s, mode_t max) {
    try {
        size_t used = 0;
        unsigned long m = std::stoul(s, &used, 8);
        if (used != s.size() || m > max) return std::nullopt;
        return static_cast<mode_t>(m);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// QEMU under libvirt runs in group kvm: the default group when the host has one.
std::string default_socket_group() {
    return ::getgrnam("kvm") ? "kvm" : "";
}

}  // namespace

std::optional<std::vector<unsigned>> parse_cpu_list(const std::string& s) {
    const auto ranges = parse_range_list(s, 0, 1023);
    if (!ranges) return std::nullopt;
    std::vector<unsigned> out;
    for (const NumberRange& r : *ranges)
        for (uint64_t c = r.first; c <= r.last; ++c) out.push_back(static_cast<unsigned>(c));
    if (out.empty()) return std::nullopt;
    return out;
}

std::optional<DaemonOptions> parse_daemon_options(int argc, char** argv, int& exit_code) {
    DaemonOptions o;
    std::string pmd_cores, ctl_mode = "0660", ctl_owner, ctl_group;
    std::string socket_owner, socket_group = default_socket_group(), socket_dir_mode = "2770",
                              socket_mode = "0660";
    o.sockets.dir = "/run/vsw/vhost";
    po::options_description desc("vswd " VSW_VERSION
                                 " - vhost-user switch daemon\n\nUsage: vswd [options]\n\nOptions");
    add_standard_options(desc);
    desc.add_options()(
        "ctl-socket", po::value(&o.ctl.path)->default_value(o.ctl.path),
        "control socket path (vswctl talks to it); its directory must not be world-writable")(
        "ctl-owner", po::value(&ctl_owner),
        "owner (user name or uid) of the control socket (default: vswd's user)")(
        "ctl-group", po::value(&ctl_group),
        "its group: members may run vswctl (default: vswd's group)")(
        "ctl-mode", po::value(&ctl_mode)->default_value(ctl_mode),
        "control socket permissions, octal; others may never write")(
        "socket-dir", po::value(&o.sockets.dir)->default_value(o.sockets.dir),
        "vhost-user socket directory (vsw-libvirt manages the libvirt interfaces whose sockets are "
        "here)")("socket-owner", po::value(&socket_owner),
                 "owner (user name or uid) of the socket directory and of vswd's server sockets "
                 "(default root)")("socket-group",
                                   po::value(&socket_group)->default_value(socket_group),
                                   "their group: QEMU under libvirt runs in group kvm")(
        "socket-dir-mode", po::value(&socket_dir_mode)->default_value(socket_dir_mode),
        "socket directory permissions, octal")("socket-mode",
                                               po::value(&socket_mode)->default_value(socket_mode),
                                               "permissions of vswd's server sockets, octal")(
        "metrics-listen", po::value(&o.metrics_listen),
        "serve Prometheus metrics at http://[ADDRESS:]PORT/metrics (address default 127.0.0.1; off "
        "unless given)")("state-file", po::value(&o.state_file)->default_value(o.state_file),
                         "persisted configuration (JSON)")(
        "main-core", po::value(&o.main_core)->default_value(o.main_core),
        "CPU for the control thread")(
        "pmd-cores", po::value(&pmd_cores),
        "CPUs for PMD workers, one worker each, e.g. 1 or 1,3-4 (default: the last CPU)")(
        "pmd-max-sleep-us", po::value(&o.pmd_max_sleep_us)->default_value(o.pmd_max_sleep_us),
        "longest sleep of an idle PMD in microseconds; 0 = always busy-poll")(
        "pmd-idle-linger-us", po::value(&o.pmd_idle_linger_us)->default_value(o.pmd_idle_linger_us),
        "microseconds a PMD keeps polling after its last packet before it starts to sleep")(
        "pmd-moderation-us", po::value(&o.pmd_moderation_us)->default_value(o.pmd_moderation_us),
        "microseconds a PMD sleeps after a round that moved frames but filled no burst "
        "(batches frames as a NIC's interrupt moderation; 0 = off)")(
        "no-huge", po::bool_switch(&o.no_huge), "run without hugepages (EAL --no-huge)")(
        "mem", po::value(&o.mem_mb)->default_value(o.mem_mb), "EAL memory in MiB")(
        "file-prefix", po::value(&o.file_prefix)->default_value(o.file_prefix),
        "EAL --file-prefix: unique per DPDK process")("eal-args", po::value(&o.eal_args),
                                                      "extra EAL arguments, space separated")(
        "mbufs", po::value(&o.mbufs)->default_value(o.mbufs), "mbufs in the packet pool")(
        "fdb-max", po::value(&o.fdb_max)->default_value(o.fdb_max), "FDB size limit (entries)")(
        "fdb-aging", po::value(&o.fdb_aging)->default_value(o.fdb_aging),
        "FDB aging time in seconds for a new state file (then: vswctl set fdb-aging-time=N)");
    po::variables_map vm;
    if (auto status = parse_command_line("vswd", argc, argv, desc, vm)) {
        exit_code = *status;
        return std::nullopt;
    }
    auto fail = [&](const std::string& msg) -> std::optional<DaemonOptions> {
        std::cerr << "vswd: " << msg << "\n";
        exit_code = 2;
        return std::nullopt;
    };
    auto ctl = parse_mode(ctl_mode, 0777);
    if (!ctl) return fail("--ctl-mode must be octal, e.g. 0660");
    if (*ctl & S_IWOTH)
        return fail("--ctl-mode must not let others write: they could reconfigure the switch");
    o.ctl.mode = *ctl;
    if (o.ctl.path.empty() || o.ctl.path[0] != '/')
        return fail("--ctl-socket must be an absolute path");
    if (auto e = resolve_owner(ctl_owner, ctl_group, o.ctl.uid, o.ctl.gid); !e.empty())
        return fail("--ctl-owner/--ctl-group: " + e);
    auto dir_mode = parse_mode(socket_dir_mode, 07777);
    if (!dir_mode) return fail("--socket-dir-mode must be octal, e.g. 2770");
    if (*dir_mode & S_IWOTH)
        return fail("--socket-dir-mode must not let others write: they could plant sockets");
    o.sockets.dir_mode = *dir_mode;
    auto sock_mode = parse_mode(socket_mode, 0777);
    if (!sock_mode) return fail("--socket-mode must be octal, e.g. 0660");
    o.sockets.socket_mode = *sock_mode;
    if (o.sockets.dir.empty() || o.sockets.dir[0] != '/')
        return fail("--socket-dir must be an absolute path");
    if (auto e = resolve_owner(socket_owner, socket_group, o.sockets); !e.empty())
        return fail("--socket-owner/--socket-group: " + e);
    if (!pmd_cores.empty()) {
        auto cores = parse_cpu_list(pmd_cores);
        if (!cores) return fail("--pmd-cores must be a CPU list such as 1 or 1,3-4");
        o.pmd_cores = *cores;
    } else {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o.pmd_cores = {static_cast<unsigned>(n > 1 ? n - 1 : 0)};
    }
    if (o.pmd_cores.size() > 16) return fail("at most 16 PMD cores");
    if (o.fdb_aging < 1 || o.fdb_aging > 1'000'000)
        return fail("--fdb-aging must be 1 to 1000000 seconds");
    if (o.fdb_max < 1 || o.fdb_max > 16'000'000) return fail("--fdb-max must be 1 to 16000000");
    if (o.mbufs < 1024) return fail("--mbufs must be at least 1024");
    return o;
}

std::vector<std::string> eal_arguments(const DaemonOptions& o) {
    // lcore 0 is the control thread; lcores 1..N are the PMDs, each pinned to its CPU.
    std::string lcores = "0@" + std::to_string(o.main_core);
    for (size_t i = 0; i < o.pmd_cores.size(); ++i)
        lcores += "," + std::to_string(i + 1) + "@" + std::to_string(o.pmd_cores[i]);
    std::vector<std::string> args = {
        "vswd", "--lcores=" + lcores,    "--main-lcore=0", "--file-prefix=" + o.file_prefix,
        "-m",   std::to_string(o.mem_mb)};
    if (o.no_huge) args.push_back("--no-huge");
    std::stringstream extra(o.eal_args);
    bool device_policy = false;
    for (std::string a; extra >> a;) {
        device_policy |=
            a == "-a" || a == "-b" || a.rfind("--allow", 0) == 0 || a.rfind("--block", 0) == 0;
        args.push_back(a);
    }
    // Probe no PCI device at start (EAL would try every NIC it finds, including ones the host
    // kernel uses): PCI NICs join the switch only through add-port --type dpdk.
    if (!device_policy) args.push_back("--allow=0000:00:00.0");
    return args;
}

}  // namespace vsw
