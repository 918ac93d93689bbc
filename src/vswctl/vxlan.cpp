#include "src/vswctl/vxlan.h"

#include <sstream>
#include <stdexcept>

#include "core/parse.h"
#include "src/vswctl/table.h"

namespace vsw::ctl {

using nlohmann::json;

namespace {

constexpr const char* kUsage =
    "usage: vswctl vxlan map VLAN VNI | unmap VLAN | add-vtep VNI IP... | del-vtep VNI [IP...] | "
    "add-mac VNI MAC VTEP | del-mac VNI MAC | show | clear-duplicates [VNI MAC]";

uint64_t number(const std::string& w, uint64_t lo, uint64_t hi, const char* what) {
    auto v = parse_uint(w, lo, hi);
    if (!v)
        throw std::invalid_argument(std::string(what) + " must be " + std::to_string(lo) + " to " +
                                    std::to_string(hi) + ", not '" + w + "'");
    return *v;
}

std::string text(const json& j) {
    return j.is_string() ? j.get<std::string>() : j.dump();
}

}  // namespace

json vxlan_request(const std::vector<std::string>& w) {
    const size_t n = w.size();
    const std::string verb = n > 1 ? w[1] : "";
    if (verb == "map" && n == 4)
        return {{"cmd", "vxlan-map"},
                {"vlan", number(w[2], 1, 4094, "VLAN")},
                {"vni", number(w[3], 1, 16777215, "VNI")}};
    if (verb == "unmap" && n == 3)
        return {{"cmd", "vxlan-unmap"}, {"vlan", number(w[2], 1, 4094, "VLAN")}};
    if ((verb == "add-vtep" && n >= 4) || (verb == "del-vtep" && n >= 3)) {
        const std::string vni = std::to_string(number(w[2], 1, 16777215, "VNI"));
        json ips = json::array();
        for (size_t i = 3; i < n; ++i) ips.push_back(w[i]);  // vswd checks the addresses
        // del-vtep VNI without addresses: the whole flood list of the VNI.
        return {{"cmd", verb == "add-vtep" ? "vxlan-add" : "vxlan-del"}, {"flood", {{vni, ips}}}};
    }
    if (verb == "add-mac" && n == 5)
        return {
            {"cmd", "vxlan-add"},
            {"macs", {{{"vni", number(w[2], 1, 16777215, "VNI")}, {"mac", w[3]}, {"vtep", w[4]}}}}};
    if (verb == "del-mac" && n == 4)
        return {{"cmd", "vxlan-del"},
                {"macs", {{{"vni", number(w[2], 1, 16777215, "VNI")}, {"mac", w[3]}}}}};
    if (verb == "show" && n == 2) return {{"cmd", "vxlan-show"}};
    if (verb == "clear-duplicates" && n == 2) return {{"cmd", "vxlan-clear-duplicates"}};
    if (verb == "clear-duplicates" && n == 4)
        return {{"cmd", "vxlan-clear-duplicates"},
                {"vni", number(w[2], 1, 16777215, "VNI")},
                {"mac", w[3]}};
    throw std::invalid_argument(kUsage);
}

std::string format_vxlan(const json& r) {
    std::ostringstream out;
    const json& v = r["vtep"];
    if (v.is_null()) {
        out << "VTEP: none (set-port PORT vtep-ip=A/N on a dpdk port)\n";
    } else {
        out << "VTEP: " << text(v["address"]) << " on " << text(v["port"]) << " (link "
            << text(v["link"]) << ", mtu " << text(v["mtu"]) << ", inner mtu "
            << text(v["inner_mtu"]) << ", ARP answered " << text(v["arp_answered"]) << ")\n";
    }
    Table vnis({"VLAN", "VNI", "FLOOD LIST", "REMOTE MACS"});
    for (const auto& s : r["vnis"]) {
        std::string flood;
        for (const auto& ip : s["flood"]) {
            if (!flood.empty()) flood += ',';
            flood += text(ip);
        }
        vnis.add(
            {text(s["vlan"]), text(s["vni"]), flood.empty() ? "-" : flood, text(s["remote_macs"])});
    }
    out << "\n" << vnis.render();
    Table vteps({"REMOTE VTEP", "NEXT HOP", "MAC", "ENCAP PKTS", "ENCAP BYTES", "DECAP PKTS",
                 "DECAP BYTES", "UNRESOLVED"});
    for (const auto& t : r["vteps"])
        vteps.add({text(t["ip"]), text(t["next_hop"]),
                   t.contains("next_hop_mac") ? text(t["next_hop_mac"]) : "-",
                   text(t["encap_packets"]), text(t["encap_bytes"]), text(t["decap_packets"]),
                   text(t["decap_bytes"]), text(t["unresolved"])});
    out << "\n" << vteps.render();
    out << "\ndrops:";
    for (const auto& [reason, count] : r["drops"].items())
        out << " " << reason << "=" << text(count);
    out << "\n" << r["remote_macs"].size() << " remote MACs (vswctl fdb show lists them)\n";
    if (r.contains("conflicts") && !r["conflicts"].empty()) {
        Table conflicts({"VNI", "MAC", "LOCAL PORT", "REMOTE VTEP", "SEQ", "WHY", "SEEN BY"});
        for (const auto& c : r["conflicts"])
            conflicts.add({text(c["vni"]), text(c["mac"]),
                           text(c["port"]).empty() ? "-" : text(c["port"]), text(c["vtep"]),
                           c["seq"].is_null() ? "-" : text(c["seq"]), text(c["why"]),
                           text(c["seen_by"])});
        out << "\nMAC conflicts (kept here, not given to the remote VTEP):\n" << conflicts.render();
    }
    if (r.contains("duplicates") && !r["duplicates"].empty()) {
        Table dups({"VNI", "MAC", "FROZEN AT", "MOVES", "FROZEN S", "HOLD LEFT S"});
        for (const auto& d : r["duplicates"])
            dups.add({text(d["vni"]), text(d["mac"]), text(d["at"]), text(d["moves"]),
                      text(d["frozen_s"]), text(d["hold_left_s"])});
        out << "\nduplicate MACs (frozen; vswctl vxlan clear-duplicates [VNI MAC]):\n"
            << dups.render();
    }
    return out.str();
}

}  // namespace vsw::ctl
