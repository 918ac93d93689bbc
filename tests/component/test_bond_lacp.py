#!/usr/bin/python3
"""A LACP bond against Open vSwitch, a peer nobody here wrote (issue 28).

    namespace h (10.77.0.1) -- veth -- vswd "host" port
                                       vswd bond0 = up0 + up1 (af_packet on two veths)
                                             || ||
    namespace o: ovs-vswitchd (userspace datapath), a bond of the two veths' far ends,
                 bridge br0 with its internal port at 10.77.0.2

- the bond negotiates with lacp=active and fast timers: OVS's lacp/show says negotiated and
  current, vswd's bond show agrees; many UDP flows leave by both links;
- a member's veth goes down: a 10 ms ping and a TCP stream see less than a second of outage,
  the stream survives; the member comes back and rejoins;
- the partner stops sending LACPDUs on one member (an nftables egress rule drops them): the
  member times out in about 3 s;
- OVS with lacp=off and vswd with lacp-fallback=on: traffic flows over one member.
"""
import re
import signal
import subprocess
import time
import urllib.request

from bond_lab import (O_IP, TcpStream, add_vsw_ports, bond_of, members, ping, sh, start_ovs_bond, topology,
                      udp_flows)
from ovs_peer import OvsSwitch
from vswtest import Vswd, check, free_port, log, run, wait_until


def ovs_lacp(ovs):
    return ovs.appctl("lacp/show", "bond0")


def test(work):
    with topology() as (ns_o, ns_h, links):
        with OvsSwitch(work, ns_o) as ovs:
            run_bond(work, ovs, ns_o, ns_h, links)


def run_bond(work, ovs, ns_o, ns_h, links):
    oa0, oa1 = links["a0"][1], links["a1"][1]
    start_ovs_bond(ovs, ns_o, links, "lacp=active", "bond_mode=balance-tcp", "other_config:lacp-time=fast")
    metrics_port = free_port()
    extra = ["--metrics-listen", f"127.0.0.1:{metrics_port}"]
    vswd = Vswd(work, extra=extra).start()
    add_vsw_ports(vswd, links)
    # Bad requests: clear errors, nothing created.
    for args, why in ((["members=up0,nope"], "no port named 'nope'"),
                      (["members=up0,host", "lacp=sometimes"], "lacp must be"),
                      (["members=up0,up0"], "named twice"),
                      (["members=bond0"], "its own member")):
        _, err = vswd.ctl_fail("add-port", "bond0", "--type", "bond", *args)
        check(why in err, f"add-port bond0 {' '.join(args)}: {err}")
    vswd.ctl("add-port", "bond0", "--type", "bond", "members=up0,up1", "bond-mode=balance-tcp",
             "lacp=active", "lacp-time=fast")
    _, err = vswd.ctl_fail("add-port", "bond1", "--type", "bond", "members=up1")
    check("already a member of bond 'bond0'" in err, f"a member belongs to one bond: {err}")
    _, err = vswd.ctl_fail("del-port", "up0")
    check("member of bond bond0" in err, f"a member cannot be deleted under its bond: {err}")

    # Negotiation.
    wait_until(lambda: bond_of(vswd)["status"] == "negotiated" and
               all(m["distributing"] for m in members(vswd).values()), 20, "vswd: both members distributing")
    wait_until(lambda: "negotiated" in ovs_lacp(ovs), 20, "OVS: lacp/show says negotiated")
    show = ovs_lacp(ovs)
    log(show)
    check(show.count("current attached") == 2, "OVS: both members current and attached")
    b = bond_of(vswd)
    partner = {m["partner"]["system"] for m in b["members"]}
    check(len(partner) == 1 and partner != {"00:00:00:00:00:00"}, f"vswd sees one partner system {partner}")
    ovs_system = re.search(r"sys_id:\s*([0-9a-f:]{17})", show)
    check(ovs_system and ovs_system.group(1) in partner, "vswd's partner is OVS's system id")
    check(f"partner sys_id: {b['actor_system']}" in show, "OVS's partner is vswd's actor system")
    log(vswd.ctl_text("bond", "show"))

    # Traffic.
    sent, got = ping(ns_h, 20, "0.02")
    check(got == sent, f"ping through the bond: {got}/{sent}")
    before = {n: vswd.port_stats(n)["tx_packets"] for n in ("up0", "up1")}
    udp_flows(ns_h, 64)
    after = {n: vswd.port_stats(n)["tx_packets"] for n in ("up0", "up1")}
    spread = {n: after[n] - before[n] for n in after}
    check(all(v >= 64 * 20 // 8 for v in spread.values()), f"64 UDP flows leave by both members: {spread}")

    # Carrier loss on one member, under a ping and a TCP stream.
    stream = TcpStream(ns_h, ns_o).run(6)
    pinger = subprocess.Popen(["ip", "netns", "exec", ns_h, "ping", "-q", "-n", "-i", "0.01", "-c", "500",
                               "-W", "1", O_IP], stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    sh("ip", "netns", "exec", ns_o, "ip", "link", "set", oa0, "down")
    wait_until(lambda: not members(vswd)["up0"]["distributing"], 5, "up0 leaves at once")
    out = pinger.communicate(timeout=60)[0]
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    lost = int(m.group(1)) - int(m.group(2))
    log(f"carrier loss: the 10 ms ping lost {lost} ({lost * 10} ms)")
    check(lost * 10 < 1000, f"the outage of a 10 ms ping is under 1 s ({lost} lost)")
    sent_bytes, got_bytes, gap = stream.result()
    check(got_bytes == sent_bytes,
          f"the TCP stream survived: {got_bytes}/{sent_bytes} bytes, longest gap {gap * 1000:.0f} ms")
    check(members(vswd)["up1"]["distributing"], "up1 carries everything")

    # Back up: rejoins.
    sh("ip", "netns", "exec", ns_o, "ip", "link", "set", oa0, "up")
    wait_until(lambda: all(m["distributing"] for m in members(vswd).values()), 20, "up0 rejoins")
    # A rejoin can cost a frame in flight while the two ends turn distribution on (coupled
    # control: each starts when the other says it is in sync); then nothing more is lost.
    wait_until(lambda: ping(ns_h, 5, "0.02")[1] == 5, 10, "pings answered after the rejoin")
    sent, got = ping(ns_h, 20, "0.02")
    check(got == sent, f"ping after the rejoin: {got}/{sent}")

    # The partner falls silent on one member: its LACPDUs dropped on their way out of OVS (an
    # nftables egress hook on its veth; everything else still flows).
    nft = ["ip", "netns", "exec", ns_o, "nft"]
    sh(*nft, "add", "table", "netdev", "silence")
    sh(*nft, "add", "chain", "netdev", "silence", "lacp",
       f"{{ type filter hook egress device {oa1} priority 0; }}")
    sh(*nft, "add", "rule", "netdev", "silence", "lacp", "ether", "type", "0x8809", "drop")
    t0 = time.monotonic()
    wait_until(lambda: not members(vswd)["up1"]["distributing"], 10, "up1 times out")
    took = time.monotonic() - t0
    log(f"silent partner: up1 left after {took:.1f} s")
    check(1.8 <= took <= 4.5, f"a silent partner times out in about 3 s with fast timers ({took:.1f} s)")
    # OVS still sends on it until it hears that vswd is out of sync with it, which 802.1AX says
    # only once vswd's receive machine gives the silent partner up (DEFAULTED, 3 s later): its
    # frames on up1 are counted as bond_inactive until then.
    t0 = time.monotonic()
    wait_until(lambda: ping(ns_h, 5, "0.05")[1] == 5, 10, "ping over the remaining member")
    log(f"OVS stopped using up1 {time.monotonic() - t0:.1f} s later")
    check(members(vswd)["up1"]["receive_state"] == "DEFAULTED", "up1's partner is DEFAULTED")
    sent, got = ping(ns_h, 20, "0.02")
    check(got == sent, f"ping over the remaining member: {got}/{sent}")
    sh(*nft, "delete", "table", "netdev", "silence")
    wait_until(lambda: all(m["distributing"] for m in members(vswd).values()), 20, "up1 rejoins")

    # OVS stops speaking LACP; vswd falls back to active-backup.
    vswd.ctl("set-port", "bond0", "lacp-fallback=on")
    # Two active-backup ends agree on nothing: OVS's active member is pinned to the one vswd's
    # fallback takes (its first member with a carrier), as an operator pins a switch's.
    ovs.vsctl("set", "port", "bond0", "lacp=off", "bond_mode=active-backup",
              f"other_config:bond-primary={oa0}")
    wait_until(lambda: bond_of(vswd)["status"] == "fallback", 20, "vswd falls back to active-backup")
    dist = [n for n, m in members(vswd).items() if m["distributing"]]
    check(dist == ["up0"], f"one member distributes in fallback, the first: {dist}")
    wait_until(lambda: ping(ns_h, 5, "0.05")[1] == 5, 20, "ping over the fallback member")
    sent, got = ping(ns_h, 20, "0.02")
    check(got == sent, f"traffic flows in fallback: {got}/{sent}")

    def metrics():  # refreshed once a second
        return urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
    wait_until(lambda: 'vsw_bond_members_distributing{bond="bond0"} 1' in metrics(), 5,
               "Prometheus: one member of bond0 distributes")
    check('vsw_bond_member_distributing{bond="bond0",member="up1"} 0' in metrics(),
          "Prometheus: up1 does not")

    # A static bond (no LACP on either side), balance-slb: both members carry traffic at once.
    ovs.vsctl("set", "port", "bond0", "bond_mode=balance-slb")
    vswd.ctl("set-port", "bond0", "lacp=off", "lacp-fallback=off", "bond-mode=balance-slb")
    b = bond_of(vswd)
    check(b["status"] == "static" and all(m["distributing"] for m in b["members"]),
          "a static bond: both members distribute as soon as it is set")
    check(sum(1 for m in b["members"] if m["buckets"]) == 2, "each member carries buckets")
    sent, got = ping(ns_h, 20, "0.02")
    check(got == sent, f"ping through the static balance-slb bond: {got}/{sent}")
    vswd.ctl("set-port", "bond0", "lacp=active", "lacp-fallback=on", "bond-mode=balance-tcp")

    # Restarted after a SIGKILL: the bond comes back from the state file and negotiates again,
    # also with a member added after the bond itself (the state file lists ports in creation
    # order; bonds are restored after every other port).
    vswd.ctl("add-port", "up2", "--type", "dpdk", "--devargs", "net_null9,no-rx=1")
    vswd.ctl("set-port", "bond0", "members=up0,up1,up2")
    ovs.vsctl("set", "port", "bond0", "lacp=active", "bond_mode=balance-tcp")
    vswd.stop(signal.SIGKILL)
    vswd = Vswd(work, extra=extra).start()
    b = bond_of(vswd)
    check(b is not None and b["bond_mode"] == "balance-tcp" and b["lacp"] == "active" and
          b["lacp_time"] == "fast" and b["lacp_fallback"] is True and
          [m["name"] for m in b["members"]] == ["up0", "up1", "up2"], "bond0 restored as it was")
    wait_until(lambda: bond_of(vswd)["status"] == "negotiated" and
               members(vswd)["up0"]["distributing"] and members(vswd)["up1"]["distributing"], 20,
               "negotiated again after the restart")
    check(not members(vswd)["up2"]["distributing"], "up2 (no partner behind it) does not distribute")
    wait_until(lambda: ping(ns_h, 5, "0.02")[1] == 5, 10, "pings answered after the restart")
    sent, got = ping(ns_h, 20, "0.02")
    check(got == sent, f"ping through the restored bond: {got}/{sent}")
    # Members keep no switching settings of their own, and never switch on their own while up.
    _, err = vswd.ctl_fail("set-port", "up0", "vlan-mode=access", "tag=10")
    check("member of bond bond0" in err, f"a member takes no VLAN of its own: {err}")
    _, err = vswd.ctl_fail("set-port", "bond0", "members=up0,up2")
    check("up1 would leave bond bond0 administratively up" in err, f"up1 cannot leave up: {err}")
    _, err = vswd.ctl_fail("del-port", "bond0")
    check("admin=down first" in err, f"nor can the bond go while its members are up: {err}")
    for m in ("up0", "up1", "up2"):
        vswd.ctl("set-port", m, "admin=down")
    vswd.ctl("del-port", "bond0")
    vswd.ctl("del-port", "up0")
    check(vswd.alive(), "vswd is alive")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "bond-lacp")
