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

}  // namespace vsw::vhost
