// A check on the vhost-user messages that make rte_vhost map guest memory. rte_vhost maps a
// region of `mmap_offset + size` bytes from the file descriptor it received without asking how
// big the file is; a frontend that sends a 4 KiB memfd as a 1 MiB region gets a mapping whose
// tail raises SIGBUS when touched -- which rte_vhost does itself (reading the used ring's index
// on SET_VRING_KICK) and the PMDs do on every burst: vswd would die. So before rte_vhost handles
// SET_MEM_TABLE, ADD_MEM_REG or SET_LOG_BASE, each region must lie inside its file, and a memfd
// that allows sealing must be sealed against shrinking (F_SEAL_SHRINK).
#pragma once

#include <cstdint>
#include <string>

namespace vsw::vhost {

// Requests that carry file descriptors to be mapped (vhost-user protocol numbers).
constexpr uint32_t kSetMemTable = 5;
constexpr uint32_t kSetLogBase = 6;
constexpr uint32_t kAddMemReg = 37;
constexpr uint32_t kRemMemReg = 38;
// Others vswd looks at.
constexpr uint32_t kResetOwner = 4;
constexpr uint32_t kGetVringBase = 11;
constexpr uint32_t kSendRarp = 19;  // after a migration: announce this MAC (payload: u64)
constexpr int kMaxMessageFds = 8;

// One message as rte_vhost received it.
struct GuardedMessage {
    uint32_t request = 0;
    const uint8_t* payload = nullptr;  // `size` bytes, as the frontend claimed them
    uint32_t size = 0;
    const int* fds = nullptr;
    int fd_num = 0;
};

// "" if rte_vhost may go on with the message, else why it must be refused. Only the requests
// above are inspected; anything else is rte_vhost's to judge.
std::string mapping_error(const GuardedMessage& m);

// rte_vhost's message context (lib/vhost/vhost_user.h, not installed) as DPDK 22.11 lays it
// out: a packed 12-byte header, a 632-byte payload union, then 8 fds and their count. The
// payload size was measured (a larger one is refused as "invalid msg size"); `layout_known`
// holds only for the DPDK release this was measured on (rte_version()), and vswd installs no
// guard otherwise.
bool layout_known(const char* dpdk_version);
// The request number of a message rte_vhost received (layout_known only).
uint32_t message_request(const void* rte_vhost_context);
// SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG: after one, the guest's memory is mapped anew.
inline bool maps_guest_memory(uint32_t request) {
    return request == kSetMemTable || request == kAddMemReg || request == kRemMemReg;
}
GuardedMessage view_message(void* rte_vhost_context, int*& fds_out, int*& fd_num_out);

// How a message meets the TX ring driver (tx_ring_driver.h) in DPDK 22.11's
// vhost_user_msg_handler: the driver pauses for exactly the messages during which rte_vhost
// keeps its own dequeue off the rings.
enum class MessagePause : uint8_t {
    // No pause: rte_vhost takes no ring lock and stops no device for it (GET_FEATURES,
    // SET_STATUS, the config, postcopy and inflight messages, unknown requests): it changes
    // nothing the driver reads. Not pausing spares these the stall below too.
    kNone,
    // rte_vhost takes every vring's access_lock before pre_msg_handle and releases them after
    // post_msg_handle and the reply. If it fails the message with NEED_REPLY it calls no
    // post_msg_handle: the resume is then owed, and that the locks are free again shows the
    // message is over (vhost_port.h, resume_after_failed_message).
    kLocksEveryRing,
    // GET_VRING_BASE and RESET_OWNER: no lock, but they stop the device (destroy_device) and
    // answer with the indices the pause hands back. They fail only when they carry file
    // descriptors (refused before their handler runs), and those are not paused.
    kStopsDevice,
};
MessagePause message_pause(uint32_t request, int fd_num);

}  // namespace vsw::vhost
