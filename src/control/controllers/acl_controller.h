// Security groups' control side: the switch's groups (`vswctl acl ...`, the state file's
// "security-groups" section), each port's groups compiled for the workers
// (src/datapath/acl_table.h) with their feature bits, the connection table the workers share
// (created when a port first takes groups, swept and reclaimed here), `vswctl conntrack ...`
// and the table's bounds ("conntrack" section). Rules that change judge the connections they
// govern again: a connection the new rules would not open is ended, as Open vSwitch ends a
// connection whose flow no longer commits it. Only its maker is public.
#pragma once

#include <memory>

#include "src/control/controller.h"

namespace vsw {

std::unique_ptr<Controller> make_acl_controller(const SwitchServices& services);

}  // namespace vsw
