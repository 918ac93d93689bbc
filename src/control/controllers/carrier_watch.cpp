#include "src/control/controllers/carrier_watch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/parse.h"

namespace vsw {

namespace {

// NLMSG_OK without its comparison of mixed signs (clang warns about it in our code).
bool message_fits(const nlmsghdr* h, int left) {
    return left >= static_cast<int>(sizeof(nlmsghdr)) && h->nlmsg_len >= sizeof(nlmsghdr) &&
           h->nlmsg_len <= static_cast<unsigned>(left);
}

}  // namespace

CarrierWatch::CarrierWatch() {
    fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0) return;
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = RTMGRP_LINK;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd_);
        fd_ = -1;
    }
}

CarrierWatch::~CarrierWatch() {
    if (fd_ >= 0) close(fd_);
}

bool CarrierWatch::carrier(const std::string& ifname) {
    if (ifname.empty() || ifname.size() >= IFNAMSIZ) return false;
    const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return false;
    ifreq req{};
    memcpy(req.ifr_name, ifname.data(), ifname.size());
    const bool ok = ioctl(s, SIOCGIFFLAGS, &req) == 0;
    close(s);
    return ok && (req.ifr_flags & IFF_UP) && (req.ifr_flags & IFF_RUNNING);
}

std::vector<std::pair<std::string, bool>> CarrierWatch::changes() {
    std::vector<std::pair<std::string, bool>> out;
    if (fd_ < 0) return out;
    alignas(nlmsghdr) char buf[16384];
    for (;;) {
        const ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == ENOBUFS) {  // notifications were lost: the caller reads every state
                overrun_ = true;
                continue;
            }
            break;  // EAGAIN: nothing more
        }
        int left = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); message_fits(h, left);
             h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) continue;
            const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
            int attr_len = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof(ifinfomsg)));
            std::string name;
            for (auto* a = IFLA_RTA(info); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len))
                if (a->rta_type == IFLA_IFNAME)
                    name.assign(static_cast<const char*>(RTA_DATA(a)),
                                strnlen(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)));
            if (name.empty()) continue;
            // IFF_RUNNING (operationally up) as carrier() reads it, so both agree.
            const bool up = h->nlmsg_type == RTM_NEWLINK && (info->ifi_flags & IFF_UP) &&
                            (info->ifi_flags & IFF_RUNNING);
            out.emplace_back(std::move(name), up);
        }
    }
    return out;
}

bool CarrierWatch::resync() {
    const bool r = overrun_;
    overrun_ = false;
    return r;
}

std::string af_packet_interface(const std::string& devargs) {
    if (devargs.rfind("net_af_packet", 0) != 0) return "";
    for (const std::string& item : split_list(devargs))
        if (item.rfind("iface=", 0) == 0) return item.substr(6);
    return "";
}

}  // namespace vsw
