// The control protocol: one JSON object per line each way over the unix control socket.
//
//   request:  {"cmd": "add-port", "name": "vm1", "type": "vhost-user-client", "socket": "/..."}
//   response: {"ok": true, "result": {...}}   or   {"ok": false, "error": "message"}
//
// "cmd" names a command of the table (command_table.h): version, show, stats [port], add-port,
// del-port, set-port (settings: {k: v}), set, fdb-*, mirror-*, ipfix-*, capture (then a stream of
// frames: capture_stream.h), vxlan-*, and whatever a feature registers.
#pragma once

#include <cstddef>
#include <string>

#include "src/control/command_table.h"

namespace vsw {

constexpr std::size_t kMaxRequestBytes = 64 * 1024;

// Parses one request line, runs its command from `commands`, and returns the response line
// (without newline). `client_fd` is the connection the request came on (-1: none; "capture"
// then fails). Never throws: malformed input yields {"ok": false, "error": ...}.
std::string handle_request(const CommandTable& commands, const std::string& line,
                           int client_fd = -1);

}  // namespace vsw
