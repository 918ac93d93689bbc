#include "telemetry/capture/capture_stream.h"

#include <cstring>

namespace vsw {
namespace {

template <typename T>
void put(std::vector<uint8_t>& out, size_t at, T v) {
    std::memcpy(out.data() + at, &v, sizeof v);
}

template <typename T>
T get(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace

size_t append_frame_record(std::vector<uint8_t>& out, uint64_t time_ns, uint32_t orig_len,
                           uint8_t direction, uint32_t captured) {
    const size_t at = out.size();
    out.resize(at + kCaptureRecordHeader + kCaptureFrameHeader + captured);
    put(out, at, static_cast<uint32_t>(CaptureRecordType::kFrame));
    put(out, at + 4, static_cast<uint32_t>(kCaptureFrameHeader + captured));
    put(out, at + 8, time_ns);
    put(out, at + 16, orig_len);
    out[at + 20] = direction;
    out[at + 21] = out[at + 22] = out[at + 23] = 0;
    return at + kCaptureRecordHeader + kCaptureFrameHeader;
}

void append_end_record(std::vector<uint8_t>& out, const std::string& json) {
    const size_t at = out.size();
    out.resize(at + kCaptureRecordHeader + json.size());
    put(out, at, static_cast<uint32_t>(CaptureRecordType::kEnd));
    put(out, at + 4, static_cast<uint32_t>(json.size()));
    std::memcpy(out.data() + at + kCaptureRecordHeader, json.data(), json.size());
}

bool CaptureRecordReader::next(CaptureRecord& r, std::string& error) {
    if (buffered() < kCaptureRecordHeader) return false;
    const uint8_t* p = buf_.data() + pos_;
    const auto type = get<uint32_t>(p);
    const auto len = get<uint32_t>(p + 4);
    if (len > kCaptureMaxPayload) {
        error = "capture stream: record of " + std::to_string(len) + " bytes";
        return false;
    }
    if (type == static_cast<uint32_t>(CaptureRecordType::kFrame) && len < kCaptureFrameHeader) {
        error = "capture stream: frame record too short";
        return false;
    }
    if (type != static_cast<uint32_t>(CaptureRecordType::kFrame) &&
        type != static_cast<uint32_t>(CaptureRecordType::kEnd)) {
        error = "capture stream: unknown record type " + std::to_string(type);
        return false;
    }
    if (buffered() < kCaptureRecordHeader + len) return false;
    const uint8_t* payload = p + kCaptureRecordHeader;
    r.type = static_cast<CaptureRecordType>(type);
    if (r.type == CaptureRecordType::kFrame) {
        r.time_ns = get<uint64_t>(payload);
        r.orig_len = get<uint32_t>(payload + 8);
        r.direction = payload[12];
        r.data.assign(reinterpret_cast<const char*>(payload + kCaptureFrameHeader),
                      len - kCaptureFrameHeader);
    } else {
        r.data.assign(reinterpret_cast<const char*>(payload), len);
    }
    pos_ += kCaptureRecordHeader + len;
    if (pos_ == buf_.size() || pos_ > (1u << 20)) {  // drop what was read
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
        pos_ = 0;
    }
    return true;
}

}  // namespace vsw
