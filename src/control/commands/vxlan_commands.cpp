#include "src/control/commands/vxlan_commands.h"

#include "overlay/vxlan.h"

namespace vsw {

void register_vxlan_commands(CommandTable& t, const VxlanCommands& h) {
    if (h.map)
        t.add("vxlan-map", [f = h.map](const Request& r) {
            return f(static_cast<uint16_t>(r.number_field("vlan", 1, 4094)),
                     static_cast<uint32_t>(r.number_field("vni", 1, kMaxVni)));
        });
    if (h.unmap)
        t.add("vxlan-unmap", [f = h.unmap](const Request& r) {
            return f(static_cast<uint16_t>(r.number_field("vlan", 1, 4094)));
        });
    if (h.remote)
        for (auto [name, op] : {std::pair{"vxlan-add", RemoteOp::kAdd},
                                {"vxlan-del", RemoteOp::kDelete},
                                {"vxlan-sync", RemoteOp::kReplace}})
            t.add(name, [f = h.remote, op = op](const Request& r) {
                return f(op, overlay_remote_from_json(r.body()));
            });
    if (h.show)
        t.add(
            "vxlan-show", [f = h.show](const Request&) { return f(); }, "vxlan");
}

}  // namespace vsw
