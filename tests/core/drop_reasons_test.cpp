#include "core/drop_reasons.h"

#include <catch2/catch.hpp>
#include <set>

using namespace vsw;

TEST_CASE("every drop reason has a unique name that maps back to it") {
    std::set<std::string_view> names;
    for (unsigned i = 0; i < kDropReasonCount; ++i) {
        auto r = static_cast<DropReason>(i);
        auto name = drop_reason_name(r);
        CHECK_FALSE(name.empty());
        CHECK_FALSE(drop_reason_description(r).empty());
        CHECK(names.insert(name).second);
        CHECK(drop_reason_from_name(name) == r);
    }
    CHECK_FALSE(drop_reason_from_name("no_such_reason").has_value());
    CHECK(drop_reason_name(DropReason::kTxFull) == "tx_full");
}
