// Which member carries which hash bucket, and which member is the active one: chosen again
// whenever the distributing set changes, moving as little as possible. A bucket stays with its
// member while that member distributes (its flows keep their path and their order); the buckets
// of a member that left go to the members carrying the fewest; a member that joins takes
// buckets from the most loaded until the spread is even. Pure.
#pragma once

#include <array>
#include <cstdint>

#include "bond/bond_view.h"

namespace vsw {

// Reassigns `bucket` (bucket -> member index) for the members in `distributing` (bit = member
// index, below `n_members`). With none distributing, the table is left as it is (it is not read).
void assign_buckets(std::array<uint8_t, kBondBuckets>& bucket, uint32_t distributing,
                    unsigned n_members);

// The active member: `current` while it still distributes, otherwise the first distributing
// member in the configured order; -1 if none.
int8_t choose_active(int8_t current, uint32_t distributing, unsigned n_members);

}  // namespace vsw
