// vswd's command line.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "src/config/socket_access.h"

namespace vsw {

struct DaemonOptions {
    ControlAccess ctl;                                   // control socket path, owner, group, mode
    std::string state_file = "/var/lib/vsw/state.json";  // persisted configuration
    unsigned main_core = 0;                              // CPU of the control thread
    std::vector<unsigned> pmd_cores;                     // CPUs of the PMD workers
    bool no_huge = false;                                // run EAL without hugepages
    unsigned mem_mb = 256;                               // EAL memory
    std::string file_prefix = "vsw";                     // EAL --file-prefix
    std::string eal_args;                                // extra EAL arguments, space separated
    unsigned mbufs = 16383;                              // mbuf pool size
    unsigned fdb_max = 8192;                             // FDB size limit
    unsigned fdb_aging = 300;                            // initial aging time for a new state
    unsigned pmd_max_sleep_us = 500;                     // idle back-off ceiling, 0 = busy poll
    unsigned pmd_idle_linger_us = 0;                     // busy polling after the last packet
    unsigned pmd_moderation_us = 0;                      // sleep after a round of few frames
    SocketAccess sockets;        // vhost-user socket directory and permissions
    std::string metrics_listen;  // Prometheus endpoint [ADDRESS:]PORT, "" = off
};

// Parses argv. On --help / --version prints and returns nullopt with exit_code 0; on error
// prints the message and returns nullopt with exit_code 2.
std::optional<DaemonOptions> parse_daemon_options(int argc, char** argv, int& exit_code);

// "1,3-4" -> {1,3,4}; nullopt if malformed.
std::optional<std::vector<unsigned>> parse_cpu_list(const std::string& s);

// EAL argv for these options (argv[0] included).
std::vector<std::string> eal_arguments(const DaemonOptions& o);

}  // namespace vsw
