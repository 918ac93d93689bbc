#include "bond/bond_buckets.h"

#include <catch2/catch.hpp>
#include <map>

using namespace vsw;

namespace {

std::map<unsigned, unsigned> loads(const std::array<uint8_t, kBondBuckets>& b) {
    std::map<unsigned, unsigned> out;
    for (uint8_t m : b) ++out[m];
    return out;
}

}  // namespace

TEST_CASE("buckets: spread evenly, moved only from a member that left", "[bond]") {
    std::array<uint8_t, kBondBuckets> b{};
    b.fill(7);  // nobody's: every bucket is an orphan
    assign_buckets(b, 0b011, 2);
    CHECK(loads(b) == std::map<unsigned, unsigned>{{0, 128}, {1, 128}});

    // Member 1 leaves: its buckets go to member 0, member 0's stay where they were.
    const auto before = b;
    assign_buckets(b, 0b001, 2);
    CHECK(loads(b) == std::map<unsigned, unsigned>{{0, 256}});
    for (unsigned i = 0; i < kBondBuckets; ++i)
        if (before[i] == 0) CHECK(b[i] == 0);

    // It comes back: it takes half again, and nothing moves between the others.
    assign_buckets(b, 0b011, 2);
    CHECK(loads(b) == std::map<unsigned, unsigned>{{0, 128}, {1, 128}});

    // Three members, one leaves: only its buckets move, to the two others evenly.
    b.fill(9);
    assign_buckets(b, 0b111, 3);
    auto l = loads(b);
    CHECK((l[0] >= 85 && l[0] <= 86 && l[1] >= 85 && l[1] <= 86 && l[2] >= 85 && l[2] <= 86));
    const auto three = b;
    assign_buckets(b, 0b101, 3);
    l = loads(b);
    CHECK(l[0] == 128);
    CHECK(l[2] == 128);
    for (unsigned i = 0; i < kBondBuckets; ++i)
        if (three[i] != 1) CHECK(b[i] == three[i]);

    // Nobody distributes: the table is not touched.
    const auto last = b;
    assign_buckets(b, 0, 3);
    CHECK(b == last);
}

TEST_CASE("the active member is kept while it distributes", "[bond]") {
    CHECK(choose_active(-1, 0b110, 3) == 1);
    CHECK(choose_active(2, 0b110, 3) == 2);  // sticky: no flap back to the first
    CHECK(choose_active(2, 0b011, 3) == 0);
    CHECK(choose_active(0, 0, 3) == -1);
    CHECK(choose_active(5, 0b1, 1) == 0);  // out of range: chosen again
}
