#include <array>
#include <cctype>

#include "virtio/virtio_net.h"

namespace vsw::virtio {
namespace {

struct NamedBit {
    unsigned bit;      // feature bit number
    const char* name;  // spec name
};

constexpr std::array kNames = {
    NamedBit{kCsum, "VIRTIO_NET_F_CSUM"},
    NamedBit{kGuestCsum, "VIRTIO_NET_F_GUEST_CSUM"},
    NamedBit{kCtrlGuestOffloads, "VIRTIO_NET_F_CTRL_GUEST_OFFLOADS"},
    NamedBit{kMtu, "VIRTIO_NET_F_MTU"},
    NamedBit{kMac, "VIRTIO_NET_F_MAC"},
    NamedBit{kGuestTso4, "VIRTIO_NET_F_GUEST_TSO4"},
    NamedBit{kGuestTso6, "VIRTIO_NET_F_GUEST_TSO6"},
    NamedBit{kGuestEcn, "VIRTIO_NET_F_GUEST_ECN"},
    NamedBit{kGuestUfo, "VIRTIO_NET_F_GUEST_UFO"},
    NamedBit{kHostTso4, "VIRTIO_NET_F_HOST_TSO4"},
    NamedBit{kHostTso6, "VIRTIO_NET_F_HOST_TSO6"},
    NamedBit{kHostEcn, "VIRTIO_NET_F_HOST_ECN"},
    NamedBit{kHostUfo, "VIRTIO_NET_F_HOST_UFO"},
    NamedBit{kMrgRxbuf, "VIRTIO_NET_F_MRG_RXBUF"},
    NamedBit{kStatus, "VIRTIO_NET_F_STATUS"},
    NamedBit{kCtrlVq, "VIRTIO_NET_F_CTRL_VQ"},
    NamedBit{kCtrlRx, "VIRTIO_NET_F_CTRL_RX"},
    NamedBit{kCtrlVlan, "VIRTIO_NET_F_CTRL_VLAN"},
    NamedBit{kGuestAnnounce, "VIRTIO_NET_F_GUEST_ANNOUNCE"},
    NamedBit{kMq, "VIRTIO_NET_F_MQ"},
    NamedBit{kCtrlMacAddr, "VIRTIO_NET_F_CTRL_MAC_ADDR"},
    NamedBit{kNotifyOnEmpty, "VIRTIO_F_NOTIFY_ON_EMPTY"},
    NamedBit{kLogAll, "VHOST_F_LOG_ALL"},
    NamedBit{kAnyLayout, "VIRTIO_F_ANY_LAYOUT"},
    NamedBit{kRingIndirectDesc, "VIRTIO_RING_F_INDIRECT_DESC"},
    NamedBit{kRingEventIdx, "VIRTIO_RING_F_EVENT_IDX"},
    NamedBit{kVhostUserProtocol, "VHOST_USER_F_PROTOCOL_FEATURES"},
    NamedBit{kVersion1, "VIRTIO_F_VERSION_1"},
    NamedBit{kAccessPlatform, "VIRTIO_F_ACCESS_PLATFORM"},
    NamedBit{kRingPacked, "VIRTIO_F_RING_PACKED"},
    NamedBit{kInOrder, "VIRTIO_F_IN_ORDER"},
    NamedBit{kOrderPlatform, "VIRTIO_F_ORDER_PLATFORM"},
    NamedBit{kSrIov, "VIRTIO_F_SR_IOV"},
    NamedBit{kNotificationData, "VIRTIO_F_NOTIFICATION_DATA"},
};

std::string short_name(const std::string& spec_name) {
    static constexpr std::array kPrefixes = {"VIRTIO_NET_F_", "VIRTIO_RING_F_", "VIRTIO_F_",
                                             "VHOST_USER_F_", "VHOST_F_"};
    std::string s = spec_name;
    for (const char* p : kPrefixes) {
        const std::string prefix(p);
        if (s.rfind(prefix, 0) == 0) {
            s = s.substr(prefix.size());
            break;
        }
    }
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

std::string feature_name(unsigned bit_number) {
    for (const auto& n : kNames)
        if (n.bit == bit_number) return n.name;
    return "bit " + std::to_string(bit_number);
}

std::vector<std::string> feature_names(uint64_t features) {
    std::vector<std::string> out;
    for (unsigned b = 0; b < 64; ++b)
        if (features & (uint64_t{1} << b)) out.push_back(feature_name(b));
    return out;
}

std::string feature_summary(uint64_t features) {
    std::string out;
    for (const auto& name : feature_names(features)) {
        if (!out.empty()) out += ',';
        out += short_name(name);
    }
    return out.empty() ? "-" : out;
}

}  // namespace vsw::virtio
