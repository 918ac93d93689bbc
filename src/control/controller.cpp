// What controllers share of the switch (controller.h): the switch clock and the MAC of the
// frames vsw builds.
#include "src/control/controller.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <algorithm>

#include "core/clock.h"

namespace vsw {

uint64_t switch_clock_ms(uint64_t tsc_origin) {
    return ms_since(tsc_origin, rte_rdtsc(), rte_get_tsc_hz());
}

uint64_t SwitchServices::clock_ms() const {
    return switch_clock_ms(tsc_origin);
}

uint32_t SwitchServices::clock_seconds() const {
    return seconds_since(tsc_origin, rte_rdtsc(), rte_get_tsc_hz());
}

uint64_t frame_source_mac(const SwitchPort& out, uint32_t local_ip) {
    if (out.kind == PortKind::kEthdev && out.attached) {
        rte_ether_addr a;
        if (rte_eth_macaddr_get(out.eth.port_id, &a) == 0) {
            uint64_t mac = 0;
            for (uint8_t b : a.addr_bytes) mac = mac << 8 | b;
            return mac;
        }
    }
    return 0x027673000000ull | (local_ip & 0xffffff);  // 02:76:73 = "vs", locally administered
}

}  // namespace vsw
