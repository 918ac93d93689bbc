#include "src/control/control_protocol.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "src/control/commands/capture_commands.h"
#include "src/control/commands/mirror_commands.h"
#include "src/control/commands/settings_commands.h"
#include "src/control/commands/switch_commands.h"
#include "src/control/commands/vxlan_commands.h"

using namespace vsw;
using nlohmann::json;

namespace {

// Stands in front of the switch: every feature's commands, with handlers that record what the
// protocol layer asked for.
struct FakeSwitch {
    std::vector<std::string> calls;
    PortConfig last_port;
    Settings last_settings;
    CaptureRequest last_capture;
    int last_capture_fd = -1;
    OverlayRemote last_remote;
    CommandTable table;

    // Records a command that took settings.
    ControlResult took(const std::string& call, const Settings& s) {
        calls.push_back(call);
        last_settings = s;
        return ControlResult::ok();
    }

    FakeSwitch() {
        using R = ControlResult;
        register_switch_commands(
            table,
            {.show =
                 [this] {
                     return calls.push_back("show"), R::ok({{"ports", json::array()}});
                 },
             .stats =
                 [this](const std::string& p) { return calls.push_back("stats " + p), R::ok(); },
             .add_port =
                 [this](const PortConfig& p) {
                     calls.push_back("add-port");
                     last_port = p;
                     return R::ok({{"added", p.name}});
                 },
             .del_port =
                 [this](const std::string& n) {
                     calls.push_back("del-port " + n);
                     return n == "ghost" ? R::fail("no port named 'ghost'") : R::ok();
                 },
             .set_port = [this](const std::string& n,
                                const Settings& s) { return took("set-port " + n, s); },
             .set_switch = [this](const Settings& s) { return took("set", s); },
             .fdb_show = [this] { return calls.push_back("fdb-show"), R::ok(); },
             .fdb_flush = [this] { return calls.push_back("fdb-flush"), R::ok(); }});
        register_mirror_commands(
            table, {.add =
                        [this](const MirrorConfig& m) {
                            return calls.push_back("mirror-add " + m.name), R::ok();
                        },
                    .del =
                        [this](const std::string& n) {
                            return calls.push_back("mirror-del " + n), R::ok();
                        },
                    .show = [this] { return calls.push_back("mirror-show"), R::ok(); }});
        register_settings_commands(
            table, "ipfix",
            {.set = [this](const Settings& s) { return took("ipfix-set", s); },
             .del = [this] { return calls.push_back("ipfix-del"), R::ok(); },
             .show = [this] { return calls.push_back("ipfix-show"), R::ok(); }});
        register_capture_commands(table, {.capture = [this](const CaptureRequest& r, int fd) {
                                      calls.push_back("capture " + r.port);
                                      last_capture = r;
                                      last_capture_fd = fd;
                                      return R::ok();
                                  }});
        register_vxlan_commands(
            table, {.map =
                        [this](uint16_t vlan, uint32_t vni) {
                            return calls.push_back("vxlan-map " + std::to_string(vlan) + " " +
                                                   std::to_string(vni)),
                                   R::ok();
                        },
                    .unmap =
                        [this](uint16_t vlan) {
                            return calls.push_back("vxlan-unmap " + std::to_string(vlan)), R::ok();
                        },
                    .remote =
                        [this](RemoteOp op, const OverlayRemote& r) {
                            last_remote = r;
                            const char* name = op == RemoteOp::kAdd      ? "add"
                                               : op == RemoteOp::kDelete ? "del"
                                                                         : "sync";
                            return calls.push_back(std::string("vxlan-") + name), R::ok();
                        },
                    .show = [this] { return calls.push_back("vxlan-show"), R::ok(); }});
    }
};

json call(FakeSwitch& sw, const std::string& line, int fd = -1) {
    return json::parse(handle_request(sw.table, line, fd));
}

std::string error_of(FakeSwitch& sw, const std::string& line) {
    json r = call(sw, line);
    REQUIRE(r["ok"] == false);
    return r["error"];
}

}  // namespace

TEST_CASE("well-formed requests reach the switch") {
    FakeSwitch sw;
    json r = call(
        sw,
        R"({"cmd":"add-port","name":"vm1","type":"vhost-user-server","socket":"/run/vsw/vm1.sock"})");
    CHECK(r["ok"] == true);
    CHECK(r["result"]["added"] == "vm1");
    CHECK(sw.last_port.type == PortType::kVhostUserServer);
    CHECK(sw.last_port.socket == "/run/vsw/vm1.sock");
    CHECK(call(sw, R"({"cmd":"set-port","name":"vm1","settings":{"admin":"down"}})")["ok"] == true);
    CHECK(sw.last_settings == Settings{{"admin", "down"}});
    CHECK(call(sw, R"({"cmd":"stats","port":"vm1"})")["ok"] == true);
    CHECK(call(sw, R"({"cmd":"version"})")["result"]["version"].is_string());
    CHECK(sw.calls == std::vector<std::string>{"add-port", "set-port vm1", "stats vm1"});
}

TEST_CASE("malformed requests get a clear error and change nothing") {
    FakeSwitch sw;
    CHECK_THAT(error_of(sw, "this is not json"), Catch::Contains("malformed request"));
    CHECK_THAT(error_of(sw, "[1,2,3]"), Catch::Contains("JSON object"));
    CHECK_THAT(error_of(sw, "{}"), Catch::Contains("'cmd'"));
    CHECK_THAT(error_of(sw, R"({"cmd":42})"), Catch::Contains("must be a string"));
    CHECK_THAT(error_of(sw, R"({"cmd":"reboot-host"})"), Catch::Contains("unknown command"));
    CHECK_THAT(error_of(sw, R"({"cmd":"add-port","type":"vhost-user-client","socket":"/s"})"),
               Catch::Contains("'name'"));
    CHECK_THAT(
        error_of(sw, R"({"cmd":"add-port","name":"a b","type":"vhost-user-client","socket":"/s"})"),
        Catch::Contains("may contain only"));
    CHECK_THAT(error_of(sw, R"({"cmd":"add-port","name":"a","type":"dpdk"})"),
               Catch::Contains("--devargs"));
    CHECK_THAT(error_of(sw, R"({"cmd":"set-port","name":"a"})"), Catch::Contains("settings"));
    CHECK_THAT(error_of(sw, R"({"cmd":"set-port","name":"a","settings":{"admin":1}})"),
               Catch::Contains("string"));
    CHECK_THAT(error_of(sw, std::string(kMaxRequestBytes + 1, ' ')), Catch::Contains("too large"));
    CHECK_THAT(error_of(sw, "{\"cmd\":\"show\"\xff}"), Catch::Contains("malformed"));
    CHECK(sw.calls.empty());
}

TEST_CASE("errors from the switch are passed on") {
    FakeSwitch sw;
    CHECK(error_of(sw, R"({"cmd":"del-port","name":"ghost"})") == "no port named 'ghost'");
}

TEST_CASE("responses are single lines of valid JSON even for odd bytes") {
    FakeSwitch sw;
    std::string resp = handle_request(sw.table, "{\"cmd\":\"x\xc3\x28\"}");
    CHECK(resp.find('\n') == std::string::npos);
    CHECK_NOTHROW(json::parse(resp));
}

TEST_CASE("ipfix requests reach the switch; settings must be strings") {
    FakeSwitch sw;
    CHECK(call(sw,
               R"({"cmd":"ipfix-set","settings":{"collectors":"127.0.0.1:4739","sampling":"10"}})")
              ["ok"] == true);
    CHECK(sw.last_settings == Settings{{"collectors", "127.0.0.1:4739"}, {"sampling", "10"}});
    CHECK(call(sw, R"({"cmd":"ipfix-show"})")["ok"] == true);
    CHECK(call(sw, R"({"cmd":"ipfix-del"})")["ok"] == true);
    CHECK_THAT(error_of(sw, R"({"cmd":"ipfix-set","settings":{"sampling":10}})"),
               Catch::Contains("must be a string"));
    CHECK_THAT(error_of(sw, R"({"cmd":"ipfix-set"})"), Catch::Contains("settings"));
    CHECK(sw.calls == std::vector<std::string>{"ipfix-set", "ipfix-show", "ipfix-del"});
}

TEST_CASE("capture requests reach the switch with their connection, checked") {
    FakeSwitch sw;
    CHECK(
        call(
            sw,
            R"({"cmd":"capture","port":"vm1","direction":"tx","snaplen":128,"count":10,"seconds":2.5,"filter":"udp"})",
            7)["ok"] == true);
    CHECK(sw.last_capture.filter == "udp");
    CHECK(sw.last_capture.port == "vm1");
    CHECK(sw.last_capture.direction == CaptureDirection::kTx);
    CHECK(sw.last_capture.snaplen == 128);
    CHECK(sw.last_capture.count == 10);
    CHECK(sw.last_capture.seconds == 2.5);
    CHECK(sw.last_capture_fd == 7);
    CHECK(call(sw, R"({"cmd":"capture","port":"vm1"})", 7)["ok"] == true);
    CHECK((sw.last_capture.direction == CaptureDirection::kBoth &&
           sw.last_capture.snaplen == 65535 && sw.last_capture.count == 0 &&
           sw.last_capture.seconds == 0));
    sw.calls.clear();
    CHECK_THAT(error_of(sw, R"({"cmd":"capture"})"), Catch::Contains("port"));
    CHECK_THAT(error_of(sw, R"({"cmd":"capture","port":"a","direction":"up"})"),
               Catch::Contains("rx, tx or both"));
    CHECK_THAT(error_of(sw, R"({"cmd":"capture","port":"a","snaplen":10})"),
               Catch::Contains("64 to 65535"));
    CHECK_THAT(error_of(sw, R"({"cmd":"capture","port":"a","snaplen":70000})"),
               Catch::Contains("64 to 65535"));
    CHECK_THAT(error_of(sw, R"({"cmd":"capture","port":"a","count":-1})"),
               Catch::Contains("count"));
    CHECK_THAT(error_of(sw, R"({"cmd":"capture","port":"a","seconds":-1})"),
               Catch::Contains("seconds"));
    CHECK_THAT(error_of(sw, R"({"cmd":"capture","port":"a","seconds":1e300})"),
               Catch::Contains("seconds"));
    CHECK_THAT(error_of(sw, R"({"cmd":"capture","port":"a","filter":5})"),
               Catch::Contains("pcap-filter"));
    CHECK_THAT(
        error_of(sw, R"({"cmd":"capture","port":"a","filter":")" + std::string(5000, 'x') + "\"}"),
        Catch::Contains("longer than 4096"));
    CHECK_THAT(error_of(sw, R"({"cmd":"capture","port":"a"})"),
               Catch::Contains("control connection"));  // no fd
    CHECK(sw.calls.empty());
}

TEST_CASE("vxlan requests are checked before they reach the switch") {
    FakeSwitch sw;
    CHECK(call(sw, R"({"cmd":"vxlan-map","vlan":10,"vni":10010})")["ok"] == true);
    CHECK(call(sw, R"({"cmd":"vxlan-unmap","vlan":10})")["ok"] == true);
    CHECK(call(sw, R"({"cmd":"vxlan-add","flood":{"10010":["10.0.0.2"]},
                      "macs":[{"vni":10010,"mac":"02:00:00:00:00:01","vtep":"10.0.0.2"}]})")
              ["ok"] == true);
    CHECK(sw.last_remote.flood.at(10010).count(0x0a000002) == 1);
    CHECK(sw.last_remote.macs.at({10010, 0x020000000001}) == 0x0a000002);
    CHECK(
        call(sw, R"({"cmd":"vxlan-del","macs":[{"vni":10010,"mac":"02:00:00:00:00:01"}]})")["ok"] ==
        true);
    CHECK(sw.last_remote.macs.at({10010, 0x020000000001}) == 0);  // no VTEP needed to delete
    CHECK(call(sw, R"({"cmd":"vxlan-sync"})")["ok"] == true);
    CHECK(call(sw, R"({"cmd":"vxlan-show"})")["ok"] == true);
    CHECK(sw.calls == std::vector<std::string>{"vxlan-map 10 10010", "vxlan-unmap 10", "vxlan-add",
                                               "vxlan-del", "vxlan-sync", "vxlan-show"});
    sw.calls.clear();
    CHECK_THAT(error_of(sw, R"({"cmd":"vxlan-map","vlan":0,"vni":5})"), Catch::Contains("vlan"));
    CHECK_THAT(error_of(sw, R"({"cmd":"vxlan-map","vlan":10,"vni":16777216})"),
               Catch::Contains("vni"));
    CHECK_THAT(error_of(sw, R"({"cmd":"vxlan-map","vlan":10,"vni":-1})"), Catch::Contains("vni"));
    CHECK_THAT(error_of(sw, R"({"cmd":"vxlan-add","flood":{"x":["10.0.0.2"]}})"),
               Catch::Contains("VNI"));
    CHECK_THAT(error_of(sw, R"({"cmd":"vxlan-add","flood":{"5":["224.0.0.1"]}})"),
               Catch::Contains("unicast"));
    CHECK_THAT(error_of(sw, R"({"cmd":"vxlan-add","flood":{"5":"10.0.0.2"}})"),
               Catch::Contains("list"));
    CHECK_THAT(
        error_of(
            sw,
            R"({"cmd":"vxlan-add","macs":[{"vni":5,"mac":"ff:ff:ff:ff:ff:ff","vtep":"10.0.0.2"}]})"),
        Catch::Contains("unicast"));
    CHECK_THAT(error_of(sw, R"({"cmd":"vxlan-add","macs":[{"vni":5}]})"), Catch::Contains("mac"));
    CHECK_THAT(error_of(sw, R"({"cmd":"vxlan-add","macs":{}})"), Catch::Contains("list"));
    CHECK(sw.calls.empty());
}

TEST_CASE("the command table: views by name, duplicates refused, a feature's absence is clear") {
    FakeSwitch sw;
    const auto views = sw.table.views();
    CHECK(views.size() == 5);  // show, stats, mirrors, ipfix, vxlan
    CHECK(views.at("show")["ports"].is_array());
    CHECK(views.count("mirrors") == 1);
    CHECK_THROWS_AS(sw.table.add("show", [](const Request&) { return ControlResult::ok(); }),
                    std::logic_error);
    CommandTable only_ports;
    SwitchCommands just_show;  // a feature registers only what it has
    just_show.show = [] { return ControlResult::ok(); };
    register_switch_commands(only_ports, just_show);
    CHECK(json::parse(handle_request(only_ports, R"({"cmd":"show"})"))["ok"] == true);
    CHECK_THAT(json::parse(handle_request(only_ports, R"({"cmd":"mirror-show"})"))["error"]
                   .get<std::string>(),
               Catch::Contains("unknown command"));
    CHECK(json::parse(handle_request(only_ports, R"({"cmd":"version"})"))["ok"] == true);
}
