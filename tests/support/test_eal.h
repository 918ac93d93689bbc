// An EAL for tests and benchmarks over real mbufs: no hugepages, no PCI, no telemetry, one
// lcore, a file prefix of its own so that runs never meet.
#pragma once

#include <rte_eal.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace vsw::test {

// False if the EAL did not start.
inline bool init_test_eal(const std::string& name) {
    std::vector<std::string> eal = {name,
                                    "--no-huge",
                                    "-m",
                                    "64",
                                    "--no-pci",
                                    "--no-telemetry",
                                    "--log-level=*:error",
                                    "-l",
                                    "0",
                                    "--file-prefix=vsw-" + name + "-" + std::to_string(::getpid())};
    std::vector<char*> argv;
    for (auto& a : eal) argv.push_back(a.data());
    return rte_eal_init(static_cast<int>(argv.size()), argv.data()) >= 0;
}

}  // namespace vsw::test
