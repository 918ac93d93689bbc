// Per-port bandwidth's control side (bandwidth_controller.h).
#include "src/control/controllers/bandwidth_controller.h"

#include "qos/shaping.h"

namespace vsw {

using nlohmann::json;

void BandwidthController::publish(Snapshot& next) {
    // What the previous publish replaced was read by the snapshot before it, which no worker
    // reads since that publish waited for them.
    retired_.clear();
    for (SwitchPort* p : sw_.ports()) {
        View& v = views_[p->slot];
        if (!v.qos || v.made_from != p->config.bandwidth) {
            PortQos q = port_qos(p->config.bandwidth);
            q.version = ++versions_;  // workers start its buckets afresh
            if (v.qos) retired_.push_back(std::move(v.qos));
            v.qos = std::make_unique<const PortQos>(q);
            v.made_from = p->config.bandwidth;
        }
        next.qos[p->slot] = v.qos.get();
    }
}

void BandwidthController::port_changed(SwitchPort& p, const PortConfig& before) {
    if (p.config.bandwidth != before.bandwidth && !views_[p.slot].qos->rx_shaped)
        guest_rx_flush(p.shaping);  // nobody drains it any more
}

void BandwidthController::port_removed(uint16_t slot) {
    views_[slot] = View{};  // no snapshot names the port any more
}

void BandwidthController::add_to_port_stats(const SwitchPort& p, json& j) const {
    const PortQos* q = views_[p.slot].qos.get();
    if (!q || !(q->tx_shaped || q->rx_shaped)) return;
    telemetry::PortCountersTotal t;
    for (const auto& c : p.counters) t.accumulate(c);
    if (q->tx_shaped)
        j["tx_shaping"] = {{"rate", p.config.bandwidth.tx_rate},
                           {"tokens", p.shaping.tx_tokens.load()},
                           {"throttled_rounds", t.tx_throttled}};
    if (q->rx_shaped)
        j["rx_shaping"] = {{"rate", p.config.bandwidth.rx_rate},
                           {"mode", q->rx_police ? "police" : "shape"},
                           {"tokens", p.shaping.rx_tokens.load()},
                           {"limit_bytes", q->rx_limit},
                           {"queue_packets", guest_rx_queued(p.shaping)},
                           {"queue_bytes", p.shaping.rx_queue_bytes.load()},
                           {"queued_packets", t.rx_queued},
                           {"queued_bytes", t.rx_queued_bytes}};
}

}  // namespace vsw
