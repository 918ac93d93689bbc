#!/usr/bin/python3
"""BGP EVPN between three vsw hosts: each a network namespace with a real gobgpd (iBGP full mesh,
l2vpn-evpn) and vsw-evpn beside its vswd (integration/lib/overlay_hosts.py); fake guests in
VLANs 10 and 20 (VNIs 10010, 10020).

Checks: type-3 routes (PMSI ingress replication with the VNI as label, VXLAN encapsulation, route
target AS:VNI) build every host's flood lists; broadcast crosses in its VNI only; a MAC learned on
one host becomes a type-2 route and a remote FDB entry everywhere else, so unicast goes to its
VTEP alone; a MAC that moves to another host is advertised there with sequence 1, withdrawn by
the host it left, and followed by the third host's FDB (timed); VXLAN from a VTEP nobody
announced is dropped; vsw-evpn killed and restarted leaves routes and forwarding alone and
removes what is stale; gobgpd killed and restarted: its routes go and come back."""
import signal
import socket
import time

from vswtest import IP, UDP, Ether, FakeGuest, Raw, check, log, run, wait_until
from overlay_hosts import ASN, Fabric
from scapy.layers.vxlan import VXLAN

A10, B10, B20, C10 = "02:00:00:0a:00:10", "02:00:00:0b:00:10", "02:00:00:0b:00:20", "02:00:00:0c:00:10"
STALE = "02:00:00:99:00:99"
BCAST = "ff:ff:ff:ff:ff:ff"
VNI10, VNI20 = 10010, 10020


def frame(src, dst, tag):
    return Ether(src=src, dst=dst) / IP(src="192.168.10.1", dst="192.168.10.2") / UDP(sport=1000, dport=2000) / Raw(tag.encode())


def tags(frames):
    return sorted(bytes(f[Raw].load).decode(errors="replace") for f in frames if Raw in f)


def guest_port(host, port, vlan):
    sock = host.fabric.work.file(f"{host.name}-{port}.sock")
    host.vswd.ctl("add-port", port, "--socket", sock)
    host.vswd.ctl("set-port", port, "vlan-mode=access", f"tag={vlan}")
    return sock


def routes(host, kind, mac=None):
    """EVPN paths of `kind` (2 or 3) in host's RIB as {originator VTEP: attrs by type}."""
    out = {}
    for prefix, paths in host.evpn_rib().items():
        for p in paths:
            if p["nlri"]["type"] != kind:
                continue
            v = p["nlri"]["value"]
            if mac and v.get("mac") != mac:
                continue
            attrs = {a["type"]: a for a in p["attrs"]}
            out[attrs[14]["nexthop"]] = attrs
    return out


def mobility_seq(attrs):
    for c in attrs.get(16, {}).get("value", []):
        if c.get("type") == 6 and c.get("subtype") == 0:  # MAC mobility
            return c.get("sequence", c.get("sequence_num", 0))
    return 0


def test(work):
    with Fabric(work, 3) as fab:
        run_fabric(work, fab)


def run_fabric(work, fab):
    h1, h2, h3 = fab.hosts
    fab.start_agents()
    for h in fab.hosts:
        others = sorted(x.vtep for x in fab.hosts if x is not h)
        wait_until(lambda: h.flood(VNI10) == others and h.flood(VNI20) == others, 20,
                   f"{h.name}'s flood lists from type-3 routes")
    log("flood lists built on every host")
    t3 = routes(h1, 3)
    check(sorted(t3) == sorted(x.vtep for x in fab.hosts), f"h1's RIB: a type-3 route from every VTEP: {sorted(t3)}")
    for vtep, attrs in t3.items():
        pmsi = attrs[22]
        check(pmsi["tunnel-type"] == 6 and pmsi["label"] in (VNI10, VNI20) and pmsi["tunnel-id"] == vtep,
              f"{vtep}: PMSI ingress replication, label = VNI, tunnel id = the VTEP")
        comms = attrs[16]["value"]
        check(any(c.get("tunnel_type") == 8 for c in comms), f"{vtep}: VXLAN encapsulation community")
        check(any(c.get("value") in (f"{ASN}:{VNI10}", f"{ASN}:{VNI20}") for c in comms), f"{vtep}: route target AS:VNI")

    s_a = guest_port(h1, "vm10", 10)
    s_b = guest_port(h2, "vm10", 10)
    s_b20 = guest_port(h2, "vm20", 20)
    s_c = guest_port(h3, "vm10", 10)
    s_move = guest_port(h2, "vm10b", 10)
    gb = FakeGuest(work, "b10", s_b, True, [])
    gb20 = FakeGuest(work, "b20", s_b20, True, [])
    gc = FakeGuest(work, "c10", s_c, True, [])
    ga = FakeGuest(work, "a10", s_a, True, [frame(A10, BCAST, "a-bcast")])
    for h, p in ((h1, "vm10"), (h2, "vm10"), (h2, "vm20"), (h3, "vm10")):
        h.vswd.wait_port_state(p, "up")
    for g in (gb, gb20, gc):
        g.start()
    started = time.monotonic()
    ga.start()
    wait_until(lambda: h3.remote_fdb().get((10, A10)) == h1.vtep, 10, "h3's FDB to learn A10 from h1's type-2 route")
    learned = time.monotonic() - started
    log(f"A10's first frame to h3's remote FDB entry: {learned * 1000:.0f} ms")
    wait_until(lambda: h2.remote_fdb().get((10, A10)) == h1.vtep, 10, "h2's FDB too")
    t2 = routes(h2, 2, A10)
    check(list(t2) == [h1.vtep] and mobility_seq(t2[h1.vtep]) == 0, "h2's RIB: A10's type-2 route from h1, no mobility sequence")
    wait_until(lambda: h2.vswd.port_stats("vm10")["tx_packets"] >= 1 and h3.vswd.port_stats("vm10")["tx_packets"] >= 1, 10,
               "A10's broadcast at B10 and C10")

    # Unicast to a known remote MAC: to its VTEP alone.
    to_h3 = lambda: next(v for v in h2.vswd.ctl("vxlan", "show")["vteps"] if v["ip"] == h3.vtep)["encap_packets"]
    before = to_h3()
    gb.quit()
    gb = FakeGuest(work, "b10-2", s_b, True, [frame(B10, A10, "b-to-a")])
    h2.vswd.wait_port_state("vm10", "up")
    gb.start()
    wait_until(lambda: h1.vswd.port_stats("vm10")["tx_packets"] >= 1, 10, "B10's unicast at A10")
    at_a = tags(ga.quit(settle=1.0))
    check(at_a == ["b-to-a"], f"A10 got B10's unicast: {at_a}")
    check(to_h3() == before, "no copy of it went to h3 (no head-end replication for a known MAC)")
    at_c, at_b20 = tags(gc.quit()), tags(gb20.quit())
    gb.quit()
    check(at_c == ["a-bcast"] and at_b20 == [], f"the broadcast reached VLAN 10 on h3, not VLAN 20 on h2: {at_c}, {at_b20}")

    # VXLAN from a VTEP nobody announced, onto the underlay bridge.
    before = h2.vswd.ctl("vxlan", "show")["drops"]["vxlan_unknown_vtep"]
    delivered = h2.vswd.port_stats("vm10")["tx_packets"]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((fab.underlay_br, 0))
    s.send(bytes(Ether(dst=BCAST) / IP(src="10.99.0.9", dst=h2.vtep) / UDP(sport=50000, dport=4789) / VXLAN(vni=VNI10) /
                 frame(C10, BCAST, "ghost")))
    s.close()
    wait_until(lambda: h2.vswd.ctl("vxlan", "show")["drops"]["vxlan_unknown_vtep"] == before + 1, 10,
               "h2 to drop VXLAN from 10.99.0.9 as vxlan_unknown_vtep")
    check(h2.vswd.ctl("vxlan", "show")["drops"]["vxlan_unknown_vtep"] == before + 1 and
          h2.vswd.port_stats("vm10")["tx_packets"] == delivered,
          "VXLAN from an unannounced VTEP dropped and counted, not delivered")

    # A10 moves to h2 (its guest still on h1: a live migration's order): one frame there.
    ga = FakeGuest(work, "a10-again", s_a, True, [frame(A10, BCAST, "a-again")])  # stays connected
    h1.vswd.wait_port_state("vm10", "up")
    ga.start()
    wait_until(lambda: h3.remote_fdb().get((10, A10)) == h1.vtep, 10, "A10 at h1 again, everywhere")
    gm = FakeGuest(work, "moved", s_move, True, [frame(A10, BCAST, "moved")])
    h2.vswd.wait_port_state("vm10b", "up")
    started = time.monotonic()
    gm.start()
    wait_until(lambda: h3.remote_fdb().get((10, A10)) == h2.vtep, 10, "h3's FDB to follow A10 to h2")
    moved = time.monotonic() - started
    log(f"move: A10's frame on h2 to h3's FDB pointing at h2: {moved * 1000:.0f} ms")
    wait_until(lambda: h1.remote_fdb().get((10, A10)) == h2.vtep, 10, "h1 to make A10 remote at h2")
    wait_until(lambda: list(routes(h3, 2, A10)) == [h2.vtep], 10, "h1's type-2 route for A10 to be withdrawn")
    attrs = routes(h3, 2, A10)[h2.vtep]
    check(mobility_seq(attrs) == 1, f"h2 advertises A10 with MAC mobility sequence 1: {attrs.get(16)}")
    check(moved < 1.0, f"convergence of one move under 1 s ({moved * 1000:.0f} ms)")

    # vsw-evpn on h2 killed: routes stay (gobgpd keeps them), forwarding state stays. A stale
    # remote entry planted meanwhile is gone after the agent's resync.
    h2.stop_agent(signal.SIGKILL)
    rib_before = len(h1.evpn_rib())
    h2.vswd.ctl("vxlan", "add-mac", str(VNI10), STALE, "10.99.0.9")
    check(h2.remote_fdb().get((10, STALE)) == "10.99.0.9", "a stale remote MAC planted in h2's vswd")
    time.sleep(1)
    check(len(h1.evpn_rib()) == rib_before and h1.flood(VNI10) == sorted([h2.vtep, h3.vtep]),
          "h2's routes stay while its agent is down")
    h2.start_agent()
    wait_until(lambda: h2.remote_fdb().get((10, STALE)) is None, 10, "h2's restarted agent to resync vswd")
    check(h2.remote_fdb().get((10, A10)) is None and h3.remote_fdb().get((10, A10)) == h2.vtep,
          "after the resync A10 is still h2's, everywhere")
    check("withdrawn" not in h2.agent_log().split("connected to gobgpd")[-1],
          "the restarted agent withdrew nothing it still wants")
    gm.quit()  # the guest leaves h2 for good: its route goes
    wait_until(lambda: h3.remote_fdb().get((10, A10)) is None and not routes(h3, 2, A10), 10,
               "A10's route withdrawn once its port on h2 went down")
    ga.quit()

    # gobgpd on h3 killed: its routes go from the others; restarted: they come back.
    h3.stop_gobgpd(signal.SIGKILL)
    wait_until(lambda: h1.flood(VNI10) == [h2.vtep], 30, "h1 to drop h3 from the flood list")
    check(h3.flood(VNI10) == sorted([h1.vtep, h2.vtep]), "h3's vswd keeps its state while gobgpd is down")
    h3.start_gobgpd()
    wait_until(lambda: h1.flood(VNI10) == sorted([h2.vtep, h3.vtep]) and h3.established(), 60,
               "h3's routes back after gobgpd restarts")
    for h in fab.hosts:
        check(h.stop_agent() == 0, f"{h.name}'s vsw-evpn stops cleanly")


if __name__ == "__main__":
    run(test, "evpn")
