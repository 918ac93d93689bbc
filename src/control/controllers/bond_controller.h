// Bonds' control side: for each bond port, its members' roles (they receive and send for the
// bond, never switch on their own), its LACP machines (lacp/) fed with the LACPDUs its members
// punt and the carrier of each member (netlink for af_packet, the ethdev's link otherwise),
// and the view the workers read (bond/bond_view.h: who distributes, which member carries which
// hash bucket), published again whenever the distributing set changes. `vswctl bond show`.
// Only its maker is public.
#pragma once

#include <memory>

#include "src/control/controller.h"

namespace vsw {

std::unique_ptr<Controller> make_bond_controller(const SwitchServices& services);

}  // namespace vsw
