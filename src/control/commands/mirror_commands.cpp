#include "src/control/commands/mirror_commands.h"

namespace vsw {

void register_mirror_commands(CommandTable& t, const MirrorCommands& h) {
    if (h.add)
        t.add("mirror-add", [f = h.add](const Request& r) {
            MirrorConfig m;
            m.name = r.string_field("name");
            return configure_then(f, m, r.settings(), apply_mirror_setting, validate_mirror);
        });
    if (h.del)
        t.add("mirror-del", [f = h.del](const Request& r) { return f(r.string_field("name")); });
    if (h.show)
        t.add(
            "mirror-show", [f = h.show](const Request&) { return f(); }, "mirrors");
}

}  // namespace vsw
