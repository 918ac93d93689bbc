// vsw-libvirt's side of vswd's control socket: reads the ports, applies planned changes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/libvirt/reconcile.h"

namespace vsw::libvirt {

struct VswdPorts {
    std::vector<PortConfig> ports;  // every port vswd has
    std::string socket_dir;         // vswd's vhost-user socket directory
};

class VswdLink {
  public:
    explicit VswdLink(std::string ctl_path) : ctl_(std::move(ctl_path)) {}

    // nullopt with `error` when vswd cannot be reached or answers nonsense.
    std::optional<VswdPorts> ports(std::string& error) const;
    // Carries out one change. Returns "" or the error; `unreachable` tells a vswd that did not
    // answer from one that refused the change.
    std::string apply(const PortChange& change, bool& unreachable) const;

  private:
    std::string ctl_;  // control socket path
};

}  // namespace vsw::libvirt
