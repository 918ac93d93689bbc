#include "src/control/commands/sflow_commands.h"

namespace vsw {

void register_sflow_commands(CommandTable& t, const SflowCommands& h) {
    if (h.set) t.add("sflow-set", [f = h.set](const Request& r) { return f(r.settings()); });
    if (h.del) t.add("sflow-del", [f = h.del](const Request&) { return f(); });
    if (h.show)
        t.add(
            "sflow-show", [f = h.show](const Request&) { return f(); }, "sflow");
}

}  // namespace vsw
