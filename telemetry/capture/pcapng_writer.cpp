#include "telemetry/capture/pcapng_writer.h"

#include <cstring>

namespace vsw {
namespace {

constexpr uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr uint32_t kInterfaceDescription = 1;
constexpr uint32_t kInterfaceStatistics = 5;
constexpr uint32_t kEnhancedPacket = 6;
constexpr uint16_t kLinktypeEthernet = 1;
// Option codes.
constexpr uint16_t kOptEnd = 0;
constexpr uint16_t kShbUserAppl = 4;
constexpr uint16_t kIfName = 2;
constexpr uint16_t kIfDescription = 3;
constexpr uint16_t kIfTsresol = 9;
constexpr uint16_t kIfFilter = 11;
constexpr uint16_t kEpbFlags = 2;
constexpr uint16_t kIsbStartTime = 2;
constexpr uint16_t kIsbEndTime = 3;
constexpr uint16_t kIsbIfRecv = 4;
constexpr uint16_t kIsbIfDrop = 5;

// A block under construction: type, a length filled in at the end, body, the length again.
class Block {
  public:
    explicit Block(uint32_t type) {
        put32(type);
        put32(0);  // total length, set by finish()
    }
    void put16(uint16_t v) { raw(&v, 2); }
    void put32(uint32_t v) { raw(&v, 4); }
    void put64(uint64_t v) { raw(&v, 8); }
    // A timestamp as two 32-bit halves, high first (the EPB / ISB layout).
    void time(uint64_t t) {
        put32(static_cast<uint32_t>(t >> 32));
        put32(static_cast<uint32_t>(t));
    }
    void bytes(const void* p, size_t n) {
        raw(p, n);
        pad();
    }
    void option(uint16_t code, const void* p, size_t n) {
        put16(code);
        put16(static_cast<uint16_t>(n));
        bytes(p, n);
    }
    void option(uint16_t code, const std::string& s) {
        option(code, s.data(), s.size() > 0xfff0 ? 0xfff0 : s.size());
    }
    void option64(uint16_t code, uint64_t v) { option(code, &v, 8); }
    void time_option(uint16_t code, uint64_t t) {
        const uint32_t halves[2] = {static_cast<uint32_t>(t >> 32), static_cast<uint32_t>(t)};
        option(code, halves, 8);
    }
    std::string finish() {
        put16(kOptEnd);
        put16(0);
        const auto total = static_cast<uint32_t>(b_.size() + 4);
        put32(total);
        std::memcpy(b_.data() + 4, &total, 4);
        return std::move(b_);
    }

  private:
    void raw(const void* p, size_t n) { b_.append(static_cast<const char*>(p), n); }
    void pad() { b_.append((4 - b_.size() % 4) % 4, '\0'); }
    std::string b_;
};

}  // namespace

std::string PcapngWriter::section(const std::string& application) const {
    Block b(kSectionHeader);
    b.put32(0x1A2B3C4D);  // byte-order magic: readers swap if they see it reversed
    b.put16(1);           // version 1.0
    b.put16(0);
    b.put64(~uint64_t{0});  // section length not given
    b.option(kShbUserAppl, application);
    return b.finish();
}

std::string PcapngWriter::interface(const std::string& name, const std::string& description,
                                    uint32_t snaplen, const std::string& filter) const {
    Block b(kInterfaceDescription);
    b.put16(kLinktypeEthernet);
    b.put16(0);  // reserved
    b.put32(snaplen);
    b.option(kIfName, name);
    if (!description.empty()) b.option(kIfDescription, description);
    const uint8_t nanoseconds = 9;
    b.option(kIfTsresol, &nanoseconds, 1);
    if (!filter.empty())
        b.option(kIfFilter, std::string(1, '\0') + filter);  // type 0: libpcap expression
    return b.finish();
}

std::string PcapngWriter::packet(uint32_t interface_id, uint64_t time_ns, const std::string& data,
                                 uint32_t orig_len, uint8_t direction) const {
    Block b(kEnhancedPacket);
    b.put32(interface_id);
    b.time(time_ns);
    b.put32(static_cast<uint32_t>(data.size()));
    b.put32(orig_len);
    b.bytes(data.data(), data.size());
    const uint32_t flags = direction & 3u;  // bits 0-1: 01 inbound, 10 outbound
    b.option(kEpbFlags, &flags, 4);
    return b.finish();
}

std::string PcapngWriter::statistics(uint32_t interface_id, uint64_t start_ns, uint64_t end_ns,
                                     uint64_t received, uint64_t dropped) const {
    Block b(kInterfaceStatistics);
    b.put32(interface_id);
    b.time(end_ns);
    b.time_option(kIsbStartTime, start_ns);
    b.time_option(kIsbEndTime, end_ns);
    b.option64(kIsbIfRecv, received);
    b.option64(kIsbIfDrop, dropped);
    return b.finish();
}

}  // namespace vsw
