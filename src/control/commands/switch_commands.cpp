#include "src/control/commands/switch_commands.h"

#include "vsw_version.h"

namespace vsw {

void register_switch_commands(CommandTable& t, const SwitchCommands& h) {
    t.add("version", [](const Request&) { return ControlResult::ok({{"version", VSW_VERSION}}); });
    if (h.show)
        t.add(
            "show", [f = h.show](const Request&) { return f(); }, "show");
    if (h.stats)
        t.add(
            "stats",
            [f = h.stats](const Request& r) {
                return f(r.has("port") ? r.string_field("port") : "");
            },
            "stats");
    if (h.add_port)
        t.add("add-port", [f = h.add_port](const Request& r) {
            // add-port NAME ... KEY=VALUE: settings from the start
            const Settings settings = r.has("settings") ? r.settings() : Settings{};
            return configure_then(f, port_config_from_json(r.body(), /*validated=*/false), settings,
                                  apply_port_setting, validate_port_config);
        });
    if (h.del_port)
        t.add("del-port", [f = h.del_port](const Request& r) { return f(r.string_field("name")); });
    if (h.set_port)
        t.add("set-port", [f = h.set_port](const Request& r) {
            return f(r.string_field("name"), r.settings());
        });
    if (h.set_switch)
        t.add("set", [f = h.set_switch](const Request& r) { return f(r.settings()); });
    if (h.fdb_show) t.add("fdb-show", [f = h.fdb_show](const Request&) { return f(); });
    if (h.fdb_flush) t.add("fdb-flush", [f = h.fdb_flush](const Request&) { return f(); });
}

}  // namespace vsw
