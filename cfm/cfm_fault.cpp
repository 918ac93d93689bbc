// A MEP's faults and their names (cfm_fault.h).
#include "cfm/cfm_fault.h"

namespace vsw::cfm {
namespace {

constexpr std::string_view kNames[] = {
#define VSW_X(e, name) name,
    VSW_CFM_FAULTS(VSW_X)
#undef VSW_X
};

}  // namespace

std::string_view cfm_fault_name(CfmFault f) {
    const auto i = static_cast<unsigned>(f);
    return i < static_cast<unsigned>(CfmFault::kCount) ? kNames[i] : "?";
}

std::string cfm_faults_string(CfmFaults faults) {
    std::string out;
    for (unsigned i = 0; i < static_cast<unsigned>(CfmFault::kCount); ++i) {
        if (!(faults & (1u << i))) continue;
        if (!out.empty()) out += ' ';
        out += kNames[i];
    }
    return out;
}

}  // namespace vsw::cfm
