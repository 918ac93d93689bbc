#include "src/control/neighbors.h"

#include <cstdio>

#include "core/ipv4.h"

namespace vsw {

void Neighbors::want(uint32_t ip, const Via& via, uint64_t now_ms) {
    Entry& e = entries_[ip];
    e.via = via;
    e.wanted_ms = now_ms;
    const uint64_t every = e.mac ? kRefreshMs : kRetryMs;
    if (e.requests && now_ms - e.requested_ms < every) return;
    uint8_t request[kArpFrameLen];
    build_arp_request(request, via.mac, via.ip, ip);
    if (!send_(via.slot, request)) return;  // no room: asked at the next tick
    e.requested_ms = now_ms;
    ++e.requests;
}

bool Neighbors::learn(const ArpMessage& a) {
    auto it = entries_.find(a.sender_ip);
    if (it == entries_.end()) return false;
    Entry& e = it->second;
    // A request teaches only when it asks for the address vsw asks as (the neighbour wants us).
    if (a.request && a.target_ip != e.via.ip) return false;
    ++e.replies;
    if (e.mac == a.sender_mac) return false;
    fprintf(stderr, "vswd: next hop %s is at %s\n", format_ipv4(a.sender_ip).c_str(),
            mac_to_string(a.sender_mac).c_str());
    e.mac = a.sender_mac;
    return true;
}

void Neighbors::forget_unwanted(uint64_t now_ms) {
    std::erase_if(entries_,
                  [&](const auto& kv) { return now_ms - kv.second.wanted_ms > kForgetMs; });
}

void Neighbors::forget_port(uint16_t slot) {
    std::erase_if(entries_, [&](const auto& kv) { return kv.second.via.slot == slot; });
}

Mac Neighbors::mac_of(uint32_t ip) const {
    const Entry* e = find(ip);
    return e ? e->mac : 0;
}

const Neighbors::Entry* Neighbors::find(uint32_t ip) const {
    auto it = entries_.find(ip);
    return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace vsw
