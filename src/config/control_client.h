// The client side of vswd's control socket (src/control/control_server.h), shared by vswctl,
// vsw-libvirt and the tests: one request line, one answer line.
#pragma once

#include <string>

namespace vsw {

// Client side (vswctl, tests): connects, or throws std::runtime_error with a message for the
// operator (who may use the socket, whether vswd runs).
int control_connect(const std::string& path);
// Sends `request`, returns the response line, or throws std::runtime_error.
std::string control_call(const std::string& path, const std::string& request,
                         int timeout_ms = 30000);

}  // namespace vsw
