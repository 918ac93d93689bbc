// Writing a whole buffer to a stream socket: the loop every sender of vsw needs (control
// answers, the metrics endpoint, capture streams, vswctl's requests).
#pragma once

#include <cstddef>
#include <string>

namespace vsw {

// Sends all `size` bytes (retrying after signals; no SIGPIPE). False if the peer went away, the
// socket failed or its send timeout expired.
bool send_all(int fd, const void* data, size_t size);
inline bool send_all(int fd, const std::string& data) { return send_all(fd, data.data(), data.size()); }

}  // namespace vsw
