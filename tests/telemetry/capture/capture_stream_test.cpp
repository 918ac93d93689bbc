#include "telemetry/capture/capture_stream.h"

#include <catch2/catch.hpp>
#include <cstring>

using namespace vsw;

TEST_CASE("capture records survive any split of the byte stream") {
    std::vector<uint8_t> bytes;
    const size_t at = append_frame_record(bytes, 1700000000123456789ull, 1514, 2, 5);
    std::memcpy(bytes.data() + at, "hello", 5);
    append_frame_record(bytes, 7, 60, 1, 0);
    append_end_record(bytes, R"({"frames":2,"dropped":0,"reason":"count reached"})");
    for (size_t split = 0; split <= bytes.size(); ++split) {
        CaptureRecordReader reader;
        std::vector<CaptureRecord> got;
        CaptureRecord r;
        std::string error;
        reader.feed(bytes.data(), split);
        while (reader.next(r, error)) got.push_back(r);
        reader.feed(bytes.data() + split, bytes.size() - split);
        while (reader.next(r, error)) got.push_back(r);
        REQUIRE(error.empty());
        REQUIRE(got.size() == 3);
        CHECK(got[0].type == CaptureRecordType::kFrame);
        CHECK(got[0].time_ns == 1700000000123456789ull);
        CHECK(got[0].orig_len == 1514);
        CHECK(got[0].direction == 2);
        CHECK(got[0].data == "hello");
        CHECK((got[1].data.empty() && got[1].orig_len == 60 && got[1].direction == 1));
        CHECK(got[2].type == CaptureRecordType::kEnd);
        CHECK(got[2].data == R"({"frames":2,"dropped":0,"reason":"count reached"})");
        CHECK(reader.buffered() == 0);
    }
}

TEST_CASE("a malformed capture stream is an error, not a huge allocation or a crash") {
    auto error_of = [](std::vector<uint8_t> bytes) {
        CaptureRecordReader reader;
        reader.feed(bytes.data(), bytes.size());
        CaptureRecord r;
        std::string error;
        CHECK_FALSE(reader.next(r, error));
        return error;
    };
    CHECK_THAT(error_of({9, 0, 0, 0, 0, 0, 0, 0}), Catch::Contains("unknown record type 9"));
    CHECK_THAT(error_of({1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}),
               Catch::Contains("record of 4294967295 bytes"));
    CHECK_THAT(error_of({1, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4}), Catch::Contains("too short"));
    CHECK(error_of({1, 0, 0, 0, 20, 0, 0, 0}).empty());  // incomplete: wait for more
}
