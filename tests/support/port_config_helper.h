// Builds PortConfig values in tests without listing every field.
#pragma once

#include <string>

#include "src/config/config.h"

namespace vsw::test {

inline PortConfig port(std::string name, PortType type, std::string socket, std::string devargs,
                       bool admin_up, std::string description) {
    PortConfig p;
    p.name = std::move(name);
    p.type = type;
    p.socket = std::move(socket);
    p.devargs = std::move(devargs);
    p.admin_up = admin_up;
    p.description = std::move(description);
    return p;
}

}  // namespace vsw::test
