// libFuzzer target: the check vswd makes on vhost-user messages that map guest memory (what a
// hostile frontend sends). Invariant: an accepted message never maps a byte beyond its file.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "vhost/message_guard.h"

using namespace vsw::vhost;

namespace {

// Files to hand out: empty, one page, 1 MiB; and a descriptor that is not open.
int file_of(unsigned choice) {
    static const int fds[3] = {
        [] {
            int fd = memfd_create("fuzz-empty", 0);
            return fd;
        }(),
        [] {
            int fd = memfd_create("fuzz-page", 0);
            if (ftruncate(fd, 4096) != 0) __builtin_trap();
            return fd;
        }(),
        [] {
            int fd = memfd_create("fuzz-mib", 0);
            if (ftruncate(fd, 1 << 20) != 0) __builtin_trap();
            return fd;
        }(),
    };
    return choice < 3 ? fds[choice] : 1000000;
}

uint64_t u64_at(const std::vector<uint8_t>& p, size_t off) {
    uint64_t v;
    std::memcpy(&v, p.data() + off, sizeof v);
    return v;
}

// The oracle: [offset, offset + size) lies inside the file behind fd.
bool inside(int fd, uint64_t size, uint64_t offset) {
    struct stat st;
    if (fstat(fd, &st) != 0) return false;
    return size != 0 && offset <= UINT64_MAX - size &&
           offset + size <= static_cast<uint64_t>(st.st_size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 4) return 0;
    static const uint32_t kRequests[4] = {kSetMemTable, kSetLogBase, kAddMemReg, 1};
    int fds[kMaxMessageFds];
    uint32_t choices = data[2] | data[3] << 8;
    for (int i = 0; i < kMaxMessageFds; ++i) fds[i] = file_of((choices >> (2 * i)) & 3);
    // The payload in a buffer of exactly its size: ASan sees any read past what was claimed.
    const std::vector<uint8_t> payload(data + 4, data + size);
    GuardedMessage m;
    m.request = kRequests[data[0] & 3];
    m.payload = payload.data();
    m.size = static_cast<uint32_t>(payload.size());
    m.fds = fds;
    m.fd_num = data[1] % (kMaxMessageFds + 1);
    if (!mapping_error(m).empty()) return 0;
    switch (m.request) {
        case kSetMemTable: {
            uint32_t n;
            std::memcpy(&n, payload.data(), sizeof n);
            for (uint32_t i = 0; i < n; ++i)
                if (!inside(fds[i], u64_at(payload, 8 + 32 * i + 8),
                            u64_at(payload, 8 + 32 * i + 24)))
                    __builtin_trap();
            break;
        }
        case kAddMemReg:
            if (!inside(fds[0], u64_at(payload, 16), u64_at(payload, 32))) __builtin_trap();
            break;
        case kSetLogBase:
            if (!inside(fds[0], u64_at(payload, 0), u64_at(payload, 8))) __builtin_trap();
            break;
        default: break;
    }
    return 0;
}
