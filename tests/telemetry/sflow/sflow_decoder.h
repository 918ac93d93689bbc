// A small sFlow version 5 decoder for tests: checks the XDR framing strictly (every length
// exactly what its contents take, opaque data zero-padded to 4 bytes, the sample and record
// counts, nothing left over) and returns expanded flow and counters samples field by field.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/byte_reader.h"

namespace vsw::test {

struct SflowRawHeader {
    uint32_t protocol = 0, frame_length = 0, stripped = 0;
    std::vector<uint8_t> header;  // the sampled bytes, padding removed
};

struct SflowSwitch {
    uint32_t src_vlan = 0, src_priority = 0, dst_vlan = 0, dst_priority = 0;
};

struct SflowFlowSample {
    uint32_t sequence = 0, source_type = 0, source_index = 0;
    uint32_t sampling_rate = 0, sample_pool = 0, drops = 0;
    uint32_t input_format = 0, input_value = 0, output_format = 0, output_value = 0;
    std::vector<uint32_t> record_formats;  // in datagram order
    SflowRawHeader raw;                    // format 1
    bool has_switch = false;
    SflowSwitch sw;  // format 1001
};

struct SflowIfCounters {
    uint32_t if_index = 0, if_type = 0;
    uint64_t if_speed = 0;
    uint32_t if_direction = 0, if_status = 0;
    uint64_t in_octets = 0;
    uint32_t in_ucast = 0, in_mcast = 0, in_bcast = 0, in_discards = 0, in_errors = 0,
             in_unknown = 0;
    uint64_t out_octets = 0;
    uint32_t out_ucast = 0, out_mcast = 0, out_bcast = 0, out_discards = 0, out_errors = 0;
    uint32_t promiscuous = 0;
};

struct SflowCountersSample {
    uint32_t sequence = 0, source_type = 0, source_index = 0;
    std::vector<uint32_t> record_formats;  // in datagram order
    SflowIfCounters ifc;                   // format 1
    bool has_port_name = false;
    std::string port_name;  // format 1005
};

struct SflowDatagram {
    uint32_t address_type = 0;
    std::vector<uint8_t> agent;  // 4 or 16 bytes
    uint32_t sub_agent_id = 0, sequence = 0, uptime = 0;
    std::vector<uint32_t> sample_formats;  // in datagram order
    std::vector<SflowFlowSample> flows;
    std::vector<SflowCountersSample> counters;
};

// Throws std::runtime_error on any framing error, an unknown format or a record twice.
class SflowDecoder {
  public:
    SflowDatagram decode(std::span<const uint8_t> m) {
        in_ = ByteReader(m);
        SflowDatagram d;
        size_t p = 0;
        if (u32(p) != 5) throw std::runtime_error("version != 5");
        d.address_type = u32(p);
        const size_t address_len = d.address_type == 1 ? 4 : d.address_type == 2 ? 16 : 0;
        if (!address_len) throw std::runtime_error("address type neither IPv4 nor IPv6");
        d.agent = bytes(p, address_len);
        d.sub_agent_id = u32(p);
        d.sequence = u32(p);
        d.uptime = u32(p);
        const uint32_t samples = u32(p);
        for (uint32_t i = 0; i < samples; ++i) {
            const uint32_t format = u32(p), len = u32(p);
            const size_t end = p + len;
            if (len % 4 || end > m.size()) throw std::runtime_error("bad sample length");
            if (format >> 12) throw std::runtime_error("sample of another enterprise");
            d.sample_formats.push_back(format);
            if (format == 3) d.flows.push_back(flow_sample(p, end));
            else if (format == 4) d.counters.push_back(counters_sample(p, end));
            else throw std::runtime_error("unexpected sample format");
            if (p != end) throw std::runtime_error("sample length != its contents");
        }
        if (p != m.size()) throw std::runtime_error("bytes after the last sample");
        return d;
    }

  private:
    // XDR items at p, moving p past them.
    uint32_t u32(size_t& p) const { return in_.take_u32(p); }
    uint64_t u64(size_t& p) const { return in_.take_u64(p); }
    std::vector<uint8_t> bytes(size_t& p, size_t n) const { return in_.take_bytes(p, n); }
    // XDR opaque<> / string<>: length, bytes, zero padding to 4.
    std::vector<uint8_t> opaque(size_t& p) {
        const uint32_t n = u32(p);
        std::vector<uint8_t> v = bytes(p, n);
        for (size_t pad = n; pad % 4; ++pad)
            if (bytes(p, 1)[0] != 0) throw std::runtime_error("opaque padding not zero");
        return v;
    }
    // Each record: format (enterprise 0), length, contents of exactly that length.
    template <class Body>
    void records(size_t& p, size_t end, std::vector<uint32_t>& formats, Body&& body) {
        const uint32_t n = u32(p);
        for (uint32_t i = 0; i < n; ++i) {
            const uint32_t format = u32(p), len = u32(p);
            const size_t record_end = p + len;
            if (len % 4 || record_end > end) throw std::runtime_error("bad record length");
            if (format >> 12) throw std::runtime_error("record of another enterprise");
            for (uint32_t f : formats)
                if (f == format) throw std::runtime_error("record twice in a sample");
            formats.push_back(format);
            body(format, p);
            if (p != record_end) throw std::runtime_error("record length != its contents");
        }
    }

    SflowFlowSample flow_sample(size_t& p, size_t end) {
        SflowFlowSample s;
        s.sequence = u32(p);
        s.source_type = u32(p);
        s.source_index = u32(p);
        s.sampling_rate = u32(p);
        s.sample_pool = u32(p);
        s.drops = u32(p);
        s.input_format = u32(p);
        s.input_value = u32(p);
        s.output_format = u32(p);
        s.output_value = u32(p);
        records(p, end, s.record_formats, [&](uint32_t format, size_t& q) {
            if (format == 1) {
                s.raw.protocol = u32(q);
                s.raw.frame_length = u32(q);
                s.raw.stripped = u32(q);
                s.raw.header = opaque(q);
            } else if (format == 1001) {
                s.has_switch = true;
                s.sw.src_vlan = u32(q);
                s.sw.src_priority = u32(q);
                s.sw.dst_vlan = u32(q);
                s.sw.dst_priority = u32(q);
            } else {
                throw std::runtime_error("unexpected flow record format");
            }
        });
        return s;
    }

    SflowCountersSample counters_sample(size_t& p, size_t end) {
        SflowCountersSample s;
        s.sequence = u32(p);
        s.source_type = u32(p);
        s.source_index = u32(p);
        records(p, end, s.record_formats, [&](uint32_t format, size_t& q) {
            if (format == 1) {
                SflowIfCounters& c = s.ifc;
                c.if_index = u32(q);
                c.if_type = u32(q);
                c.if_speed = u64(q);
                c.if_direction = u32(q);
                c.if_status = u32(q);
                c.in_octets = u64(q);
                c.in_ucast = u32(q);
                c.in_mcast = u32(q);
                c.in_bcast = u32(q);
                c.in_discards = u32(q);
                c.in_errors = u32(q);
                c.in_unknown = u32(q);
                c.out_octets = u64(q);
                c.out_ucast = u32(q);
                c.out_mcast = u32(q);
                c.out_bcast = u32(q);
                c.out_discards = u32(q);
                c.out_errors = u32(q);
                c.promiscuous = u32(q);
            } else if (format == 1005) {
                s.has_port_name = true;
                const auto name = opaque(q);
                if (name.size() > 255) throw std::runtime_error("port name over 255 bytes");
                s.port_name.assign(name.begin(), name.end());
            } else {
                throw std::runtime_error("unexpected counter record format");
            }
        });
        return s;
    }

    ByteReader in_;  // the datagram being decoded
};

}  // namespace vsw::test
