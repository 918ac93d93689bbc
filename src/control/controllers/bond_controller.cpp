// Bonds' control side (bond_controller.h).
#include "src/control/controllers/bond_controller.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "bond/bond_buckets.h"
#include "lacp/lacp_bond.h"
#include "lacp/marker.h"
#include "src/control/controllers/bond_show.h"
#include "src/control/controllers/carrier_watch.h"

namespace vsw {

namespace {

// The MAC of an attached ethdev port, or 0.
Mac device_mac(const SwitchPort& p) {
    if (p.kind != PortKind::kEthdev || !p.attached) return 0;
    rte_ether_addr a;
    if (rte_eth_macaddr_get(p.eth.port_id, &a) != 0) return 0;
    return mac_from_bytes(a.addr_bytes);
}

// One bond port as the controller runs it.
struct Bond {
    uint16_t slot = 0;
    std::string name;
    BondConfig config;                    // as the machines were made for
    std::vector<uint16_t> member_slots;   // by member index
    std::vector<std::string> interfaces;  // af_packet members' kernel interfaces ("" otherwise)
    std::vector<bool> device_carrier;     // what the device or netlink said last
    std::unique_ptr<lacp::LacpBond> lacp;
    std::array<uint8_t, kBondBuckets> buckets{};
    int8_t active = -1;
    uint32_t spread_for = ~0u;  // the distributing set buckets and active were chosen for
    uint32_t published = ~0u;   // the distributing set the workers have
    uint64_t next_run_ms = 0;
};

class BondController final : public Controller {
  public:
    explicit BondController(const SwitchServices& services) : sw_(services) {
        sw_.slow_path->claim(PuntReason::kReservedMulticast,
                             [this](const Punt& p) { take_frame(p); });
    }

    void register_commands(CommandTable& t) override {
        t.add(
            "bond-show", [this](const Request&) { return show(); }, "bonds");
    }

    // Members are the bond's: out of switching and flooding, their link-local frames go up.
    void claim_ports(Snapshot& next) override {
        reconcile();
        for (const auto& [slot, b] : bonds_)
            for (uint16_t m : b.member_slots) {
                next.role[m] = PortRole::kBondMember;
                next.features[m] |= port_feature::kPuntReserved;
            }
    }

    void publish(Snapshot& next) override {
        for (SwitchPort* p : sw_.ports())  // a bond without machines (no member) is down
            if (p->kind == PortKind::kBond && !bonds_.contains(p->slot))
                p->bond_up.store(false, std::memory_order_release);
        if (bonds_.empty()) return;
        auto t = std::make_unique<BondTable>();
        for (auto& [slot, b] : bonds_) {
            spread(b);
            BondView v;
            v.slot = slot;
            v.mode = b.config.mode;
            v.n_members = static_cast<uint8_t>(b.member_slots.size());
            for (size_t i = 0; i < b.member_slots.size(); ++i) {
                v.member_slot[i] = b.member_slots[i];
                t->bond_of[b.member_slots[i]] = static_cast<int16_t>(t->bonds.size());
                t->member_index[b.member_slots[i]] = static_cast<int8_t>(i);
            }
            v.distributing = b.lacp->distributing();
            v.active = b.active;
            v.bucket = b.buckets;
            t->view_of[slot] = static_cast<int16_t>(t->bonds.size());
            t->bonds.push_back(v);
            b.published = v.distributing;
            if (SwitchPort* p = sw_.port_at(slot))
                p->bond_up.store(v.distributing != 0, std::memory_order_release);
        }
        next.bonds = std::move(t);
    }

    // The machines' clock, the members' carrier, and a new snapshot when the set changes.
    void poll() override {
        if (bonds_.empty()) return;
        const uint64_t now = sw_.clock_ms();
        follow_carriers(now);
        bool changed = false;
        for (auto& [slot, b] : bonds_) {
            if (now >= b.next_run_ms) {
                for (const lacp::LacpTransmission& tx : b.lacp->run(now))
                    sw_.slow_path->send(b.member_slots[tx.member], tx.frame);
                b.next_run_ms = b.lacp->next_run_ms(now);
            }
            for (const lacp::LacpEvent& e : b.lacp->take_events())
                std::fprintf(stderr, "vswd: bond %s%s%s: %s\n", b.name.c_str(),
                             e.member.empty() ? "" : " member ", e.member.c_str(), e.text.c_str());
            changed |= b.lacp->distributing() != b.published;
        }
        if (changed) sw_.publish();
    }

    int poll_interval_ms() const override { return bonds_.empty() ? 0 : 10; }

    void tick() override {
        full_read_ = true;  // once a second every carrier is read again (a lost notification)
    }

    std::string check_port(const PortConfig& c) const override {
        if (c.type == PortType::kBond) {
            // A port that leaves the bond would switch on its own, between links the partner
            // still treats as one: a loop. It leaves administratively down.
            if (const SwitchPort* bond = sw_.find_port(c.name))
                for (const std::string& m : bond->config.bond.members)
                    if (std::find(c.bond.members.begin(), c.bond.members.end(), m) ==
                            c.bond.members.end() &&
                        leaves_up(m))
                        return "port " + m + " would leave bond " + c.name +
                               " administratively up and switch on its own (a loop between the "
                               "bond's links): set-port " +
                               m + " admin=down first";
            for (const std::string& m : c.bond.members) {
                if (m == c.name) return "a bond cannot be its own member";
                const SwitchPort* p = sw_.find_port(m);
                if (!p) return "members: no port named '" + m + "'";
                if (p->config.type != PortType::kDpdk)
                    return "members: '" + m + "' is a " + port_type_name(p->config.type) +
                           " port; bond members are dpdk ports";
                if (p->config.vtep.enabled())
                    return "members: '" + m +
                           "' is the VTEP port (vtep-ip): it cannot be in a bond";
                if (auto e = member_settings_error(p->config, c.name); !e.empty()) return e;
                if (const std::string other = bond_of_member(m); !other.empty() && other != c.name)
                    return "members: '" + m + "' is already a member of bond '" + other + "'";
            }
            return "";
        }
        if (const std::string bond = bond_of_member(c.name); !bond.empty())
            return member_settings_error(c, bond);
        return "";
    }

    std::string port_in_use(const std::string& name) const override {
        if (const std::string bond = bond_of_member(name); !bond.empty())
            return "port " + name + " is a member of bond " + bond +
                   ": take it out first (set-port " + bond + " members=...) or delete the bond";
        if (const SwitchPort* bond = sw_.find_port(name);
            bond && bond->config.type == PortType::kBond)
            for (const std::string& m : bond->config.bond.members)
                if (leaves_up(m))
                    return "bond " + name + "'s member " + m +
                           " is administratively up: it would switch on its own once the bond is "
                           "gone (a loop between the bond's links): set-port " +
                           m + " admin=down first";
        return "";
    }

    void port_removed(uint16_t slot) override {
        bonds_.erase(slot);  // the next publish reconciles the rest
    }

    void add_to_port_view(const SwitchPort& p, nlohmann::json& view) const override {
        if (auto it = bonds_.find(p.slot); it != bonds_.end()) {
            view["bond_status"] = bond_show(show_input(it->second))["status"];
            view["members"] = join_list(it->second.config.members);
        }
        if (const std::string bond = bond_of_member(p.config.name); !bond.empty())
            view["bond"] = bond;
    }

  private:
    // Why port config `m` cannot be (or stay) a member of bond `bond`: a member's switching
    // settings are its bond's, so it keeps none of its own. "" if it may.
    static std::string member_settings_error(const PortConfig& m, const std::string& bond) {
        const bool own = m.vlan_mode != VlanMode::kTrunk || m.tag || !m.trunks.empty() ||
                         m.bandwidth != PortBandwidth{} || m.security != PortSecurity{} ||
                         m.forward_bpdu || m.vtep.enabled() || m.acl.enabled();
        if (!own) return "";
        return "port " + m.name + " is a member of bond " + bond +
               ": its VLANs, port security, security groups, bandwidth, forward-bpdu and vtep-ip "
               "are the bond's (set them on " +
               bond + "; the member keeps the defaults)";
    }

    // Whether port `name` exists and is administratively up.
    bool leaves_up(const std::string& name) const {
        const SwitchPort* p = sw_.find_port(name);
        return p && p->config.admin_up;
    }

    BondShowInput show_input(const Bond& b) const {
        return {.name = b.name,
                .config = b.config,
                .lacp = *b.lacp,
                .buckets = b.buckets,
                .active = b.active};
    }

    ControlResult show() const {
        nlohmann::json bonds = nlohmann::json::array();
        for (const SwitchPort* p : sw_.ports())
            if (auto it = bonds_.find(p->slot); it != bonds_.end())
                bonds.push_back(bond_show(show_input(it->second)));
        return ControlResult::ok({{"bonds", std::move(bonds)}});
    }

    std::string bond_of_member(const std::string& name) const {
        for (const SwitchPort* p : sw_.ports())
            if (p->config.type == PortType::kBond)
                for (const std::string& m : p->config.bond.members)
                    if (m == name) return p->config.name;
        return "";
    }

    // The bonds as the ports say: machines made again for a bond whose settings or members
    // changed, dropped for a bond that went.
    void reconcile() {
        std::map<uint16_t, Bond> next;
        for (SwitchPort* p : sw_.ports()) {
            if (p->config.type != PortType::kBond) continue;
            std::vector<SwitchPort*> members;
            for (const std::string& name : p->config.bond.members)
                if (SwitchPort* m = sw_.find_port(name); m && m->config.type == PortType::kDpdk)
                    members.push_back(m);
            std::vector<uint16_t> slots;
            for (SwitchPort* m : members) slots.push_back(m->slot);
            auto old = bonds_.find(p->slot);
            if (old != bonds_.end() && old->second.config == p->config.bond &&
                old->second.member_slots == slots && old->second.name == p->config.name) {
                next.emplace(p->slot, std::move(old->second));
                continue;
            }
            Bond b = make_bond(*p, members);
            // What the members learned before they joined leads to them, not to the bond.
            for (uint16_t slot : b.member_slots) sw_.fdb->flush_port(slot);
            if (b.lacp) next.emplace(p->slot, std::move(b));
        }
        bonds_ = std::move(next);
    }

    Bond make_bond(const SwitchPort& port, const std::vector<SwitchPort*>& members) {
        Bond b;
        b.slot = port.slot;
        b.name = port.config.name;
        b.config = port.config.bond;
        lacp::LacpBondSettings s;
        s.actor.mode = b.config.lacp;
        s.actor.time = b.config.lacp_time;
        s.fallback = b.config.fallback;
        // A locally administered MAC of the bond's slot when a member has none of its own.
        const Mac fallback_mac = 0x02'00'5e'00'00'00ull | uint64_t{port.slot} << 8;
        for (size_t i = 0; i < members.size(); ++i) {
            const Mac own = device_mac(*members[i]);
            s.members.push_back({.name = members[i]->config.name,
                                 .port = static_cast<uint16_t>(i + 1),
                                 .mac = own ? own : fallback_mac | (i + 1)});
            b.member_slots.push_back(members[i]->slot);
            b.interfaces.push_back(af_packet_interface(members[i]->config.devargs));
            b.device_carrier.push_back(false);
        }
        if (members.empty()) return b;  // no machines: not a bond the datapath sees
        s.actor.system = s.members[0].mac;
        try {
            b.lacp = std::make_unique<lacp::LacpBond>(std::move(s));
        } catch (const std::invalid_argument& e) {
            std::fprintf(stderr, "vswd: bond %s: %s\n", b.name.c_str(), e.what());
            return b;
        }
        const uint64_t now = sw_.clock_ms();
        for (size_t i = 0; i < b.member_slots.size(); ++i) {
            b.device_carrier[i] = read_carrier(b, i);
            b.lacp->set_carrier(i, member_up(b, i), now);
        }
        std::fprintf(stderr, "vswd: bond %s: members %s, bond-mode=%s, lacp=%s\n", b.name.c_str(),
                     join_list(b.config.members).c_str(), bond_mode_name(b.config.mode),
                     lacp_mode_name(b.config.lacp));
        return b;
    }

    bool read_carrier(const Bond& b, size_t i) const {
        const SwitchPort* p = sw_.port_at(b.member_slots[i]);
        if (!p || !p->attached) return false;
        if (!b.interfaces[i].empty()) return CarrierWatch::carrier(b.interfaces[i]);
        rte_eth_link link{};
        return rte_eth_link_get_nowait(p->eth.port_id, &link) == 0 &&
               link.link_status == RTE_ETH_LINK_UP;
    }

    // A member takes part while its device is attached, started, administratively up, has its
    // carrier and no CFM fault (its MEP's, when it has one: OVS's cfm_fault).
    bool member_up(const Bond& b, size_t i) const {
        const SwitchPort* p = sw_.port_at(b.member_slots[i]);
        return p && p->attached && p->admin_up.load(std::memory_order_relaxed) &&
               p->eth.started.load(std::memory_order_relaxed) && b.device_carrier[i] &&
               !p->cfm_fault;
    }

    void follow_carriers(uint64_t now) {
        std::map<std::string, bool> heard;
        for (auto& [name, up] : carriers_.changes()) heard[name] = up;
        const bool all = full_read_ || carriers_.resync() || !carriers_.open();
        full_read_ = false;
        for (auto& [slot, b] : bonds_)
            for (size_t i = 0; i < b.member_slots.size(); ++i) {
                if (b.interfaces[i].empty() || all) {
                    b.device_carrier[i] = read_carrier(b, i);
                } else if (auto it = heard.find(b.interfaces[i]); it != heard.end()) {
                    b.device_carrier[i] = it->second;
                }
                const bool up = member_up(b, i);
                if (up != b.lacp->member(i).carrier()) {  // the machines log it
                    b.lacp->set_carrier(i, up, now);
                    b.next_run_ms = now;
                }
            }
    }

    // The buckets and the active member for the set distributing now.
    void spread(Bond& b) {
        const uint32_t d = b.lacp->distributing();
        if (d == b.spread_for) return;
        b.spread_for = d;
        const auto n = static_cast<unsigned>(b.member_slots.size());
        assign_buckets(b.buckets, d, n);
        const int8_t active = choose_active(b.active, d, n);
        if (active != b.active)
            std::fprintf(
                stderr, "vswd: bond %s: active member %s\n", b.name.c_str(),
                active < 0 ? "none" : b.lacp->member_name(static_cast<size_t>(active)).c_str());
        b.active = active;
    }

    // A link-local frame a member punted: a LACPDU for its bond's machines.
    void take_frame(const Punt& p) {
        if (!p.frame) return;
        for (auto& [slot, b] : bonds_)
            for (size_t i = 0; i < b.member_slots.size(); ++i) {
                if (b.member_slots[i] != p.slot) continue;
                const auto* f = rte_pktmbuf_mtod(p.frame, const uint8_t*);
                const uint16_t len = p.frame->data_len;
                if (len < 15 || f[12] != 0x88 || f[13] != 0x09) return;  // not a slow protocol
                if (lacp::is_marker_frame(f, len)) {  // a partner about to move conversations
                    if (auto r = lacp::marker_response(f, len, b.lacp->settings().members[i].mac))
                        sw_.slow_path->send(p.slot, *r);
                    return;
                }
                const uint64_t now = sw_.clock_ms();
                b.lacp->receive_frame(i, f, len, now);
                b.next_run_ms = now;  // answer at once
                return;
            }
    }

    const SwitchServices& sw_;
    std::map<uint16_t, Bond> bonds_;  // by the bond port's slot
    CarrierWatch carriers_;
    bool full_read_ = true;
};

}  // namespace

std::unique_ptr<Controller> make_bond_controller(const SwitchServices& services) {
    return std::make_unique<BondController>(services);
}

}  // namespace vsw
