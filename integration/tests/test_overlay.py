#!/usr/bin/python3
"""Real guests across vsw hosts over the VXLAN overlay with its EVPN control plane, and a live
migration from one host to another. Three hosts (integration/lib/overlay_hosts.py: namespaces,
gobgpd, vsw-evpn, vswd); guest g1 on host 1 and g3 on host 3, both in VLAN 10 (VNI 10010) at MTU
1450 (the underlay's 1500 less 50 bytes of VXLAN), offloads on.

1. g3 pings g1 (vswd sees their ARP: the MAC/IP routes carry their IPs); iperf3 TCP both ways
   (the guests' TSO frames are cut to fit the underlay).
2. g1 live-migrates to host 2 (QEMU to QEMU over TCP, vhost-user on both sides) while g3 pings it
   every 50 ms and streams 2.5 MiB to it over TCP: host 2 advertises g1's MAC with mobility
   sequence 1, host 1 withdraws, host 3's FDB follows; the outage (lost pings x 50 ms) stays
   under 1 s, and every byte of the stream arrives (size and MD5)."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from guest_ping import BackgroundPing  # noqa: E402
from guest_stream import GuestStream  # noqa: E402
from overlay_hosts import Fabric  # noqa: E402
from qemu_guest import Guest, Nic, boot_all, build_image  # noqa: E402
from vswd_process import BUILD, check, log, run, wait_until  # noqa: E402

MAC1, MAC3 = "52:54:00:00:0a:01", "52:54:00:00:0a:03"
IP1, IP3 = "10.0.10.1", "10.0.10.3"
VNI = 10010
PING_MS = 50
MIGRATION_PORT = 4466


def guest_port(host, name):
    sock = host.fabric.work.file(f"{host.name}-{name}.sock")
    host.vswd.ctl("add-port", name, "--socket", sock)
    host.vswd.ctl("set-port", name, "vlan-mode=access", "tag=10", "mtu=1450")
    return sock


def mac_ip_routes(host, mac):
    """{(next hop, IP or None)} of the type-2 routes for `mac` in `host`'s RIB."""
    found = set()
    for paths in host.evpn_rib().values():
        for p in paths:
            if p["nlri"]["type"] == 2 and p["nlri"]["value"].get("mac") == mac:
                nexthop = next(a["nexthop"] for a in p["attrs"] if a["type"] == 14)
                found.add((nexthop, p["nlri"]["value"].get("ip") or None))
    return found


def iperf(src, dst_ip, dst, seconds=4):
    dst.check("iperf3 -s -D -1")
    time.sleep(0.5)
    out = src.check(f"iperf3 -c {dst_ip} -t {seconds} -f m", timeout=90)
    line = [l for l in out.splitlines() if "receiver" in l][-1]
    return float(line.split("Mbits/sec")[0].split()[-1])


def test(work):
    image = build_image(os.path.join(BUILD, "guest-image"))
    with Fabric(work, 3) as fab:
        overlay(work, fab, image)


def overlay(work, fab, image):
    h1, h2, h3 = fab.hosts
    s1, s3, s1_dst = guest_port(h1, "g1"), guest_port(h3, "g3"), guest_port(h2, "g1")
    fab.start_agents()
    for h in fab.hosts:
        others = sorted(x.vtep for x in fab.hosts if x is not h)
        wait_until(lambda: h.flood(VNI) == others, 30, f"{h.name}'s flood list")
    g1 = Guest("g1", [Nic(s1, MAC1, mtu=1450)], work.path, image).start()
    g3 = Guest("g3", [Nic(s3, MAC3, mtu=1450)], work.path, image).start()
    boot_all({"g1": g1, "g3": g3}, {"g1": f"ip link set eth0 up && ip addr add {IP1}/24 dev eth0",
                                    "g3": f"ip link set eth0 up && ip addr add {IP3}/24 dev eth0"}, log=log)
    rc, out = g3.run(f"ping -c 3 -W 2 {IP1}", timeout=60)
    check(rc == 0, f"g3 (host 3) pings g1 (host 1) over the overlay:\n{out}")
    wait_until(lambda: h3.remote_fdb().get((10, MAC1)) == h1.vtep, 10, "g1's MAC in host 3's FDB at host 1")
    # vswd saw the guests' ARP: the MAC/IP routes carry their IPs.
    local = {e["mac"]: e.get("ip") for e in h1.vswd.ctl("fdb", "show")["entries"] if "remote" not in e}
    check(local.get(MAC1) == IP1, f"host 1's fdb show has g1's IP from its ARP: {local}")
    wait_until(lambda: mac_ip_routes(h3, MAC1) == {(h1.vtep, IP1)}, 10, "host 3's RIB: g1's MAC/IP route with its IP")
    up = iperf(g3, IP1, g1)
    down = iperf(g1, IP3, g3)
    log(f"iperf3 over VXLAN: g3 -> g1 {up:.0f} Mbit/s, g1 -> g3 {down:.0f} Mbit/s")
    check(up > 0 and down > 0, "iperf3 TCP both ways across hosts")
    drops = h1.vswd.ctl("vxlan", "show")["drops"]
    check(drops["vxlan_over_mtu"] == 0 and drops["vxlan_malformed"] == 0, f"no overlay drops on host 1: {drops}")
    segs = h1.vswd.port_stats("up0")["tx_segments"] + h3.vswd.port_stats("up0")["tx_segments"]
    log(f"segments cut for the underlay: {segs}")

    # The live migration, g1: host 1 -> host 2, under a ping and a TCP stream from g3.
    dst_dir = work.file("g1-destination")
    os.makedirs(dst_dir, exist_ok=True)
    g1_dst = Guest("g1", [Nic(s1_dst, MAC1, mtu=1450)], dst_dir, image,
                   incoming=f"tcp:127.0.0.1:{MIGRATION_PORT}").start()
    # The waiting QEMU negotiates with host 2's vswd; its device starts when the migration ends.
    wait_until(lambda: h2.vswd.port("g1")["state"] in ("negotiated", "up"), 60, "host 2's vswd to reach the waiting QEMU")
    ping = BackgroundPing(g3, IP1, PING_MS).start()
    stream = GuestStream(g3, g1, IP1).start()
    time.sleep(2)
    check(stream.received() > 0, "the stream into g1 flows before the migration")
    info = g1.migrate(f"tcp:127.0.0.1:{MIGRATION_PORT}")
    log(f"migration: total {info.get('total-time')} ms, downtime {info.get('downtime')} ms")
    g1_dst.take_over(g1)
    # The paused source keeps its port (and host 1 its route) until the others have followed,
    # as a migration manager tears it down after the destination runs.
    wait_until(lambda: h3.remote_fdb().get((10, MAC1)) == h2.vtep, 10, "host 3's FDB to follow g1 to host 2")
    wait_until(lambda: h1.remote_fdb().get((10, MAC1)) == h2.vtep, 10, "host 1 to make g1 remote at host 2")
    g1.kill()
    rib = {}
    for prefix, paths in h3.evpn_rib().items():
        for p in paths:
            if p["nlri"]["type"] == 2 and p["nlri"]["value"].get("mac") == MAC1:
                attrs = {a["type"]: a for a in p["attrs"]}
                seq = [c.get("sequence") for c in attrs[16]["value"] if c.get("type") == 6]
                rib[attrs[14]["nexthop"]] = seq[0] if seq else 0
    check(rib == {h2.vtep: 1}, f"host 3's RIB: g1's MAC only from host 2, with mobility sequence 1: {rib}")
    sent, got, summary = ping.wait()
    outage_ms = ping.outage_ms(sent, got)
    log(f"ping across the migration: {summary} -> outage {outage_ms} ms")
    check(got >= sent - 20, f"the outage across hosts is under 1 s: {outage_ms} ms ({sent - got} of {sent} pings lost)")
    got, intact, took = stream.wait(g1_dst)
    log(f"TCP stream across the migration: {got} of {stream.size} bytes in {took:.1f} s, MD5 "
        + ("matches" if intact else "differs"))
    check(got == stream.size and intact, f"the stream into g1 arrives intact on host 2: {got} of {stream.size} bytes")
    rc, out = g3.run(f"ping -c 3 -W 2 {IP1}", timeout=60)
    check(rc == 0, "g3 reaches g1 on host 2")
    for g in (g1_dst, g3):
        g.kill()


if __name__ == "__main__":
    run(test, "e2e-overlay")
