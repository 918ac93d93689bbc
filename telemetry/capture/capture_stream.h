// The byte stream of a capture. After the answer line {"ok":true,...} to a "capture" request the
// control connection carries records, vswd to vswctl, until vswd closes it:
//
//   uint32 type, uint32 payload length, payload        (host byte order: both ends on this host)
//   kFrame payload: uint64 time (ns since the Unix epoch), uint32 original length,
//                   uint8 direction (1 rx, 2 tx), 3 zero bytes, the captured bytes
//   kEnd payload:   JSON {"frames": N, "dropped": N, "reason": "..."}, the last record
//
// vswd writes no file: vswctl turns the records into pcapng where the operator wants it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vsw {

enum class CaptureRecordType : uint32_t { kFrame = 1, kEnd = 2 };

constexpr size_t kCaptureRecordHeader = 8;      // type + length
constexpr size_t kCaptureFrameHeader = 16;      // time + original length + direction + padding
constexpr size_t kCaptureMaxPayload = 1 << 20;  // a reader refuses anything larger

// Appends a frame record's headers for `captured` bytes to `out` and returns where those bytes
// go (out.size() grew by header + captured; the caller fills them in).
size_t append_frame_record(std::vector<uint8_t>& out, uint64_t time_ns, uint32_t orig_len,
                           uint8_t direction, uint32_t captured);
void append_end_record(std::vector<uint8_t>& out, const std::string& json);

struct CaptureRecord {
    CaptureRecordType type = CaptureRecordType::kFrame;
    uint64_t time_ns = 0;   // kFrame
    uint32_t orig_len = 0;  // kFrame: the frame's length on the wire
    uint8_t direction = 0;  // kFrame: 1 rx, 2 tx
    std::string data;       // kFrame: captured bytes; kEnd: the JSON text
};

// Splits a byte stream into records.
class CaptureRecordReader {
  public:
    void feed(const uint8_t* p, size_t n) { buf_.insert(buf_.end(), p, p + n); }
    // Takes the next complete record: true if one was taken; false if more bytes are needed or
    // the stream is malformed (then `error` says why and nothing more can be read).
    bool next(CaptureRecord& r, std::string& error);
    size_t buffered() const { return buf_.size() - pos_; }

  private:
    std::vector<uint8_t> buf_;
    size_t pos_ = 0;  // start of the first unread record
};

}  // namespace vsw
