// Frames as chains of mbufs from the test pool, and back to bytes, for the offload tests.
#pragma once

#include <rte_mbuf.h>

#include <catch2/catch.hpp>
#include <vector>

#include "tests/support/datapath_fixture.h"
#include "tests/support/mbuf_bytes.h"

namespace vsw::test {

// `bytes` as a chain of mbufs cut at `cuts` (offsets, ascending), as a guest's large frame
// arrives.
inline rte_mbuf* chain(const std::vector<uint8_t>& bytes, std::vector<size_t> cuts) {
    rte_mbuf* m = chain_from(g_pool, bytes, std::move(cuts));
    REQUIRE(m != nullptr);
    return m;
}

}  // namespace vsw::test
