#include "telemetry/metrics/dpdk_telemetry.h"

#include <rte_telemetry.h>

#include <cctype>
#include <cmath>

#include "core/json_access.h"

namespace vsw {
namespace {

using nlohmann::json;

const MetricsSnapshot* g_snapshot = nullptr;

void flatten(const json& j, const std::string& prefix,
             std::vector<std::pair<std::string, json>>& out) {
    auto key = [&](const std::string& k) {
        std::string name = prefix.empty() ? k : prefix + "/" + k;
        for (char& c : name)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '/') c = '_';
        return name;
    };
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) flatten(v, key(k), out);
    } else if (j.is_array()) {
        for (size_t i = 0; i < j.size(); ++i) flatten(j[i], key(std::to_string(i)), out);
    } else if (!prefix.empty()) {
        out.emplace_back(prefix, j);
    }
}

// Fills `d` as a dict from `j`; values telemetry cannot hold are given as strings.
int fill_dict(const json& j, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    for (const auto& [name, v] : flatten_for_telemetry(j)) {
        if (v.is_number_unsigned()) rte_tel_data_add_dict_u64(d, name.c_str(), v.get<uint64_t>());
        else if (v.is_number_integer())
            rte_tel_data_add_dict_int(d, name.c_str(), static_cast<int>(v.get<int64_t>()));
        else if (v.is_boolean()) rte_tel_data_add_dict_u64(d, name.c_str(), v.get<bool>() ? 1 : 0);
        else if (v.is_number_float()) {
            const double x = v.get<double>();  // 22.11 telemetry has no floating point: rounded
            rte_tel_data_add_dict_u64(
                d, name.c_str(),
                std::isfinite(x) && x > 0 ? static_cast<uint64_t>(std::llround(x)) : 0);
        } else if (v.is_string())
            rte_tel_data_add_dict_string(d, name.c_str(),
                                         v.get<std::string>().substr(0, 127).c_str());
    }
    return 0;
}

const json& views() {
    static thread_local std::shared_ptr<const json>
        held;  // keeps the snapshot alive for the callback
    held = g_snapshot->latest();
    return *held;
}

// views()[a][b], by reference.
const json& view(const char* a, const char* b) {
    return json_field(json_field(views(), a), b);
}

const json* find_named(const json& list, const char* params) {
    if (!params || !*params || !list.is_array()) return nullptr;
    for (const json& item : list)
        if (item.is_object() && item.value("name", "") == params) return &item;
    return nullptr;
}

// The "name" of every element of `list`, as a telemetry array of strings.
int names(const json& list, rte_tel_data* d) {
    rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
    for (const json& item : list) rte_tel_data_add_array_string(d, item.value("name", "").c_str());
    return 0;
}

// The element of `list` named `params`, as a dict; -EINVAL if there is none.
int named(const json& list, const char* params, rte_tel_data* d) {
    const json* item = find_named(list, params);
    return item ? fill_dict(*item, d) : -EINVAL;
}

int ports(const char*, const char*, rte_tel_data* d) {
    return names(view("show", "ports"), d);
}

int port_info(const char*, const char* params, rte_tel_data* d) {
    return named(view("show", "ports"), params, d);
}

int port_stats(const char*, const char* params, rte_tel_data* d) {
    return named(view("stats", "ports"), params, d);
}

int pmd(const char*, const char*, rte_tel_data* d) {
    return fill_dict(view("stats", "pmds"), d);
}

int switch_info(const char*, const char*, rte_tel_data* d) {
    json j = {{"fdb", view("stats", "fdb")},
              {"mbuf_pool", view("stats", "mbuf_pool")},
              {"settings", view("show", "settings")},
              {"pmds", view("show", "pmds")}};
    return fill_dict(j, d);
}

int mirrors(const char*, const char*, rte_tel_data* d) {
    return names(view("mirrors", "mirrors"), d);
}

int mirror(const char*, const char* params, rte_tel_data* d) {
    return named(view("mirrors", "mirrors"), params, d);
}

int ipfix(const char*, const char*, rte_tel_data* d) {
    return fill_dict(json_field(views(), "ipfix"), d);
}

}  // namespace

std::vector<std::pair<std::string, json>> flatten_for_telemetry(const json& j) {
    std::vector<std::pair<std::string, json>> out;
    flatten(j, "", out);
    if (out.size() > RTE_TEL_MAX_DICT_ENTRIES) out.resize(RTE_TEL_MAX_DICT_ENTRIES);
    return out;
}

std::string register_telemetry_commands(const MetricsSnapshot* snapshot) {
    if (g_snapshot) return "";
    g_snapshot = snapshot;
    const struct {
        const char* cmd;
        telemetry_cb fn;
        const char* help;
    } kCommands[] = {
        {"/vsw/ports", ports, "Returns the names of vsw's ports. Takes no parameters"},
        {"/vsw/port/info", port_info,
         "Returns what vswctl show says of a port. Parameter: port name"},
        {"/vsw/port/stats", port_stats,
         "Returns a port's counters, drops by reason and shaping. Parameter: port name"},
        {"/vsw/pmd", pmd,
         "Returns every PMD's counters and cycles per packet. Takes no parameters"},
        {"/vsw/switch", switch_info, "Returns FDB, mbuf pool and settings. Takes no parameters"},
        {"/vsw/mirrors", mirrors, "Returns the names of the mirror sessions. Takes no parameters"},
        {"/vsw/mirror", mirror,
         "Returns a mirror session and its counters. Parameter: mirror name"},
        {"/vsw/ipfix", ipfix, "Returns IPFIX export settings and counters. Takes no parameters"},
    };
    for (const auto& c : kCommands)
        if (rte_telemetry_register_cmd(c.cmd, c.fn, c.help) != 0)
            return std::string("cannot register ") + c.cmd;
    return "";
}

}  // namespace vsw
