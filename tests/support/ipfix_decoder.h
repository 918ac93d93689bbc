// A small IPFIX (RFC 7011) decoder for tests: checks the framing strictly and returns the
// records by field id, using the templates the message stream announced.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace vsw::test {

struct DecodedRecord {
    uint16_t template_id = 0;
    std::map<uint16_t, std::vector<uint8_t>> fields;  // IE id -> raw bytes
    uint64_t u(uint16_t id) const {
        uint64_t v = 0;
        for (uint8_t b : fields.at(id)) v = v << 8 | b;
        return v;
    }
};

struct DecodedMessage {
    uint16_t length = 0;
    uint32_t export_time = 0, sequence = 0, domain = 0;
    std::vector<uint16_t> templates;     // template ids defined in this message
    std::vector<DecodedRecord> records;  // data records (flows and options)
};

class IpfixDecoder {
  public:
    // Throws std::runtime_error on any framing error or a data set without a known template.
    DecodedMessage decode(std::span<const uint8_t> m) {
        auto u16 = [&](size_t at) {
            if (at + 2 > m.size()) throw std::runtime_error("read past the end");
            return static_cast<uint16_t>(m[at] << 8 | m[at + 1]);
        };
        auto u32 = [&](size_t at) { return static_cast<uint32_t>(u16(at)) << 16 | u16(at + 2); };
        DecodedMessage d;
        if (u16(0) != 10) throw std::runtime_error("version != 10");
        d.length = u16(2);
        if (d.length != m.size()) throw std::runtime_error("length field != message size");
        d.export_time = u32(4);
        d.sequence = u32(8);
        d.domain = u32(12);
        size_t at = 16;
        while (at < m.size()) {
            const uint16_t set_id = u16(at), set_len = u16(at + 2);
            if (set_len < 4 || at + set_len > m.size()) throw std::runtime_error("bad set length");
            const size_t end = at + set_len;
            size_t p = at + 4;
            if (set_id == 2 || set_id == 3) {
                while (p + 4 <= end) {
                    const uint16_t id = u16(p), count = u16(p + 2);
                    p += 4;
                    if (set_id == 3) p += 2;  // scope field count
                    std::vector<std::pair<uint16_t, uint16_t>> fields;
                    for (uint16_t i = 0; i < count; ++i, p += 4)
                        fields.emplace_back(u16(p), u16(p + 2));
                    if (p > end) throw std::runtime_error("template past its set");
                    templates_[id] = fields;
                    d.templates.push_back(id);
                }
            } else if (set_id >= 256) {
                auto t = templates_.find(set_id);
                if (t == templates_.end()) throw std::runtime_error("data set before its template");
                size_t min_len = 0;  // a variable-length field takes at least its length byte
                for (auto [id, len] : t->second) min_len += len == 65535 ? 1 : len;
                while (p + min_len <= end) {
                    DecodedRecord r;
                    r.template_id = set_id;
                    for (auto [id, len] : t->second) {
                        size_t n = len;
                        if (len ==
                            65535) {  // RFC 7011 section 7: one length byte, or 255 and two more
                            if (p >= end)
                                throw std::runtime_error("variable-length field past its set");
                            n = m[p++];
                            if (n == 255) {
                                n = u16(p);
                                p += 2;
                            }
                        }
                        if (p + n > end) throw std::runtime_error("field past its set");
                        r.fields[id] = std::vector<uint8_t>(m.begin() + static_cast<long>(p),
                                                            m.begin() + static_cast<long>(p + n));
                        p += n;
                    }
                    d.records.push_back(std::move(r));
                }
                if (end - p >= 4) throw std::runtime_error("padding too long");
            } else {
                throw std::runtime_error("reserved set id");
            }
            at = end;
        }
        return d;
    }

  private:
    std::map<uint16_t, std::vector<std::pair<uint16_t, uint16_t>>> templates_;
};

}  // namespace vsw::test
