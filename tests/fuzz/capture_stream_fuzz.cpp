// libFuzzer target: the capture byte stream as vswctl reads it (from vswd, but a stream cut
// short or corrupted must end in an error, never a crash or a huge allocation). The first byte
// picks where the stream is split in two feeds; every record taken must be re-encoded to the
// same bytes (the reader and the writers agree).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "telemetry/capture/capture_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const size_t split = data[0] % size;
    ++data, --size;
    vsw::CaptureRecordReader reader;
    std::vector<uint8_t> reencoded;
    auto drain = [&] {
        vsw::CaptureRecord r;
        std::string error;
        while (reader.next(r, error)) {
            if (r.type == vsw::CaptureRecordType::kFrame) {
                const size_t at =
                    vsw::append_frame_record(reencoded, r.time_ns, r.orig_len, r.direction,
                                             static_cast<uint32_t>(r.data.size()));
                std::memcpy(reencoded.data() + at, r.data.data(), r.data.size());
            } else {
                vsw::append_end_record(reencoded, r.data);
            }
        }
        return error.empty();
    };
    reader.feed(data, split < size ? split : size);
    bool ok = drain();
    if (ok) {
        reader.feed(data + (split < size ? split : size), size - (split < size ? split : size));
        ok = drain();
    }
    // Frames carry 3 padding bytes the writer zeroes: the re-encoding may differ only there.
    if (ok && !reencoded.empty() && reencoded.size() + reader.buffered() == size &&
        std::memcmp(reencoded.data(), data, reencoded.size()) != 0) {
        bool padding_only = true;
        for (size_t at = 0; at + 8 <= reencoded.size();) {
            uint32_t type, len;
            std::memcpy(&type, reencoded.data() + at, 4);
            std::memcpy(&len, reencoded.data() + at + 4, 4);
            const size_t body = at + 8;
            if (std::memcmp(reencoded.data() + at, data + at, 8) != 0) padding_only = false;
            for (size_t i = 0; i < len; ++i) {
                const bool pad = type == 1 && i >= 13 && i < 16;
                if (!pad && reencoded[body + i] != data[body + i]) padding_only = false;
            }
            at = body + len;
        }
        if (!padding_only) __builtin_trap();
    }
    return 0;
}
