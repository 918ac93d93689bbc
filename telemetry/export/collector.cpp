#include "telemetry/export/collector.h"

#include <cctype>

#include "core/parse.h"

namespace vsw {

std::string Collector::str() const {
    const bool v6 = host.find(':') != std::string::npos;
    const std::string scheme = !protocol.empty() ? protocol + "://" : tcp ? "tcp://" : "";
    return scheme + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string parse_collector(const std::string& text, uint16_t default_port, Collector& out,
                            std::span<const CollectorProtocol> protocols) {
    std::string s = text;
    bool tcp = false;
    std::string protocol;
    if (s.rfind("tcp://", 0) == 0 || s.rfind("udp://", 0) == 0) {
        tcp = s[0] == 't';
        s = s.substr(6);
    } else if (const auto sep = s.find("://"); sep != std::string::npos) {
        std::string known = "udp:// or tcp://";
        for (const CollectorProtocol& p : protocols) {
            known += std::string(", ") + p.scheme + "://";
            if (s.compare(0, sep, p.scheme) == 0) {
                protocol = p.scheme;
                default_port = p.default_port;
            }
        }
        if (protocol.empty()) return "collector '" + text + "': the transport must be " + known;
        s = s.substr(sep + 3);
    }
    std::string host, port;
    if (!s.empty() && s[0] == '[') {
        const auto close = s.find(']');
        if (close == std::string::npos) return "collector '" + s + "': missing ']'";
        host = s.substr(1, close - 1);
        if (close + 1 < s.size()) {
            if (s[close + 1] != ':') return "collector '" + s + "': expected ':PORT' after ']'";
            port = s.substr(close + 2);
        }
    } else {
        const auto colon = s.find(':');
        if (colon != std::string::npos && s.find(':', colon + 1) != std::string::npos)
            return "collector '" + s + "': write an IPv6 address as [ADDRESS]:PORT";
        host = s.substr(0, colon);
        if (colon != std::string::npos) port = s.substr(colon + 1);
    }
    if (host.empty() || host.size() > 253) return "collector '" + s + "': give HOST:PORT";
    for (char ch : host)
        if (!isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != ':' &&
            ch != '_')
            return "collector '" + s + "': bad character in host";
    out.host = host;
    out.tcp = tcp;
    out.protocol = protocol;
    out.port = default_port;
    if (!port.empty()) {
        auto p = parse_uint(port, 1, 65535);
        if (!p) return "collector '" + s + "': port must be 1-65535";
        out.port = static_cast<uint16_t>(*p);
    }
    return "";
}

std::string parse_collector_list(const std::string& list, uint16_t default_port, unsigned max,
                                 std::vector<Collector>& out,
                                 std::span<const CollectorProtocol> protocols) {
    std::vector<Collector> parsed;
    for (const std::string& item : split_list(list)) {
        Collector col;
        if (auto e = parse_collector(item, default_port, col, protocols); !e.empty()) return e;
        for (const auto& other : parsed)
            if (other == col) return "collector " + col.str() + " listed twice";
        parsed.push_back(col);
    }
    if (parsed.size() > max) return "at most " + std::to_string(max) + " collectors";
    out = std::move(parsed);
    return "";
}

std::string collector_list_str(const std::vector<Collector>& list) {
    std::vector<std::string> items;
    for (const auto& c : list) items.push_back(c.str());
    return join_list(items);
}

}  // namespace vsw
