// gobgpd's gRPC API as vsw-evpn uses it: originate and withdraw EVPN paths, list the global
// table, and watch the best paths (the initial table, then every change) on a thread of its own.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gobgp.grpc.pb.h"

namespace vsw::evpn {

class GobgpClient {
  public:
    explicit GobgpClient(const std::string& target);  // "127.0.0.1:50051"
    ~GobgpClient();                                   // stops the watch

    // The speaker's AS number, or 0 with `err` set (also: gobgpd not reachable).
    uint32_t local_as(std::string& err);
    bool add_path(const apipb::Path& p, std::string& err);
    bool delete_path(const apipb::Path& p, std::string& err);
    // Paths of the global EVPN table that this speaker originated (ours, or an earlier
    // vsw-evpn's).
    bool list_local_paths(std::vector<apipb::Path>& out, std::string& err);

    // Starts watching best paths (init: the table as it is first); events queue up for
    // take_events(). broken() once the stream ended (gobgpd went away).
    void start_watch();
    std::vector<apipb::Path> take_events();
    bool broken() const { return broken_.load(); }

  private:
    void stop_watch();

    std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<apipb::GobgpApi::Stub> stub_;
    std::unique_ptr<grpc::ClientContext> watch_ctx_;  // cancels the stream
    std::thread watcher_;
    std::mutex mu_;                    // guards events_
    std::vector<apipb::Path> events_;  // paths the watch delivered, oldest first
    std::atomic<bool> broken_{false};
};

}  // namespace vsw::evpn
