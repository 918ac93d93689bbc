#include "qos/bandwidth.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "core/parse.h"

namespace vsw {
namespace {

constexpr uint64_t kMaxFrame = 1518;            // a burst must hold at least one full frame
constexpr uint64_t kMinRate = 8'000;            // 8 kbit/s
constexpr uint64_t kMaxRate = 400'000'000'000;  // 400 Gbit/s

// Parses a decimal number with an optional fraction and a suffix from `units`.
std::optional<double> parse_scaled(const std::string& s,
                                   const std::vector<std::pair<std::string, double>>& units) {
    size_t end = 0;
    while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '.'))
        ++end;
    if (end == 0 || s.find('.') != s.rfind('.')) return std::nullopt;
    double v;
    try {
        v = std::stod(s.substr(0, end));
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const std::string unit = s.substr(end);
    for (const auto& [u, factor] : units)
        if (unit == u) return v * factor;
    return std::nullopt;
}

std::optional<double> parse_latency(const std::string& s) {
    return parse_scaled(s, {{"ms", 1e-3}, {"s", 1.0}, {"us", 1e-6}});
}

uint64_t default_burst(uint64_t bytes_per_second) {
    return std::max<uint64_t>(bytes_per_second / 100, 2 * kMaxFrame);  // 10 ms, two frames at least
}

}  // namespace

bool is_bandwidth_setting(const std::string& key) {
    for (const char* k :
         {"tx-rate", "tx-burst", "tx-peak", "rx-rate", "rx-burst", "rx-limit", "rx-mode"})
        if (key == k) return true;
    return false;
}

std::string apply_bandwidth_setting(PortBandwidth& b, const std::string& key,
                                    const std::string& value) {
    if (key == "tx-rate" || key == "rx-rate" || key == "tx-peak") {
        uint64_t& field = key == "tx-rate" ? b.tx_rate : key == "rx-rate" ? b.rx_rate : b.tx_peak;
        if (value == "none" || value.empty()) {
            field = 0;
            // Removing a limit removes what only made sense with it.
            if (key == "tx-rate") b.tx_burst = b.tx_peak = 0;
            if (key == "rx-rate") {
                b.rx_burst = 0;
                b.rx_limit.clear();
                b.rx_police = false;
            }
            return "";
        }
        auto v = parse_rate(value);
        if (!v || *v == 0)
            return key +
                   " must be a positive rate in bit/s such as 50M, 1.5G or 800k (or none), not '" +
                   value + "'";
        if (*v < kMinRate || *v > kMaxRate) return key + " must be between 8k and 400G bit/s";
        field = *v;
        return "";
    }
    if (key == "tx-burst" || key == "rx-burst") {
        uint64_t& field = key == "tx-burst" ? b.tx_burst : b.rx_burst;
        if (value == "none" || value.empty()) {
            field = 0;
            return "";
        }
        auto v = parse_bytes(value);
        if (!v) return key + " must be bytes such as 64k or 100000, not '" + value + "'";
        if (*v < kMaxFrame) return key + " must hold at least one full frame (1518 bytes)";
        field = *v;
        return "";
    }
    if (key == "rx-limit") {
        b.rx_limit = value == "none" ? "" : value;
        return "";
    }
    if (key == "rx-mode")
        return set_either(b.rx_police, value, "police", "shape", "rx-mode must be shape or police");
    return "unknown bandwidth setting '" + key + "'";
}

std::string validate_bandwidth(const PortBandwidth& b) {
    if (b.tx_burst && !b.tx_rate) return "tx-burst needs tx-rate";
    if (b.tx_peak && !b.tx_rate) return "tx-peak needs tx-rate";
    if (b.tx_peak && b.tx_peak < b.tx_rate) return "tx-peak must be at least tx-rate";
    if ((b.rx_burst || !b.rx_limit.empty() || b.rx_police) && !b.rx_rate)
        return "rx-burst, rx-limit and rx-mode need rx-rate";
    if (!b.rx_limit.empty() && !parse_latency(b.rx_limit) && !parse_bytes(b.rx_limit))
        return "rx-limit must be bytes (150000, 150k) or a latency (20ms), not '" + b.rx_limit +
               "'";
    return "";
}

std::vector<std::pair<std::string, std::string>> bandwidth_settings(const PortBandwidth& b) {
    std::vector<std::pair<std::string, std::string>> s;
    auto or_none = [](uint64_t v) { return v ? std::to_string(v) : std::string("none"); };
    // A rate of "none" also clears its companions, so companions come only after a set rate.
    s.emplace_back("tx-rate", or_none(b.tx_rate));
    if (b.tx_rate) {
        s.emplace_back("tx-burst", or_none(b.tx_burst));
        s.emplace_back("tx-peak", or_none(b.tx_peak));
    }
    s.emplace_back("rx-rate", or_none(b.rx_rate));
    if (b.rx_rate) {
        s.emplace_back("rx-burst", or_none(b.rx_burst));
        s.emplace_back("rx-limit", b.rx_limit.empty() ? "none" : b.rx_limit);
        s.emplace_back("rx-mode", b.rx_police ? "police" : "shape");
    }
    return s;
}

std::optional<uint64_t> parse_rate(const std::string& s) {
    auto v = parse_scaled(s, {{"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}});
    if (!v || *v < 1) return std::nullopt;
    return static_cast<uint64_t>(*v + 0.5);
}

std::optional<uint64_t> parse_bytes(const std::string& s) {
    auto v = parse_scaled(s, {{"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}});
    if (!v || *v < 1) return std::nullopt;
    return static_cast<uint64_t>(*v + 0.5);
}

std::string format_rate(uint64_t bps) {
    char buf[32];
    if (bps >= 1'000'000'000 && bps % 1'000'000 == 0)
        std::snprintf(buf, sizeof buf, "%gG", double(bps) / 1e9);
    else if (bps >= 1'000'000 && bps % 1'000 == 0)
        std::snprintf(buf, sizeof buf, "%gM", double(bps) / 1e6);
    else if (bps >= 1'000) std::snprintf(buf, sizeof buf, "%gk", double(bps) / 1e3);
    else std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(bps));
    return buf;
}

PortQos port_qos(const PortBandwidth& b) {
    PortQos q;
    if (b.tx_rate) {
        q.tx_shaped = true;
        q.tx_rate = b.tx_rate / 8;
        q.tx_burst = b.tx_burst ? b.tx_burst : default_burst(q.tx_rate);
        q.tx_peak = b.tx_peak / 8;
    }
    if (b.rx_rate) {
        q.rx_shaped = true;
        q.rx_police = b.rx_police;
        q.rx_rate = b.rx_rate / 8;
        q.rx_burst = b.rx_burst ? b.rx_burst : default_burst(q.rx_rate);
        q.rx_limit = std::max<uint64_t>(q.rx_rate / 20, 64 * 1024);  // 50 ms, 64 KiB at least
        if (!b.rx_limit.empty()) {
            if (auto seconds = parse_latency(b.rx_limit))
                q.rx_limit = std::max<uint64_t>(static_cast<uint64_t>(*seconds * double(q.rx_rate)),
                                                kMaxFrame);
            else if (auto bytes = parse_bytes(b.rx_limit)) q.rx_limit = *bytes;
        }
    }
    return q;
}

std::string qos_summary(const PortBandwidth& b) {
    std::string s;
    if (b.tx_rate) s += "tx " + format_rate(b.tx_rate);
    if (b.rx_rate)
        s += std::string(s.empty() ? "" : ", ") + "rx " + format_rate(b.rx_rate) +
             (b.rx_police ? " police" : " shape");
    return s.empty() ? "-" : s;
}

}  // namespace vsw
