// One running capture: the tap the workers fill (capture_tap.h) and the thread that streams its
// copies to vswctl over the control connection (capture_stream.h).
//
// Life, all transitions on the control thread but the thread's own stop request:
//   create()    the request was checked; the answer line goes out on the connection next
//   start()     the tap is attached to the port: copies flow, the thread streams them
//   wants_detach()  the thread reached the count or the time limit or lost its client
//   detached()  the tap is no longer reachable by workers (after an RCU grace period): the
//               thread sends what is left and the end record, and closes the connection
//   finished()  the session may be destroyed (which frees its ring and pool)
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "telemetry/capture/capture_filter.h"
#include "telemetry/capture/capture_request.h"
#include "telemetry/capture/capture_tap.h"

namespace vsw {

constexpr unsigned kMaxCaptures = 4;         // captures running at once
constexpr unsigned kCaptureRingSize = 4096;  // copies waiting for the capture thread
constexpr unsigned kCaptureMbufs = 4095;     // the tap's pool

class CaptureSession {
  public:
    // Creates the tap's ring and pool. Takes `fd` (the session's own descriptor of the control
    // connection) in every case. Null and `error` set on failure.
    static std::unique_ptr<CaptureSession> create(const CaptureRequest& r, uint16_t slot, int fd,
                                                  unsigned id, std::string& error);
    ~CaptureSession();  // finishes the stream if needed, joins the thread, frees ring and pool

    CaptureTap* tap() { return &tap_; }
    uint16_t slot() const { return slot_; }
    const CaptureRequest& request() const { return request_; }
    bool started() const { return thread_.joinable(); }
    void start();
    bool wants_detach() const { return stop_reason_.load(std::memory_order_acquire) != nullptr; }
    bool is_detached() const { return detached_.load(std::memory_order_acquire); }
    // `reason` is why the capture ends if the thread did not decide it itself (port deleted,
    // shutdown).
    void detached(const char* reason);
    bool finished() const { return finished_.load(std::memory_order_acquire); }
    // frames sent so far and frames lost (pool empty, ring full), for vswctl show.
    nlohmann::json status() const;

  private:
    CaptureSession(const CaptureRequest& r, uint16_t slot, int fd)
        : request_(r), slot_(slot), fd_(fd) {}
    void run();
    uint64_t dropped() const;
    void request_stop(const char* reason);
    bool client_gone();      // the client closed its end (or the socket failed)
    bool send_out();         // writes out_ to the client; false if it cannot
    void take(rte_mbuf* m);  // appends one copy to out_ (unless the count was reached)
    uint64_t to_unix_ns(uint64_t tsc) const;

    CaptureRequest request_;
    uint16_t slot_;
    int fd_;
    std::unique_ptr<CaptureFilter> filter_;  // null: every frame
    CaptureTap tap_;
    std::thread thread_;
    std::atomic<const char*> stop_reason_{nullptr};  // set once: why the capture ends
    std::atomic<bool> detached_{false};
    std::atomic<bool> finished_{false};
    std::atomic<uint64_t> frames_{0};                        // frames sent to the client
    bool client_ok_ = true;                                  // thread only
    std::vector<uint8_t> out_;                               // thread only: records not yet sent
    uint64_t tsc_hz_ = 0, tsc_base_ = 0, unix_ns_base_ = 0;  // the TSC to wall-clock mapping
};

}  // namespace vsw
