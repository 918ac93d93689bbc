// Any CFM frame and the level rule (cfm/cfm_frame.h): above the MEP's level passes, at or below
// stops; not CFM is none of its business.
#include "cfm/cfm_frame.h"

#include <catch2/catch.hpp>
#include <vector>

#include "cfm/ccm.h"

using namespace vsw::cfm;

namespace {

// A CFM frame of `level` and `opcode`, tagged with `vlan` unless 0 (only the header matters).
std::vector<uint8_t> cfm_frame(uint8_t level, uint8_t opcode = kCcmOpcode, uint16_t vlan = 0) {
    Ccm c;
    c.level = level;
    c.mepid = 1;
    c.maid = ovs_maid();
    std::vector<uint8_t> f = encode_ccm_frame(c, 0x020000000a01, vlan);
    f[(vlan ? 18 : 14) + 1] = opcode;
    return f;
}

CfmFate fate(const std::vector<uint8_t>& f, uint8_t mep_level) {
    return cfm_frame_fate(f.data(), f.size(), mep_level);
}

}  // namespace

TEST_CASE("CFM level rule: above passes, at or below stops, whatever the opcode or VLAN", "[cfm]") {
    for (uint8_t mep = 0; mep <= 7; ++mep)
        for (uint8_t level = 0; level <= 7; ++level)
            for (uint8_t opcode : {1, 3, 5}) {  // CCM, LBM, LTM
                INFO("MEP level " << int(mep) << ", frame level " << int(level) << ", opcode "
                                  << int(opcode));
                const CfmFate expected = level > mep ? CfmFate::kPass : CfmFate::kStop;
                CHECK(fate(cfm_frame(level, opcode), mep) == expected);
                CHECK(fate(cfm_frame(level, opcode, 4094), mep) == expected);
            }
}

TEST_CASE("CFM level rule: frames that are not CFM, and CFM frames cut short", "[cfm]") {
    std::vector<uint8_t> ipv4(60, 0);
    ipv4[12] = 0x08;
    CHECK(fate(ipv4, 7) == CfmFate::kNotCfm);
    std::vector<uint8_t> tagged_ipv4 = ipv4;
    tagged_ipv4[12] = 0x81;
    tagged_ipv4[16] = 0x08;
    CHECK(fate(tagged_ipv4, 0) == CfmFate::kNotCfm);
    CHECK(fate({}, 0) == CfmFate::kNotCfm);
    CHECK(fate(std::vector<uint8_t>(13, 0), 0) == CfmFate::kNotCfm);
    // CFM whose level cannot be read: stopped (never forwarded, never read).
    const std::vector<uint8_t> f = cfm_frame(7);
    CHECK(fate({f.begin(), f.begin() + 14}, 0) == CfmFate::kStop);
    CHECK(fate({f.begin(), f.begin() + 17}, 0) == CfmFate::kStop);
    CHECK(fate({f.begin(), f.begin() + 18}, 0) == CfmFate::kPass);  // the header is whole
}

TEST_CASE("CFM header: level, version, opcode, VLAN and where the PDU starts", "[cfm]") {
    std::vector<uint8_t> f = cfm_frame(6, 5, 42);
    f[18] |= 0x03;  // version 3
    const auto h = read_cfm_header(f.data(), f.size());
    REQUIRE(h);
    CHECK(h->offset == 18);
    CHECK(h->vlan == 42);
    CHECK(h->level == 6);
    CHECK(h->version == 3);
    CHECK(h->opcode == 5);
    const std::vector<uint8_t> g = cfm_frame(0);
    REQUIRE(read_cfm_header(g.data(), g.size()));
    CHECK(read_cfm_header(g.data(), g.size())->offset == 14);
    CHECK_FALSE(read_cfm_header(g.data(), 17));
    CHECK(is_cfm_frame(g.data(), 14));
    CHECK_FALSE(is_cfm_frame(g.data(), 13));
}
