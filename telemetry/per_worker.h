// One block of counters per PMD worker: each worker writes only its own block (no atomic
// read-modify-write on the hot path), the control thread sums a field over all of them.
#pragma once

#include <cstdint>

#include "core/limits.h"

namespace vsw::telemetry {

template <class Block>
struct PerWorker {
    Block w[kMaxWorkers];  // by worker index

    Block& operator[](unsigned worker) { return w[worker]; }
    const Block& operator[](unsigned worker) const { return w[worker]; }
    // The sum of one counter field over every worker's block.
    template <class Field>
    uint64_t sum(Field Block::*field) const {
        uint64_t n = 0;
        for (const Block& b : w) n += (b.*field).get();
        return n;
    }
};

}  // namespace vsw::telemetry
