#include "src/control/switch.h"

#include <rte_cycles.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <functional>
#include <utility>

#include "core/clock.h"
#include "qos/shaping.h"
#include "src/config/path_policy.h"
#include "src/config/state_file.h"
#include "src/datapath/guest_backlog.h"
#include "src/datapath/overlay_stage.h"
#include "virtio/virtio_net.h"

namespace vsw {

PortVlan port_vlan(const PortConfig& p) {
    std::string err;
    auto trunks = parse_vlan_list(p.trunks, err);
    return PortVlan::make(p.vlan_mode, p.tag, trunks ? *trunks : VlanSet());
}

using nlohmann::json;

Switch::Switch(const SwitchOptions& opts, const SwitchSettings& settings)
    : opts_(opts), settings_(settings), fdb_(opts.fdb_max_entries), tsc_origin_(rte_rdtsc()) {
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    const uint64_t wall_ms =
        static_cast<uint64_t>(now.tv_sec) * 1000 + static_cast<uint64_t>(now.tv_nsec) / 1'000'000;
    epoch_ms_at_origin_ = wall_ms - (rte_rdtsc() - tsc_origin_) * 1000 / rte_get_tsc_hz();
    SwitchServices& services = services_;
    services.publish = [this] { publish(); };
    services.persist_or_undo = [this](ControlResult ok, const std::function<void()>& undo) {
        return persist_or_undo(std::move(ok), undo);
    };
    services.workers = static_cast<unsigned>(opts_.pmd_lcores.size());
    services.tsc_origin = tsc_origin_;
    services.epoch_ms_at_origin = epoch_ms_at_origin_;
    services.export_thread = &export_thread_;
    services.interfaces = &interfaces_;
    services.find_port = [this](const std::string& name) { return find(name); };
    services.port_at = [this](uint16_t slot) {
        return slot < kMaxPorts ? slots_[slot].get() : nullptr;
    };
    services.ports = [this] {
        std::vector<SwitchPort*> out;
        for (uint16_t slot : order_) out.push_back(slots_[slot].get());
        return out;
    };
    services.rx_worker = [this](uint16_t slot) { return rx_worker_[slot]; };
    services.fdb = &fdb_;
    services.neighbors = &neighbors_;
    services.port_stats = [this](const SwitchPort& p) { return port_stats(p); };
    services.slow_path = &slow_path_;
    services.synchronize = [this] {
        if (opts_.rcu && !workers_.empty())
            rte_rcu_qsbr_synchronize(opts_.rcu, RTE_QSBR_THRID_INVALID);
    };
    controllers_ = make_controllers(services);
}

Switch::~Switch() {
    shutdown();
}

std::string Switch::start() {
    if (auto e = slow_path_.create(opts_.pool); !e.empty()) return e;
    slow_path_.claim(PuntReason::kArp, [this](const Punt& p) { take_arp(p); });
    publish();
    for (unsigned i = 0; i < opts_.pmd_lcores.size(); ++i) {
        WorkerConfig wc;
        wc.id = i;
        wc.inject = i == 0 ? slow_path_.inject_ring() : nullptr;
        wc.punt = slow_path_.punt_ring();
        wc.lcore = opts_.pmd_lcores[i];
        wc.max_sleep_us = opts_.max_sleep_us;
        wc.idle_linger_us = opts_.idle_linger_us;
        wc.moderation_us = opts_.moderation_us;
        auto w = std::make_unique<Worker>(wc, &current_, opts_.rcu, opts_.pool, opts_.attach_pool,
                                          &fdb_, tsc_origin_);
        if (!w->launch()) return "cannot launch PMD worker on lcore " + std::to_string(wc.lcore);
        workers_.push_back(std::move(w));
    }
    return "";
}

void Switch::shutdown() {
    for (uint16_t slot : order_) detach(*slots_[slot]);
    for (auto& w : workers_) w->stop();
    workers_.clear();
    // Captures end (each sends its end record), flow export sends every cached flow.
    for (auto& c : controllers_) c->shutdown();
    delete current_.exchange(nullptr);
    slow_path_.destroy();
}

void Switch::service_controllers() {
    for (auto& c : controllers_) c->poll();
}

int Switch::poll_interval_ms() const {
    int ms = 250;
    for (const auto& c : controllers_)
        if (const int want = c->poll_interval_ms(); want > 0 && want < ms) ms = want;
    return ms;
}

uint32_t Switch::now_seconds() const {
    return services_.clock_seconds();
}

void Switch::take_arp(const Punt& p) {
    const auto arp = parse_arp(rte_pktmbuf_mtod(p.frame, const uint8_t*), p.frame->data_len);
    if (arp && neighbors_.learn(*arp)) publish();  // new ERSPAN and VXLAN headers carry the MAC
}

std::string Switch::controllers_refuse(const PortConfig& c) const {
    for (const auto& controller : controllers_)
        if (auto e = controller->check_port(c); !e.empty()) return e;
    return "";
}

SwitchPort* Switch::find(const std::string& name) const {
    for (uint16_t slot : order_)
        if (slots_[slot]->config.name == name) return slots_[slot].get();
    return nullptr;
}

int Switch::free_slot() const {
    for (unsigned s = 0; s < kMaxPorts; ++s)
        if (!slots_[s]) return static_cast<int>(s);
    return -1;
}

unsigned Switch::least_loaded_worker() const {
    const unsigned n = std::max<unsigned>(1, static_cast<unsigned>(opts_.pmd_lcores.size()));
    std::vector<unsigned> load(n, 0);
    for (uint16_t slot : order_) ++load[rx_worker_[slot]];
    return static_cast<unsigned>(std::min_element(load.begin(), load.end()) - load.begin());
}

void Switch::publish() {
    auto* s = new Snapshot();
    s->generation = ++generation_;
    for (uint16_t slot : order_) s->ports[slot] = slots_[slot].get();
    for (auto& c : controllers_) c->claim_ports(*s);  // SPAN outputs, the VTEP port
    for (uint16_t slot : order_) {
        SwitchPort* p = slots_[slot].get();
        s->vlan[slot] = p->vlan.get();
        if (p->config.forward_bpdu) s->features[slot] |= port_feature::kForwardBpdu;
        if (p->is_vhost() && p->config.offloads)  // its guest may send TSO frames, partial sums
            s->features[slot] |= port_feature::kGuestOffloads;
        if (!p->attached) continue;
        if (p->admin_up.load(std::memory_order_relaxed) && s->role[slot] == PortRole::kSwitching)
            s->flood[s->n_flood++] = slot;
        if (p->kind == PortKind::kBond) continue;  // its members are polled for it
        auto& w = s->workers[rx_worker_[slot]];
        w.rx[w.n_rx++] = slot;
    }
    for (auto& c : controllers_) c->publish(*s);
    std::vector<InterfaceTable::Entry> names;  // collectors learn which port each ifIndex is
    for (uint16_t slot : order_)
        names.emplace_back(slots_[slot]->ifindex(), slots_[slot]->config.name);
    interfaces_.set(std::move(names));
    const Snapshot* old = current_.exchange(s, std::memory_order_acq_rel);
    if (opts_.rcu && !workers_.empty()) rte_rcu_qsbr_synchronize(opts_.rcu, RTE_QSBR_THRID_INVALID);
    delete old;
}

std::string Switch::filesystem_error(const PortConfig& cfg) const {
    // A control request must not make vswd create files elsewhere (see path_policy.h).
    if (cfg.type == PortType::kVhostUserServer && !is_inside_dir(cfg.socket, opts_.sockets.dir))
        return "a vhost-user-server socket must be directly in vswd's socket directory " +
               opts_.sockets.dir + " (vswd creates it): refusing " + cfg.socket;
    if (cfg.type == PortType::kDpdk) {
        std::vector<std::string> dirs = {opts_.sockets.dir};
        const std::string state_dir =
            std::filesystem::path(opts_.state_path).parent_path().string();
        if (!state_dir.empty() && state_dir != opts_.sockets.dir) dirs.push_back(state_dir);
        return devargs_path_error(cfg.devargs, dirs);
    }
    return "";
}

std::string Switch::attach(SwitchPort& port) {
    if (port.kind == PortKind::kBond) {  // no device of its own: its members are ports
        port.attached = true;
        port.error.clear();
        return "";
    }
    std::string err = filesystem_error(port.config);  // refused before anything is created
    if (err.empty() && port.is_vhost()) {
        const bool client = port.config.type == PortType::kVhostUserClient;
        err = vhost::register_socket(port.config.socket, client, port.config.offloads,
                                     port.config.one_copy, &port.vhost);
        // rte_vhost bound a server socket with the process umask: QEMU (libvirt-qemu:kvm) needs
        // more.
        if (err.empty() && !client) {
            err = secure_socket(port.config.socket, opts_.sockets);
            if (!err.empty()) vhost::unregister_socket(port.config.socket);
        }
    } else if (err.empty()) {
        err = ethdev_open(port.config.devargs, static_cast<unsigned>(opts_.pmd_lcores.size()),
                          opts_.pool, port.eth);
    }
    port.attached = err.empty();
    port.error = err;
    return err;
}

void Switch::detach(SwitchPort& port) {
    if (!port.attached) return;
    if (port.is_vhost()) vhost::unregister_socket(port.config.socket);
    else if (port.kind == PortKind::kEthdev) ethdev_close(port.eth);
    port.attached = false;
}

std::string Switch::create_port(const PortConfig& cfg, bool keep_on_error) {
    if (auto e = validate_port_config(cfg); !e.empty()) return e;
    if (find(cfg.name)) return "a port named '" + cfg.name + "' already exists";
    if (auto e = controllers_refuse(cfg); !e.empty()) return e;
    for (uint16_t slot : order_) {
        const PortConfig& o = slots_[slot]->config;
        if (is_vhost(cfg.type) && o.socket == cfg.socket)
            return "socket " + cfg.socket + " is already used by port '" + o.name + "'";
        if (cfg.type == PortType::kDpdk && o.devargs == cfg.devargs)
            return "devargs '" + cfg.devargs + "' are already used by port '" + o.name + "'";
    }
    const int slot = free_slot();
    if (slot < 0) return "port table full (" + std::to_string(kMaxPorts) + " ports)";
    auto port = std::make_unique<SwitchPort>();
    port->config = cfg;
    port->slot = static_cast<uint16_t>(slot);
    port->kind = port_kind(cfg.type);
    port->admin_up.store(cfg.admin_up, std::memory_order_relaxed);
    port->offloads.store(cfg.offloads, std::memory_order_relaxed);
    port->mtu.store(cfg.mtu, std::memory_order_relaxed);
    port->vlan = std::make_unique<const PortVlan>(port_vlan(cfg));
    const std::string ring = "vsw_rxq" + std::to_string(++rings_created_);
    port->shaping.rx_queue = rte_ring_create(ring.c_str(), 4096, SOCKET_ID_ANY, RING_F_SC_DEQ);
    if (!port->shaping.rx_queue) return "cannot create the port's shaping queue (out of memory?)";
    std::string err = attach(*port);
    if (!err.empty() && !keep_on_error) rte_ring_free(port->shaping.rx_queue);
    if (!err.empty() && !keep_on_error) return err;
    rx_worker_[slot] = least_loaded_worker();
    seen_disconnects_[slot] = 0;
    seen_memory_faults_[slot] = 0;
    seen_connects_[slot] = 0;
    slots_[slot] = std::move(port);
    order_.push_back(static_cast<uint16_t>(slot));
    publish();
    return keep_on_error ? "" : err;
}

void Switch::destroy_port(SwitchPort* port) {
    const uint16_t slot = port->slot;
    order_.erase(std::find(order_.begin(), order_.end(), slot));
    publish();  // no worker polls or transmits to it any more
    for (auto& c : controllers_) c->port_removed(slot);  // captures of it end
    detach(*port);  // then the device goes (destroy_device waits for workers too)
    fdb_.flush_port(slot);
    guest_rx_flush(port->shaping);
    rte_ring_free(port->shaping.rx_queue);
    for (GuestBacklog& b : port->backlog) guest_backlog_flush(b);  // what waited for its guest
    slots_[slot].reset();
}

void Switch::restore(const SwitchConfig& config) {
    // Bonds after every other port: their members must exist (a member may have been added
    // after its bond).
    std::vector<PortConfig> ports;
    for (const PortConfig& p : config.ports)
        if (p.type != PortType::kBond) ports.push_back(p);
    for (const PortConfig& p : config.ports)
        if (p.type == PortType::kBond) ports.push_back(p);
    for (const PortConfig& p : ports) {
        std::string err = create_port(p, /*keep_on_error=*/true);
        if (!err.empty())
            fprintf(stderr, "vswd: cannot restore port '%s': %s\n", p.name.c_str(), err.c_str());
        else if (SwitchPort* port = find(p.name); port && !port->attached)
            fprintf(stderr, "vswd: port '%s' restored but not attached: %s\n", p.name.c_str(),
                    port->error.c_str());
    }
    for (auto& c : controllers_) c->restore(config);
}

ControlResult Switch::persist_or_undo(ControlResult ok, const std::function<void()>& undo) {
    if (opts_.state_path.empty()) return ok;
    std::string err = save_state(opts_.state_path, config());
    if (err.empty()) return ok;
    undo();
    return ControlResult::fail("change not applied: cannot persist configuration: " + err);
}

ControlResult Switch::add_port(const PortConfig& cfg) {
    if (std::string err = create_port(cfg, false); !err.empty()) return ControlResult::fail(err);
    return persist_or_undo(ControlResult::ok({{"added", cfg.name}}), [&] {
        if (SwitchPort* p = find(cfg.name)) destroy_port(p);
    });
}

ControlResult Switch::del_port(const std::string& name) {
    SwitchPort* p = find(name);
    if (!p) return ControlResult::fail("no port named '" + name + "'");
    for (const auto& c : controllers_)
        if (auto e = c->port_in_use(name); !e.empty()) return ControlResult::fail(e);
    PortConfig old = p->config;
    destroy_port(p);
    return persist_or_undo(ControlResult::ok({{"deleted", name}}), [&] { create_port(old, true); });
}

ControlResult Switch::set_port(const std::string& name, const Settings& settings) {
    SwitchPort* p = find(name);
    if (!p) return ControlResult::fail("no port named '" + name + "'");
    PortConfig updated = p->config;
    for (const auto& [k, v] : settings)
        if (auto e = apply_port_setting(updated, k, v); !e.empty()) return ControlResult::fail(e);
    if (auto e = validate_port_config(updated); !e.empty()) return ControlResult::fail(e);
    if (auto e = offloads_change_error(*p, updated); !e.empty()) return ControlResult::fail(e);
    if (auto e = controllers_refuse(updated); !e.empty()) return ControlResult::fail(e);
    const PortConfig old = p->config;
    auto apply = [this, p](const PortConfig& c) {
        const bool offloads_changed = c.offloads != p->config.offloads;
        if (offloads_changed) p->offloads.store(c.offloads, std::memory_order_relaxed);
        p->mtu.store(c.mtu, std::memory_order_relaxed);  // the next burst's limit
        const bool vlan_changed = c.vlan_mode != p->config.vlan_mode || c.tag != p->config.tag ||
                                  c.trunks != p->config.trunks;
        const PortConfig before = std::exchange(p->config, c);
        p->admin_up.store(c.admin_up, std::memory_order_relaxed);
        if (before == c) return;
        // A new VLAN view replaces the old one, which lives until no worker sees it.
        std::unique_ptr<const PortVlan> retired_vlan;
        if (vlan_changed)
            retired_vlan = std::exchange(p->vlan, std::make_unique<const PortVlan>(port_vlan(c)));
        publish();  // the controllers' views (bandwidth, roles, feature bits) follow the config
        // The next guest is offered them once the feature word takes what it may send.
        if (offloads_changed && p->is_vhost() && p->attached)
            vhost::offer_offloads(c.socket, c.offloads);
        // Like offloads: for the guest's device when it next starts.
        if (c.one_copy != before.one_copy && p->is_vhost() && p->attached)
            vhost::offer_one_copy(c.socket, p->vhost, c.one_copy);
        // Its MACs were learned in VLANs it may no longer carry, or lead nowhere while down.
        if (vlan_changed || !c.admin_up) fdb_.flush_port(p->slot);
        for (auto& controller : controllers_) controller->port_changed(*p, before);
    };
    apply(updated);
    return persist_or_undo(ControlResult::ok({{"updated", name}}), [&] { apply(old); });
}

ControlResult Switch::set_switch(const Settings& settings) {
    SwitchSettings updated = settings_;
    for (const auto& [k, v] : settings)
        if (auto e = apply_switch_setting(updated, k, v); !e.empty()) return ControlResult::fail(e);
    const SwitchSettings old = settings_;
    settings_ = updated;
    return persist_or_undo(ControlResult::ok(), [&] { settings_ = old; });
}

SwitchConfig Switch::config() const {
    SwitchConfig c;
    c.settings = settings_;
    for (uint16_t slot : order_) c.ports.push_back(slots_[slot]->config);
    for (const auto& controller : controllers_) controller->save(c);
    return c;
}

void Switch::tick() {
    aged_total_ += fdb_.age(now_seconds(), settings_.fdb_aging_seconds);
    for (auto& c : controllers_) c->tick();  // they want their next hops from the neighbours
    neighbors_.forget_unwanted(services_.clock_ms());
}

void Switch::poll_links() {
    slow_path_.poll();  // ARP replies and requests, guests' ARP, claimed link-local frames
    for (uint16_t slot : order_) {
        SwitchPort& p = *slots_[slot];
        if (!p.is_vhost()) continue;
        vhost::resume_after_failed_message(p.vhost);
        if (const uint64_t f = p.vhost.memory_faults.load(std::memory_order_relaxed);
            f != seen_memory_faults_[slot]) {
            seen_memory_faults_[slot] = f;
            disconnect_faulted(p);
        }
        if (const uint64_t c = p.vhost.connects.load(std::memory_order_relaxed);
            c != seen_connects_[slot]) {
            seen_connects_[slot] = c;
            warn_mtu_mismatch(p);
        }
        const uint64_t d = p.vhost.disconnects.load(std::memory_order_relaxed);
        if (d != seen_disconnects_[slot]) {
            seen_disconnects_[slot] = d;
            fdb_.flush_port(slot);
        }
    }
}

void Switch::warn_mtu_mismatch(const SwitchPort& p) const {
    // QEMU told its guest an MTU (host_mtu=) larger than the port takes: the guest's large frames
    // will be dropped as over_mtu. Said once per connection.
    const uint16_t guest = p.vhost.guest_mtu.load(std::memory_order_relaxed);
    if (guest > p.config.mtu)
        fprintf(stderr,
                "vswd: port '%s': its guest's MTU is %u (QEMU host_mtu) but the port's mtu is %u: "
                "frames above %u bytes will be dropped (over_mtu); set mtu=%u on the port\n",
                p.config.name.c_str(), guest, p.config.mtu, p.config.mtu, guest);
}

std::string Switch::offloads_change_error(const SwitchPort& p, const PortConfig& c) const {
    if (c.offloads || !p.config.offloads || !p.is_vhost()) return "";  // not turning them off
    // A QEMU that negotiated an offload reconnects only to a socket that still offers it: it would
    // try again and again. The guest keeps them until it stops.
    const uint64_t held =
        p.vhost.connected.load() ? p.vhost.negotiated.load() | p.vhost.features.load() : 0;
    if (held & virtio::kOffloads)
        return "port " + p.config.name +
               ": its guest negotiated offloads; set offloads=off while the guest is stopped "
               "(its QEMU could not reconnect to a socket that no longer offers them)";
    return "";
}

void Switch::disconnect_faulted(SwitchPort& p) {
    // The access that faulted read zeros and the region is anonymous memory now: the device no
    // longer shares memory with its guest. Closing the connection ends it; QEMU (or vswd, for a
    // client port) reconnects with a new memory table.
    fprintf(
        stderr,
        "vswd: port '%s': guest memory vanished under vswd (the frontend shrank a memory file): "
        "disconnecting (%llu fault(s) so far)\n",
        p.config.name.c_str(), static_cast<unsigned long long>(seen_memory_faults_[p.slot]));
    detach(p);
    if (std::string e = attach(p); !e.empty())
        fprintf(stderr, "vswd: port '%s': cannot register its socket again: %s\n",
                p.config.name.c_str(), e.c_str());
    fdb_.flush_port(p.slot);
}

ControlResult Switch::fdb_flush() {
    return ControlResult::ok({{"flushed", fdb_.flush()}});
}

}  // namespace vsw
