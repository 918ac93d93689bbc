// The optional Prometheus endpoint: a small HTTP/1.1 server on its own thread (never a PMD)
// answering GET /metrics from the latest MetricsSnapshot. One request per connection; a client
// that sends nothing for 2 s is dropped; requests larger than 8 KiB are refused.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "telemetry/metrics/metrics_snapshot.h"

namespace vsw {

class MetricsHttpServer {
  public:
    ~MetricsHttpServer() { stop(); }

    // Listens on `listen` ("[ADDRESS:]PORT", IPv4, default address 127.0.0.1) and starts the
    // thread. Returns "" or an error.
    std::string start(const std::string& listen, const MetricsSnapshot* snapshot);
    void stop();

    // The HTTP response for one request (pure, for tests).
    static std::string respond(const std::string& request, const MetricsSnapshot& snapshot);

  private:
    void run();
    void serve(int fd);

    int fd_ = -1;
    const MetricsSnapshot* snapshot_ = nullptr;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace vsw
