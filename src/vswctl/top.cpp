#include "src/vswctl/top.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/json_access.h"
#include "src/config/control_client.h"
#include "src/vswctl/table.h"

namespace vsw::ctl {
namespace {

using nlohmann::json;

uint64_t u64(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) return 0;
    return it->is_number_unsigned() || it->get<int64_t>() >= 0 ? it->get<uint64_t>() : 0;
}

json stats(const std::string& ctl) {
    json resp = json::parse(control_call(ctl, json{{"cmd", "stats"}}.dump()));
    if (!resp.value("ok", false))
        throw std::runtime_error(resp.value("error", std::string("stats failed")));
    return resp["result"];
}

struct Row {
    std::string name;
    double rx_pps, rx_bps, tx_pps, tx_bps, drops_ps;
};

}  // namespace

std::string si_rate(double v) {
    if (v < 1000) return std::to_string(static_cast<uint64_t>(v + 0.5));
    static const char* kUnits[] = {"k", "M", "G", "T"};
    int u = -1;
    while (v >= 1000 && u < 3) {
        v /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, v < 10 ? "%.2f%s" : v < 100 ? "%.1f%s" : "%.0f%s", v, kUnits[u]);
    return buf;
}

std::string render_top(const json& before, const json& after, double seconds) {
    if (seconds <= 0) seconds = 1;
    std::map<std::string, const json*> old;
    for (const json& p : json_list(before, "ports")) old[p.value("name", "")] = &p;
    std::vector<Row> rows;
    for (const json& p : json_list(after, "ports")) {
        const std::string name = p.value("name", "");
        auto it = old.find(name);
        // A port that is new (or was re-created: counters went back) counts from zero.
        const json zero = json::object();
        const json& b = it != old.end() && u64(*it->second, "rx_packets") <= u64(p, "rx_packets")
                            ? *it->second
                            : zero;
        auto rate = [&](const char* key) {
            return static_cast<double>(u64(p, key) - u64(b, key)) / seconds;
        };
        rows.push_back({name, rate("rx_packets"), 8 * rate("rx_bytes"), rate("tx_packets"),
                        8 * rate("tx_bytes"), rate("drops_total")});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
        return x.rx_pps + x.tx_pps > y.rx_pps + y.tx_pps;
    });
    std::string out;
    for (const json& w : json_list(after, "pmds")) {
        const json* prev = nullptr;
        for (const json& v : json_list(before, "pmds"))
            if (v.value("id", -1) == w.value("id", -2)) prev = &v;
        const double busy =
            static_cast<double>(u64(w, "busy_cycles") - (prev ? u64(*prev, "busy_cycles") : 0));
        const double idle =
            static_cast<double>(u64(w, "idle_cycles") - (prev ? u64(*prev, "idle_cycles") : 0));
        const double pkts =
            static_cast<double>(u64(w, "rx_packets") - (prev ? u64(*prev, "rx_packets") : 0));
        char buf[128];
        std::snprintf(buf, sizeof buf, "PMD %d: %.0f%% busy, %s cycles/pkt;  ", w.value("id", 0),
                      busy + idle > 0 ? 100 * busy / (busy + idle) : 0.0,
                      pkts > 0 ? si_rate(busy / pkts).c_str() : "-");
        out += buf;
    }
    const json fdb = after.value("fdb", json::object()),
               pool = after.value("mbuf_pool", json::object());
    out += "FDB " + std::to_string(u64(fdb, "entries")) + "/" + std::to_string(u64(fdb, "max")) +
           ";  mbufs " + std::to_string(u64(pool, "in_use")) + "/" +
           std::to_string(u64(pool, "size")) + "\n\n";
    Table t({"PORT", "RX_PPS", "RX_BIT/S", "TX_PPS", "TX_BIT/S", "DROPS/S"});
    for (const Row& r : rows)
        t.add({r.name, si_rate(r.rx_pps), si_rate(r.rx_bps), si_rate(r.tx_pps), si_rate(r.tx_bps),
               si_rate(r.drops_ps)});
    return out + t.render();
}

int run_top(const std::string& ctl, double interval, unsigned iterations) {
    const bool tty = ::isatty(STDOUT_FILENO);
    json before = stats(ctl);
    auto t0 = std::chrono::steady_clock::now();
    for (unsigned i = 0; iterations == 0 || i < iterations; ++i) {
        std::this_thread::sleep_for(std::chrono::duration<double>(interval));
        json after = stats(ctl);
        const auto t1 = std::chrono::steady_clock::now();
        const double seconds = std::chrono::duration<double>(t1 - t0).count();
        char clock[16];
        const std::time_t now = std::time(nullptr);
        std::strftime(clock, sizeof clock, "%H:%M:%S", std::localtime(&now));
        const std::string screen = std::string("vswctl top - ") + clock + ", every " +
                                   std::to_string(interval).substr(0, 4) + " s (Ctrl-C quits)\n" +
                                   render_top(before, after, seconds);
        std::cout << (tty ? "\033[H\033[2J" : (i ? "\n" : "")) << screen << std::flush;
        before = std::move(after);
        t0 = t1;
    }
    return 0;
}

}  // namespace vsw::ctl
