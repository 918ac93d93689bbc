// Security groups' control side (acl_controller.h).
#include "src/control/controllers/acl_controller.h"

#include <rte_cycles.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "acl/acl_classifier.h"
#include "acl/security_group_set.h"
#include "conntrack/ct_limits.h"
#include "src/control/controllers/conntrack_view.h"
#include "src/datapath/acl_table.h"

namespace vsw {

namespace {

using nlohmann::json;

// Connections `conntrack show PORT` lists at most (the counts are of all).
constexpr size_t kMaxListed = 100000;

// What a port's compiled rules were made from: rebuilt only when this changes.
struct Recipe {
    uint64_t groups_version = 0;        // the switch's groups as they were
    std::vector<std::string> groups{};  // the port's, in its order
    acl::RemoteGroupMembers members{};  // every group's member addresses

    bool operator==(const Recipe&) const = default;
};

struct Compiled {
    Recipe recipe;
    std::shared_ptr<const acl::AclClassifier> rules;
};

// The addresses port security lets a guest use, as remote-group members: its allowed and
// learned prefixes (a port that allows any IP makes its groups match any address).
void add_guest_addresses(const GuestPolicy& g, std::vector<acl::IpPrefix>& out) {
    if (g.any_ip) {
        out.push_back({acl::Ethertype::kIpv4, {}, 0});
        out.push_back({acl::Ethertype::kIpv6, {}, 0});
        return;
    }
    for (uint8_t i = 0; i < g.n_ipv4; ++i) {
        acl::IpPrefix p = acl::ipv4_host(g.ipv4[i].ip);
        p.len = static_cast<uint8_t>(__builtin_popcount(g.ipv4[i].mask));
        out.push_back(acl::network_of(p));
    }
    for (uint8_t i = 0; i < g.n_ipv6; ++i) {
        const GuestPolicy::Prefix6& s = g.ipv6[i];
        acl::IpPrefix p;
        p.family = acl::Ethertype::kIpv6;
        for (int b = 0; b < 8; ++b) {
            p.addr[b] = static_cast<uint8_t>(s.hi >> (56 - 8 * b));
            p.addr[8 + b] = static_cast<uint8_t>(s.lo >> (56 - 8 * b));
        }
        p.len =
            static_cast<uint8_t>(__builtin_popcountll(s.mask_hi) + __builtin_popcountll(s.mask_lo));
        out.push_back(acl::network_of(p));
    }
}

class AclController final : public Controller {
  public:
    explicit AclController(const SwitchServices& services) : sw_(services) {}

    ~AclController() override { shutdown(); }

    void register_commands(CommandTable& t) override {
        t.add("acl", [this](const Request& r) { return acl(r); });
        t.add(
            "conntrack-show", [this](const Request& r) { return conntrack_show(r); }, "conntrack");
        t.add("conntrack-set", [this](const Request& r) { return conntrack_set(r); });
        t.add("conntrack-flush", [this](const Request& r) { return conntrack_flush(r); });
    }

    // Each switching port with groups gets its compiled rules and kAcl; the members of remote
    // groups are what port security allows their guests (published just before: registration
    // order).
    void publish(Snapshot& next) override {
        const acl::RemoteGroupMembers members = remote_members(next);
        std::map<uint16_t, Compiled> compiled;
        for (SwitchPort* p : sw_.ports()) {
            if (!p->config.acl.enabled() || next.role[p->slot] != PortRole::kSwitching) continue;
            Recipe r{groups_version_, p->config.acl.groups, members};
            auto it = compiled_.find(p->slot);
            if (it != compiled_.end() && it->second.recipe == r) {
                compiled[p->slot] = std::move(it->second);
                continue;
            }
            auto rules = std::make_shared<const acl::AclClassifier>(groups_, r.groups, r.members);
            if (it != compiled_.end()) rejudge_[acl_zone(p->slot)] = rules;  // rules changed
            compiled[p->slot] = {std::move(r), std::move(rules)};
        }
        for (const auto& [slot, c] : compiled_)  // ports that lost their groups: forget theirs
            if (!compiled.contains(slot)) rejudge_[acl_zone(slot)] = nullptr;
        compiled_ = std::move(compiled);
        if (compiled_.empty()) return;
        if (!table_) create_table();
        auto t = std::make_unique<AclTable>();
        t->connections = table_.get();
        t->tsc_per_ms = std::max<uint64_t>(1, rte_get_tsc_hz() / 1000);
        for (const auto& [slot, c] : compiled_) {
            t->rules[slot] = c.rules.get();
            t->keep.push_back(c.rules);
            next.features[slot] |= port_feature::kAcl;
        }
        next.acl = std::move(t);
    }

    // After a publish (the old rules are out of every worker's hands): connections judged again.
    void poll() override { rejudge(); }

    // Ended and expired connections go; their entries come back after a grace period.
    void tick() override {
        if (!table_) return;
        table_->sweep(sw_.clock_ms(), table_->pool_size() / 4 + 1);
        if (const uint64_t mark = table_->retire_mark(); mark != reclaimed_mark_) {
            sw_.synchronize();
            table_->reclaim(mark);
            reclaimed_mark_ = mark;
        }
    }

    void restore(const SwitchConfig& c) override {
        restore_section(c, "security-groups", unreadable_groups_,
                        [this](const json& j) { groups_ = acl::security_group_set_from_json(j); });
        restore_section(c, "conntrack", unreadable_limits_,
                        [this](const json& j) { limits_ = conntrack::ct_limits_from_json(j); });
        restored_ = true;
        // The ports came first and may have made the table with the default size a moment ago:
        // the persisted one replaces it (the few connections of that moment are forgotten).
        if (table_ && table_->capacity() != limits_.max) {
            std::unique_ptr<conntrack::CtTable> old = std::move(table_);
            create_table();
            sw_.publish();  // returns once no worker reads the old snapshot, nor the old table
        } else if (table_) {
            table_->set_zone_limit(limits_.zone_max);
        }
        // Ports restored before the groups (a group missing now denies all on its ports:
        // closed, never open without their rules).
        for (const SwitchPort* p : sw_.ports())
            if (auto e = acl::check_port_groups(groups_, p->config.acl.groups); !e.empty())
                fprintf(stderr, "vswd: port '%s': %s: its traffic is denied until it exists\n",
                        p->config.name.c_str(), e.c_str());
        ++groups_version_;
        sw_.publish();
    }

    void save(SwitchConfig& c) const override {
        if (unreadable_groups_) c.sections["security-groups"] = *unreadable_groups_;
        else if (!groups_.groups.empty()) c.sections["security-groups"] = to_json(groups_).dump();
        if (unreadable_limits_) c.sections["conntrack"] = *unreadable_limits_;
        else if (limits_ != conntrack::CtLimits{})
            c.sections["conntrack"] = conntrack::to_json(limits_).dump();
    }

    std::string check_port(const PortConfig& c) const override {
        if (!restored_) return "";  // the state file's ports come before its groups
        return acl::check_port_groups(groups_, c.acl.groups);
    }

    // Its connections go with it, before its slot can be another port's.
    void port_removed(uint16_t slot) override {
        compiled_.erase(slot);
        rejudge_.erase(acl_zone(slot));
        if (table_)
            table_->kill_where(acl_zone(slot), [](const conntrack::CtEntryView&) { return true; });
    }

    void shutdown() override {}

  private:
    // ---- acl ----

    ControlResult acl(const Request& r) {
        std::vector<std::string> words;
        if (r.has("args"))
            for (const json& w : r.body()["args"]) {
                if (!w.is_string()) return ControlResult::fail("acl: arguments are strings");
                words.push_back(w.get<std::string>());
            }
        acl::AclCommand c;
        if (auto e = acl::parse_acl_command(words, c); !e.empty()) return ControlResult::fail(e);
        if (c.verb == acl::AclVerb::kShow) return acl_show(c.group);
        if (c.verb == acl::AclVerb::kGroupDel)
            if (auto users = ports_using(c.group); !users.empty())
                return ControlResult::fail("group " + c.group + " is used by port" +
                                           (users.size() > 1 ? "s " : " ") + join_list(users) +
                                           ": set-port ... security-groups= without it first");
        acl::SecurityGroupSet next = groups_;
        uint32_t id = 0;
        if (auto e = acl::apply_acl_command(next, c, &id); !e.empty())
            return ControlResult::fail(e);
        const acl::SecurityGroupSet before = groups_;
        const std::optional<std::string> unreadable = unreadable_groups_;
        change_groups(std::move(next));
        unreadable_groups_.reset();
        json answer = {{"group", c.group}};
        if (c.verb == acl::AclVerb::kRuleAdd) answer["rule"] = id;
        return sw_.persist_or_undo(ControlResult::ok(answer), [&] {
            change_groups(before);
            unreadable_groups_ = unreadable;
        });
    }

    void change_groups(acl::SecurityGroupSet next) {
        groups_ = std::move(next);
        ++groups_version_;
        sw_.publish();
        rejudge();
    }

    ControlResult acl_show(const std::string& name) const {
        json groups = json::array();
        for (const acl::SecurityGroup& g : groups_.groups) {
            if (!name.empty() && g.name != name) continue;
            json rules = json::array();
            for (const acl::SecurityRule& rule : g.rules)
                rules.push_back({{"id", rule.id}, {"rule", acl::rule_words(rule)}});
            groups.push_back({{"name", g.name}, {"rules", rules}, {"ports", ports_using(g.name)}});
        }
        if (!name.empty() && groups.empty())
            return ControlResult::fail("no security group named '" + name + "'");
        return ControlResult::ok({{"groups", groups}});
    }

    std::vector<std::string> ports_using(const std::string& group) const {
        std::vector<std::string> out;
        for (const SwitchPort* p : sw_.ports()) {
            const auto& g = p->config.acl.groups;
            if (std::find(g.begin(), g.end(), group) != g.end()) out.push_back(p->config.name);
        }
        return out;
    }

    // ---- conntrack ----

    ControlResult conntrack_show(const Request& r) const {
        json answer = {{"max", limits_.max},
                       {"zone-max", limits_.zone_max},
                       {"capacity", table_ ? table_->capacity() : 0},
                       {"memory_bytes", table_ ? table_->memory_bytes() : 0}};
        if (!table_) {
            answer["counts"] = counts_view({});
            answer["ports"] = json::array();
            return ControlResult::ok(answer);
        }
        const SwitchPort* only = nullptr;
        if (r.has("port")) {
            only = sw_.find_port(r.string_field("port"));
            if (!only) return ControlResult::fail("no port named '" + r.string_field("port") + "'");
        }
        const bool list = r.has("list") && r.body()["list"].is_boolean() && r.body()["list"];
        // One walk of the pool: counts per zone, and the listing.
        std::map<uint16_t, conntrack::CtCounts> zones;
        conntrack::CtCounts all;
        json listed = json::array();
        const uint64_t now = sw_.clock_ms();
        conntrack::CtEntryView views[256];
        uint32_t cursor = 0;
        while (size_t n = table_->list(cursor, views, 256)) {
            for (size_t i = 0; i < n; ++i) {
                const conntrack::CtEntryView& v = views[i];
                if (only && v.key.zone != acl_zone(only->slot)) continue;
                count(all, v);
                count(zones[v.key.zone], v);
                if (list && listed.size() < kMaxListed) {
                    const SwitchPort* p = sw_.port_at(v.key.zone);
                    listed.push_back(connection_view(v, p ? p->config.name : "", now));
                }
            }
        }
        answer["counts"] = counts_view(all);
        json ports = json::array();
        for (const auto& [zone, c] : zones) {
            const SwitchPort* p = sw_.port_at(zone);
            json j = counts_view(c);
            j["name"] = p ? p->config.name : "";
            ports.push_back(std::move(j));
        }
        answer["ports"] = std::move(ports);
        if (list) {
            answer["connections"] = std::move(listed);
            answer["truncated"] = all.connections > kMaxListed;
        }
        return ControlResult::ok(answer);
    }

    static void count(conntrack::CtCounts& c, const conntrack::CtEntryView& v) {
        ++c.connections;
        switch (v.key.protocol) {
            case conntrack::kProtoTcp: ++c.tcp[static_cast<unsigned>(v.tcp_state)]; break;
            case conntrack::kProtoUdp: ++c.udp; break;
            case conntrack::kProtoIcmp:
            case conntrack::kProtoIcmpv6: ++c.icmp; break;
            default: ++c.other; break;
        }
        if (!(v.status & conntrack::kCtSeenReply)) ++c.unreplied;
        if (v.status & conntrack::kCtAssured) ++c.assured;
    }

    ControlResult conntrack_set(const Request& r) {
        conntrack::CtLimits next = limits_;
        for (const auto& [k, v] : r.settings())
            if (auto e = conntrack::apply_ct_limit(next, k, v); !e.empty())
                return ControlResult::fail(e);
        if (auto e = conntrack::validate_ct_limits(next); !e.empty()) return ControlResult::fail(e);
        const conntrack::CtLimits before = limits_;
        const std::optional<std::string> unreadable = unreadable_limits_;
        limits_ = next;
        unreadable_limits_.reset();
        if (table_) table_->set_zone_limit(limits_.zone_max);
        json answer = conntrack::to_json(limits_);
        if (table_ && limits_.max != table_->capacity())
            answer["note"] = "the table holds " + std::to_string(table_->capacity()) +
                             " connections until vswd restarts (its live connections are kept)";
        return sw_.persist_or_undo(ControlResult::ok(answer), [&] {
            limits_ = before;
            unreadable_limits_ = unreadable;
            if (table_) table_->set_zone_limit(limits_.zone_max);
        });
    }

    ControlResult conntrack_flush(const Request& r) {
        if (!table_) return ControlResult::ok({{"flushed", 0}});
        int zone = -1;
        if (r.has("port")) {
            const SwitchPort* p = sw_.find_port(r.string_field("port"));
            if (!p) return ControlResult::fail("no port named '" + r.string_field("port") + "'");
            zone = acl_zone(p->slot);
        }
        const uint32_t n =
            table_->kill_where(zone, [](const conntrack::CtEntryView&) { return true; });
        return ControlResult::ok({{"flushed", n}});
    }

    // ---- the table ----

    void create_table() {
        table_ = std::make_unique<conntrack::CtTable>(limits_.max, limits_.zone_max);
        fprintf(stderr, "vswd: connection table: %u connections (%u per port), %zu MB\n",
                table_->capacity(), limits_.zone_max, table_->memory_bytes() >> 20);
    }

    // Ends the connections of the ports whose rules changed that their new rules would not
    // open (all of a port's that lost its groups): one walk of the pool for all of them.
    void rejudge() {
        if (rejudge_.empty() || !table_) {
            rejudge_.clear();
            return;
        }
        const auto pending = std::move(rejudge_);
        rejudge_.clear();
        const uint32_t ended = table_->kill_where(-1, [&](const conntrack::CtEntryView& v) {
            auto it = pending.find(v.key.zone);
            if (it == pending.end()) return false;
            return !it->second || !it->second->classify(acl_key_of(v)).allow;
        });
        if (ended)
            fprintf(stderr, "vswd: security groups changed: %u connection(s) ended\n", ended);
    }

    // Every group's members: the addresses port security allows on the ports that have it.
    acl::RemoteGroupMembers remote_members(const Snapshot& next) const {
        acl::RemoteGroupMembers out;
        for (const SwitchPort* p : sw_.ports()) {
            if (!p->config.acl.enabled()) continue;
            const GuestPolicy* g = next.security ? next.security->guest[p->slot] : nullptr;
            for (const std::string& group : p->config.acl.groups) {
                std::vector<acl::IpPrefix>& prefixes = out[group];
                if (g) add_guest_addresses(*g, prefixes);
            }
        }
        return out;
    }

    template <class Read>
    static void restore_section(const SwitchConfig& c, const char* name,
                                std::optional<std::string>& unreadable, Read read) {
        auto it = c.sections.find(name);
        if (it == c.sections.end()) return;
        try {
            read(json::parse(it->second));
        } catch (const std::exception& e) {
            // Never lost: saved again as it was until a command replaces it.
            unreadable = it->second;
            fprintf(stderr, "vswd: cannot restore %s (kept in the state file as it is): %s\n", name,
                    e.what());
        }
    }

    const SwitchServices sw_;
    acl::SecurityGroupSet groups_;
    uint64_t groups_version_ = 0;  // goes up with every change of groups_
    conntrack::CtLimits limits_;
    std::optional<std::string> unreadable_groups_, unreadable_limits_;
    bool restored_ = false;
    std::unique_ptr<conntrack::CtTable> table_;  // lives until vswd exits (workers point in)
    uint64_t reclaimed_mark_ = 0;
    std::map<uint16_t, Compiled> compiled_;  // by slot: the rules published
    // By zone: rules that changed since the last judgement (null: the port lost its groups).
    std::map<uint16_t, std::shared_ptr<const acl::AclClassifier>> rejudge_;
};

}  // namespace

std::unique_ptr<Controller> make_acl_controller(const SwitchServices& services) {
    return std::make_unique<AclController>(services);
}

}  // namespace vsw
