// libFuzzer target: control requests (what anyone who can reach the control socket sends). Every
// request gets a well-formed JSON answer and never crashes; the switch behind is every feature's
// command table with handlers that accept whatever reaches them (the parsing and validation in
// front of it are what is fuzzed).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "overlay/vxlan.h"
#include "src/control/commands/capture_commands.h"
#include "src/control/commands/mirror_commands.h"
#include "src/control/commands/settings_commands.h"
#include "src/control/commands/switch_commands.h"
#include "src/control/commands/vxlan_commands.h"
#include "src/control/control_protocol.h"

namespace {

using R = vsw::ControlResult;

// Every feature's commands, with handlers that accept whatever reaches them after the checks.
vsw::CommandTable accept_all() {
    vsw::CommandTable t;
    vsw::register_switch_commands(
        t, {.show = [] { return R::ok(); },
            .stats = [](const std::string&) { return R::ok(); },
            .add_port = [](const vsw::PortConfig&) { return R::ok(); },
            .del_port = [](const std::string&) { return R::ok(); },
            .set_port = [](const std::string&, const vsw::Settings&) { return R::ok(); },
            .set_switch = [](const vsw::Settings&) { return R::ok(); },
            .fdb_show = [] { return R::ok(); },
            .fdb_flush = [] { return R::ok(); }});
    vsw::register_mirror_commands(t, {.add = [](const vsw::MirrorConfig&) { return R::ok(); },
                                      .del = [](const std::string&) { return R::ok(); },
                                      .show = [] { return R::ok(); }});
    vsw::register_settings_commands(
        t, "ipfix",
        {.set =
             [](const vsw::Settings& s) {
                 vsw::IpfixConfig c;  // as the switch does: apply, then validate (no throw)
                 for (const auto& [k, v] : s)
                     if (!vsw::apply_ipfix_setting(c, k, v).empty()) return R::fail("bad");
                 return vsw::validate_ipfix(c).empty() ? R::ok() : R::fail("bad");
             },
         .del = [] { return R::ok(); },
         .show = [] { return R::ok(); }});
    vsw::register_capture_commands(
        t, {.capture = [](const vsw::CaptureRequest& r, int) {
            // what reaches the switch was checked
            if (r.port.empty() || r.snaplen < vsw::kCaptureMinSnaplen ||
                r.snaplen > vsw::kCaptureMaxSnaplen ||
                !(r.seconds >= 0 && r.seconds <= vsw::kCaptureMaxSeconds))
                __builtin_trap();
            return R::ok();
        }});
    vsw::register_vxlan_commands(
        t, {.map =
                [](uint16_t vlan, uint32_t vni) {
                    if (vlan < 1 || vlan > 4094 || vni < 1 || vni > vsw::kMaxVni) __builtin_trap();
                    return R::ok();
                },
            .unmap =
                [](uint16_t vlan) {
                    if (vlan < 1 || vlan > 4094) __builtin_trap();
                    return R::ok();
                },
            .remote =
                [](vsw::RemoteOp, const vsw::OverlayRemote& r) {
                    for (const auto& [vni, ips] : r.flood)
                        if (vni < 1 || vni > vsw::kMaxVni) __builtin_trap();
                    return R::ok();
                },
            .show = [] { return R::ok(); }});
    return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const vsw::CommandTable table = accept_all();
    const std::string answer =
        vsw::handle_request(table, std::string(reinterpret_cast<const char*>(data), size), 0);
    const auto j = nlohmann::json::parse(answer, nullptr, false);
    if (j.is_discarded() || !j.contains("ok")) __builtin_trap();
    return 0;
}
