// The MAID and its operator's forms (cfm/maid.h).
#include "cfm/maid.h"

#include <catch2/catch.hpp>
#include <string>

using namespace vsw::cfm;

namespace {

Maid parsed(const std::string& text) {
    Maid m{};
    REQUIRE(parse_maid(text, m) == "");
    return m;
}

}  // namespace

TEST_CASE("MAID: Open vSwitch's, byte for byte", "[cfm]") {
    // lib/cfm.c cfm_generate_maid(): MD name format 4, length 3, "ovs"; short MA name format 2,
    // length 3, "ovs"; the rest zeros.
    Maid expected{};
    const uint8_t head[] = {4, 3, 'o', 'v', 's', 2, 3, 'o', 'v', 's'};
    std::copy(std::begin(head), std::end(head), expected.begin());
    CHECK(ovs_maid() == expected);
    CHECK(parsed("ovs/ovs") == expected);
    CHECK(maid_to_string(ovs_maid()) == "ovs/ovs");
}

TEST_CASE("MAID: the operator's forms read and print back", "[cfm]") {
    const Maid no_md = parsed("ma-100");
    CHECK(no_md[0] == 1);  // no MD name present
    CHECK(no_md[1] == 2);  // short MA name: a character string
    CHECK(no_md[2] == 6);
    CHECK(std::string(no_md.begin() + 3, no_md.begin() + 9) == "ma-100");
    CHECK(no_md[9] == 0);
    CHECK(maid_to_string(no_md) == "ma-100");

    const Maid both = parsed("Customer.1/vlan_100:east");
    CHECK(both[0] == 4);
    CHECK(both[1] == 10);
    CHECK(both[12] == 2);
    CHECK(both[13] == 13);
    CHECK(maid_to_string(both) == "Customer.1/vlan_100:east");

    // Another format (MA name format 3: a 2-octet integer): hex, both ways.
    const Maid other = parsed("0x04036f7673030200");
    CHECK(other[5] == 3);
    CHECK(maid_to_string(other) == "0x04036f76730302");  // trailing zeros left out
    CHECK(parsed(maid_to_string(other)) == other);
    CHECK(parsed("0x0403") == parsed("0x040300"));

    // Named, but not as parse_maid writes it: non-zero bytes after the names -> hex.
    Maid odd = ovs_maid();
    odd[40] = 7;
    CHECK(maid_to_string(odd).starts_with("0x04036f7673"));
    CHECK(parsed(maid_to_string(odd)) == odd);
    // A name that would read as hex is printed as hex.
    Maid hexlike{};
    const uint8_t h[] = {1, 2, 4, '0', 'x', '1', '2'};
    std::copy(std::begin(h), std::end(h), hexlike.begin());
    CHECK(maid_to_string(hexlike) ==
          "0x010204307831"
          "32");
    CHECK(parsed(maid_to_string(hexlike)) == hexlike);
    CHECK(maid_to_string(Maid{}) == "0x00");
    CHECK(parsed("0x00") == Maid{});
}

TEST_CASE("MAID: the longest names fit, longer ones are refused", "[cfm]") {
    CHECK(parsed(std::string(45, 'a'))[2] == 45);
    CHECK(parsed(std::string(43, 'a') + "/b")[1] == 43);
    CHECK(parsed(std::string(22, 'a') + "/" + std::string(22, 'b'))[24] == 2);
    Maid m = ovs_maid();
    CHECK(parse_maid(std::string(46, 'a'), m).find("at most 45") != std::string::npos);
    CHECK(parse_maid(std::string(22, 'a') + "/" + std::string(23, 'b'), m).find("at most 44") !=
          std::string::npos);
    CHECK(m == ovs_maid());  // untouched by refusals
}

TEST_CASE("MAID: malformed texts refused, the MAID untouched", "[cfm]") {
    for (const char* bad :
         {"", "/", "/ma", "md/", "a/b/c", "md ma", "md/m,a", "ma=1", "é", "0x", "0x1", "0xzz",
          "0x"
          "00000000000000000000000000000000"
          "00000000000000000000000000000000"
          "0000000000000000000000000000000000"}) {
        INFO(bad);
        Maid m = ovs_maid();
        CHECK_FALSE(parse_maid(bad, m).empty());
        CHECK(m == ovs_maid());
    }
    Maid m{};
    CHECK(parse_maid("0x" + std::string(96, 'f'), m) == "");  // 48 bytes exactly
    CHECK(m[47] == 0xff);
}
