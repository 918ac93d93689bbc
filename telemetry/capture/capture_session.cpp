#include "telemetry/capture/capture_session.h"

#include <poll.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/socket_io.h"
#include "telemetry/capture/capture_stream.h"

namespace vsw {
namespace {

constexpr size_t kSendThreshold = 64 * 1024;  // bytes gathered before a write, while busy
constexpr int kIdlePollMs = 1;                // the thread's wait when the ring is empty
constexpr unsigned kDequeueBurst = 64;

}  // namespace

std::unique_ptr<CaptureSession> CaptureSession::create(const CaptureRequest& r, uint16_t slot,
                                                       int fd, unsigned id, std::string& error) {
    std::unique_ptr<CaptureSession> s(new CaptureSession(r, slot, fd));
    if (!r.filter.empty()) {
        s->filter_ = CaptureFilter::compile(r.filter, error);
        if (!s->filter_) return nullptr;
        s->tap_.filter = s->filter_.get();
    }
    const std::string ring_name = "vsw_capr_" + std::to_string(id);
    const std::string pool_name = "vsw_capp_" + std::to_string(id);
    s->tap_.ring =
        rte_ring_create(ring_name.c_str(), kCaptureRingSize, SOCKET_ID_ANY, RING_F_SC_DEQ);
    s->tap_.pool = rte_pktmbuf_pool_create(pool_name.c_str(), kCaptureMbufs, 64, 0,
                                           RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    if (!s->tap_.ring || !s->tap_.pool) {
        error = std::string("cannot create the capture's buffers: ") + rte_strerror(rte_errno);
        return nullptr;  // the destructor frees what was made and closes fd
    }
    s->tap_.snaplen = r.snaplen;
    s->tap_.directions = static_cast<uint8_t>(r.direction);
    // A send that blocks this long means the client stopped reading: the capture ends.
    timeval tv{30, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    s->tsc_hz_ = rte_get_tsc_hz();
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    s->tsc_base_ = rte_rdtsc();
    s->unix_ns_base_ =
        static_cast<uint64_t>(now.tv_sec) * 1000000000ull + static_cast<uint64_t>(now.tv_nsec);
    s->out_.reserve(2 * kSendThreshold);
    return s;
}

CaptureSession::~CaptureSession() {
    if (thread_.joinable()) {
        if (!is_detached()) detached("vswd is shutting down");
        thread_.join();
    }
    if (tap_.ring) {
        rte_mbuf* m;
        while (rte_ring_sc_dequeue(tap_.ring, reinterpret_cast<void**>(&m)) == 0)
            rte_pktmbuf_free(m);
        rte_ring_free(tap_.ring);
    }
    rte_mempool_free(tap_.pool);
    if (fd_ >= 0) ::close(fd_);
}

void CaptureSession::start() {
    thread_ = std::thread([this] { run(); });
}

void CaptureSession::detached(const char* reason) {
    request_stop(reason);
    detached_.store(true, std::memory_order_release);
    if (!thread_.joinable()) finished_.store(true, std::memory_order_release);  // never started
}

void CaptureSession::request_stop(const char* reason) {
    const char* none = nullptr;
    stop_reason_.compare_exchange_strong(none, reason, std::memory_order_acq_rel);
}

uint64_t CaptureSession::dropped() const {
    return tap_.w.sum(&CaptureTap::Block::no_mbufs) + tap_.w.sum(&CaptureTap::Block::ring_full);
}

nlohmann::json CaptureSession::status() const {
    return {{"port_slot", slot_},
            {"direction", direction_name(request_.direction)},
            {"snaplen", request_.snaplen},
            {"frames", frames_.load(std::memory_order_relaxed)},
            {"dropped", dropped()}};
}

uint64_t CaptureSession::to_unix_ns(uint64_t tsc) const {
    const auto delta = static_cast<__int128>(static_cast<int64_t>(tsc - tsc_base_));
    return static_cast<uint64_t>(static_cast<__int128>(unix_ns_base_) +
                                 delta * 1000000000 / tsc_hz_);
}

void CaptureSession::take(rte_mbuf* m) {
    const uint64_t frames = frames_.load(std::memory_order_relaxed);
    if (!client_ok_ || (request_.count && frames >= request_.count)) return;  // beyond the limit
    const auto* meta = rte_pktmbuf_mtod(m, const CaptureMeta*);
    const auto captured = static_cast<uint32_t>(m->pkt_len - sizeof(CaptureMeta));
    size_t at =
        append_frame_record(out_, to_unix_ns(meta->tsc), meta->orig_len, meta->direction, captured);
    uint32_t skip = sizeof(CaptureMeta);
    for (const rte_mbuf* seg = m; seg; seg = seg->next) {
        const uint32_t len = seg->data_len - skip;
        std::memcpy(out_.data() + at, rte_pktmbuf_mtod_offset(seg, const uint8_t*, skip), len);
        at += len;
        skip = 0;
    }
    frames_.store(frames + 1, std::memory_order_relaxed);
    if (request_.count && frames + 1 >= request_.count) request_stop("count reached");
}

bool CaptureSession::send_out() {
    if (client_ok_) client_ok_ = send_all(fd_, out_.data(), out_.size());
    out_.clear();
    if (!client_ok_) request_stop("stopped by the client");
    return client_ok_;
}

bool CaptureSession::client_gone() {
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLHUP | POLLERR | POLLRDHUP)) return true;
    char buf[256];  // vswctl sends nothing after its request: anything readable is its end
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

void CaptureSession::run() {
    using Clock = std::chrono::steady_clock;
    const bool timed = request_.seconds > 0;
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(request_.seconds));
    rte_mbuf* copies[kDequeueBurst];
    while (true) {
        // Read before the ring: once detached, no worker adds to it, so an empty ring is final.
        const bool last_round = is_detached();
        const unsigned n = rte_ring_sc_dequeue_burst(tap_.ring, reinterpret_cast<void**>(copies),
                                                     kDequeueBurst, nullptr);
        for (unsigned i = 0; i < n; ++i) take(copies[i]);
        rte_pktmbuf_free_bulk(copies, n);
        if (out_.size() >= kSendThreshold || (n == 0 && !out_.empty())) send_out();
        if (n == 0 && last_round) break;
        if (!wants_detach()) {
            if (timed && Clock::now() >= deadline) request_stop("time limit reached");
            else if (client_gone()) request_stop("stopped by the client");
        }
        if (n == 0) ::poll(nullptr, 0, kIdlePollMs);
    }
    if (client_ok_) {
        const char* reason = stop_reason_.load(std::memory_order_acquire);
        nlohmann::json end = {
            {"frames", frames_.load()}, {"dropped", dropped()}, {"reason", reason ? reason : "?"}};
        append_end_record(out_, end.dump());
        send_out();
    }
    ::shutdown(fd_, SHUT_RDWR);
    finished_.store(true, std::memory_order_release);
}

}  // namespace vsw
