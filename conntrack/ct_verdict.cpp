// Names of connection tracking's states and invalid reasons (ct_verdict.h).
#include "conntrack/ct_verdict.h"

namespace vsw::conntrack {
namespace {

constexpr std::string_view kStateNames[] = {
#define VSW_X(e, name) name,
    VSW_CT_STATES(VSW_X)
#undef VSW_X
};

constexpr std::string_view kInvalidNames[] = {
#define VSW_X(e, name) name,
    VSW_CT_INVALID_REASONS(VSW_X)
#undef VSW_X
};

}  // namespace

std::string_view ct_state_name(CtState s) {
    return kStateNames[static_cast<unsigned>(s)];
}

std::string_view ct_invalid_name(CtInvalid r) {
    return kInvalidNames[static_cast<unsigned>(r)];
}

}  // namespace vsw::conntrack
