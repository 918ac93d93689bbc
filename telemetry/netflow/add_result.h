// What became of a flow record offered to a NetFlow message builder (v5 or v9).
#pragma once

#include <cstdint>

namespace vsw::telemetry::netflow {

enum class AddResult : uint8_t {
    kAdded,        // encoded into the message
    kNoRoom,       // not encoded: the message is full (finish it, begin another, offer it again)
    kNotExported,  // never encoded: this NetFlow version cannot describe the flow (v9: L2-only
                   // flows; v5: anything but IPv4); builders count them
};

}  // namespace vsw::telemetry::netflow
