// A MEP's faults: one bit each, with the names operators see (Open vSwitch's where it has the
// same fault: recv, rdi, maid, loopback, overflow). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vsw::cfm {

// X(enumerator, name). Every fault but recv and loss is raised by a CCM and clears 3.5 intervals
// after the last CCM that raised it; recv and loss are silences and clear with the next CCM.
#define VSW_CFM_FAULTS(X)                                                                  \
    X(kRecv, "recv")         /* no CCM from any remote MEP for 3.5 intervals (OVS's) */    \
    X(kRdi, "rdi")           /* a remote MEP's CCM carries RDI: it sees a fault */         \
    X(kMaid, "maid")         /* a CCM at our level with another MAID (cross-connect) */    \
    X(kLoopback, "loopback") /* a CCM with our own MEP ID: a loop or a duplicate MEP ID */ \
    X(kOverflow, "overflow") /* a new remote MEP while the remote MEP table is full */     \
    X(kLoss, "loss")         /* a remote MEP we heard is silent for 3.5 intervals */       \
    X(kLevel, "level")       /* a CCM from a lower MD level (unexpected level) */          \
    X(kInterval, "interval") /* a remote MEP announces another interval than ours */

enum class CfmFault : uint8_t {
#define VSW_X(e, name) e,
    VSW_CFM_FAULTS(VSW_X)
#undef VSW_X
        kCount
};

using CfmFaults = uint16_t;  // bit (1 << CfmFault) per fault present

constexpr CfmFaults fault_bit(CfmFault f) {
    return static_cast<CfmFaults>(1u << static_cast<unsigned>(f));
}

std::string_view cfm_fault_name(CfmFault f);
// The names of the faults in `faults`, space-separated as OVS prints them ("recv loss"); "" for
// none.
std::string cfm_faults_string(CfmFaults faults);

}  // namespace vsw::cfm
