// virtio-net definitions (virtio 1.2 spec, section 5.1): feature bits and their names, the header
// before each frame.
// linux/virtio_net.h does not compile as C++, so the bits vsw needs are defined here.
// Pure definitions: no DPDK state, unit-tested in tests/virtio/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vsw::virtio {

// Feature bit numbers, as negotiated over vhost-user (VHOST_USER_SET_FEATURES).
enum FeatureBit : unsigned {
    kCsum = 0,                // device handles packets with partial checksum
    kGuestCsum = 1,           // driver handles packets with partial checksum
    kCtrlGuestOffloads = 2,   // control channel offloads reconfiguration
    kMtu = 3,                 // device reports its maximum MTU
    kMac = 5,                 // device has a given MAC address
    kGuestTso4 = 7,           // driver can receive TSOv4
    kGuestTso6 = 8,           // driver can receive TSOv6
    kGuestEcn = 9,            // driver can receive TSO with ECN
    kGuestUfo = 10,           // driver can receive UFO
    kHostTso4 = 11,           // device can receive TSOv4
    kHostTso6 = 12,           // device can receive TSOv6
    kHostEcn = 13,            // device can receive TSO with ECN
    kHostUfo = 14,            // device can receive UFO
    kMrgRxbuf = 15,           // driver can merge receive buffers
    kStatus = 16,             // configuration status field is available
    kCtrlVq = 17,             // control channel is available
    kCtrlRx = 18,             // control channel RX mode support
    kCtrlVlan = 19,           // control channel VLAN filtering
    kGuestAnnounce = 21,      // driver can send gratuitous packets
    kMq = 22,                 // multiqueue with automatic receive steering
    kCtrlMacAddr = 23,        // set MAC address through control channel
    kNotifyOnEmpty = 24,      // legacy
    kAnyLayout = 27,          // legacy: any descriptor layout
    kRingIndirectDesc = 28,   // indirect descriptors
    kRingEventIdx = 29,       // used_event / avail_event
    kVhostUserProtocol = 30,  // vhost-user protocol features negotiated
    kVersion1 = 32,           // virtio 1.0 compliant
    kAccessPlatform = 33,     // IOMMU platform
    kRingPacked = 34,         // packed virtqueue layout
    kInOrder = 35,            // descriptors used in order
    kOrderPlatform = 36,      // platform memory ordering
    kSrIov = 37,              // single root I/O virtualization
    kNotificationData = 38,   // extra data in notifications
    kLogAll = 26,             // vhost: dirty logging for live migration (VHOST_F_LOG_ALL)
};

constexpr uint64_t bit(FeatureBit b) {
    return uint64_t{1} << b;
}

// The offloads vsw takes from guests and gives them: partial checksums and TCP segmentation
// (TSO) over IPv4 and IPv6, both ways (offloads=on, the default).
constexpr uint64_t kOffloads = bit(kCsum) | bit(kGuestCsum) | bit(kGuestTso4) | bit(kGuestTso6) |
                               bit(kHostTso4) | bit(kHostTso6);
// Offloads vsw never offers: UDP fragmentation offload and ECN with TSO (as Open vSwitch), and
// the guest switching its offloads at runtime.
constexpr uint64_t kNeverOffered =
    bit(kGuestEcn) | bit(kGuestUfo) | bit(kHostEcn) | bit(kHostUfo) | bit(kCtrlGuestOffloads);

// The header before every frame on a virtio-net queue (spec 5.1.6, VERSION_1 layout: 12 bytes,
// little-endian). From a guest it is a request vsw checks, never trusts.
struct NetHeader {
    uint8_t flags;         // kHdrNeedsCsum | kHdrDataValid
    uint8_t gso_type;      // kGsoNone, kGsoTcpv4, kGsoUdp, kGsoTcpv6 (| kGsoEcn)
    uint16_t hdr_len;      // bytes of L2-L4 headers (a hint)
    uint16_t gso_size;     // segment payload size when gso_type is not kGsoNone
    uint16_t csum_start;   // where checksumming starts, with kHdrNeedsCsum
    uint16_t csum_offset;  // where the checksum goes, from csum_start
    uint16_t num_buffers;  // receive buffers merged (MRG_RXBUF); 0 from a guest's TX
};
static_assert(sizeof(NetHeader) == 12);

inline constexpr uint8_t kHdrNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
inline constexpr uint8_t kHdrDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID
inline constexpr uint8_t kGsoNone = 0;       // VIRTIO_NET_HDR_GSO_NONE
inline constexpr uint8_t kGsoTcpv4 = 1;      // VIRTIO_NET_HDR_GSO_TCPV4
inline constexpr uint8_t kGsoUdp = 3;        // VIRTIO_NET_HDR_GSO_UDP
inline constexpr uint8_t kGsoTcpv6 = 4;      // VIRTIO_NET_HDR_GSO_TCPV6
inline constexpr uint8_t kGsoEcn = 0x80;     // VIRTIO_NET_HDR_GSO_ECN

// Spec name of a feature bit ("VIRTIO_NET_F_MRG_RXBUF"), or "bit N" for one vsw does not know.
std::string feature_name(unsigned bit_number);

// Names of all bits set in `features`, lowest bit first.
std::vector<std::string> feature_names(uint64_t features);

// Short form for tables: "mrg_rxbuf,mq,version_1,..." (lower case, prefix stripped).
std::string feature_summary(uint64_t features);

}  // namespace vsw::virtio
