#include "src/libvirt/agent.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "acl/acl_syntax.h"
#include "core/parse.h"
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

// "created, 3 rule(s) added, 2 deleted", for the log.
std::string group_summary(bool created, unsigned added, unsigned deleted) {
    std::string s = created ? "created" : "";
    const auto part = [&](const std::string& p) { s += (s.empty() ? "" : ", ") + p; };
    if (added) part(std::to_string(added) + " rule(s) added");
    if (deleted) part(std::to_string(deleted) + " rule(s) deleted");
    return s;
}

const char* group_verb(GroupChange::Kind k) {
    switch (k) {
        case GroupChange::Kind::kCreate: return "create it";
        case GroupChange::Kind::kAddRule: return "add a rule";
        case GroupChange::Kind::kDeleteRule: return "delete a rule";
        case GroupChange::Kind::kDelete: return "delete it";
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

std::optional<std::string> Agent::filter_xml(const std::string& name, std::string& failed) {
    const std::string quoted = "'" + name.substr(0, 64) + "'";
    virNWFilterPtr f = virNWFilterLookupByName(conn_->conn, name.c_str());
    if (!f) {
        virErrorPtr e = virGetLastError();
        // No such filter, or no nwfilter driver at all: the translation refuses the filter.
        if (e && (e->code == VIR_ERR_NO_NWFILTER || e->code == VIR_ERR_NO_SUPPORT ||
                  e->code == VIR_ERR_OPERATION_UNSUPPORTED))
            return std::nullopt;
        failed = "cannot look up traffic filter " + quoted + ": " + libvirt_error();
        return std::nullopt;
    }
    std::optional<std::string> out;
    if (char* xml = virNWFilterGetXMLDesc(f, 0)) {
        out = xml;
        std::free(xml);
    } else {
        failed = "cannot read traffic filter " + quoted + ": " + libvirt_error();
    }
    virNWFilterFree(f);
    return out;
}

void Agent::check_filters() {
    std::map<std::string, std::optional<std::string>> now;  // read this round, by name
    std::set<std::string> changed;
    for (const auto& [uuid, used] : filters_) {
        if (dirty_.count(uuid)) continue;
        for (const auto& [name, xml] : used) {
            auto it = now.find(name);
            if (it == now.end()) {
                std::string failed;
                auto got = filter_xml(name, failed);
                if (!failed.empty()) return;  // libvirt is not answering: next round
                it = now.emplace(name, std::move(got)).first;
            }
            if (it->second != xml) {
                changed.insert(name);
                dirty_.insert(uuid);
                break;
            }
        }
    }
    for (const auto& name : changed)
        log("traffic filter '" + name.substr(0, 64) + "' " +
            (now[name] ? "changed" : "was removed") + "; reconciling the domains that use it");
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
    // libvirt has no nwfilter events: the filters in use are read again at their own pace.
    if (!filters_.empty() && now >= next_filters_) {
        next_filters_ = now + std::chrono::milliseconds(opts_.filter_interval_ms);
        check_filters();
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

std::optional<DomainPorts> Agent::wanted_ports(void* dom_ptr, const std::string& uuid,
                                               const std::string& dir, std::string& name) {
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
    // Each filter read once per domain (one view of it for all its ports), and remembered for
    // check_filters.
    std::map<std::string, std::optional<std::string>> used;
    std::string failed;
    const FilterLookup lookup = [&](const std::string& filter) -> std::optional<std::string> {
        if (auto it = used.find(filter); it != used.end()) return it->second;
        if (!failed.empty()) return std::nullopt;
        auto xml = filter_xml(filter, failed);
        if (failed.empty()) used[filter] = xml;
        return xml;
    };
    DomainPorts dp = domain_ports(*d, dir, opts_.mapping, lookup);
    if (!failed.empty()) {
        log_once(uuid, {"domain " + name + ": " + failed + "; its ports are left as they are"});
        return std::nullopt;
    }
    if (used.empty()) filters_.erase(uuid);
    else filters_[uuid] = std::move(used);
    std::vector<std::string> lines;
    for (const auto& l : dp.log) lines.push_back("domain " + name + ": " + l);
    log_once(uuid, lines);
    return dp;
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
    GroupRules groups;
    std::set<std::string> unreadable;  // domains whose ports are left alone this time
    std::map<std::string, std::string> names;
    for (int i = 0; i < list.n; ++i) {
        const std::string uuid = uuid_of(list.doms[i]);
        auto dp = wanted_ports(list.doms[i], uuid, dir, names[uuid]);
        if (!dp) {
            unreadable.insert(uuid);
            continue;
        }
        wanted.insert(wanted.end(), dp->ports.begin(), dp->ports.end());
        groups.insert(dp->groups.begin(), dp->groups.end());
    }
    for (auto it = filters_.begin(); it != filters_.end();)  // domains no longer active
        it = names.count(it->first) ? std::next(it) : filters_.erase(it);
    auto managed = [&](const PortConfig& p) {
        const std::string uuid = owner_uuid(p.owner);
        return !uuid.empty() && !unreadable.count(uuid);
    };
    const Plan plan = plan_changes(wanted, groups, vs.ports, vs.groups, managed, true);
    if (!execute(plan, names, "all")) return;
    if (announce_resync_)
        log("resynced: " + std::to_string(list.n) + " active domain(s), " +
            std::to_string(wanted.size()) + " port(s) wanted, " +
            std::to_string(plan.changes.size() + plan.groups_before.size() +
                           plan.groups_after.size()) +
            " change(s)");
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
        DomainPorts wanted;
        DomainRef ref{virDomainLookupByUUIDString(conn_->conn, uuid.c_str())};
        if (!ref.dom) {
            virErrorPtr e = virGetLastError();
            if (!e || e->code != VIR_ERR_NO_DOMAIN) {
                log("cannot look up domain " + uuid + ": " + libvirt_error());
                need_full_ = true;
                continue;
            }
            logged_.erase(uuid);  // undefined: its ports go
            filters_.erase(uuid);
        } else if (virDomainIsActive(ref.dom) == 1) {
            auto dp = wanted_ports(ref.dom, uuid, dir, names[uuid]);
            if (!dp) continue;
            wanted = std::move(*dp);
        } else {
            const char* n = virDomainGetName(ref.dom);
            names[uuid] = n ? n : uuid;
            logged_.erase(uuid);  // stopped: its ports go, its problems may be logged again
            filters_.erase(uuid);
        }
        const std::string owner = port_owner(uuid);
        if (!execute(plan_changes(
                         wanted.ports, wanted.groups, vs.ports, vs.groups,
                         [&](const PortConfig& p) { return p.owner == owner; }, false),
                     names, uuid))
            return;
    }
}

bool Agent::execute(const Plan& plan, const std::map<std::string, std::string>& names,
                    const std::string& scope) {
    log_once("conflicts " + scope, plan.log);
    // Groups first, as the ports will name them; a group that could not be made so keeps its
    // ports closed.
    std::map<std::string, std::string> failed;  // group -> why
    struct Counts {
        bool created = false;
        unsigned added = 0, deleted = 0;
    };
    std::map<std::string, Counts> done;
    const auto group_step = [&](const GroupChange& g) {
        bool unreachable = false;
        std::string err = vswd_.apply(g, unreachable);
        if (unreachable) {
            log("cannot reach vswd: " + err + "; will retry");
            vswd_down_logged_ = true;
            need_full_ = true;
            return false;
        }
        if (!err.empty()) {
            failed[g.group] = err;
            log("security group " + g.group + ": cannot " + group_verb(g.kind) + ": " + err +
                (g.kind == GroupChange::Kind::kAddRule ? " (rule " + acl::rule_words(g.rule) + ")"
                                                       : ""));
            return true;
        }
        Counts& c = done[g.group];
        if (g.kind == GroupChange::Kind::kCreate) c.created = true;
        if (g.kind == GroupChange::Kind::kAddRule) ++c.added;
        if (g.kind == GroupChange::Kind::kDeleteRule) ++c.deleted;
        if (g.kind == GroupChange::Kind::kDelete)
            log("deleted security group " + g.group +
                " (its port's traffic filter needs it no more)");
        return true;
    };
    for (const GroupChange& g : plan.groups_before)
        if (!failed.count(g.group) && !group_step(g)) return false;
    for (const auto& [group, c] : done)
        log("security group " + group + ": " + group_summary(c.created, c.added, c.deleted) +
            (failed.count(group) ? " before an error" : ""));
    for (PortChange c : plan.changes) {
        if (c.kind != PortChange::Kind::kDelete)
            for (const std::string& group : c.config.acl.groups)
                if (auto it = failed.find(group); it != failed.end()) {
                    // Closed until the next resync gets the group right (without the group:
                    // vswd refuses a port naming a group it does not have).
                    c.config.admin_up = false;
                    c.config.acl.groups.clear();
                    c.config.description = description_text(
                        "nwfilter: security group " + group + ": " + it->second, 256);
                    log("port " + c.config.name + " kept admin down: its security group " + group +
                        " could not be set up");
                    break;
                }
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
                    (c.config.acl.enabled() ? ", security groups " + join_list(c.config.acl.groups)
                                            : "") +
                    ")";
        log(what);
    }
    failed.clear();
    for (const GroupChange& g : plan.groups_after)
        if (!group_step(g)) return false;
    return true;
}

}  // namespace vsw::libvirt
