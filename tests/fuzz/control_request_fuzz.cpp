// libFuzzer target: control requests (what anyone who can reach the control socket sends). Every
// request gets a well-formed JSON answer and never crashes; the switch behind is a stand-in that
// accepts whatever reaches it (the parsing and validation in front of it are what is fuzzed).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "overlay/vxlan.h"
#include "src/control/control_protocol.h"

namespace {

class AcceptAll final : public vsw::ControlApi {
  public:
    using R = vsw::ControlResult;
    R add_port(const vsw::PortConfig&) override { return R::ok(); }
    R del_port(const std::string&) override { return R::ok(); }
    R set_port(const std::string&, const vsw::Settings&) override { return R::ok(); }
    R set_switch(const vsw::Settings&) override { return R::ok(); }
    R show() override { return R::ok(); }
    R stats(const std::string&) override { return R::ok(); }
    R fdb_show() override { return R::ok(); }
    R fdb_flush() override { return R::ok(); }
    R mirror_add(const vsw::MirrorConfig&) override { return R::ok(); }
    R mirror_del(const std::string&) override { return R::ok(); }
    R mirror_show() override { return R::ok(); }
    R ipfix_set(const vsw::Settings& s) override {
        vsw::IpfixConfig c;  // as the switch does: apply, then validate (must not throw)
        for (const auto& [k, v] : s)
            if (!vsw::apply_ipfix_setting(c, k, v).empty()) return R::fail("bad");
        return vsw::validate_ipfix(c).empty() ? R::ok() : R::fail("bad");
    }
    R ipfix_del() override { return R::ok(); }
    R ipfix_show() override { return R::ok(); }
    R capture(const vsw::CaptureRequest& r, int) override {  // what reaches the switch was checked
        if (r.port.empty() || r.snaplen < vsw::kCaptureMinSnaplen ||
            r.snaplen > vsw::kCaptureMaxSnaplen ||
            !(r.seconds >= 0 && r.seconds <= vsw::kCaptureMaxSeconds))
            __builtin_trap();
        return R::ok();
    }
    R vxlan_map(uint16_t vlan, uint32_t vni) override {
        if (vlan < 1 || vlan > 4094 || vni < 1 || vni > vsw::kMaxVni) __builtin_trap();
        return R::ok();
    }
    R vxlan_unmap(uint16_t vlan) override {
        if (vlan < 1 || vlan > 4094) __builtin_trap();
        return R::ok();
    }
    R vxlan_remote(vsw::RemoteOp, const vsw::OverlayRemote& r) override {
        for (const auto& [vni, ips] : r.flood)
            if (vni < 1 || vni > vsw::kMaxVni) __builtin_trap();
        return R::ok();
    }
    R vxlan_show() override { return R::ok(); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    AcceptAll api;
    const std::string answer =
        vsw::handle_request(api, std::string(reinterpret_cast<const char*>(data), size), 0);
    const auto j = nlohmann::json::parse(answer, nullptr, false);
    if (j.is_discarded() || !j.contains("ok")) __builtin_trap();
    return 0;
}
