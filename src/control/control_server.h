// The control socket: a unix stream socket on which each connection carries one request line
// and gets one response line. Requests are served one at a time on the control thread, with a
// read timeout so a silent client cannot stall the switch's control work.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "src/config/socket_access.h"

namespace vsw {

class ControlServer {
  public:
    // Answers a request; `client_fd` is its connection, which the handler may dup() to stream
    // more after the answer (capture). The server writes the answer line, then closes its fd.
    using Handler = std::function<std::string(const std::string& request, int client_fd)>;

    ~ControlServer() { close(); }

    // Creates the socket (and its directory, 0755) with the owner, group and mode of `access`.
    // Refuses a directory others could write to (check_control_dir). Returns "" or an error.
    std::string open(const ControlAccess& access);
    // Waits up to `timeout_ms` for a connection and serves it. Returns false on a fatal error.
    bool serve_once(int timeout_ms, const Handler& handler);
    void close();

  private:
    void serve_client(int fd, const Handler& handler);

    int fd_ = -1;       // listening socket
    std::string path_;  // its path, removed on close
};

}  // namespace vsw
