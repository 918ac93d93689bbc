#!/usr/bin/python3
"""A Linux guest as the LACP partner of a vswd bond (issue 28): the kernel's own 802.3ad bonding,
a second implementation nobody here wrote, on real virtio NICs.

    namespace h: veth at 10.78.0.1 -- vswd port "host" (af_packet on the veth's host end)
    vswd bond0 = up0 + up1 (af_packet on host taps T0, T1), lacp=active, lacp-time=fast,
                 bond-mode=balance-tcp
                   ||  ||
    QEMU guest (TCG): eth0 on T0, eth1 on T1 (QEMU's own virtio-net backend, speed=10000,
                 duplex=full: Linux bonding aggregates full-duplex ports only), Linux bond0 in
                 802.3ad mode, lacp_rate fast, miimon 100, xmit_hash_policy layer2+3, 10.78.0.2

balance-tcp, not balance-slb: the guest's bond is an LACP partner and takes frames on any
collecting port, so vswd may spread by flow (L3/L4 hash) as switches do on an LACP link;
balance-slb spreads by source MAC and would put the namespace's single MAC on one member.

- the bond negotiates: vswd's bond show says negotiated, both members distributing, their partner
  the guest's bond0 MAC; the guest's /proc/net/bonding/bond0 has both slaves in its active
  aggregator, partner vswd's actor system, states in sync, collecting and distributing;
- pings from the namespace reach the guest; 64 UDP flows leave vswd by both members and arrive
  on both of the guest's NICs;
- a member is cut under a 10 ms ping whose requests (vswd's hash) and replies (the guest's) both
  cross it (the namespace has several addresses: one whose flow hashes so is taken): the guest's
  NIC loses its link (QMP set_link) and the host tap goes down (what vswd watches): the ping
  loses well under a second, one member stays distributing on both sides;
- the member comes back: both distribute again, on both sides.

One guest boot; about 22 s of wall time.
"""
import contextlib
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from bond_lab import ping as lab_ping, sh, udp_flows as lab_udp_flows  # noqa: E402
from qemu_guest import Guest, TapNic, build_image  # noqa: E402
from vswd_process import BUILD, Vswd, check, log, run, wait_until  # noqa: E402

H_IP, G_IP = "10.78.0.1", "10.78.0.2"
# More addresses of the namespace: a ping's flow is hashed on its addresses at both ends, so one
# of them is taken whose requests and replies cross the same member, the one cut.
SOURCES = [H_IP] + [f"10.78.0.{i}" for i in range(3, 11)]
MACS = ["52:54:00:78:00:01", "52:54:00:78:00:02"]
SYNCED = 0x3c  # LACP state: aggregation, synchronization, collecting, distributing
PING_MS = 10


@contextlib.contextmanager
def topology():
    """Two host taps for the guest's NICs, and namespace h with a veth; yields (taps, veth's
    host end, namespace)."""
    tag = os.getpid() % 100000
    ns = f"vswgb{tag}"
    taps = [f"vgt{tag}a", f"vgt{tag}b"]
    host_end, far_end = f"vgh{tag}", f"hgh{tag}"
    sh("ip", "netns", "add", ns)
    try:
        for tap in taps:
            sh("ip", "tuntap", "add", "dev", tap, "mode", "tap")
            sh("sysctl", "-qw", f"net.ipv6.conf.{tap}.disable_ipv6=1")
            sh("ip", "link", "set", tap, "up")
        sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", far_end)
        sh("ip", "link", "set", far_end, "netns", ns)
        sh("sysctl", "-qw", f"net.ipv6.conf.{host_end}.disable_ipv6=1")
        # net_af_packet passes partial checksums on unfilled: the namespace fills its own.
        sh("ethtool", "-K", host_end, "tx", "off")
        sh("ip", "link", "set", host_end, "up")
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", f"net.ipv6.conf.{far_end}.disable_ipv6=1")
        sh("ip", "netns", "exec", ns, "ethtool", "-K", far_end, "tx", "off")
        for ip in SOURCES:
            sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{ip}/24", "dev", far_end)
        sh("ip", "netns", "exec", ns, "ip", "link", "set", far_end, "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        yield taps, host_end, ns
    finally:
        for dev in taps + [host_end]:
            subprocess.run(["ip", "link", "del", dev], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def bond_of(vswd):
    return next(b for b in vswd.ctl("bond", "show")["bonds"] if b["name"] == "bond0")


def members(vswd):
    return {m["name"]: m for m in bond_of(vswd)["members"]}


def distributing(vswd):
    return sorted(n for n, m in members(vswd).items() if m["distributing"])


def guest_bond(guest):
    """The guest's /proc/net/bonding/bond0: {"aggregator": id, "ports": n, "partner": MAC,
    "slaves": {name: {"mii": ..., "aggregator": id, "actor_state": n, "partner_state": n,
    "partner": MAC}}}."""
    text = guest.check("cat /proc/net/bonding/bond0")
    head, *slaves = re.split(r"\nSlave Interface: ", text)
    active = head.split("Active Aggregator Info:")[-1]

    def field(block, name, default=None):
        m = re.search(rf"{name}:\s*(\S+)", block)
        return m.group(1) if m else default

    out = {"aggregator": field(active, "Aggregator ID"), "ports": int(field(active, "Number of ports", 0)),
           "partner": field(active, "Partner Mac Address"), "slaves": {}}
    for block in slaves:
        name = block.split("\n", 1)[0].strip()
        actor, _, partner = block.partition("details partner lacp pdu:")
        out["slaves"][name] = {"mii": field(block, "MII Status"), "aggregator": field(block, "Aggregator ID"),
                               "actor_state": int(field(actor, "port state", 0)),
                               "partner_state": int(field(partner, "port state", 0)),
                               "partner": field(partner, "system mac address")}
    return out


def guest_aggregated(guest, names):
    """True when exactly `names` are the guest's active aggregator, in sync both ways."""
    b = guest_bond(guest)
    in_agg = sorted(n for n, s in b["slaves"].items()
                    if s["mii"] == "up" and s["aggregator"] == b["aggregator"]
                    and s["actor_state"] & SYNCED == SYNCED and s["partner_state"] & SYNCED == SYNCED)
    return b["ports"] == len(names) and in_agg == sorted(names)


def guest_counter(guest, what):
    """[eth0, eth1] of a guest NIC counter (rx_packets, tx_packets)."""
    out = guest.check(f"cat /sys/class/net/eth0/statistics/{what} /sys/class/net/eth1/statistics/{what}")
    return [int(x) for x in out.split()]


def ping(ns, count, interval="0.02", source=H_IP):
    """(sent, received) of a ping from namespace `ns` to the guest."""
    return lab_ping(ns, count, interval, dst=G_IP, source=source)


def udp_flows(ns, n_flows, per_flow=10):
    """per_flow datagrams on each of n_flows source ports from namespace `ns` to the guest."""
    lab_udp_flows(ns, n_flows, per_flow, src=H_IP, dst=G_IP)


def tx(vswd):
    return [vswd.port_stats(n)["tx_packets"] for n in ("up0", "up1")]


def ping_paths(vswd, guest, ns, source, what, quiet=False):
    """20 pings from `source`, all answered; returns the frames vswd sent by [up0, up1] and the
    guest by [eth0, eth1] meanwhile."""
    before, replies_before = tx(vswd), guest_counter(guest, "tx_packets")
    sent, got = ping(ns, 20, "0.02", source)
    check(got == sent, f"{what}: {got}/{sent}", quiet)
    return ([a - b for a, b in zip(tx(vswd), before)],
            [a - b for a, b in zip(guest_counter(guest, "tx_packets"), replies_before)])


def test(work):
    image = build_image(os.path.join(BUILD, "guest-image"))
    log(f"guest image: {image['initramfs']} ({'rebuilt' if image['rebuilt'] else 'cached'})")
    with topology() as (taps, host_end, ns):
        bond_test(work, image, taps, host_end, ns)


def bond_test(work, image, taps, host_end, ns):
    started = time.monotonic()
    # The guest boots while vswd starts.
    guest = Guest("gbond", [TapNic(t, mac, speed=10000, duplex="full") for t, mac in zip(taps, MACS)],
                  work.path, image).start()
    vswd = Vswd(work).start()
    vswd.ctl("add-port", "up0", "--type", "dpdk", "--devargs", f"net_af_packet0,iface={taps[0]}")
    vswd.ctl("add-port", "up1", "--type", "dpdk", "--devargs", f"net_af_packet1,iface={taps[1]}")
    vswd.ctl("add-port", "host", "--type", "dpdk", "--devargs", f"net_af_packet2,iface={host_end}")
    vswd.ctl("add-port", "bond0", "--type", "bond", "members=up0,up1", "bond-mode=balance-tcp",
             "lacp=active", "lacp-time=fast")
    log(f"guest ready after {guest.wait_ready():.1f}s")
    guest.load_module("bonding")  # and tls.ko, which it needs
    # iproute2's ip (/sbin/ip): busybox's knows no bond options. A NIC must be down to be enslaved.
    # layer2+3, not layer3+4: since Linux 5.x layer3+4 hashes an ICMP echo's id too, which each
    # ping process picks anew; the pings below must keep their path from one ping to the next.
    guest.check("/sbin/ip link add bond0 type bond mode 802.3ad lacp_rate fast miimon 100 "
                "xmit_hash_policy layer2+3 && "
                "for e in eth0 eth1; do ip link set $e down && /sbin/ip link set $e master bond0 || exit 1; done && "
                f"ip link set bond0 up && ip addr add {G_IP}/24 dev bond0")
    guest_mac = guest.check("cat /sys/class/net/bond0/address").strip()
    check(guest_mac == MACS[0], f"the guest's bond0 has its first NIC's MAC {guest_mac}")

    # Negotiation, seen from both ends.
    t0 = time.monotonic()
    wait_until(lambda: bond_of(vswd)["status"] == "negotiated" and distributing(vswd) == ["up0", "up1"], 30,
               "vswd: bond0 negotiated, both members distributing")
    wait_until(lambda: guest_aggregated(guest, ["eth0", "eth1"]), 20,
               "the guest: both slaves in its active aggregator, in sync")
    log(f"negotiated {time.monotonic() - t0:.1f}s after the guest's bond came up")
    b = bond_of(vswd)
    log(vswd.ctl_text("bond", "show"))
    partners = {(m["partner"]["system"], m["partner"]["key"]) for m in b["members"]}
    check(len(partners) == 1 and next(iter(partners))[0] == guest_mac,
          f"vswd's partner on both members is the guest's bond0 ({partners})")
    ports = sorted(m["partner"]["port"] for m in b["members"])
    check(ports == [1, 2], f"the partner's ports are the guest's two slaves: {ports}")
    gb = guest_bond(guest)
    log(f"the guest's bond: {gb}")
    check(gb["partner"] == b["actor_system"],
          f"the guest's aggregator partner is vswd's actor system {b['actor_system']}")
    check(all(s["partner"] == b["actor_system"] for s in gb["slaves"].values()),
          "both guest slaves see vswd as partner")

    # Traffic: pings, and flows spread over both members.
    wait_until(lambda: ping(ns, 3, "0.1")[1] == 3, 10, "the namespace pings the guest (ARP through the bond)")
    sent, got = ping(ns, 20)
    check(got == sent, f"ping through the bond: {got}/{sent}")
    # Which member each source's pings take, both ways: the cut must hit both ends' reaction.
    paths = {}
    for source in SOURCES:
        requests, replies = ping_paths(vswd, guest, ns, source, f"ping from {source}", quiet=True)
        # The member that took (nearly) all 20; an LACPDU or an ARP may add one or two.
        paths[source] = (max((0, 1), key=lambda i: requests[i]), max((0, 1), key=lambda i: replies[i]))
        if {r for r, _ in paths.values()} == {p for _, p in paths.values()} == {0, 1} and \
                any(r == p for r, p in paths.values()):
            break  # both ends spread pings over both members, and a source crosses one both ways
    log("requests by vswd's member, replies by the guest's NIC, per source: "
        + ", ".join(f"{s} up{r}/eth{p}" for s, (r, p) in paths.items()))
    check({r for r, _ in paths.values()} == {p for _, p in paths.values()} == {0, 1},
          "the pings of different sources take both members, from both ends")
    source = next((s for s, (r, p) in paths.items() if r == p), None)
    check(source is not None, "a source whose requests and replies cross the same member")
    cut = paths[source][0]
    rx0, tx0 = guest_counter(guest, "rx_packets"), tx(vswd)
    udp_flows(ns, 64)
    spread = [a - b for a, b in zip(tx(vswd), tx0)]
    arrived = [a - b for a, b in zip(guest_counter(guest, "rx_packets"), rx0)]
    check(all(v >= 64 * 10 // 8 for v in spread), f"64 UDP flows leave vswd by both members: {spread}")
    check(all(v >= 64 * 10 // 8 for v in arrived), f"... and arrive on both of the guest's NICs: {arrived}")

    # The cut, under a 10 ms ping. Each end must see its own side go, as both ends of a pulled
    # cable do: the guest's NIC loses its link (QMP set_link on the tap netdev downs the virtio
    # NIC too: a config interrupt, the guest's carrier goes; bonding takes the slave out of its
    # transmit set on that event and miimon marks it down within 100 ms) and the host tap goes
    # down (QEMU keeps the tap open, so its carrier would stay; vswd follows the tap's netlink
    # state). Either alone leaves the other end sending into a dead link until LACP times it
    # out (3 s with fast timers).
    member, nic, tap = f"up{cut}", f"eth{cut}", taps[cut]
    count = 400
    pinger = subprocess.Popen(["ip", "netns", "exec", ns, "ping", "-q", "-n", "-I", source, "-i",
                               str(PING_MS / 1000), "-c", str(count), "-W", "1", G_IP], stdout=subprocess.PIPE,
                              text=True)
    time.sleep(1.0)
    t0 = time.monotonic()
    guest.qmp("set_link", name=f"net{cut}", up=False)
    sh("ip", "link", "set", tap, "down")
    wait_until(lambda: member not in distributing(vswd), 5, f"{member} leaves vswd's bond")
    vswd_took = time.monotonic() - t0
    wait_until(lambda: guest_bond(guest)["slaves"][nic]["mii"] == "down", 5, f"the guest sees {nic} down")
    guest_took = time.monotonic() - t0
    out = pinger.communicate(timeout=60)[0]
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    sent, got = int(m.group(1)), int(m.group(2))
    lost = sent - got
    log(f"cut {member}/{nic} under a ping from {source}: bond show had it out after {vswd_took * 1000:.0f} ms, "
        f"the guest's bonding after {guest_took * 1000:.0f} ms (both polled); the {PING_MS} ms ping lost "
        f"{lost} of {sent} ({lost * PING_MS} ms)")
    print(f"BOND_GUEST_PINGS_LOST {lost}", flush=True)
    check(lost * PING_MS < 1000, f"the outage of a {PING_MS} ms ping is under 1 s ({lost} lost)")
    other = f"up{1 - cut}"
    check(distributing(vswd) == [other] and bond_of(vswd)["status"] == "negotiated",
          f"vswd: still negotiated, {other} alone distributing")
    check(guest_aggregated(guest, [f"eth{1 - cut}"]), f"the guest: eth{1 - cut} alone in its aggregator")
    requests, replies = ping_paths(vswd, guest, ns, source, "ping over the remaining member")
    check(requests[cut] == 0 and replies[cut] == 0,
          f"both ends moved the flow off the cut member: requests {requests}, replies {replies}")

    # Back: both distribute again.
    t0 = time.monotonic()
    sh("ip", "link", "set", tap, "up")
    guest.qmp("set_link", name=f"net{cut}", up=True)
    wait_until(lambda: distributing(vswd) == ["up0", "up1"], 20, f"{member} rejoins vswd's bond")
    wait_until(lambda: guest_aggregated(guest, ["eth0", "eth1"]), 20, f"{nic} rejoins the guest's aggregator")
    log(f"both members distributing again {time.monotonic() - t0:.1f}s after the link came back")
    # The guest hashes modulo its slaves: the replies come back to the NIC. vswd hands the
    # rejoining member half the buckets, the last ones of the other (not the ones it had): the
    # requests may stay where they are; the flows below check its spread.
    requests, replies = ping_paths(vswd, guest, ns, source, "ping after the rejoin")
    check(replies[cut] >= 20, f"the guest's replies are back on {nic}: requests {requests}, replies {replies}")
    tx0 = tx(vswd)
    udp_flows(ns, 64)
    spread = [a - b for a, b in zip(tx(vswd), tx0)]
    check(all(v >= 64 * 10 // 8 for v in spread), f"flows spread over both members again: {spread}")

    bond_log = [line for line in vswd.log().splitlines() if "bond" in line]
    log("vswd's bond log:\n" + "\n".join(bond_log[-30:]))
    check(vswd.alive() and guest.alive(), "vswd and the guest are alive")
    guest.kill()
    check(vswd.stop() == 0, "vswd stops cleanly")
    log(f"wall time from the guest's start: {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    run(test, "e2e-bond-guest")
