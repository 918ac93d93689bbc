// The switch's views (show, stats, mirrors, IPFIX, VXLAN, ...) as the control thread last took
// them, for readers on other threads: DPDK telemetry's callbacks and the Prometheus endpoint. They
// never touch the switch itself, so they need no lock on it and cannot slow the control thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace vsw {

class MetricsSnapshot {
  public:
    // Keeps the views the control thread just took, by view name (the answers to show, stats,
    // mirror show, ipfix show, vxlan show, and whatever view a feature adds), taken at
    // `unix_ms`. About once a second.
    void refresh(std::map<std::string, nlohmann::json> views, uint64_t unix_ms);
    // The latest views: {"show", "stats", "mirrors", "ipfix", "vxlan", ..., "time_ms"}; an empty
    // object before the first refresh. Any thread.
    std::shared_ptr<const nlohmann::json> latest() const;

  private:
    mutable std::mutex mutex_;
    std::shared_ptr<const nlohmann::json> latest_ =
        std::make_shared<const nlohmann::json>(nlohmann::json::object());
};

}  // namespace vsw
