// The slow path, control side: it owns the punt ring (up from every worker) and the inject ring
// (down, through worker 0), hands each punt to the handlers that claimed its reason, and sends
// frames out of a port. The datapath side is src/datapath/slow_path.h. Control thread only.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <vector>

#include "src/datapath/slow_path.h"

struct rte_mempool;
struct rte_ring;

namespace vsw {

class SlowPath {
  public:
    using Handler = std::function<void(const Punt&)>;

    SlowPath() = default;
    ~SlowPath() { destroy(); }
    SlowPath(const SlowPath&) = delete;
    SlowPath& operator=(const SlowPath&) = delete;

    // Creates the rings; frames to send come from `pool`. "" or the error.
    std::string create(rte_mempool* pool);
    // Frees the rings and what they still hold (no worker may use them any more).
    void destroy();
    rte_ring* punt_ring() const { return punt_; }
    rte_ring* inject_ring() const { return inject_; }

    // `handler` gets every punt of `reason` (several may claim one: ERSPAN and VXLAN both read
    // ARP). A punted frame is freed after its handlers return.
    void claim(PuntReason reason, Handler handler);
    // Hands every punt waiting to its handlers.
    void poll();
    // Sends `frame` out of port `slot` (worker 0 transmits it). False if it cannot be queued.
    bool send(uint16_t slot, std::span<const uint8_t> frame);

    // Punts taken and sends queued or refused, for `show`.
    nlohmann::json stats() const;

  private:
    rte_mempool* pool_ = nullptr;
    rte_ring* punt_ = nullptr;    // Punt elements, any worker -> here
    rte_ring* inject_ = nullptr;  // rte_mbuf*, here -> worker 0
    std::array<std::vector<Handler>, kPuntReasonCount> handlers_;
    std::array<uint64_t, kPuntReasonCount> taken_{};  // punts by reason
    uint64_t unclaimed_ = 0;                          // punts nobody claimed
    uint64_t sent_ = 0, send_failed_ = 0;             // frames sent, refused (no mbuf, full)
};

}  // namespace vsw
