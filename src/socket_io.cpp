#include "src/socket_io.h"

#include <sys/socket.h>

#include <cerrno>

namespace vsw {

bool send_all(int fd, const void* data, size_t size) {
    const auto* p = static_cast<const char*>(data);
    size_t off = 0;
    while (off < size) {
        const ssize_t n = ::send(fd, p + off, size - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace vsw
