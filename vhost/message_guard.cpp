#include "vhost/message_guard.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>

namespace vsw::vhost {
namespace {

constexpr size_t kHeaderBytes = 12;
constexpr size_t kPayloadBytes = 632;  // DPDK 22.11: the union's largest member, crypto sessions
constexpr size_t kRegionBytes = 32;    // guest_phys_addr, memory_size, userspace_addr, mmap_offset

uint64_t u64_at(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// "" if bytes [offset, offset + size) exist in the file behind `fd`.
std::string region_error(int fd, uint64_t size, uint64_t offset, const std::string& what) {
    struct stat st;
    if (fd < 0 || ::fstat(fd, &st) != 0) return what + ": no usable file descriptor";
    if (!S_ISREG(st.st_mode))
        return what + ": not backed by a regular file (memfd, hugetlbfs or shm)";
    if (size == 0) return what + ": empty";
    if (offset > UINT64_MAX - size) return what + ": offset + size overflows";
    if (offset + size > static_cast<uint64_t>(st.st_size))
        return what + ": offset " + std::to_string(offset) + " + size " + std::to_string(size) +
               " reaches beyond its file (" + std::to_string(st.st_size) + " bytes)";
    // A memfd that could be sealed against shrinking and is not: the frontend keeps the power to
    // take the memory away under vswd (QEMU seals its memory-backend-memfd). Files that cannot
    // be sealed are left to the fault handler (memory_fault.h).
    if (const int seals = ::fcntl(fd, F_GET_SEALS);
        seals >= 0 && !(seals & (F_SEAL_SHRINK | F_SEAL_SEAL)))
        return what + ": a memfd not sealed against shrinking (F_SEAL_SHRINK)";
    return "";
}

}  // namespace

std::string mapping_error(const GuardedMessage& m) {
    switch (m.request) {
        case kSetMemTable: {
            if (m.size < 8) return "memory table: truncated";
            uint32_t n;
            std::memcpy(&n, m.payload, sizeof n);
            if (n == 0 || n > kMaxMessageFds)
                return "memory table: " + std::to_string(n) + " regions";
            if (m.size < 8 + n * kRegionBytes)
                return "memory table: shorter than its " + std::to_string(n) + " regions";
            if (m.fd_num != static_cast<int>(n))
                return "memory table: " + std::to_string(n) + " regions but " +
                       std::to_string(m.fd_num) + " file descriptors";
            for (uint32_t i = 0; i < n; ++i) {
                const uint8_t* r = m.payload + 8 + i * kRegionBytes;
                if (auto e = region_error(m.fds[i], u64_at(r + 8), u64_at(r + 24),
                                          "memory region " + std::to_string(i));
                    !e.empty())
                    return e;
            }
            return "";
        }
        case kAddMemReg: {
            if (m.size < 8 + kRegionBytes || m.fd_num != 1)
                return "memory region: truncated or without its file descriptor";
            const uint8_t* r = m.payload + 8;
            return region_error(m.fds[0], u64_at(r + 8), u64_at(r + 24), "memory region");
        }
        case kSetLogBase:
            if (m.size < 16 || m.fd_num != 1)
                return "dirty log: truncated or without its file descriptor";
            return region_error(m.fds[0], u64_at(m.payload), u64_at(m.payload + 8), "dirty log");
        default: return "";
    }
}

bool layout_known(const char* dpdk_version) {
    return std::strncmp(dpdk_version, "DPDK 22.11.", 11) == 0;
}

uint32_t message_request(const void* ctx) {
    uint32_t request;
    std::memcpy(&request, ctx, sizeof request);
    return request;
}

GuardedMessage view_message(void* ctx, int*& fds_out, int*& fd_num_out) {
    auto* bytes = static_cast<uint8_t*>(ctx);
    GuardedMessage m;
    std::memcpy(&m.request, bytes, 4);
    std::memcpy(&m.size, bytes + 8, 4);
    if (m.size > kPayloadBytes) m.size = kPayloadBytes;  // rte_vhost refused larger ones already
    m.payload = bytes + kHeaderBytes;
    fds_out = reinterpret_cast<int*>(bytes + kHeaderBytes + kPayloadBytes);
    fd_num_out = fds_out + kMaxMessageFds;
    m.fds = fds_out;
    m.fd_num = *fd_num_out;
    return m;
}

MessagePause message_pause(uint32_t request, int fd_num) {
    switch (request) {
        // vhost_user_msg_handler's list for vhost_user_lock_all_queue_pairs (DPDK 22.11).
        case 2:  // SET_FEATURES
        case 3:  // SET_OWNER
        case kSetMemTable:
        case kSetLogBase:
        case 7:   // SET_LOG_FD
        case 8:   // SET_VRING_NUM
        case 9:   // SET_VRING_ADDR
        case 10:  // SET_VRING_BASE
        case 12:  // SET_VRING_KICK
        case 13:  // SET_VRING_CALL
        case 14:  // SET_VRING_ERR
        case 16:  // SET_PROTOCOL_FEATURES
        case 18:  // SET_VRING_ENABLE
        case kSendRarp:
        case 20:  // NET_SET_MTU
        case 21:  // SET_SLAVE_REQ_FD
            return MessagePause::kLocksEveryRing;
        case kGetVringBase:
        case kResetOwner: return fd_num == 0 ? MessagePause::kStopsDevice : MessagePause::kNone;
        default: return MessagePause::kNone;
    }
}

}  // namespace vsw::vhost
