#include "src/libvirt/agent.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "src/libvirt/port_mapping.h"
#include "src/libvirt/reconcile.h"

namespace vsw::libvirt {
namespace {

using Clock = std::chrono::steady_clock;

void log(const std::string& line) {
    std::fprintf(stderr, "vsw-libvirt: %s\n", line.c_str());
}

std::string libvirt_error() {
    const char* m = virGetLastErrorMessage();
    return m ? m : "unknown libvirt error";
}

// libvirt prints every error to stderr unless told otherwise; we report them ourselves.
void quiet_errors(void*, virErrorPtr) {}

std::string uuid_of(virDomainPtr dom) {
    char buf[VIR_UUID_STRING_BUFLEN];
    return virDomainGetUUIDString(dom, buf) == 0 ? buf : "";
}

Agent* agent(void* opaque) {
    return static_cast<Agent*>(opaque);
}

int on_lifecycle(virConnectPtr, virDomainPtr dom, int, int, void* opaque) {
    agent(opaque)->mark_dirty(uuid_of(dom));
    return 0;
}

void on_device(virConnectPtr, virDomainPtr dom, const char*, void* opaque) {
    agent(opaque)->mark_dirty(uuid_of(dom));
}

void on_metadata(virConnectPtr, virDomainPtr dom, int type, const char* nsuri, void* opaque) {
    if (type == VIR_DOMAIN_METADATA_ELEMENT &&
        (!nsuri || std::strcmp(nsuri, kMetadataNamespace) != 0))
        return;
    agent(opaque)->mark_dirty(uuid_of(dom));
}

void on_close(virConnectPtr, int reason, void* opaque) {
    agent(opaque)->connection_closed(reason);
}

void on_timer(int, void* opaque) {
    agent(opaque)->tick();
}

void on_inotify(int, int fd, int, void* opaque) {
    alignas(inotify_event) char buf[4096];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
    agent(opaque)->socket_dir_changed();
}

struct DomainList {
    virDomainPtr* doms = nullptr;
    int n = 0;
    ~DomainList() {
        for (int i = 0; i < n; ++i) virDomainFree(doms[i]);
        std::free(doms);
    }
};

struct DomainRef {
    virDomainPtr dom;
    ~DomainRef() {
        if (dom) virDomainFree(dom);
    }
};

// "add" / "added" and so on, for the log.
std::string change_verb(PortChange::Kind k, bool done) {
    switch (k) {
        case PortChange::Kind::kAdd: return done ? "added" : "add";
        case PortChange::Kind::kDelete: return done ? "deleted" : "delete";
        case PortChange::Kind::kUpdate: return done ? "updated" : "update";
    }
    return "?";
}

}  // namespace

struct Agent::Connection {
    virConnectPtr conn = nullptr;
    std::vector<int> callbacks;  // event registrations
    bool closed = false;         // libvirt said the connection is gone
};

Agent::Agent(AgentOptions opts) : opts_(std::move(opts)), vswd_(opts_.ctl) {}

Agent::~Agent() {
    disconnect();
    unwatch_socket_dir();
}

void Agent::socket_dir_changed() {
    need_full_ = true;
    new_socket_ = true;
}

void Agent::watch_socket_dir(const std::string& dir) {
    if (dir == watched_dir_) return;
    unwatch_socket_dir();
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0 ||
        ::inotify_add_watch(inotify_fd_, dir.c_str(), IN_CREATE | IN_MOVED_TO) < 0) {
        log("cannot watch " + dir + " for new sockets (" + std::strerror(errno) +
            "); relying on polling");
        unwatch_socket_dir();
        watched_dir_ = dir;  // do not retry every tick
        return;
    }
    inotify_handle_ =
        virEventAddHandle(inotify_fd_, VIR_EVENT_HANDLE_READABLE, on_inotify, this, nullptr);
    watched_dir_ = dir;
}

void Agent::unwatch_socket_dir() {
    if (inotify_handle_ >= 0) virEventRemoveHandle(inotify_handle_);
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
    inotify_handle_ = inotify_fd_ = -1;
    watched_dir_.clear();
}

void Agent::connection_closed(int reason) {
    if (conn_) conn_->closed = true;
    log("connection to libvirt closed (reason " + std::to_string(reason) + "); reconnecting");
}

int Agent::run(const std::atomic<bool>& stop) {
    virSetErrorFunc(nullptr, quiet_errors);
    if (virEventRegisterDefaultImpl() != 0) {
        log("cannot set up libvirt's event loop: " + libvirt_error());
        return 1;
    }
    const int timer = virEventAddTimeout(250, on_timer, this, nullptr);
    if (timer < 0) {
        log("cannot add a timer to libvirt's event loop");
        return 1;
    }
    log("watching " + opts_.uri + " for domains with vhost-user interfaces in " +
        (opts_.socket_dir.empty() ? std::string("vswd's socket directory") : opts_.socket_dir) +
        ", vswd at " + opts_.ctl +
        (opts_.mapping.lock_mac_by_default
             ? "; ports without a traffic filter are locked to their MAC (--port-security=default)"
             : ""));
    tick();
    while (!stop.load()) {
        if (virEventRunDefaultImpl() < 0) {
            log("libvirt event loop failed: " + libvirt_error());
            break;
        }
    }
    virEventRemoveTimeout(timer);
    disconnect();
    log("stopped (vswd keeps its ports)");
    return 0;
}

void Agent::connect() {
    virConnectPtr c = virConnectOpen(opts_.uri.c_str());
    if (!c) {
        if (!libvirt_down_logged_)
            log("cannot connect to libvirt at " + opts_.uri + ": " + libvirt_error() +
                "; retrying every " + std::to_string(opts_.reconnect_interval_ms) +
                " ms (ports are left as they are meanwhile)");
        libvirt_down_logged_ = true;
        return;
    }
    conn_ = std::make_unique<Connection>();
    conn_->conn = c;
    libvirt_down_logged_ = false;
    if (virConnectRegisterCloseCallback(c, on_close, this, nullptr) != 0)
        log("cannot watch the libvirt connection: " + libvirt_error());
    // Keepalive notices a libvirtd that hangs or vanishes without closing the socket.
    if (virConnectSetKeepAlive(c, 5, 3) != 0)
        log("cannot enable libvirt keepalive: " + libvirt_error());
    const struct {
        int id;
        virConnectDomainEventGenericCallback cb;
    } events[] = {
        {VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle)},
        {VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, VIR_DOMAIN_EVENT_CALLBACK(on_device)},
        {VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, VIR_DOMAIN_EVENT_CALLBACK(on_device)},
        {VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, VIR_DOMAIN_EVENT_CALLBACK(on_metadata)},
    };
    for (const auto& e : events) {
        int id = virConnectDomainEventRegisterAny(c, nullptr, e.id, e.cb, this, nullptr);
        if (id < 0)
            log("cannot register for libvirt event " + std::to_string(e.id) + ": " +
                libvirt_error());
        else conn_->callbacks.push_back(id);
    }
    unsigned long version = 0;
    virConnectGetLibVersion(c, &version);
    log("connected to " + opts_.uri + " (libvirt " + std::to_string(version / 1000000) + "." +
        std::to_string(version / 1000 % 1000) + "); resyncing every domain");
    need_full_ = true;  // events are not replayed: whatever happened meanwhile is found by a resync
    announce_resync_ = true;
}

void Agent::disconnect() {
    if (!conn_) return;
    for (int id : conn_->callbacks) virConnectDomainEventDeregisterAny(conn_->conn, id);
    virConnectUnregisterCloseCallback(conn_->conn, on_close);
    virConnectClose(conn_->conn);
    conn_.reset();
    active_.clear();
}

void Agent::tick() {
    const auto now = Clock::now();
    if (conn_ && (conn_->closed || virConnectIsAlive(conn_->conn) != 1)) disconnect();
    if (!conn_) {
        if (now < next_connect_) return;
        next_connect_ = now + std::chrono::milliseconds(opts_.reconnect_interval_ms);
        connect();
        if (!conn_) return;
    }
    bool polled = false;
    if (now >= next_poll_) {
        next_poll_ = now + std::chrono::milliseconds(opts_.poll_interval_ms);
        if (!poll_active()) return;
        polled = true;
    }
    // A due full resync waits for the next poll (a failed one is retried at that pace), unless a
    // new socket appeared: QEMU is waiting for us.
    if ((need_full_ && (polled || new_socket_)) || now >= next_full_) {
        new_socket_ = false;
        resync_all();
    } else if (!dirty_.empty()) {
        resync(std::exchange(dirty_, {}));
    }
}

bool Agent::poll_active() {
    DomainList list;
    list.n = virConnectListAllDomains(conn_->conn, &list.doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    if (list.n < 0) {
        log("cannot list domains: " + libvirt_error());
        list.n = 0;
        return false;
    }
    std::map<std::string, int> now;
    for (int i = 0; i < list.n; ++i) now[uuid_of(list.doms[i])] = virDomainGetID(list.doms[i]);
    for (const auto& [uuid, id] : now)
        if (auto it = active_.find(uuid); it == active_.end() || it->second != id)
            dirty_.insert(uuid);
    for (const auto& [uuid, id] : active_)
        if (!now.count(uuid)) dirty_.insert(uuid);
    active_ = std::move(now);
    return true;
}

std::string Agent::socket_dir(const VswdPorts& ports) const {
    return opts_.socket_dir.empty() ? ports.socket_dir : opts_.socket_dir;
}

std::optional<std::vector<PortConfig>> Agent::wanted_ports(void* dom_ptr, const std::string& uuid,
                                                           const std::string& dir,
                                                           std::string& name) {
    auto dom = static_cast<virDomainPtr>(dom_ptr);
    const char* n = virDomainGetName(dom);
    name = n ? n : uuid;
    char* xml = virDomainGetXMLDesc(dom, 0);
    if (!xml) {
        log_once(uuid, {"domain " + name + ": cannot read its XML: " + libvirt_error()});
        return std::nullopt;
    }
    std::string error;
    auto d = parse_domain(xml, error);
    std::free(xml);
    if (!d) {
        log_once(uuid, {"domain " + name + ": " + error + "; its ports are left as they are"});
        return std::nullopt;
    }
    DomainPorts dp = domain_ports(*d, dir, opts_.mapping);
    std::vector<std::string> lines;
    for (const auto& l : dp.log) lines.push_back("domain " + name + ": " + l);
    log_once(uuid, lines);
    return dp.ports;
}

void Agent::log_once(const std::string& key, const std::vector<std::string>& lines) {
    auto& seen = logged_[key];
    for (const auto& l : lines)
        if (!seen.count(l)) log(l);
    seen = std::set<std::string>(lines.begin(), lines.end());
}

bool Agent::fetch_vswd(VswdPorts& out) {
    std::string error;
    auto ports = vswd_.ports(error);
    if (!ports) {
        if (!vswd_down_logged_) log("cannot reach vswd: " + error + "; will retry");
        vswd_down_logged_ = true;
        need_full_ = true;
        return false;
    }
    if (vswd_down_logged_) log("vswd reachable again; resyncing");
    vswd_down_logged_ = false;
    out = std::move(*ports);
    watch_socket_dir(socket_dir(out));
    return true;
}

void Agent::resync_all() {
    VswdPorts vs;
    if (!fetch_vswd(vs)) return;
    DomainList list;
    list.n = virConnectListAllDomains(conn_->conn, &list.doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    if (list.n < 0) {
        log("cannot list domains: " + libvirt_error());
        list.n = 0;
        return;
    }
    const std::string dir = socket_dir(vs);
    std::vector<PortConfig> wanted;
    std::set<std::string> unreadable;  // domains whose ports are left alone this time
    std::map<std::string, std::string> names;
    for (int i = 0; i < list.n; ++i) {
        const std::string uuid = uuid_of(list.doms[i]);
        auto ports = wanted_ports(list.doms[i], uuid, dir, names[uuid]);
        if (!ports) unreadable.insert(uuid);
        else wanted.insert(wanted.end(), ports->begin(), ports->end());
    }
    auto managed = [&](const PortConfig& p) {
        const std::string uuid = owner_uuid(p.owner);
        return !uuid.empty() && !unreadable.count(uuid);
    };
    const Plan plan = plan_changes(wanted, vs.ports, managed);
    if (!execute(plan, names, "all")) return;
    if (announce_resync_)
        log("resynced: " + std::to_string(list.n) + " active domain(s), " +
            std::to_string(wanted.size()) + " port(s) wanted, " +
            std::to_string(plan.changes.size()) + " change(s)");
    announce_resync_ = false;
    for (auto it = logged_.begin(); it != logged_.end();)  // forget domains that are gone
        it = names.count(it->first) || it->first.rfind("conflicts ", 0) == 0 ? std::next(it)
                                                                             : logged_.erase(it);
    need_full_ = false;
    dirty_.clear();
    next_full_ = Clock::now() + std::chrono::seconds(opts_.resync_interval_s);
}

void Agent::resync(const std::set<std::string>& uuids) {
    VswdPorts vs;
    if (!fetch_vswd(vs)) return;
    const std::string dir = socket_dir(vs);
    for (const std::string& uuid : uuids) {
        if (uuid.empty()) continue;
        std::map<std::string, std::string> names;
        std::vector<PortConfig> wanted;
        DomainRef ref{virDomainLookupByUUIDString(conn_->conn, uuid.c_str())};
        if (!ref.dom) {
            virErrorPtr e = virGetLastError();
            if (!e || e->code != VIR_ERR_NO_DOMAIN) {
                log("cannot look up domain " + uuid + ": " + libvirt_error());
                need_full_ = true;
                continue;
            }
            logged_.erase(uuid);  // undefined: its ports go
        } else if (virDomainIsActive(ref.dom) == 1) {
            auto ports = wanted_ports(ref.dom, uuid, dir, names[uuid]);
            if (!ports) continue;
            wanted = std::move(*ports);
        } else {
            const char* n = virDomainGetName(ref.dom);
            names[uuid] = n ? n : uuid;
            logged_.erase(uuid);  // stopped: its ports go, its problems may be logged again
        }
        const std::string owner = port_owner(uuid);
        if (!execute(plan_changes(wanted, vs.ports,
                                  [&](const PortConfig& p) { return p.owner == owner; }),
                     names, uuid))
            return;
    }
}

bool Agent::execute(const Plan& plan, const std::map<std::string, std::string>& names,
                    const std::string& scope) {
    log_once("conflicts " + scope, plan.log);
    for (const PortChange& c : plan.changes) {
        const std::string uuid = owner_uuid(c.config.owner);
        auto it = names.find(uuid);
        const std::string domain = it != names.end() && !it->second.empty() ? it->second : uuid;
        bool unreachable = false;
        std::string err = vswd_.apply(c, unreachable);
        if (unreachable) {
            log("cannot reach vswd: " + err + "; will retry");
            vswd_down_logged_ = true;
            need_full_ = true;
            return false;
        }
        if (!err.empty()) {
            log("domain " + domain + ": cannot " + change_verb(c.kind, false) + " port " +
                c.config.name + ": " + err);
            continue;
        }
        std::string what =
            "domain " + domain + ": " + change_verb(c.kind, true) + " port " + c.config.name;
        if (c.kind != PortChange::Kind::kDelete)
            what += " (" + std::string(c.config.admin_up ? "" : "admin down, ") + "socket " +
                    c.config.socket + ", vlan " + vlan_summary(c.config) + ", bandwidth " +
                    qos_summary(c.config.bandwidth) +
                    (c.config.security.enabled
                         ? ", port security: macs " + allowed_macs_str(c.config.security) +
                               ", ips " + allowed_ips_str(c.config.security) + ", ethertypes " +
                               ethertypes_str(c.config.security)
                         : "") +
                    ")";
        log(what);
    }
    return true;
}

}  // namespace vsw::libvirt
