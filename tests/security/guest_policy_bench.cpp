// Port security's check of a guest's frames (security/guest_policy.h) over a burst of 32, per
// kind of frame a guest sends: what a port-security port pays per frame before switching.
#include <vector>

#include "security/guest_policy.h"
#include "tests/security/guest_frames.h"
#include "tests/support/bench.h"

using namespace vsw;
using namespace vsw::test;

namespace {

constexpr Mac kGuest = 0x020000000001;

void check_burst(const char* name, const GuestPolicy& p, const std::vector<uint8_t>& f) {
    const std::vector<std::vector<uint8_t>> frames(32, f);
    bench::run(name, 32, [&] {
        unsigned refused = 0;
        for (const auto& x : frames)
            refused += guest_frame_violation(p, x.data(), static_cast<uint16_t>(x.size())) ? 1 : 0;
        bench::keep(refused);
    });
}

}  // namespace

int main() {
    PortSecurity s;
    s.enabled = true;
    s.allowed_macs = {kGuest};
    // A cloud port: a few addresses of each family; the frames' are the last ones checked.
    s.allowed_ipv4 = {{0x0a000001, 32}, {0x0a000002, 32}, {0x0a000005, 32}};
    s.allowed_ipv6 = {{ip6("2001:db8::1"), 128}, {ip6("2001:db8::5"), 128}};
    const GuestPolicy p = make_guest_policy(s);
    const auto ll = ipv6_link_local(kGuest);
    check_burst("port security: burst of 32 IPv4/UDP", p, udp4(kGuest, 0x0a000005, 5000, 5000));
    check_burst("port security: burst of 32 ARP", p, arp(kGuest, kGuest, 0x0a000005));
    check_burst("port security: burst of 32 IPv6/UDP", p,
                ipv6(kGuest, ip6("2001:db8::5"), 17, std::vector<uint8_t>(8, 0)));
    check_burst("port security: burst of 32 IPv6 neighbour advertisements", p,
                ipv6(kGuest, ll, 58, nd(136, ip6("2001:db8::5"), kGuest, 2)));
    check_burst("port security: burst of 32 spoofed IPv4 (refused)", p,
                udp4(kGuest, 0x0a000009, 5000, 5000));
}
