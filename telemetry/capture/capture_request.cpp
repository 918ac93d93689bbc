#include "telemetry/capture/capture_request.h"

#include <cmath>

namespace vsw {

using nlohmann::json;

const char* direction_name(CaptureDirection d) {
    switch (d) {
        case CaptureDirection::kRx: return "rx";
        case CaptureDirection::kTx: return "tx";
        case CaptureDirection::kBoth: return "both";
    }
    return "?";
}

std::string capture_request_from_json(const json& req, CaptureRequest& out) {
    CaptureRequest r;
    auto port = req.find("port");
    if (port == req.end() || !port->is_string() || port->get<std::string>().empty())
        return "capture needs a port name";
    r.port = port->get<std::string>();
    if (auto d = req.find("direction"); d != req.end()) {
        const std::string s = d->is_string() ? d->get<std::string>() : "";
        if (s == "rx") r.direction = CaptureDirection::kRx;
        else if (s == "tx") r.direction = CaptureDirection::kTx;
        else if (s == "both") r.direction = CaptureDirection::kBoth;
        else return "direction must be rx, tx or both";
    }
    if (auto s = req.find("snaplen"); s != req.end()) {
        if (!s->is_number_unsigned() || s->get<uint64_t>() < kCaptureMinSnaplen ||
            s->get<uint64_t>() > kCaptureMaxSnaplen)
            return "snaplen must be " + std::to_string(kCaptureMinSnaplen) + " to " +
                   std::to_string(kCaptureMaxSnaplen) + " bytes";
        r.snaplen = static_cast<uint32_t>(s->get<uint64_t>());
    }
    if (auto c = req.find("count"); c != req.end()) {
        if (!c->is_number_unsigned()) return "count must be a whole number of frames (0: no limit)";
        r.count = c->get<uint64_t>();
    }
    if (auto s = req.find("seconds"); s != req.end()) {
        if (!s->is_number() || !std::isfinite(s->get<double>()) || s->get<double>() < 0 ||
            s->get<double>() > kCaptureMaxSeconds)
            return "seconds must be 0 (no limit) to " +
                   std::to_string(static_cast<int>(kCaptureMaxSeconds));
        r.seconds = s->get<double>();
    }
    if (auto f = req.find("filter"); f != req.end()) {
        if (!f->is_string()) return "filter must be a pcap-filter expression (a string)";
        r.filter = f->get<std::string>();
        if (r.filter.size() > kCaptureMaxFilterBytes)
            return "filter longer than " + std::to_string(kCaptureMaxFilterBytes) + " bytes";
    }
    out = r;
    return "";
}

json to_json(const CaptureRequest& r) {
    return {{"port", r.port},       {"direction", direction_name(r.direction)},
            {"snaplen", r.snaplen}, {"count", r.count},
            {"seconds", r.seconds}, {"filter", r.filter}};
}

}  // namespace vsw
