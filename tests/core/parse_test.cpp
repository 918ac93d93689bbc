#include "core/parse.h"

#include <catch2/catch.hpp>

using namespace vsw;

TEST_CASE("parse_uint takes plain decimals within bounds") {
    CHECK(parse_uint("42", 0, 100) == 42u);
    CHECK_FALSE(parse_uint("", 0, 100));
    CHECK_FALSE(parse_uint("4 2", 0, 100));
    CHECK_FALSE(parse_uint("101", 0, 100));
    CHECK_FALSE(parse_uint("0x10", 0, 100));
}

TEST_CASE("range lists: numbers and ranges within bounds, nothing else") {
    auto r = parse_range_list("1,3-5", 0, 10);
    REQUIRE(r);
    REQUIRE(r->size() == 2);
    CHECK(((*r)[0].first == 1 && (*r)[0].last == 1));
    CHECK(((*r)[1].first == 3 && (*r)[1].last == 5));
    CHECK(parse_range_list("", 0, 10)->empty());
    std::string bad;
    CHECK_FALSE(parse_range_list("1,11", 0, 10, &bad));
    CHECK(bad == "11");
    CHECK_FALSE(parse_range_list("5-3", 0, 10, &bad));
    CHECK(bad == "5-3");
    CHECK_FALSE(parse_range_list("1,,2", 0, 10, &bad));
    CHECK(bad == "");
    CHECK_FALSE(parse_range_list("1,", 0, 10, &bad));
    CHECK(bad == ",");
    CHECK_FALSE(parse_range_list("1-", 0, 10));
}

TEST_CASE("port names are short and plain") {
    CHECK(validate_port_name("vm1-eth0.2_x").empty());
    CHECK_FALSE(validate_port_name("").empty());
    CHECK_FALSE(validate_port_name(std::string(33, 'a')).empty());
    CHECK_FALSE(validate_port_name("a b").empty());
    CHECK_FALSE(validate_port_name("../etc").empty());
}
