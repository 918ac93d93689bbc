#include "src/control/commands/ipfix_commands.h"

namespace vsw {

void register_ipfix_commands(CommandTable& t, const IpfixCommands& h) {
    if (h.set) t.add("ipfix-set", [f = h.set](const Request& r) { return f(r.settings()); });
    if (h.del) t.add("ipfix-del", [f = h.del](const Request&) { return f(); });
    if (h.show)
        t.add(
            "ipfix-show", [f = h.show](const Request&) { return f(); }, "ipfix");
}

}  // namespace vsw
