// Mirror sessions' control side (SPAN, RSPAN, ERSPAN): the sessions and their counters, their
// slice of every snapshot (mirror_plan.h), the ERSPAN next hops asked from the neighbours, the
// commands and the sessions' part of the state file. The copies are made by telemetry/mirror/.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "src/control/controller.h"
#include "telemetry/mirror/mirror.h"
#include "telemetry/mirror/mirror_config.h"

namespace vsw {

class MirrorController final : public Controller {
  public:
    explicit MirrorController(const SwitchServices& services);

    void register_commands(CommandTable& table) override;
    void claim_ports(Snapshot& next) override;
    void tick() override;
    void restore(const SwitchConfig& c) override;
    void save(SwitchConfig& c) const override;
    std::string check_port(const PortConfig& c) const override;
    std::string port_in_use(const std::string& name) const override;
    void add_to_port_view(const SwitchPort& port, nlohmann::json& view) const override;

    ControlResult add(const MirrorConfig& m);
    ControlResult del(const std::string& name);
    ControlResult show() const;

  private:
    // The session that uses `port` as source or output, or null.
    const MirrorConfig* using_port(const std::string& port) const;
    // Why `m` cannot be added next to the sessions there are, or "".
    std::string add_error(const MirrorConfig& m) const;
    // A session's runtime; ERSPAN ones get their hand-off ring. Null if it cannot be created.
    std::unique_ptr<MirrorRuntime> make_runtime(const MirrorConfig& m);
    // ERSPAN next hops without a static MAC: wanted from the neighbours.
    void want_next_hops();

    const SwitchServices sw_;
    std::vector<MirrorConfig> sessions_;                        // in creation order
    std::map<std::string, std::unique_ptr<MirrorRuntime>> rt_;  // their counters, by name
    uint64_t rings_created_ = 0;                                // for unique rte_ring names
};

}  // namespace vsw
