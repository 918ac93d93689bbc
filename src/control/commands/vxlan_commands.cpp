#include "src/control/commands/vxlan_commands.h"

#include <nlohmann/json.hpp>
#include <optional>

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
            t.add(name, [f = h.remote, report = h.report, op = op](const Request& r) {
                // The report is read first: a bad one changes nothing.
                std::optional<OverlayReport> rep;
                if (op == RemoteOp::kReplace && report && r.has("report"))
                    rep = overlay_report_from_json(r.body()["report"]);
                ControlResult out = f(op, overlay_remote_from_json(r.body()));
                if (rep && out.error.empty()) report(*rep);
                return out;
            });
    if (h.clear_duplicates)
        t.add("vxlan-clear-duplicates", [f = h.clear_duplicates](const Request& r) {
            if (!r.has("vni")) return f(0, 0);
            const auto vni = static_cast<uint32_t>(r.number_field("vni", 1, kMaxVni));
            const auto mac = unicast_mac_from_json(r.body().value("mac", nlohmann::json()));
            if (!mac) return ControlResult::fail("mac must be a unicast MAC address");
            return f(vni, *mac);
        });
    if (h.show)
        t.add(
            "vxlan-show", [f = h.show](const Request&) { return f(); }, "vxlan");
}

}  // namespace vsw
