// The LACPDU on the wire (lacp/lacpdu.h): the layout 802.1AX gives, and every refusal.
#include "lacp/lacpdu.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

using namespace vsw;
using namespace vsw::lacp;

namespace {

Lacpdu sample_pdu() {
    Lacpdu pdu;
    pdu.actor = {0x8000, 0x020000000a00,
                 7,      0x80,
                 3,      state::kActivity | state::kTimeout | state::kAggregation};
    pdu.partner = {0x0064, 0x020000000b00, 9, 0x40, 0x0102, state::kSynchronization};
    pdu.collector_max_delay = 5;
    return pdu;
}

std::vector<uint8_t> sample_frame() {
    const LacpFrame f = encode_lacp_frame(sample_pdu(), 0x020000000a01);
    return {f.begin(), f.end()};
}

LacpduError decode(const std::vector<uint8_t>& f) {
    Lacpdu out;
    return decode_lacp_frame(f.data(), f.size(), out);
}

}  // namespace

TEST_CASE("LACPDU: 124 bytes laid out as 802.1AX says") {
    const std::vector<uint8_t> f = sample_frame();
    REQUIRE(f.size() == kLacpFrameLength);
    REQUIRE(kLacpFrameLength == 124);
    CHECK(
        std::vector<uint8_t>(f.begin(), f.begin() + 14) ==
        std::vector<uint8_t>{0x01, 0x80, 0xc2, 0, 0, 0x02, 0x02, 0, 0, 0, 0x0a, 0x01, 0x88, 0x09});
    CHECK(f[14] == 1);  // subtype LACP
    CHECK(f[15] == 1);  // version 1
    // Actor TLV: type 1, length 20, system priority, system, key, port priority, port, state.
    CHECK(std::vector<uint8_t>(f.begin() + 16, f.begin() + 36) ==
          std::vector<uint8_t>{1, 20, 0x80, 0x00, 0x02, 0, 0,    0, 0x0a, 0,
                               0, 7,  0,    0x80, 0,    3, 0x07, 0, 0,    0});
    // Partner TLV: type 2, length 20.
    CHECK(std::vector<uint8_t>(f.begin() + 36, f.begin() + 56) ==
          std::vector<uint8_t>{2, 20, 0, 0x64, 0x02, 0,    0,    0, 0x0b, 0,
                               0, 9,  0, 0x40, 0x01, 0x02, 0x08, 0, 0,    0});
    // Collector TLV: type 3, length 16, the maximum delay, 12 reserved bytes.
    CHECK(f[56] == 3);
    CHECK(f[57] == 16);
    CHECK(f[58] == 0);
    CHECK(f[59] == 5);
    // Terminator (type 0, length 0) and the reserved bytes: zeros to the end.
    for (size_t i = 60; i < f.size(); ++i) CHECK(f[i] == 0);
}

TEST_CASE("LACPDU: read back as written; reserved bytes and trailing bytes ignored") {
    std::vector<uint8_t> f = sample_frame();
    Lacpdu out;
    REQUIRE(decode_lacp_frame(f.data(), f.size(), out) == LacpduError::kNone);
    CHECK(out.actor == sample_pdu().actor);
    CHECK(out.partner == sample_pdu().partner);
    CHECK(out.collector_max_delay == 5);
    f[33] = 0xff;                                 // actor reserved
    f[65] = 0xff;                                 // collector reserved
    f[100] = 0xff;                                // after the terminator
    f.insert(f.end(), {0xde, 0xad, 0xbe, 0xef});  // an FCS left on
    CHECK(decode(f) == LacpduError::kNone);
}

TEST_CASE("LACPDU: malformed frames refused with their reason, the output untouched") {
    struct Case {
        const char* what;
        size_t offset;
        uint8_t value;
        LacpduError expected;
    };
    const Case cases[] = {
        {"another destination", 5, 0x03, LacpduError::kWrongDestination},
        {"a group source", 6, 0x01, LacpduError::kBadSource},
        {"an 802.1Q tag", 12, 0x81, LacpduError::kWrongEthertype},
        {"the marker protocol", 14, 2, LacpduError::kNotLacp},
        {"version 0", 15, 0, LacpduError::kBadVersion},
        {"version 2", 15, 2, LacpduError::kBadVersion},
        {"actor TLV of type 2", 16, 2, LacpduError::kBadActorTlv},
        {"actor TLV of length 19", 17, 19, LacpduError::kBadActorTlv},
        {"partner TLV of type 1", 36, 1, LacpduError::kBadPartnerTlv},
        {"partner TLV of length 21", 37, 21, LacpduError::kBadPartnerTlv},
        {"collector TLV of type 0", 56, 0, LacpduError::kBadCollectorTlv},
        {"collector TLV of length 20", 57, 20, LacpduError::kBadCollectorTlv},
        {"terminator of type 4", 72, 4, LacpduError::kBadTerminator},
        {"terminator of length 2", 73, 2, LacpduError::kBadTerminator},
        {"a group actor system", 20, 0x03, LacpduError::kBadActorSystem},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        std::vector<uint8_t> f = sample_frame();
        f[c.offset] = c.value;
        Lacpdu out;
        out.actor.key = 4242;
        CHECK(decode_lacp_frame(f.data(), f.size(), out) == c.expected);
        CHECK(out.actor.key == 4242);
    }
    std::vector<uint8_t> f = sample_frame();
    CHECK(decode({f.begin(), f.end() - 1}) == LacpduError::kTooShort);
    CHECK(decode({}) == LacpduError::kTooShort);
    for (size_t i = 6; i < 12; ++i) f[i] = 0;
    CHECK(decode(f) == LacpduError::kBadSource);  // zero source
    f = sample_frame();
    for (size_t i = 20; i < 26; ++i) f[i] = 0;
    CHECK(decode(f) == LacpduError::kBadActorSystem);  // zero system
}

TEST_CASE("LACPDU: every reason has its own name") {
    std::set<std::string> names;
    for (unsigned e = 0; e <= static_cast<unsigned>(LacpduError::kBadActorSystem); ++e)
        names.insert(std::string(lacpdu_error_name(static_cast<LacpduError>(e))));
    CHECK(names.size() == static_cast<unsigned>(LacpduError::kBadActorSystem) + 1);
    CHECK(lacpdu_error_name(LacpduError::kTooShort) == "too_short");
}
