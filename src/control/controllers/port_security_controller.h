// Port security's control side: each port's MAC limit and storm control published for the
// workers (security/security_table.h) with their feature bits, and the learned MACs a limited
// port has in `show`. The settings are the ports' own (mac-limit, flood-rate, flood-burst); the
// stages are security/ and the FDB's limit. Nothing else reaches into it: only its maker is
// public.
#pragma once

#include <memory>

#include "src/control/controller.h"

namespace vsw {

std::unique_ptr<Controller> make_port_security_controller(const SwitchServices& services);

}  // namespace vsw
