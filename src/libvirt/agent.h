// vsw-libvirt: keeps vswd's ports in step with the libvirt domains that use vsw's sockets.
//
// It connects to libvirt (qemu:///system by default), registers for lifecycle, device and
// metadata events, and reconciles: the ports a domain should have (port_mapping.h) against
// what vswd has (owner "libvirt:UUID"). Events are not replayed, so it resyncs every domain on
// each (re)connect, to libvirt or to vswd, and every `resync_interval_s`. It also lists the
// active domains every `poll_interval_ms`: libvirt sends no event while a domain starts, and
// QEMU does not finish starting until vsw connects to its vhost-user server sockets. And it
// watches the socket directory (inotify): a socket QEMU creates there, at start or at a live
// attach-device, triggers a resync at once (libvirt's DEVICE_ADDED only comes once vsw has
// connected, but the live XML already lists the interface).
//
// Traffic filters (the metadata's filter="NAME") are read from libvirt's nwfilter driver
// (virNWFilterLookupByName, virNWFilterGetXMLDesc), the filters they reference too, and
// translated (port_mapping.h); a port whose filter needs rules gets its own security group,
// made to match before the port names it and deleted after the port goes. libvirt sends no
// event when a filter changes (virsh nwfilter-define), so every `filter_interval_ms` the agent
// fetches again the filters its active domains use (only those: nothing for domains without a
// filter) and reconciles the domains whose filters' XML changed.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "src/libvirt/domain_xml.h"
#include "src/libvirt/port_mapping.h"
#include "src/libvirt/reconcile.h"
#include "src/libvirt/vswd_link.h"

namespace vsw::libvirt {

struct AgentOptions {
    std::string uri = "qemu:///system";     // libvirt connection
    std::string ctl = "/run/vsw/vswd.ctl";  // vswd's control socket
    std::string socket_dir;                 // "" = vswd's own --socket-dir
    unsigned poll_interval_ms = 1000;       // how often active domains are listed
    unsigned resync_interval_s = 30;        // how often everything is reconciled anyway
    unsigned reconnect_interval_ms = 2000;  // between attempts to reach libvirtd
    unsigned filter_interval_ms = 2000;     // how often the domains' traffic filters are re-read
    MappingOptions mapping;                 // --port-security=default
};

class Agent {
  public:
    explicit Agent(AgentOptions opts);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    // Runs until `stop` is set (checked several times a second). Returns the exit code.
    int run(const std::atomic<bool>& stop);

    // Called from libvirt's event loop (agent.cpp): a domain needs a look, the connection is
    // gone, the timer fired.
    void mark_dirty(const std::string& uuid) { dirty_.insert(uuid); }
    void connection_closed(int reason);
    void tick();
    void socket_dir_changed();

  private:
    struct Connection;  // libvirt connection + event registrations

    void connect();
    void disconnect();
    bool poll_active();  // false if libvirt could not be asked
    void resync_all();
    void resync(const std::set<std::string>& uuids);
    // vswd's ports; false (and a full resync due) if vswd could not be reached.
    bool fetch_vswd(VswdPorts& out);
    // Carries out a plan; false if vswd stopped answering. `names`: domain names by UUID;
    // `scope`: the log_once key of the plan's conflicts.
    bool execute(const Plan& plan, const std::map<std::string, std::string>& names,
                 const std::string& scope);
    // The ports a domain (a virDomainPtr) should have and the groups they name; nullopt if its
    // XML, or a filter it uses, could not be read. Remembers the filters it used.
    std::optional<DomainPorts> wanted_ports(void* dom, const std::string& uuid,
                                            const std::string& dir, std::string& name);
    // A traffic filter's XML from libvirt: nullopt if there is none; `failed` says why when
    // libvirt could not answer.
    std::optional<std::string> filter_xml(const std::string& name, std::string& failed);
    // Marks dirty the domains whose filters' XML is not what their ports were made from.
    void check_filters();
    // Logs those of `lines` not logged for `key` last time (problems repeat at every resync).
    void log_once(const std::string& key, const std::vector<std::string>& lines);
    std::string socket_dir(const VswdPorts& ports) const;
    // Watches `dir` for new sockets (replacing an earlier watch of another directory).
    void watch_socket_dir(const std::string& dir);
    void unwatch_socket_dir();

    AgentOptions opts_;
    VswdLink vswd_;
    std::unique_ptr<Connection> conn_;                     // null while libvirtd is unreachable
    std::set<std::string> dirty_;                          // domains (UUIDs) to reconcile
    std::map<std::string, int> active_;                    // active domains seen: UUID -> id
    std::map<std::string, std::set<std::string>> logged_;  // problems already logged, per domain
    // Per domain (UUID) with traffic filters: each filter read for its ports, as it was read
    // (nullopt: it did not exist).
    std::map<std::string, std::map<std::string, std::optional<std::string>>> filters_;
    bool need_full_ = true;             // a full resync is due
    bool announce_resync_ = false;      // log the next full resync's outcome
    bool new_socket_ = false;           // a socket appeared in the directory
    bool vswd_down_logged_ = false;     // "cannot reach vswd" said once
    bool libvirt_down_logged_ = false;  // "cannot connect" said once
    int inotify_fd_ = -1;               // socket directory watch
    int inotify_handle_ = -1;           // its libvirt event loop handle
    std::string watched_dir_;           // the directory watched
    std::chrono::steady_clock::time_point next_poll_, next_full_, next_connect_, next_filters_;
};

}  // namespace vsw::libvirt
