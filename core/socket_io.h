// Stream-socket chores every part of vsw that talks over a socket needs (control answers and
// requests, the metrics endpoint, capture streams): whole writes, line reads, timeouts, unix
// socket addresses.
#pragma once

#include <sys/un.h>

#include <cstddef>
#include <string>

namespace vsw {

// Sends all `size` bytes (retrying after signals; no SIGPIPE). False if the peer went away, the
// socket failed or its send timeout expired.
bool send_all(int fd, const void* data, size_t size);
inline bool send_all(int fd, const std::string& data) {
    return send_all(fd, data.data(), data.size());
}

// Reads up to the first newline (not included). False on timeout, error, EOF before any byte,
// or more than `limit` bytes without a newline; EOF after some bytes ends the line.
bool read_line(int fd, std::string& line, size_t limit);

// Sets both the receive and the send timeout of `fd`.
void set_socket_timeout(int fd, int timeout_ms);

// Fills `addr` for the unix socket `path`; false if the path is too long for it.
bool unix_address(const std::string& path, sockaddr_un& addr);

}  // namespace vsw
