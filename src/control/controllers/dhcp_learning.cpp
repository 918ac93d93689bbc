// allowed-ips=dhcp's learning (dhcp_learning.h).
#include "src/control/controllers/dhcp_learning.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/ipv4.h"
#include "security/dhcp_message.h"

namespace vsw {

namespace {

constexpr const char* kSection = "dhcp-leases";

bool learns_from_dhcp(const SwitchPort& p, Mac client) {
    const PortSecurity& s = p.config.security;
    return s.enabled && s.learn_dhcp &&
           std::find(s.allowed_macs.begin(), s.allowed_macs.end(), client) != s.allowed_macs.end();
}

}  // namespace

uint64_t DhcpLearning::now() const {
    return (sw_.epoch_ms_at_origin + sw_.clock_ms()) / 1000;
}

bool DhcpLearning::take(uint16_t slot, const rte_mbuf* frame) {
    uint8_t buf[2048];
    const auto len = std::min<uint32_t>(frame->pkt_len, sizeof buf);
    const auto* f = static_cast<const uint8_t*>(rte_pktmbuf_read(frame, 0, len, buf));
    const std::optional<DhcpMessage> m = f ? read_dhcp_message(f, len) : std::nullopt;
    if (!m) return false;
    for (SwitchPort* p : sw_.ports()) {
        if (!learns_from_dhcp(*p, m->client)) continue;
        const std::string& name = p->config.name;
        if (m->kind == DhcpMessage::Kind::kAck && p->slot != slot) {
            // From a server elsewhere: the guest's own port cannot send one (dhcp_server).
            const uint64_t ends =
                m->lease == kInfiniteLease ? DhcpLeases::kNever : now() + m->lease;
            const bool added = leases_.grant(name, m->ip, ends);
            if (added)
                fprintf(stderr, "vswd: port '%s': DHCP gave its guest %s for %s\n", name.c_str(),
                        format_ipv4(m->ip).c_str(),
                        m->lease == kInfiniteLease ? "ever"
                                                   : (std::to_string(m->lease) + " s").c_str());
            return added;
        }
        if (m->kind == DhcpMessage::Kind::kRelease && p->slot == slot) {
            const bool gone = leases_.release(name, m->ip);
            if (gone)
                fprintf(stderr, "vswd: port '%s': its guest released %s\n", name.c_str(),
                        format_ipv4(m->ip).c_str());
            return gone;
        }
        // A NAK refuses what the guest asked for, not what it holds: its leases run out.
        return false;
    }
    return false;
}

bool DhcpLearning::expire() {
    const auto ended = leases_.expire(now());
    for (const std::string& port : ended)
        fprintf(stderr, "vswd: port '%s': a DHCP lease ended\n", port.c_str());
    return !ended.empty();
}

nlohmann::json DhcpLearning::view(const std::string& port) const {
    nlohmann::json list = nlohmann::json::array();
    const uint64_t t = now();
    for (const DhcpLeases::Lease& l : leases_.leases(port)) {
        nlohmann::json e = {{"ip", format_ipv4(l.ip)}};
        if (l.expires != DhcpLeases::kNever) e["expires_in"] = l.expires > t ? l.expires - t : 0;
        list.push_back(std::move(e));
    }
    return list;
}

void DhcpLearning::restore(const SwitchConfig& c) {
    auto it = c.sections.find(kSection);
    if (it == c.sections.end()) return;
    try {
        leases_ = DhcpLeases::from_json(nlohmann::json::parse(it->second), now());
        for (const std::string& port : leases_.ports()) {  // of ports gone or no longer learning
            const SwitchPort* p = sw_.find_port(port);
            if (!p || !p->config.security.enabled || !p->config.security.learn_dhcp)
                leases_.forget(port);
        }
    } catch (const std::exception& e) {
        unreadable_ = it->second;  // never lost: saved again as it was
        fprintf(stderr,
                "vswd: cannot restore DHCP leases (kept in the state file as they are): %s\n",
                e.what());
    }
}

void DhcpLearning::save(SwitchConfig& c) const {
    if (!leases_.empty()) c.sections[kSection] = leases_.to_json().dump();
    else if (unreadable_) c.sections[kSection] = *unreadable_;
}

}  // namespace vsw
