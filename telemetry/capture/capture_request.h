// What `vswctl capture` asks for: a port, the directions, how much of each frame, when to stop.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace vsw {

enum class CaptureDirection : uint8_t { kRx = 1, kTx = 2, kBoth = 3 };  // bits: rx = 1, tx = 2

constexpr uint32_t kCaptureMinSnaplen = 64;
constexpr uint32_t kCaptureMaxSnaplen = 65535;
constexpr double kCaptureMaxSeconds = 7 * 24 * 3600;
constexpr size_t kCaptureMaxFilterBytes = 4096;

struct CaptureRequest {
    std::string port;  // the port to capture
    CaptureDirection direction =
        CaptureDirection::kBoth;            // rx: as received from the port; tx: as sent to it
    uint32_t snaplen = kCaptureMaxSnaplen;  // bytes kept of each frame
    uint64_t count = 0;                     // stop after this many frames (0: no limit)
    double seconds = 0;                     // stop after this long (0: no limit)
    std::string filter;                     // pcap-filter(7) expression ("": every frame)
};

// Reads the request's fields ("port", "direction": rx|tx|both, "snaplen", "count", "seconds").
// Returns "" or the operator's message.
std::string capture_request_from_json(const nlohmann::json& req, CaptureRequest& out);
nlohmann::json to_json(const CaptureRequest& r);

const char* direction_name(CaptureDirection d);

}  // namespace vsw
