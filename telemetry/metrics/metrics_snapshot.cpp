#include "telemetry/metrics/metrics_snapshot.h"

namespace vsw {

void MetricsSnapshot::refresh(nlohmann::json show, nlohmann::json stats, nlohmann::json mirrors,
                              nlohmann::json ipfix, nlohmann::json vxlan, uint64_t unix_ms) {
    auto views = std::make_shared<nlohmann::json>(nlohmann::json::object());
    (*views)["show"] = std::move(show);
    (*views)["stats"] = std::move(stats);
    (*views)["mirrors"] = std::move(mirrors);
    (*views)["ipfix"] = std::move(ipfix);
    (*views)["vxlan"] = std::move(vxlan);
    (*views)["time_ms"] = unix_ms;
    std::lock_guard lock(mutex_);
    latest_ = std::move(views);
}

std::shared_ptr<const nlohmann::json> MetricsSnapshot::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

}  // namespace vsw
