#!/usr/bin/python3
"""VLAN isolation between real guests: two guests on access ports of VLAN 10, one on VLAN 20 (with
an address in VLAN 10's subnet too, so a leak would answer), and a guest on a trunk that builds
802.1Q sub-interfaces with its own kernel. Same-VLAN ping works, cross-VLAN gets nothing and not a
single frame reaches the other VLAN's guest; the trunk guest reaches both VLANs; moving a port to
another VLAN takes effect at runtime."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from qemu_guest import Guest, Nic, boot_all, build_image  # noqa: E402
from vswd_process import BUILD, Vswd, check, log, run  # noqa: E402

GUESTS = {  # name: (MAC, vswctl VLAN settings, guest network set-up)
    "v10a": ("52:54:00:00:0a:01", ["vlan-mode=access", "tag=10"], "ip addr add 10.0.10.1/24 dev eth0"),
    "v10b": ("52:54:00:00:0a:02", ["vlan-mode=access", "tag=10"], "ip addr add 10.0.10.2/24 dev eth0"),
    "v20": ("52:54:00:00:14:03", ["vlan-mode=access", "tag=20"],
            "ip addr add 10.0.10.3/24 dev eth0 && ip addr add 10.0.20.3/24 dev eth0"),
    "trunk": ("52:54:00:00:ff:04", ["vlan-mode=trunk", "trunks=10,20"],
              "ip link add link eth0 name eth0.10 type vlan id 10 && ip link add link eth0 name eth0.20 type vlan id 20"
              " && ip link set eth0.10 up && ip link set eth0.20 up"
              " && ip addr add 10.0.10.4/24 dev eth0.10 && ip addr add 10.0.20.4/24 dev eth0.20"),
}


def rx_packets(g):
    return int(g.check("cat /sys/class/net/eth0/statistics/rx_packets").strip())


def pings(g, ip, count=3):
    rc, out = g.run(f"ping -c {count} -W 2 {ip}", timeout=60)
    return rc == 0


def test(work):
    image = build_image(os.path.join(BUILD, "guest-image"))
    vswd = Vswd(work).start()
    for n, (_, vlan, _) in GUESTS.items():
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"), *vlan)
    guests = {n: Guest(n, [Nic(work.file(f"{n}.sock"), mac)], work.path, image).start()
              for n, (mac, _, _) in GUESTS.items()}
    boot_all(guests, {n: "ip link set eth0 up && " + GUESTS[n][2] for n in GUESTS}, log=log)
    for n in GUESTS:
        vswd.wait_port_state(n, "up")
    log("vswctl show:\n" + vswd.ctl_text("show"))

    check(pings(guests["v10a"], "10.0.10.2"), "v10a pings v10b (both VLAN 10)")
    v20_rx = rx_packets(guests["v20"])
    v20_tx_switch = vswd.port_stats("v20")["tx_packets"]
    check(not pings(guests["v10a"], "10.0.10.3", count=4), "v10a cannot reach v20's VLAN 10 address across VLANs")
    guests["v10a"].run("arping -c 3 -w 4 -I eth0 10.0.10.3", timeout=30)  # ARP broadcasts, too
    check(rx_packets(guests["v20"]) == v20_rx and vswd.port_stats("v20")["tx_packets"] == v20_tx_switch,
          "not a single frame of VLAN 10 reached v20, broadcasts included (its NIC and its port count 0)")

    check(pings(guests["trunk"], "10.0.10.1"), "the trunk guest reaches v10a through its eth0.10")
    check(pings(guests["trunk"], "10.0.20.3"), "the trunk guest reaches v20 through its eth0.20")
    fdb = {(e["vlan"], e["mac"]): e["port"] for e in vswd.ctl("fdb", "show")["entries"]}
    check(fdb.get((10, GUESTS["trunk"][0])) == "trunk" and fdb.get((20, GUESTS["trunk"][0])) == "trunk",
          "the trunk guest's MAC is learned in VLAN 10 and VLAN 20")
    floods = vswd.ctl("stats")["vlan_floods"]
    check(set(floods) <= {"10", "20"} and floods.get("10", 0) > 0, f"floods stayed in VLANs 10 and 20: {floods}")

    vswd.ctl("set-port", "v20", "tag=10")
    check(pings(guests["v10a"], "10.0.10.3"), "after set-port v20 tag=10 (no restart), v10a reaches v20")
    check(all(g.alive() for g in guests.values()) and vswd.alive(), "no guest and no vswd was restarted")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "e2e-vlans")
