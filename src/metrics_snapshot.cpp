#include "src/metrics_snapshot.h"

namespace vsw {

void MetricsSnapshot::refresh(ControlApi& api, uint64_t unix_ms) {
    auto views = std::make_shared<nlohmann::json>(nlohmann::json::object());
    (*views)["show"] = api.show().data;
    (*views)["stats"] = api.stats("").data;
    (*views)["mirrors"] = api.mirror_show().data;
    (*views)["ipfix"] = api.ipfix_show().data;
    (*views)["time_ms"] = unix_ms;
    std::lock_guard lock(mutex_);
    latest_ = std::move(views);
}

std::shared_ptr<const nlohmann::json> MetricsSnapshot::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

}  // namespace vsw
