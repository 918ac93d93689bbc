// vsw-libvirt's side of vswd's control socket: reads the ports, applies planned changes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/libvirt/reconcile.h"

namespace vsw::libvirt {

struct VswdPorts {
    std::vector<PortConfig> ports;     // every port vswd has
    std::string socket_dir;            // vswd's vhost-user socket directory
    std::vector<CurrentGroup> groups;  // every security group vswd has
};

class VswdLink {
  public:
    explicit VswdLink(std::string ctl_path) : ctl_(std::move(ctl_path)) {}

    // Its ports and security groups (show, acl show); nullopt with `error` when vswd cannot be
    // reached or answers nonsense.
    std::optional<VswdPorts> ports(std::string& error) const;
    // Carries out one change. Returns "" or the error; `unreachable` tells a vswd that did not
    // answer from one that refused the change.
    std::string apply(const PortChange& change, bool& unreachable) const;
    std::string apply(const GroupChange& change, bool& unreachable) const;

  private:
    std::string ctl_;  // control socket path
};

}  // namespace vsw::libvirt
