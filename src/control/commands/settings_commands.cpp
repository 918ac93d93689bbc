#include "src/control/commands/settings_commands.h"

namespace vsw {

void register_settings_commands(CommandTable& t, const std::string& name,
                                const SettingsCommands& h) {
    if (h.set) t.add(name + "-set", [f = h.set](const Request& r) { return f(r.settings()); });
    if (h.del) t.add(name + "-del", [f = h.del](const Request&) { return f(); });
    if (h.show)
        t.add(
            name + "-show", [f = h.show](const Request&) { return f(); }, name);
}

}  // namespace vsw
