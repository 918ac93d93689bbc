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
removes what is stale; a MAC pinned by port security on h1 that h2's guest sends from stays at
h1 on h1 and h3 (h1's route is sticky), both sides report the conflict; a MAC flapping between
h1 and h2 is frozen as a duplicate after DUP_MOVES moves and cleared with vxlan
clear-duplicates; gobgpd killed and restarted: its routes go and come back."""
import signal
import socket
import time

from vswtest import IP, UDP, Ether, FakeGuest, Raw, check, log, run, wait_until
from overlay_hosts import ASN, Fabric
from scapy.layers.vxlan import VXLAN

A10, B10, B20, C10 = "02:00:00:0a:00:10", "02:00:00:0b:00:10", "02:00:00:0b:00:20", "02:00:00:0c:00:10"
STALE = "02:00:00:99:00:99"
FLAP = "02:00:00:0f:00:01"
DUP_MOVES = 4  # vsw-evpn --dup-max-moves for this fabric (small: the flapping check is short)
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
    fab.start_agents(args=["--dup-max-moves", str(DUP_MOVES), "--dup-window-s", "60", "--dup-hold-s", "0"])
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
    pinned_hijack(work, fab, s_move)
    flapping_mac(work, fab, s_a, s_move)

    # gobgpd on h3 killed: its routes go from the others; restarted: they come back.
    h3.stop_gobgpd(signal.SIGKILL)
    wait_until(lambda: h1.flood(VNI10) == [h2.vtep], 30, "h1 to drop h3 from the flood list")
    check(h3.flood(VNI10) == sorted([h1.vtep, h2.vtep]), "h3's vswd keeps its state while gobgpd is down")
    h3.start_gobgpd()
    wait_until(lambda: h1.flood(VNI10) == sorted([h2.vtep, h3.vtep]) and h3.established(), 60,
               "h3's routes back after gobgpd restarts")
    for h in fab.hosts:
        check(h.stop_agent() == 0, f"{h.name}'s vsw-evpn stops cleanly")


def conflicts(host):
    return {(c["mac"], c["vtep"]): c for c in host.vswd.ctl("vxlan", "show")["conflicts"]}


def pinned_hijack(work, fab, s_move):
    """A10 pinned to h1's vm10 (port security); h2's guest vm10b sends from it. h1 keeps it
    (local, pinned) and reports h2's route; h3 prefers h1's sticky route to h2's higher sequence;
    h2's datapath learned it from its guest (local on h2), h2 advertises it (sequence + 1) and
    reports that h1 holds it as static."""
    h1, h2, h3 = fab.hosts
    h1.vswd.ctl("set-port", "vm10", "port-security=on", f"allowed-macs={A10}", "allowed-ips=any")
    wait_until(lambda: h2.remote_fdb().get((10, A10)) == h1.vtep and h3.remote_fdb().get((10, A10)) == h1.vtep, 10,
               "A10, pinned at h1, to be remote at h1 on h2 and h3")
    gh = FakeGuest(work, "hijack", s_move, True, [frame(A10, BCAST, "hijack")])
    h2.vswd.wait_port_state("vm10b", "up")
    gh.start()
    wait_until(lambda: (A10, h2.vtep) in conflicts(h1), 10, "h1 to report h2's route for its pinned A10")
    wait_until(lambda: (A10, h1.vtep) in conflicts(h2), 10, "h2 to report that h1 holds A10 as static")
    c1, c2 = conflicts(h1)[(A10, h2.vtep)], conflicts(h2)[(A10, h1.vtep)]
    check(c1["port"] == "vm10" and c1["why"] == "pinned here" and c1["seq"] == mobility_seq(routes(h1, 2, A10)[h2.vtep]),
          f"h1's conflict: local port vm10, h2's sequence: {c1}")
    check(c2["why"] == "static at the VTEP" and c2["port"] == "vm10b", f"h2's conflict: {c2}")
    time.sleep(1)  # rounds go by: nothing of this may change
    fdb1 = {e["mac"]: e for e in h1.vswd.ctl("fdb", "show")["entries"] if e["vlan"] == 10}
    check(fdb1[A10].get("pinned") is True and fdb1[A10]["port"] == "vm10", f"h1's FDB: A10 pinned on vm10: {fdb1[A10]}")
    check(h3.remote_fdb().get((10, A10)) == h1.vtep, "h3 keeps A10 at h1 (the sticky route)")
    check(sorted(routes(h3, 2, A10)) == sorted([h1.vtep, h2.vtep]), "h3's RIB has both routes (h1 never withdrew)")
    fdb2 = {e["mac"]: e for e in h2.vswd.ctl("fdb", "show")["entries"] if e["vlan"] == 10}
    check(fdb2[A10]["port"] == "vm10b", f"h2's FDB: A10 local on the hijacking guest's port: {fdb2[A10]}")
    check(h1.agent_log().count("MAC conflict, another VTEP") == 1, "h1 logged the conflict once, not every round")
    vni = next(v for v in h1.vswd.ctl("vxlan", "show")["vnis"] if v["vni"] == VNI10)
    check(vni["conflicts"] == 1, f"h1's vxlan show counts it in VNI {VNI10}: {vni}")
    gh.quit()
    h2.vswd.ctl("fdb", "flush")
    h1.vswd.ctl("set-port", "vm10", "port-security=off")
    wait_until(lambda: not conflicts(h1) and not conflicts(h2), 10, "the conflict to end once h2 forgot A10")


def resend(guest):
    """testpmd sends its pcap again: the pcap port reopened, forwarding restarted."""
    for c in ("stop", "port stop 1", "port start 1", "start"):
        guest.send(c)


def duplicates(host):
    return {d["mac"]: d for d in host.vswd.ctl("vxlan", "show")["duplicates"]}


def flapping_mac(work, fab, s_a, s_move):
    """FLAP sent from h1's vm10 and h2's vm10b in turn: after DUP_MOVES moves h1 freezes it
    where it is and stops following it; vxlan clear-duplicates unfreezes it."""
    h1, h2, h3 = fab.hosts
    g1 = FakeGuest(work, "flap1", s_a, True, [frame(FLAP, BCAST, "flap1")])
    g2 = FakeGuest(work, "flap2", s_move, True, [frame(FLAP, BCAST, "flap2")])
    h1.vswd.wait_port_state("vm10", "up")
    h2.vswd.wait_port_state("vm10b", "up")
    g1.start()
    wait_until(lambda: h3.remote_fdb().get((10, FLAP)) == h1.vtep, 10, "FLAP at h1")
    at, moves = h1, 0
    while moves < DUP_MOVES:
        check(not duplicates(h1), f"not a duplicate after {moves} moves")
        at, g = (h2, g2) if at is h1 else (h1, g1)
        (g.start if moves == 0 else (lambda: resend(g)))()
        moves += 1
        wait_until(lambda: h3.remote_fdb().get((10, FLAP)) == at.vtep or FLAP in duplicates(h3), 10,
                   f"FLAP's move {moves} to {at.name}")
    wait_until(lambda: FLAP in duplicates(h1), 5, "h1 to freeze FLAP as a duplicate")
    d = duplicates(h1)[FLAP]
    check(d["moves"] == DUP_MOVES and d["at"] == "local" and d["hold_left_s"] == "until cleared",
          f"h1's duplicate: frozen here after {DUP_MOVES} moves: {d}")
    frozen_route = routes(h3, 2, FLAP).get(h1.vtep)
    check(frozen_route is not None, "h1's route for FLAP stays while frozen")
    resend(g2)  # one more move to h2: h1 does not follow it
    time.sleep(1.5)
    check(h1.remote_fdb().get((10, FLAP)) is None and routes(h3, 2, FLAP).get(h1.vtep) == frozen_route,
          "frozen: h1 neither withdrew FLAP's route nor made it remote")
    check(h1.agent_log().count("duplicate MAC frozen") == 1, "h1 logged the freeze once")
    for h in fab.hosts:
        h.vswd.ctl("vxlan", "clear-duplicates")
    wait_until(lambda: not any(duplicates(h) for h in fab.hosts), 10, "clear-duplicates to unfreeze FLAP everywhere")
    check("duplicates cleared by the operator" in h1.agent_log(), "h1's agent took the clear")
    g1.quit()
    g2.quit()


if __name__ == "__main__":
    run(test, "evpn")
