// The exporting thread shared by every export protocol: one thread of its own (never a PMD) that
// runs each registered source's cycle about every 20 ms, or at once when woken. A source is one
// protocol's exporting process (IPFIX and NetFlow take the flow meters' records, sFlow its
// samples): it owns its collector sessions (collector_session.h), encodes and sends. Nothing
// here ever blocks a worker: a slow exporter fills the workers' rings, and they count what
// they lose.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace vsw {

class ExportSource {
  public:
    virtual ~ExportSource() = default;
    // One pass: take what the workers handed over, encode, send. Runs on the exporter thread,
    // and once more on the thread that removes the source (its last words).
    virtual void cycle() = 0;
};

class ExportThread {
  public:
    ExportThread() = default;
    ~ExportThread();
    ExportThread(const ExportThread&) = delete;
    ExportThread& operator=(const ExportThread&) = delete;

    // Registers a source; the first one starts the thread.
    void add(ExportSource* source);
    // The thread lets go of `source` (waiting for a cycle in progress), then the source's last
    // cycle runs on the caller's thread: what was handed over to it is sent.
    void remove(ExportSource* source);
    // Runs a cycle now rather than at the next tick.
    void wake();
    // Returns once a whole cycle ran after the call (at once if the thread is not running).
    void sync();
    // Ends the thread (sources still registered get no last cycle: remove them first).
    void stop();

  private:
    void run();

    std::mutex cycle_mu_;                 // held by the thread while it runs the sources
    std::mutex mu_;                       // guards the fields below
    std::condition_variable wake_;        // tick or wake()
    std::condition_variable synced_;      // a cycle completed
    std::vector<ExportSource*> sources_;  // registered, in order
    uint64_t cycles_done_ = 0;            // passes completed
    bool stop_ = false;                   // stop() was called
    std::thread thread_;
};

// A source's place on the exporter thread, kept by the source itself: start() adds it once,
// stop() takes it off (its last cycle runs on the caller's thread, so a source calls stop() in
// its own destructor, while it is still whole), sync() and wake() as ExportThread's.
class ExportRegistration {
  public:
    ExportRegistration(ExportThread& thread, ExportSource& source)
        : thread_(thread), source_(source) {}
    void start() {
        if (!started_) thread_.add(&source_);
        started_ = true;
    }
    void stop() {
        if (started_) thread_.remove(&source_);
        started_ = false;
    }
    void sync() { thread_.sync(); }
    void wake() { thread_.wake(); }

  private:
    ExportThread& thread_;
    ExportSource& source_;
    bool started_ = false;  // added to thread_ (the owner's view)
};

}  // namespace vsw
