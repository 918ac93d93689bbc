#include "core/drop_reasons.h"

#include <array>

namespace vsw {
namespace {

struct ReasonText {
    std::string_view name;         // counter name
    std::string_view description;  // what it means
    std::string_view side;         // "rx", "tx" or "rx/tx"
};

constexpr std::array<ReasonText, kDropReasonCount> kReasons = {{
#define VSW_X(e, name, side, desc) {name, desc, side},
    VSW_DROP_REASONS(VSW_X)
#undef VSW_X
}};

}  // namespace

std::string_view drop_reason_name(DropReason r) {
    return kReasons[static_cast<unsigned>(r)].name;
}

std::string_view drop_reason_description(DropReason r) {
    return kReasons[static_cast<unsigned>(r)].description;
}

bool drop_reason_is_rx(DropReason r) {
    return kReasons[static_cast<unsigned>(r)].side.starts_with("rx");
}

std::optional<DropReason> drop_reason_from_name(std::string_view name) {
    for (unsigned i = 0; i < kDropReasonCount; ++i)
        if (kReasons[i].name == name) return static_cast<DropReason>(i);
    return std::nullopt;
}

}  // namespace vsw
