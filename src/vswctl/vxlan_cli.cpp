// vswctl vxlan: the overlay's commands (requests and table: vxlan.h).
#include <iostream>

#include "src/vswctl/cli.h"
#include "src/vswctl/vxlan.h"

namespace vsw::ctl {

void add_vxlan_cli(CliTable& t) {
    t.add(
        {.name = "vxlan",
         .usage =
             R"(  vxlan map VLAN VNI | unmap VLAN    carry a VLAN in a VXLAN VNI across hosts (persisted; the
                                     VTEP: set-port UPLINK vtep-ip=A/N [vtep-gateway=A])
  vxlan add-vtep VNI IP... | del-vtep VNI [IP...]
                                     remote VTEPs in a VNI's flood list (vsw-evpn does this)
  vxlan add-mac VNI MAC VTEP | del-mac VNI MAC
                                     a MAC behind a remote VTEP (vsw-evpn does this)
  vxlan show                         VTEP, VNIs, flood lists, remote VTEPs, counters, drops,
                                     MAC conflicts (pinned MACs) and frozen duplicate MACs
  vxlan clear-duplicates [VNI MAC]   unfreeze duplicate MACs (all, or one): vsw-evpn follows
                                     their moves again
)",
         .request =
             [](const CliCall& c) {
                 try {
                     return vxlan_request(c.words);
                 } catch (const std::invalid_argument& e) {
                     throw UsageError(e.what());
                 }
             },
         .print = show_printer([](const nlohmann::json& r) { std::cout << format_vxlan(r); })});
}

}  // namespace vsw::ctl
