#include "src/control/commands/mirror_commands.h"

namespace vsw {

void register_mirror_commands(CommandTable& t, const MirrorCommands& h) {
    if (h.add)
        t.add("mirror-add", [f = h.add](const Request& r) {
            MirrorConfig m;
            m.name = r.string_field("name");
            for (const auto& [k, v] : r.settings())
                if (auto e = apply_mirror_setting(m, k, v); !e.empty())
                    return ControlResult::fail(e);
            if (auto e = validate_mirror(m); !e.empty()) return ControlResult::fail(e);
            return f(m);
        });
    if (h.del)
        t.add("mirror-del", [f = h.del](const Request& r) { return f(r.string_field("name")); });
    if (h.show)
        t.add(
            "mirror-show", [f = h.show](const Request&) { return f(); }, "mirrors");
}

}  // namespace vsw
