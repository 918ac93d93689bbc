// VLAN sets from list syntax in tests: vlan_set("10,20-30").
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "core/vlan.h"

namespace vsw::test {

inline VlanSet vlan_set(const std::string& list) {
    std::string err;
    auto v = parse_vlan_list(list, err);
    REQUIRE(v);
    return *v;
}

}  // namespace vsw::test
