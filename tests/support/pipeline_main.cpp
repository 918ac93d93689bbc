// The pipeline tests' runner: an EAL (no hugepages, no PCI) and the mbuf pool the datapath
// fixture uses, then Catch2. Apart from the tests so that Catch2's implementation, which this
// file compiles, can be built unoptimised.
#define CATCH_CONFIG_RUNNER
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/support/datapath_fixture.h"
#include "tests/support/test_eal.h"

using vsw::test::g_pool;

int main(int argc, char** argv) {
    if (!vsw::test::init_test_eal("pipeline-test")) return 1;
    g_pool = rte_pktmbuf_pool_create("test_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (!g_pool) return 1;
    int rc = Catch::Session().run(argc, argv);
    rte_eal_cleanup();
    return rc;
}
