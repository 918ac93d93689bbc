// `vswctl port-security show`: a port's isolation as the operator reads it: its settings, what
// it learned (MACs, DHCP addresses), its violations by reason, and the last frame refused with
// the MAC and address it claimed.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "src/control/controller.h"

namespace vsw {

// Whether a drop reason is isolation's (port security, MAC limit and pins, storm control).
bool is_isolation_reason(DropReason r);

// The port's entry, or null when it has no isolation setting and never refused a frame.
// `learned_ips`: its learned-ips view (null: it does not learn).
nlohmann::json port_security_view(const SwitchPort& p, uint32_t learned_macs,
                                  const nlohmann::json& learned_ips);

}  // namespace vsw
