// The CCM on the wire (cfm/ccm.h): the frame Open vSwitch 3.1 sends, written out by hand from
// 802.1ag 21.6 and OVS's lib/cfm.c (struct ccm, cfm_compose_ccm), and every refusal.
#include "cfm/ccm.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

using namespace vsw;
using namespace vsw::cfm;

namespace {

constexpr Mac kSource = 0x020000000a01;

// OVS's CCM: MEP ID 2, sequence 1, interval 1 s (code 4), RDI clear, level 0, untagged.
std::vector<uint8_t> ovs_reference_frame() {
    std::vector<uint8_t> f = {
        0x01, 0x80, 0xc2, 0x00, 0x00, 0x30,  // destination: CCMs of level 0
        0x02, 0x00, 0x00, 0x00, 0x0a, 0x01,  // source
        0x89, 0x02,                          // ethertype CFM
        0x00,                                // MD level 0 (3 bits), version 0 (5 bits)
        0x01,                                // opcode: CCM
        0x04,                                // flags: RDI clear, interval 4 (1 s)
        0x46,                                // first TLV offset: 70
        0x00, 0x00, 0x00, 0x01,              // sequence number
        0x00, 0x02,                          // MEP ID
        0x04, 0x03, 'o',  'v',  's',         // MAID: MD name format 4, length 3, "ovs"
        0x02, 0x03, 'o',  'v',  's',         //       short MA name format 2, length 3, "ovs"
    };
    f.resize(f.size() + 38);  // the MAID's zero padding: 48 bytes in all
    f.resize(f.size() + 16);  // ITU-T Y.1731: 16 bytes, zeros
    f.push_back(0x00);        // End TLV
    return f;
}

Ccm sample(uint8_t level = 0) {
    Ccm c;
    c.level = level;
    c.interval = CcmInterval::k1s;
    c.sequence = 1;
    c.mepid = 2;
    c.maid = ovs_maid();
    return c;
}

CcmError decode(const std::vector<uint8_t>& f) {
    ReceivedCcm out;
    return decode_ccm_frame(f.data(), f.size(), out);
}

}  // namespace

TEST_CASE("CCM: the 89 bytes Open vSwitch sends, exactly", "[cfm]") {
    const std::vector<uint8_t> ref = ovs_reference_frame();
    REQUIRE(ref.size() == 89);
    REQUIRE(kCcmFrameLength == 89);
    REQUIRE(kCcmLength == 75);  // lib/cfm.c: CCM_LEN
    CHECK(encode_ccm_frame(sample(), kSource) == ref);
    ReceivedCcm out;
    REQUIRE(decode_ccm_frame(ref.data(), ref.size(), out) == CcmError::kNone);
    CHECK(out.ccm == sample());
    CHECK(out.source == kSource);
    CHECK(out.vlan == 0);
}

TEST_CASE("CCM: level, RDI, interval, sequence, MEP ID and a tag where 802.1ag puts them",
          "[cfm]") {
    Ccm c = sample(5);
    c.rdi = true;
    c.interval = CcmInterval::k3ms;
    c.sequence = 0xdeadbeef;
    c.mepid = 8191;
    const std::vector<uint8_t> f = encode_ccm_frame(c, kSource, 100);
    REQUIRE(f.size() == kCcmTaggedFrameLength);
    CHECK(f[5] == 0x35);  // 01:80:C2:00:00:35
    CHECK(std::vector<uint8_t>(f.begin() + 12, f.begin() + 18) ==
          std::vector<uint8_t>{0x81, 0x00, 0x00, 0x64, 0x89, 0x02});  // 802.1Q, VLAN 100, CFM
    CHECK(f[18] == 0xa0);                                             // level 5, version 0
    CHECK(f[20] == 0x81);                                             // RDI, interval 1
    CHECK(std::vector<uint8_t>(f.begin() + 22, f.begin() + 28) ==
          std::vector<uint8_t>{0xde, 0xad, 0xbe, 0xef, 0x1f, 0xff});
    ReceivedCcm out;
    REQUIRE(decode_ccm_frame(f.data(), f.size(), out) == CcmError::kNone);
    CHECK(out.ccm == c);
    CHECK(out.vlan == 100);
    for (uint8_t level = 0; level <= 7; ++level) {
        const std::vector<uint8_t> g = encode_ccm_frame(sample(level), kSource);
        CHECK(mac_from_bytes(g.data()) == Mac{0x0180c2000030} + level);
        REQUIRE(decode_ccm_frame(g.data(), g.size(), out) == CcmError::kNone);
        CHECK(out.ccm.level == level);
    }
}

TEST_CASE("CCM: every interval code round-trips; the milliseconds operators write", "[cfm]") {
    for (unsigned code = 1; code <= 7; ++code) {
        Ccm c = sample();
        c.interval = static_cast<CcmInterval>(code);
        const std::vector<uint8_t> f = encode_ccm_frame(c, kSource);
        CHECK((f[16] & 7) == code);
        ReceivedCcm out;
        REQUIRE(decode_ccm_frame(f.data(), f.size(), out) == CcmError::kNone);
        CHECK(out.ccm.interval == c.interval);
        CHECK(ccm_interval_from_ms(ccm_interval_ms(c.interval)) == c.interval);
    }
    CHECK(ccm_interval_us(CcmInterval::k3ms) == 3333);
    CHECK(ccm_interval_us(CcmInterval::k100ms) == 100000);
    CHECK(ccm_interval_us(CcmInterval::k10min) == 600000000);
    CHECK(ccm_interval_ms(CcmInterval::k3ms) == "3.3");
    CHECK(ccm_interval_ms(CcmInterval::k1min) == "60000");
    CHECK(ccm_interval_from_ms("3") == CcmInterval::k3ms);
    CHECK(ccm_interval_from_ms("3.33") == CcmInterval::k3ms);
    CHECK_FALSE(ccm_interval_from_ms("1s"));
    CHECK_FALSE(ccm_interval_from_ms("500"));
    CHECK_FALSE(ccm_interval_from_ms(""));
}

TEST_CASE("CCM: optional TLVs skipped, reserved bits, Y.1731 bytes and an FCS ignored", "[cfm]") {
    std::vector<uint8_t> f = ovs_reference_frame();
    f[16] |= 0x78;  // the flags' reserved bits
    f[80] = 0xff;   // a Y.1731 byte (OVS's extended mode puts its interval here)
    f.insert(f.end(), {0xde, 0xad, 0xbe, 0xef});  // an FCS left on
    CHECK(decode(f) == CcmError::kNone);
    // A Sender ID TLV (type 1, length 1, chassis ID length 0) and a Port Status TLV (type 2,
    // length 1, up) before the End TLV, as 802.1ag allows.
    f = ovs_reference_frame();
    f.pop_back();
    f.insert(f.end(), {0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x02, 0x00});
    CHECK(decode(f) == CcmError::kNone);
    f.pop_back();  // no End TLV left
    CHECK(decode(f) == CcmError::kBadEndTlv);
    f.push_back(0x04);  // a TLV whose header is cut short
    CHECK(decode(f) == CcmError::kBadEndTlv);
    f.insert(f.end(), {0x00, 0x05, 0x01, 0x00});  // ... or whose value runs past the frame
    CHECK(decode(f) == CcmError::kBadEndTlv);
}

TEST_CASE("CCM: malformed frames refused with their reason, the output untouched", "[cfm]") {
    struct Case {
        const char* what;
        size_t offset;
        uint8_t value;
        CcmError expected;
    };
    const Case cases[] = {
        {"another ethertype", 13, 0x00, CcmError::kWrongEthertype},
        {"an LBM (opcode 3)", 15, 3, CcmError::kNotCcm},
        {"an LTM (opcode 5)", 15, 5, CcmError::kNotCcm},
        {"Y.1731's LMM (opcode 43)", 15, 43, CcmError::kNotCcm},
        {"OVS's extended address", 1, 0x23, CcmError::kWrongDestination},
        {"the address of level 1 for level 0", 5, 0x31, CcmError::kWrongDestination},
        {"an LTM's address (level 0 + 8)", 5, 0x38, CcmError::kWrongDestination},
        {"level 2 sent to the address of level 0", 14, 0x40, CcmError::kWrongDestination},
        {"a group source", 6, 0x03, CcmError::kBadSource},
        {"version 1", 14, 0x01, CcmError::kBadVersion},
        {"first TLV offset 74 (Y.1731's wrong guess)", 17, 74, CcmError::kBadFirstTlvOffset},
        {"first TLV offset 0", 17, 0, CcmError::kBadFirstTlvOffset},
        {"interval code 0 (OVS extended)", 16, 0x00, CcmError::kBadInterval},
        {"interval code 0 with RDI", 16, 0x80, CcmError::kBadInterval},
        {"MEP ID above 8191", 22, 0x20, CcmError::kBadMepid},
        {"End TLV not type 0, nothing after", 88, 0x03, CcmError::kBadEndTlv},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        std::vector<uint8_t> f = ovs_reference_frame();
        f[c.offset] = c.value;
        ReceivedCcm out;
        out.ccm.mepid = 4242;
        CHECK(decode_ccm_frame(f.data(), f.size(), out) == c.expected);
        CHECK(out.ccm.mepid == 4242);
    }
    std::vector<uint8_t> f = ovs_reference_frame();
    f[23] = 0;  // MEP ID 0
    CHECK(decode(f) == CcmError::kBadMepid);
    f = ovs_reference_frame();
    for (size_t i = 6; i < 12; ++i) f[i] = 0;
    CHECK(decode(f) == CcmError::kBadSource);  // zero source
    f = ovs_reference_frame();
    CHECK(decode({f.begin(), f.end() - 1}) == CcmError::kTooShort);  // 74 bytes: old OVS
    CHECK(decode({f.begin(), f.begin() + 18}) == CcmError::kTooShort);
    CHECK(decode({f.begin(), f.begin() + 17}) == CcmError::kTooShort);  // header cut
    CHECK(decode({f.begin(), f.begin() + 13}) == CcmError::kTooShort);
    CHECK(decode({}) == CcmError::kTooShort);
    // An LBM is reported as such even when shorter than a CCM.
    f[15] = 3;
    CHECK(decode({f.begin(), f.begin() + 30}) == CcmError::kNotCcm);
    // Tagged: cut inside the tag, then a tag in front of something else.
    const std::vector<uint8_t> t = encode_ccm_frame(sample(), kSource, 7);
    CHECK(decode({t.begin(), t.begin() + 16}) == CcmError::kTooShort);
    CHECK(decode({t.begin(), t.end() - 1}) == CcmError::kTooShort);
    std::vector<uint8_t> u = t;
    u[16] = 0x08;
    u[17] = 0x00;
    CHECK(decode(u) == CcmError::kWrongEthertype);
    u = t;
    u[12] = 0x88;  // an S-tag (0x88a8) is not read through
    u[13] = 0xa8;
    CHECK(decode(u) == CcmError::kWrongEthertype);
}

TEST_CASE("CCM: every reason has its own name", "[cfm]") {
    std::set<std::string> names;
    for (unsigned e = 0; e <= static_cast<unsigned>(CcmError::kBadEndTlv); ++e)
        names.insert(std::string(ccm_error_name(static_cast<CcmError>(e))));
    CHECK(names.size() == static_cast<unsigned>(CcmError::kBadEndTlv) + 1);
    CHECK(ccm_error_name(CcmError::kNotCcm) == "not_ccm");
    CHECK(ccm_error_name(CcmError::kBadFirstTlvOffset) == "bad_first_tlv_offset");
}
