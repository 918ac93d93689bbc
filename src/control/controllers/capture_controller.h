// Packet capture's control side: starting captures (`vswctl capture`), attaching their taps
// once the answer went out, ending them when a port goes or the client leaves, reaping finished
// ones, and the running ones in `show`. The capture itself is telemetry/capture/.
#pragma once

#include <memory>
#include <vector>

#include "src/control/controller.h"
#include "telemetry/capture/capture_session.h"

namespace vsw {

class CaptureController final : public Controller {
  public:
    explicit CaptureController(const SwitchServices& services) : sw_(services) {}

    void register_commands(CommandTable& table) override;
    // Attaches the taps of captures whose answer went out, detaches those that are done, frees
    // finished ones.
    void poll() override;
    void port_removed(uint16_t slot) override;
    void add_to_show(nlohmann::json& show) const override;
    void shutdown() override;

    // Starts capturing a port; the frames follow the answer on `client_fd` (a duplicate of it
    // is kept).
    ControlResult capture(const CaptureRequest& r, int client_fd);

  private:
    // Makes the tap of `s` unreachable by workers, then lets its thread finish.
    void detach(CaptureSession& s, const char* reason);

    const SwitchServices sw_;
    std::vector<std::unique_ptr<CaptureSession>> captures_;  // running captures
    unsigned created_ = 0;                                   // for unique ring and pool names
};

}  // namespace vsw
