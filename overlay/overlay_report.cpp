#include "overlay/overlay_report.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/ipv4.h"
#include "overlay/overlay_config.h"

namespace vsw {

using nlohmann::json;

namespace {

Mac mac_field(const json& e, const char* what) {
    const auto mac =
        e.is_object() && e.contains("mac") ? unicast_mac_from_json(e["mac"]) : std::nullopt;
    if (!mac) throw std::invalid_argument(std::string(what) + ": mac must be a unicast MAC");
    return *mac;
}

uint32_t number_field(const json& e, const char* key) {
    auto it = e.find(key);
    if (it == e.end()) return 0;
    if (!it->is_number_unsigned() || it->get<uint64_t>() > UINT32_MAX)
        throw std::invalid_argument(std::string(key) + " must be a number");
    return it->get<uint32_t>();
}

const json& list_field(const json& j, const char* key) {
    static const json empty = json::array();
    auto it = j.find(key);
    if (it == j.end()) return empty;
    if (!it->is_array()) throw std::invalid_argument(std::string("'") + key + "' must be a list");
    return *it;
}

}  // namespace

json to_json(const OverlayReport& r) {
    json conflicts = json::array(), duplicates = json::array();
    for (const auto& c : r.conflicts)
        conflicts.push_back({{"vni", c.vni},
                             {"mac", mac_to_string(c.mac)},
                             {"vtep", format_ipv4(c.vtep)},
                             {"seq", c.seq},
                             {"remote_static", c.remote_static}});
    for (const auto& d : r.duplicates)
        duplicates.push_back({{"vni", d.vni},
                              {"mac", mac_to_string(d.mac)},
                              {"vtep", d.vtep ? format_ipv4(d.vtep) : "local"},
                              {"moves", d.moves},
                              {"hold_s", d.hold_s}});
    return {{"conflicts", conflicts}, {"duplicates", duplicates}};
}

OverlayReport overlay_report_from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("the control plane's report must be an object");
    OverlayReport r;
    for (const auto& e : list_field(j, "conflicts")) {
        MacConflict c;
        c.mac = mac_field(e, "conflict");
        c.vni = vni_from_json(e.value("vni", json()), "conflict's vni");
        c.vtep = ip_from_json(e.value("vtep", json()), "conflict's vtep");
        c.seq = number_field(e, "seq");
        c.remote_static = e.value("remote_static", false);
        r.conflicts.push_back(c);
    }
    for (const auto& e : list_field(j, "duplicates")) {
        DuplicateMac d;
        d.mac = mac_field(e, "duplicate");
        d.vni = vni_from_json(e.value("vni", json()), "duplicate's vni");
        const json where = e.value("vtep", json("local"));
        d.vtep = where == "local" ? 0 : ip_from_json(where, "duplicate's vtep");
        d.moves = number_field(e, "moves");
        d.hold_s = number_field(e, "hold_s");
        r.duplicates.push_back(d);
    }
    return r;
}

void DuplicateClears::add(uint32_t vni, Mac mac) {
    requests.push_back({++generation, vni, mac});
    if (requests.size() > kKept) requests.erase(requests.begin());
}

json to_json(const DuplicateClears& c) {
    json requests = json::array();
    for (const auto& r : c.requests) {
        json e = {{"generation", r.generation}};
        if (r.vni) e.update({{"vni", r.vni}, {"mac", mac_to_string(r.mac)}});
        requests.push_back(e);
    }
    return {{"epoch", c.epoch}, {"generation", c.generation}, {"requests", requests}};
}

DuplicateClears duplicate_clears_from_json(const json& j) {
    if (!j.is_object() || !j.value("epoch", json()).is_number_unsigned() ||
        !j.value("generation", json()).is_number_unsigned())
        throw std::invalid_argument("duplicate_clears needs an epoch and a generation");
    DuplicateClears c;
    c.epoch = j["epoch"].get<uint64_t>();
    c.generation = j["generation"].get<uint64_t>();
    for (const auto& e : list_field(j, "requests")) {
        if (!e.is_object() || !e.value("generation", json()).is_number_unsigned())
            throw std::invalid_argument("a clear request needs its generation");
        DuplicateClear r{e["generation"].get<uint64_t>(), 0, 0};
        if (e.contains("vni")) {
            r.vni = vni_from_json(e["vni"], "clear request's vni");
            r.mac = mac_field(e, "clear request");
        }
        c.requests.push_back(r);
    }
    return c;
}

}  // namespace vsw
