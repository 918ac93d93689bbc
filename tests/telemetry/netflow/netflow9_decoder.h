// A small NetFlow v9 (RFC 3954) decoder for tests: checks the framing strictly (lengths,
// padding to 4 bytes with zeros, the header's record count) and returns the records by field
// type, using the templates the packet stream announced.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/byte_reader.h"

namespace vsw::test {

struct V9Record {
    uint16_t template_id = 0;
    std::map<uint16_t, std::vector<uint8_t>> scopes;  // options records: scope type -> bytes
    std::map<uint16_t, std::vector<uint8_t>> fields;  // field type -> raw bytes
    uint64_t u(uint16_t type) const {
        uint64_t v = 0;
        for (uint8_t b : fields.at(type)) v = v << 8 | b;
        return v;
    }
    std::string text(uint16_t type) const {  // a zero-padded string field
        const auto& f = fields.at(type);
        std::string s(f.begin(), f.end());
        return s.substr(0, s.find('\0'));
    }
};

struct V9Packet {
    uint16_t count = 0;
    uint32_t sys_uptime = 0, unix_secs = 0, sequence = 0, source_id = 0;
    std::vector<uint16_t> templates;          // template ids defined in this packet
    std::vector<uint16_t> options_templates;  // options template ids defined in this packet
    std::vector<uint16_t> flowsets;           // FlowSet ids in packet order
    std::vector<V9Record> records;            // data records (flows and options)
};

class Netflow9Decoder {
  public:
    struct Template {
        std::vector<std::pair<uint16_t, uint16_t>> scopes;  // (scope type, length)
        std::vector<std::pair<uint16_t, uint16_t>> fields;  // (field type, length)
        size_t record_length() const {
            size_t n = 0;
            for (auto [type, len] : scopes) n += len;
            for (auto [type, len] : fields) n += len;
            return n;
        }
    };

    // Throws std::runtime_error on any framing error or a data FlowSet without a known template.
    V9Packet decode(std::span<const uint8_t> m) {
        const ByteReader in(m);
        // `n` (type, length) pairs from p on; p moves past them.
        auto read_fields = [&](size_t& p, size_t n,
                               std::vector<std::pair<uint16_t, uint16_t>>& to) {
            for (size_t i = 0; i < n; ++i, p += 4) to.emplace_back(in.u16(p), in.u16(p + 2));
        };
        size_t records = 0;  // templates, options templates and data records
        // Remembers a template that ends at p, inside its FlowSet.
        auto define = [&](uint16_t id, const Template& t, size_t p, size_t end,
                          std::vector<uint16_t>& defined) {
            if (p > end) throw std::runtime_error("template past its FlowSet");
            templates_[id] = t;
            defined.push_back(id);
            ++records;
        };
        auto check_padding = [&](size_t from, size_t end) {
            if (end - from >= 4) throw std::runtime_error("padding of 4 bytes or more");
            for (size_t i = from; i < end; ++i)
                if (m[i] != 0) throw std::runtime_error("padding not zero");
        };
        V9Packet d;
        if (m.size() < 20) throw std::runtime_error("shorter than the header");
        if (in.u16(0) != 9) throw std::runtime_error("version != 9");
        d.count = in.u16(2);
        d.sys_uptime = in.u32(4);
        d.unix_secs = in.u32(8);
        d.sequence = in.u32(12);
        d.source_id = in.u32(16);
        size_t at = 20;
        while (at < m.size()) {
            const uint16_t id = in.u16(at), len = in.u16(at + 2);
            if (len < 4 || at + len > m.size()) throw std::runtime_error("bad FlowSet length");
            if (len % 4) throw std::runtime_error("FlowSet not padded to 4 bytes");
            d.flowsets.push_back(id);
            const size_t end = at + len;
            size_t p = at + 4;
            if (id == 0) {
                while (end - p >= 4) {
                    const uint16_t tid = in.u16(p), n = in.u16(p + 2);
                    if (tid < 256) throw std::runtime_error("template id below 256");
                    p += 4;
                    Template t;
                    read_fields(p, n, t.fields);
                    define(tid, t, p, end, d.templates);
                }
                check_padding(p, end);
            } else if (id == 1) {
                while (end - p >= 6) {
                    const uint16_t tid = in.u16(p), scope_len = in.u16(p + 2),
                                   option_len = in.u16(p + 4);
                    if (tid < 256) throw std::runtime_error("options template id below 256");
                    if (scope_len % 4 || option_len % 4 || scope_len == 0)
                        throw std::runtime_error("bad options template lengths");
                    p += 6;
                    Template t;
                    read_fields(p, scope_len / 4u, t.scopes);
                    read_fields(p, option_len / 4u, t.fields);
                    define(tid, t, p, end, d.options_templates);
                }
                check_padding(p, end);
            } else if (id >= 256) {
                auto t = templates_.find(id);
                if (t == templates_.end())
                    throw std::runtime_error("data FlowSet before its template");
                const size_t rec_len = t->second.record_length();
                if (rec_len < 4) throw std::runtime_error("record too short to tell from padding");
                while (end - p >= rec_len) {
                    V9Record r;
                    r.template_id = id;
                    for (auto [type, n] : t->second.scopes) r.scopes[type] = in.take_bytes(p, n);
                    for (auto [type, n] : t->second.fields) {
                        if (r.fields.count(type)) throw std::runtime_error("field type twice");
                        r.fields[type] = in.take_bytes(p, n);
                    }
                    d.records.push_back(std::move(r));
                    ++records;
                }
                check_padding(p, end);
            } else {
                throw std::runtime_error("reserved FlowSet id");
            }
            at = end;
        }
        if (records != d.count) throw std::runtime_error("count != records in the packet");
        return d;
    }

    const std::map<uint16_t, Template>& templates() const { return templates_; }

  private:
    std::map<uint16_t, Template> templates_;
};

}  // namespace vsw::test
