#include "lacp/marker.h"

#include <catch2/catch.hpp>
#include <vector>

using namespace vsw;
using namespace vsw::lacp;

namespace {

std::vector<uint8_t> marker_information() {
    std::vector<uint8_t> f(kLacpFrameLength, 0);
    const uint8_t head[] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00,
                            0x09, 0x88, 0x09, 0x02, 0x01, 0x01, 0x10, 0x00, 0x03,  // requester port
                            0x02, 0x00, 0x00, 0x00, 0x00, 0x09,  // requester system
                            0x00, 0x00, 0x12, 0x34};             // transaction id
    std::copy(std::begin(head), std::end(head), f.begin());
    return f;
}

}  // namespace

TEST_CASE("marker: a Marker Information PDU is answered at once", "[lacp]") {
    const auto f = marker_information();
    CHECK(is_marker_frame(f.data(), f.size()));
    const auto r = marker_response(f.data(), f.size(), 0x020000000001);
    REQUIRE(r);
    CHECK((*r)[16] == 2);                                                 // a Marker Response TLV
    CHECK(std::equal(r->begin() + 17, r->begin() + 32, f.begin() + 17));  // the same information
    CHECK(mac_from_bytes(r->data() + 6) == 0x020000000001);               // from the member
    CHECK(mac_from_bytes(r->data()) == kSlowProtocolsAddress);
}

TEST_CASE("marker: responses, LACPDUs and malformed markers get no answer", "[lacp]") {
    auto f = marker_information();
    f[16] = 2;  // a response
    CHECK(!marker_response(f.data(), f.size(), 0x020000000001));
    f = marker_information();
    f[14] = 1;  // a LACPDU
    CHECK(!is_marker_frame(f.data(), f.size()));
    CHECK(!marker_response(f.data(), f.size(), 0x020000000001));
    f = marker_information();
    f[17] = 20;  // wrong TLV length
    CHECK(!marker_response(f.data(), f.size(), 0x020000000001));
    f = marker_information();
    f[5] = 0x03;  // not the slow protocols address
    CHECK(!marker_response(f.data(), f.size(), 0x020000000001));
    f = marker_information();
    for (size_t len = 0; len < f.size(); ++len) CHECK(!marker_response(f.data(), len, 1));
}
