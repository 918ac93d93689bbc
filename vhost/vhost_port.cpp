#include "vhost/vhost_port.h"

#include <rte_log.h>
#include <rte_rcu_qsbr.h>
#include <rte_version.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "vhost/memory_fault.h"
#include "vhost/message_guard.h"
#include "virtio/virtio_net.h"

namespace vsw::vhost {
namespace {

// rte_vhost callbacks carry only a vid: they find the port through the socket path. This map is
// the one piece of module state; its mutex is never held while calling into rte_vhost, so a
// callback running during unregister cannot deadlock with the control thread.
std::mutex g_mutex;
std::map<std::string, VhostState*> g_ports;  // socket path -> port state
rte_rcu_qsbr* g_rcu = nullptr;               // workers' quiescent-state variable
bool g_layout_known = false;  // this DPDK's vhost-user message layout is the one we read

// How long a resume is owed before the control thread probes whether its message is over: a
// message still handled holds the rings' locks (the probe then waits), this only spares the
// probe's interrupt and the lock's cache line to the messages that succeed.
constexpr int64_t kOwedResumeGraceNs = 100'000'000;

VhostState* find_port(int vid) {
    char path[PATH_MAX];
    if (rte_vhost_get_ifname(vid, path, sizeof path) != 0) return nullptr;
    std::lock_guard lock(g_mutex);
    auto it = g_ports.find(path);
    return it == g_ports.end() ? nullptr : it->second;
}

// Waits until every worker has passed a quiescent state: none still uses what was unpublished.
void wait_for_workers() {
    if (g_rcu) rte_rcu_qsbr_synchronize(g_rcu, RTE_QSBR_THRID_INVALID);
}

int on_new_device(int vid) {
    VhostState* s = find_port(vid);
    if (!s) return -1;
    uint64_t features = 0;
    rte_vhost_get_negotiated_features(vid, &features);
    uint16_t vrings = rte_vhost_get_vring_num(vid);
    uint16_t qps = static_cast<uint16_t>(vrings / 2);
    if (qps > kMaxQueuePairs) qps = kMaxQueuePairs;
    // A polling backend needs no kicks from the guest: spare it the exits.
    for (uint16_t q = 0; q < vrings; ++q) rte_vhost_enable_guest_notification(vid, q, 0);
    watch_guest_memory(vid, s);  // the regions the PMDs are about to read
    s->vid.store(vid, std::memory_order_relaxed);
    s->features.store(features, std::memory_order_relaxed);
    s->queue_pairs.store(qps, std::memory_order_relaxed);
    uint16_t mtu = 0;
    s->guest_mtu.store(rte_vhost_get_mtu(vid, &mtu) == 0 ? mtu : 0, std::memory_order_relaxed);
    s->connects.fetch_add(1, std::memory_order_relaxed);
    {
        std::lock_guard lock(s->tx_driver.control);
        pause(s->tx_driver);                // no worker polls it yet: returns at once
        s->tx_driver.memory_mapped = true;  // a running device has its memory table
        s->tx_driver.resume_owed_since = 0;
        resume(s->tx_driver, vid);
    }
    s->ready.store(true, std::memory_order_release);
    return 0;
}

// rte_vhost calls this without the vrings' access locks (on GET_VRING_BASE or a closed socket),
// so it may wait for the workers: after it returns none of them touches the vid.
void on_destroy_device(int vid) {
    VhostState* s = find_port(vid);
    if (!s) return;
    s->ready.store(false, std::memory_order_release);
    wait_for_workers();  // from here on no worker touches vid
    {
        std::lock_guard lock(s->tx_driver.control);
        stop(s->tx_driver);
    }
    s->vid.store(-1, std::memory_order_relaxed);
    s->disconnects.fetch_add(1, std::memory_order_relaxed);
}

int on_vring_state_changed(int vid, uint16_t queue_id, int enable) {
    VhostState* s = find_port(vid);
    if (!s || queue_id >= 64) return 0;
    uint64_t bit = uint64_t{1} << queue_id;
    if (enable) s->enabled_vrings.fetch_or(bit, std::memory_order_release);
    else s->enabled_vrings.fetch_and(~bit, std::memory_order_release);
    // No wait for the workers here: rte_vhost calls this with the vrings' access locks held,
    // and a worker inside rte_vhost_enqueue_burst spins on that lock. A worker that saw the
    // vring still enabled is harmless: rte_vhost checks `enabled` under the lock and sends 0.
    return 0;
}

// Before rte_vhost acts on a message that maps guest memory: refuse regions beyond their file
// (message_guard.h). ERR makes rte_vhost close the connection (or, if the frontend asked for a
// reply, answer with a failure and keep the previous table).
rte_vhost_msg_result guard_message(int vid, void* ctx) {
    if (!g_layout_known)
        return RTE_VHOST_MSG_RESULT_NOT_HANDLED;  // cannot read it: rte_vhost alone
    int* fds = nullptr;
    int* fd_num = nullptr;
    const GuardedMessage m = view_message(ctx, fds, fd_num);
    if (*fd_num < 0 || *fd_num > kMaxMessageFds)
        return RTE_VHOST_MSG_RESULT_NOT_HANDLED;  // not the layout we know
    const std::string err = mapping_error(m);
    if (err.empty()) return RTE_VHOST_MSG_RESULT_NOT_HANDLED;  // rte_vhost handles it
    char path[PATH_MAX] = "?";
    rte_vhost_get_ifname(vid, path, sizeof path);
    std::fprintf(stderr, "vswd: %s: refusing vhost-user request %u: %s\n", path, m.request,
                 err.c_str());
    if (VhostState* s = find_port(vid)) s->refused_messages.fetch_add(1, std::memory_order_relaxed);
    for (int i = 0; i < *fd_num; ++i) {  // rte_vhost will not map them: do not leak them either
        ::close(fds[i]);
        fds[i] = -1;
    }
    *fd_num = 0;
    return RTE_VHOST_MSG_RESULT_ERR;
}

// After rte_vhost handled a message: what the frontend agreed so far (protocol features at its
// start, virtio features when the device starts), so that a connection whose guest driver has
// not started the device yet shows as negotiated rather than as nobody there.
rte_vhost_msg_result note_negotiation(int vid, void* ctx) {
    VhostState* s = find_port(vid);
    if (!s) return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
    // A new memory table is mapped: rte_vhost itself reads the rings in it from now on.
    const bool mapped = g_layout_known && maps_guest_memory(message_request(ctx));
    if (mapped) watch_guest_memory(vid, s);
    {
        TxRingDriver& d = s->tx_driver;
        std::lock_guard lock(d.control);
        if (mapped) d.memory_mapped = true;
        // Rings, memory, indices and features as the message left them: the driver goes on.
        if (d.pause_requested.load(std::memory_order_relaxed)) resume(d, vid);
        d.resume_owed_since = 0;
    }
    uint64_t features = 0, protocol = 0;
    if (rte_vhost_get_negotiated_features(vid, &features) == 0)
        s->negotiated.store(features, std::memory_order_relaxed);
    if (rte_vhost_get_negotiated_protocol_features(vid, &protocol) == 0)
        s->protocol_features.store(protocol, std::memory_order_relaxed);
    return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

// How the driver meets message `ctx` (message_guard.h). A message vswd cannot read pauses it,
// and its resume is left to post_msg_handle (as for a message that stops the device).
MessagePause pause_for(void* ctx) {
    if (!g_layout_known) return MessagePause::kStopsDevice;
    int* fds = nullptr;
    int* fd_num = nullptr;
    const GuardedMessage m = view_message(ctx, fds, fd_num);
    return message_pause(m.request, m.fd_num);
}

int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Before rte_vhost handles any message: the guard, then (unless it refused) the TX ring driver
// of a one-copy port pauses if the message may move the rings, the memory or the indices under
// it (message_guard.h, MessagePause). A port without one copy is not paused: its path cannot
// change (one-copy=on takes effect at a message or device start that pauses). A message
// rte_vhost fails with NEED_REPLY calls no post_msg_handle: the resume it owes is then made by
// the control thread (resume_after_failed_message).
rte_vhost_msg_result before_message(int vid, void* ctx) {
    const rte_vhost_msg_result r = guard_message(vid, ctx);
    if (r != RTE_VHOST_MSG_RESULT_NOT_HANDLED) return r;
    if (VhostState* s = find_port(vid)) {
        TxRingDriver& d = s->tx_driver;
        const MessagePause kind = pause_for(ctx);
        std::lock_guard lock(d.control);
        if (kind != MessagePause::kNone && (d.wanted.load(std::memory_order_relaxed) ||
                                            d.active.load(std::memory_order_relaxed))) {
            pause(d);
            // Only a message that holds the rings' locks can be seen to be over without its
            // post_msg_handle; the others always reach it (MessagePause).
            d.resume_owed_since = kind == MessagePause::kLocksEveryRing ? steady_ns() : 0;
            d.owed_vid = vid;
        }
        // The table may be gone if rte_vhost fails to map the new one (no post_msg_handle then).
        if (!g_layout_known || maps_guest_memory(message_request(ctx))) d.memory_mapped = false;
        // rte_vhost announces a migrated guest only from its own dequeue: a driven port does.
        if (g_layout_known && message_request(ctx) == kSendRarp &&
            s->tx_driver.active.load(std::memory_order_relaxed)) {
            int* fds = nullptr;
            int* fd_num = nullptr;
            const GuardedMessage m = view_message(ctx, fds, fd_num);
            if (m.size >= 6) announce(s->tx_driver, m.payload);
        }
    }
    return r;
}

const rte_vhost_user_extern_ops kMessageOps = {.pre_msg_handle = before_message,
                                               .post_msg_handle = note_negotiation};

int on_new_connection(int vid) {
    if (VhostState* s = find_port(vid)) {
        s->sessions.fetch_add(1, std::memory_order_relaxed);
        s->negotiated.store(0, std::memory_order_relaxed);
        s->protocol_features.store(0, std::memory_order_relaxed);
        s->connected.store(true, std::memory_order_relaxed);
    }
    return rte_vhost_extern_callback_register(vid, &kMessageOps, nullptr) == 0 ? 0 : -1;
}

// The connection is gone: nothing of it is watched or shown any more.
void end_connection(VhostState* s) {
    forget_guest_memory(s);
    {
        // rte_vhost frees the device next: no resume may probe it any more.
        std::lock_guard lock(s->tx_driver.control);
        s->tx_driver.memory_mapped = false;
        s->tx_driver.resume_owed_since = 0;
    }
    s->connected.store(false, std::memory_order_relaxed);
    s->negotiated.store(0, std::memory_order_relaxed);
    s->protocol_features.store(0, std::memory_order_relaxed);
}

void on_destroy_connection(int vid) {
    if (VhostState* s = find_port(vid)) end_connection(s);
}

const rte_vhost_device_ops kOps = {
    .new_device = on_new_device,
    .destroy_device = on_destroy_device,
    .vring_state_changed = on_vring_state_changed,
    .features_changed = nullptr,
    .new_connection = on_new_connection,
    .destroy_connection = on_destroy_connection,
    .guest_notified = nullptr,
    .reserved = {nullptr},
};

// A socket file left by a previous vswd that nobody listens on: safe to remove.
bool is_stale_socket(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    bool stale = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
                 errno == ECONNREFUSED;
    ::close(fd);
    return stale;
}

}  // namespace

void init(rte_rcu_qsbr* rcu) {
    g_rcu = rcu;
    g_layout_known = layout_known(rte_version());
    install_memory_fault_handler();
    if (!g_layout_known)
        std::fprintf(
            stderr,
            "vswd: warning: %s is not the DPDK release whose vhost-user message layout vswd "
            "knows: memory tables are not checked before rte_vhost maps them\n",
            rte_version());
}

std::string register_socket(const std::string& path, bool client_mode, bool offloads, bool one_copy,
                            VhostState* state) {
    {
        std::lock_guard lock(g_mutex);
        if (g_ports.count(path)) return "socket " + path + " is already used by another port";
    }
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (!client_mode) {
        std::filesystem::create_directories(dir, ec);
        if (ec) return "cannot create socket directory " + dir.string() + ": " + ec.message();
        if (is_stale_socket(path)) ::unlink(path.c_str());
        if (::access(path.c_str(), F_OK) == 0)
            return "socket path " + path +
                   " is taken (a file exists and something may listen on it)";
    }
    // Compliant offload flags: a guest's large frame arrives marked RX-style (RX_LRO with its
    // segment size) instead of having its offload information zeroed when rte_vhost cannot
    // parse it (the legacy mode).
    uint64_t flags =
        (client_mode ? RTE_VHOST_USER_CLIENT : 0) | RTE_VHOST_USER_NET_COMPLIANT_OL_FLAGS;
    if (rte_vhost_driver_register(path.c_str(), flags) != 0)
        return "cannot register vhost-user socket " + path + " (see vswd log)";
    auto fail = [&](const std::string& what) {
        rte_vhost_driver_unregister(path.c_str());
        return what + " for " + path;
    };
    // vsw drives split rings only (tx_ring_driver.h): a one-copy port does not offer packed ones.
    const uint64_t withheld = virtio::kNeverOffered | (offloads ? 0 : virtio::kOffloads) |
                              (one_copy ? virtio::bit(virtio::kRingPacked) : 0);
    state->tx_driver.wanted.store(one_copy, std::memory_order_relaxed);
    stop(state->tx_driver);
    if (rte_vhost_driver_disable_features(path.c_str(), withheld) != 0)
        return fail("cannot disable offload features");
    if (rte_vhost_driver_callback_register(path.c_str(), &kOps) != 0)
        return fail("cannot register vhost callbacks");
    {
        std::lock_guard lock(g_mutex);
        g_ports[path] = state;
    }
    if (rte_vhost_driver_start(path.c_str()) != 0) {
        std::lock_guard lock(g_mutex);
        g_ports.erase(path);
        return fail("cannot start vhost-user driver (socket not creatable?)");
    }
    return "";
}

void offer_offloads(const std::string& path, bool offloads) {
    if (offloads) rte_vhost_driver_enable_features(path.c_str(), virtio::kOffloads);
    else rte_vhost_driver_disable_features(path.c_str(), virtio::kOffloads);
}

void offer_one_copy(const std::string& path, VhostState& state, bool one_copy) {
    state.tx_driver.wanted.store(one_copy, std::memory_order_relaxed);
    const uint64_t packed = virtio::bit(virtio::kRingPacked);
    if (one_copy) rte_vhost_driver_disable_features(path.c_str(), packed);
    else rte_vhost_driver_enable_features(path.c_str(), packed);
}

void resume_after_failed_message(VhostState& s) {
    TxRingDriver& d = s.tx_driver;
    std::lock_guard lock(d.control);
    if (d.resume_owed_since == 0 || steady_ns() - d.resume_owed_since < kOwedResumeGraceNs) return;
    // A device that does not run is not polled, and new_device resumes its driver.
    if (!s.ready.load(std::memory_order_acquire)) return;
    // rte_vhost took every vring's lock before pre_msg_handle paused the driver for the message
    // and releases them after its post_msg_handle (which would have cleared resume_owed_since
    // under `control`) and its reply. So while the guest TX ring's lock is free, the message is
    // over, failed. A later message that pauses holds the locks before its pre_msg_handle
    // waits for `control`; one that does not pause changes nothing the driver reads. The device
    // cannot be freed meanwhile: destroy_connection comes first and waits for `control`. The
    // probe interrupts the guest when the lock is free: one interrupt too many, harmless.
    if (rte_vhost_vring_call_nonblock(d.owed_vid, guest_tx_vring(0)) == -EAGAIN) return;
    d.resume_owed_since = 0;
    resume(d, d.owed_vid);
    d.counters.failed_message_resumes.fetch_add(1, std::memory_order_relaxed);
    char path[PATH_MAX] = "?";
    rte_vhost_get_ifname(d.owed_vid, path, sizeof path);
    std::fprintf(stderr,
                 "vswd: %s: rte_vhost failed a vhost-user message and kept the connection (no "
                 "post_msg_handle): one-copy TX resumed\n",
                 path);
}

void unregister_socket(const std::string& path) {
    // Unregistering destroys a connected device first (destroy_device runs and waits for the
    // workers), so the map entry must stay until it returns.
    for (int attempt = 0; attempt < 1000; ++attempt) {
        int rc = rte_vhost_driver_unregister(path.c_str());
        if (rc == 0 || rc != -EBUSY) break;
        ::usleep(1000);  // a callback of this socket is running: retry
    }
    // In server mode rte_vhost removes the socket file itself; a client never owns it.
    std::lock_guard lock(g_mutex);
    if (auto it = g_ports.find(path); it != g_ports.end())
        end_connection(it->second);  // closed with it
    g_ports.erase(path);
}

}  // namespace vsw::vhost
