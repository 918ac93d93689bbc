// The control protocol: one JSON object per line each way over the unix control socket.
//
//   request:  {"cmd": "add-port", "name": "vm1", "type": "vhost-user-client", "socket": "/..."}
//   response: {"ok": true, "result": {...}}   or   {"ok": false, "error": "message"}
//
// Commands: version, show, stats [port], add-port, del-port, set-port (settings: {k: v}),
// set (settings: {k: v}), fdb-show, fdb-flush, mirror-*, ipfix-*, capture (then a stream of
// frames: capture_stream.h).
#pragma once

#include <cstddef>
#include <string>

#include "src/control/control_api.h"

namespace vsw {

constexpr std::size_t kMaxRequestBytes = 64 * 1024;

// Parses one request line, calls `api`, and returns the response line (without newline).
// `client_fd` is the connection the request came on (-1: none; "capture" then fails).
// Never throws: malformed input yields {"ok": false, "error": ...}.
std::string handle_request(ControlApi& api, const std::string& line, int client_fd = -1);

}  // namespace vsw
