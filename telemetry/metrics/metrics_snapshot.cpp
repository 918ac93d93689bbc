#include "telemetry/metrics/metrics_snapshot.h"

namespace vsw {

void MetricsSnapshot::refresh(std::map<std::string, nlohmann::json> views, uint64_t unix_ms) {
    auto all = std::make_shared<nlohmann::json>(nlohmann::json::object());
    for (auto& [name, view] : views) (*all)[name] = std::move(view);
    (*all)["time_ms"] = unix_ms;
    std::lock_guard lock(mutex_);
    latest_ = std::move(all);
}

std::shared_ptr<const nlohmann::json> MetricsSnapshot::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

}  // namespace vsw
