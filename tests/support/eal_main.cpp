// A runner for Catch2 tests over real mbufs that need no datapath: an EAL (no hugepages, no PCI),
// then Catch2; the tests make their own pools. Apart from the tests so that Catch2's
// implementation, which this file compiles, can be built unoptimised.
#define CATCH_CONFIG_RUNNER
#include <rte_eal.h>

#include <catch2/catch.hpp>

#include "tests/support/test_eal.h"

int main(int argc, char** argv) {
    if (!vsw::test::init_test_eal("eal-test")) return 1;
    int rc = Catch::Session().run(argc, argv);
    rte_eal_cleanup();
    return rc;
}
