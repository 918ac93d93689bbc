#include "telemetry/export/interface_table.h"

namespace vsw {

bool InterfaceTable::set(std::vector<Entry> entries) {
    std::lock_guard lock(mu_);
    if (entries == entries_) return false;
    entries_ = std::move(entries);
    version_.fetch_add(1, std::memory_order_release);
    return true;
}

std::vector<InterfaceTable::Entry> InterfaceTable::entries() const {
    std::lock_guard lock(mu_);
    return entries_;
}

}  // namespace vsw
