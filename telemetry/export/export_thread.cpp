#include "telemetry/export/export_thread.h"

#include <algorithm>
#include <chrono>

namespace vsw {

namespace {

constexpr std::chrono::milliseconds kCycle{20};  // how often the sources run when nobody wakes it

}  // namespace

ExportThread::~ExportThread() {
    stop();
}

void ExportThread::add(ExportSource* source) {
    std::lock_guard lock(mu_);
    sources_.push_back(source);
    if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { run(); });
}

void ExportThread::remove(ExportSource* source) {
    {
        std::lock_guard cycling(cycle_mu_);  // not inside its cycle from here on
        std::lock_guard lock(mu_);
        auto it = std::find(sources_.begin(), sources_.end(), source);
        if (it == sources_.end()) return;
        sources_.erase(it);
    }
    source->cycle();
}

void ExportThread::wake() {
    wake_.notify_all();
}

void ExportThread::sync() {
    std::unique_lock lock(mu_);
    if (!thread_.joinable() || stop_) return;
    const uint64_t target = cycles_done_ + 2;  // the current cycle may have started before the call
    wake_.notify_all();
    synced_.wait(lock, [&] { return cycles_done_ >= target || stop_; });
}

void ExportThread::stop() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    wake_.notify_all();
    synced_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void ExportThread::run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        wake_.wait_for(lock, kCycle);
        if (stop_) break;
        lock.unlock();
        {
            std::lock_guard cycling(cycle_mu_);
            std::vector<ExportSource*> sources;
            {
                std::lock_guard again(mu_);
                sources = sources_;
            }
            for (ExportSource* s : sources) s->cycle();
        }
        lock.lock();
        ++cycles_done_;
        synced_.notify_all();
    }
}

}  // namespace vsw
