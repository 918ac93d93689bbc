// The Maintenance Association Identifier (IEEE 802.1ag 21.6.5): the 48 bytes every CCM carries
// and every MEP of one association shares. A CCM whose MAID differs from ours is a cross-connect
// (the `maid` fault). Pure: no DPDK.
//
// Operators write a MAID as (setting `cfm-maid`, vswctl, the state file):
//   MD/MA     an MD name (format 4, character string) then a short MA name (format 2, character
//             string), zero-padded: "ovs/ovs" is Open vSwitch's MAID, the default
//   MA        no MD name (MD format 1), then the MA name (format 2)
//   0xHEX     the 48 bytes themselves (up to 96 hex digits, zero-padded on the right), for a
//             peer that uses another format (a VID or integer MA name, Y.1731's ICC format)
// Names are 1 or more of [A-Za-z0-9._:-]; MD + MA take at most 44 characters (MA alone, 45).
// maid_to_string() prints the shortest of these forms that reads back to the same bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vsw::cfm {

constexpr size_t kMaidLength = 48;
using Maid = std::array<uint8_t, kMaidLength>;

// Open vSwitch's MAID (lib/cfm.c): MD format 4, "ovs"; MA format 2, "ovs"; zeros.
Maid ovs_maid();

// Reads one of the forms above into `out`. "" or the operator's message (`out` untouched).
std::string parse_maid(std::string_view text, Maid& out);

// "MD/MA", "MA" or "0x..." (trailing zero bytes left out): parse_maid() reads it back.
std::string maid_to_string(const Maid& m);

}  // namespace vsw::cfm
