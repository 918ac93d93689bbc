// Switch: the control commands it serves, bound to its methods. One registration per feature.
#include "src/control/commands/switch_commands.h"
#include "src/control/switch.h"

namespace vsw {

void Switch::register_commands(CommandTable& t) {
    register_switch_commands(
        t, {.show = [this] { return show(); },
            .stats = [this](const std::string& port) { return stats(port); },
            .add_port = [this](const PortConfig& p) { return add_port(p); },
            .del_port = [this](const std::string& name) { return del_port(name); },
            .set_port = [this](const std::string& name,
                               const Settings& s) { return set_port(name, s); },
            .set_switch = [this](const Settings& s) { return set_switch(s); },
            .fdb_show = [this] { return fdb_show(); },
            .fdb_flush = [this] { return fdb_flush(); }});
    for (auto& c : controllers_) c->register_commands(t);
}

}  // namespace vsw
