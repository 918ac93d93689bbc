#!/usr/bin/python3
"""VXLAN between two vsw hosts: two vswd whose VTEP ports are the two ends of one veth pair
(net_af_packet, unaddressed), each with fake guests in VLANs 10 and 20, mapped to VNIs 10010 and
10020. The flood lists and remote MACs are programmed by hand here, as vsw-evpn would from
EVPN routes.

Checks: the VTEPs resolve each other by ARP; broadcast and unknown unicast cross in their own VNI
only (VLAN 10 and 20 stay apart); MACs are not learned from the overlay; a remote MAC makes
unicast go to its VTEP alone (no head-end replication); frames too large for the underlay, frames
from an unannounced VTEP, with an unknown VNI, malformed or inner-tagged are dropped and counted;
tshark decodes every VXLAN frame on the underlay without expert warnings; vswd's Prometheus
endpoint has the overlay's families; a restarted vswd keeps its VTEP address and VNI mappings."""
import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request

from vswtest import IP, UDP, Dot1Q, Ether, FakeGuest, Raw, Vswd, check, free_port, log, rdpcap, run, wait_until
from frame_checks import capture_in, expert_warnings
from scapy.layers.vxlan import VXLAN

A10, A20 = "02:00:00:0a:00:10", "02:00:00:0a:00:20"
B10, B20 = "02:00:00:0b:00:10", "02:00:00:0b:00:20"
BCAST = "ff:ff:ff:ff:ff:ff"
VTEP_A, VTEP_B, VTEP_GHOST = "10.99.0.1", "10.99.0.2", "10.99.0.3"  # GHOST never answers ARP
VNI10, VNI20 = 10010, 10020


def frame(src, dst, tag, size=0):
    payload = tag.encode() + b"." * max(0, size - len(tag))
    return Ether(src=src, dst=dst) / IP(src="192.168.10.1", dst="192.168.10.2") / UDP(sport=1000, dport=2000) / Raw(payload)


def tags(frames):
    out = []
    for f in frames:
        if Raw in f:
            out.append(bytes(f[Raw].load).split(b".")[0].decode(errors="replace"))
    return sorted(out)


@contextlib.contextmanager
def veth_pair():
    """Two unaddressed interfaces joined by a veth: the underlay between the two hosts."""
    tag = os.getpid() % 100000
    a, b = f"vxa{tag}", f"vxb{tag}"
    subprocess.run(["ip", "link", "add", a, "type", "veth", "peer", "name", b], check=True)
    try:
        for i in (a, b):
            subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{i}.disable_ipv6=1"], check=True)
            subprocess.run(["ip", "link", "set", i, "up"], check=True)
        yield a, b
    finally:
        subprocess.run(["ip", "link", "del", a], capture_output=True)


def host(work, name, iface, vtep, extra=()):
    sw = Vswd(work, name, extra=list(extra)).start()
    sw.ctl("add-port", "up0", "--type", "dpdk", "--devargs", f"net_af_packet0,iface={iface}")
    sw.ctl("set-port", "up0", f"vtep-ip={vtep}/24")
    for vlan, vni in ((10, VNI10), (20, VNI20)):
        sw.ctl("vxlan", "map", str(vlan), str(vni))
        sw.ctl("add-port", f"vm{vlan}", "--socket", work.file(f"{name}-vm{vlan}.sock"))
        sw.ctl("set-port", f"vm{vlan}", "vlan-mode=access", f"tag={vlan}")
    return sw


def vtep_view(sw, ip):
    return next(v for v in sw.ctl("vxlan", "show")["vteps"] if v["ip"] == ip)


def drops(sw):
    return sw.ctl("vxlan", "show")["drops"]


def raw_send(iface, frames):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for f in frames:
        s.send(bytes(f))
    s.close()


def underlay(src_ip, dst_ip, vni, inner):
    return Ether(src="02:99:00:00:00:09", dst=BCAST) / IP(src=src_ip, dst=dst_ip, flags="DF") / \
        UDP(sport=50000, dport=4789) / VXLAN(vni=vni) / inner


def test(work):
    with veth_pair() as (ia, ib):
        run_hosts(work, ia, ib)


def metrics(port):
    return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()


def run_hosts(work, ia, ib):
    metrics_port = free_port()
    a = host(work, "vswa", ia, VTEP_A, ["--metrics-listen", f"127.0.0.1:{metrics_port}"])
    b = host(work, "vswb", ib, VTEP_B)
    show = a.ctl("vxlan", "show")
    check(show["vtep"]["address"] == f"{VTEP_A}/24" and show["vtep"]["inner_mtu"] == 1450,
          "host A's VTEP on its uplink, inner MTU 1450")
    check([(s["vlan"], s["vni"]) for s in show["vnis"]] == [(10, VNI10), (20, VNI20)], "VLAN 10 -> 10010, 20 -> 10020")
    code, err = a.ctl_fail("set-port", "vm10", f"vtep-ip={VTEP_A}/24")
    check(code != 0 and "dpdk" in err, f"a vhost-user port cannot be a VTEP: {err}")
    code, err = a.ctl_fail("vxlan", "map", "30", str(VNI10))
    check(code != 0 and "already carries VLAN 10" in err, f"one VNI per VLAN: {err}")
    code, err = a.ctl_fail("vxlan", "add-vtep", str(VNI10), "224.0.0.1")
    check(code != 0 and "unicast" in err, f"a multicast VTEP is refused: {err}")

    # Type-3 routes, by hand: each host floods its VNIs to the other (and A also to a VTEP
    # that does not exist, whose next hop never answers).
    a.ctl("vxlan", "add-vtep", str(VNI10), VTEP_B, VTEP_GHOST)
    a.ctl("vxlan", "add-vtep", str(VNI20), VTEP_B)
    b.ctl("vxlan", "add-vtep", str(VNI10), VTEP_A)
    b.ctl("vxlan", "add-vtep", str(VNI20), VTEP_A)
    # Each side captures what arrives from the other (net_af_packet bypasses the qdisc: a
    # capture does not see its own side's frames leave).
    pcaps = {ia: work.file("at-a.pcap"), ib: work.file("at-b.pcap")}
    dumpcaps = [capture_in(None, i, path) for i, path in pcaps.items()]
    wait_until(lambda: vtep_view(a, VTEP_B).get("next_hop_mac", "resolving") != "resolving", 10, "A to resolve B by ARP")
    wait_until(lambda: vtep_view(b, VTEP_A).get("next_hop_mac", "resolving") != "resolving", 10, "B to resolve A by ARP")
    check(vtep_view(a, VTEP_GHOST)["next_hop_mac"] == "resolving", "the ghost VTEP stays unresolved")
    check(a.ctl("vxlan", "show")["vtep"]["arp_answered"] >= 1 and b.ctl("vxlan", "show")["vtep"]["arp_answered"] >= 1,
          "each VTEP answered the other's ARP")
    slow = a.ctl("show")["slow_path"]
    check(slow["punted"]["arp"] >= 1 and slow["sent"] >= 1 and slow["unclaimed"] == 0,
          f"the underlay's ARP went up the slow path and requests and answers down it: {slow}")

    # Phase 1: flooding. A10 broadcasts, sends to B10 (unknown: flooded) and a frame too large
    # for the underlay; A20 broadcasts; B10 broadcasts.
    gb10 = FakeGuest(work, "b10", work.file("vswb-vm10.sock"), True, [frame(B10, BCAST, "b10-bcast")])
    gb20 = FakeGuest(work, "b20", work.file("vswb-vm20.sock"), True, [])
    ga10 = FakeGuest(work, "a10", work.file("vswa-vm10.sock"), True,
                     [frame(A10, BCAST, "a10-bcast"), frame(A10, B10, "a10-unknown"), frame(A10, B10, "a10-big", 1460)])
    ga20 = FakeGuest(work, "a20", work.file("vswa-vm20.sock"), True, [frame(A20, BCAST, "a20-bcast")])
    for sw, port in ((a, "vm10"), (a, "vm20"), (b, "vm10"), (b, "vm20")):
        sw.wait_port_state(port, "up")
    for g in (gb10, gb20, ga10, ga20):
        g.start()
    wait_until(lambda: b.port_stats("vm10")["tx_packets"] >= 2 and b.port_stats("vm20")["tx_packets"] >= 1, 20,
               "the flooded frames at host B's guests")
    wait_until(lambda: a.port_stats("vm10")["tx_packets"] >= 1, 20, "B10's broadcast at A10")
    fdb_a = {e["mac"]: e for e in a.ctl("fdb", "show")["entries"]}  # before the guests go
    check(B10 not in fdb_a and A10 in fdb_a, f"A learned its own guest, not B10 from the overlay: {sorted(fdb_a)}")
    at_b10, at_b20, at_a10 = tags(gb10.quit()), tags(gb20.quit()), tags(ga10.quit())
    ga20.quit()
    check(at_b10 == ["a10-bcast", "a10-unknown"], f"B10 got A10's broadcast and unknown unicast, not the oversized one: {at_b10}")
    check(at_b20 == ["a20-bcast"], f"B20 got only VLAN 20's broadcast: {at_b20}")
    check(at_a10 == ["b10-bcast"], f"A10 got B10's broadcast: {at_a10}")
    check(drops(a)["vxlan_over_mtu"] == 1, "the 1460-byte frame (+50 > 1500) dropped as vxlan_over_mtu")
    unresolved = vtep_view(a, VTEP_GHOST)["unresolved"]
    check(unresolved == 3 and drops(a)["vxlan_unresolved"] == 3,
          "the ghost VTEP's copies of A10's three floods dropped as vxlan_unresolved")

    # Phase 2: a type-2 route, by hand: B10 is behind VTEP B. Unicast then goes to B alone.
    a.ctl("vxlan", "add-mac", str(VNI10), B10, VTEP_B)
    entry = next(e for e in a.ctl("fdb", "show")["entries"] if e["mac"] == B10)
    check(entry["port"] == "vxlan" and entry["remote"] == VTEP_B and entry["vni"] == VNI10,
          f"fdb show marks B10 remote at {VTEP_B} (VNI {VNI10})")
    check(f"vxlan {VTEP_B} vni {VNI10}" in a.ctl_text("fdb", "show"), "and the table says so")
    before_b = vtep_view(a, VTEP_B)["encap_packets"]
    gb10 = FakeGuest(work, "b10-2", work.file("vswb-vm10.sock"), True, [])
    ga10 = FakeGuest(work, "a10-2", work.file("vswa-vm10.sock"), True, [frame(A10, B10, "a10-direct")])
    a.wait_port_state("vm10", "up")
    b.wait_port_state("vm10", "up")
    ga10.start()
    gb10.start()
    wait_until(lambda: vtep_view(a, VTEP_B)["encap_packets"] >= before_b + 1, 20, "the unicast to VTEP B")
    at_b10 = tags(gb10.quit(settle=1.0))
    ga10.quit()
    check(at_b10 == ["a10-direct"], f"B10 got the unicast: {at_b10}")
    check(vtep_view(a, VTEP_GHOST)["unresolved"] == unresolved, "and no copy went towards the ghost VTEP")
    # The same figures on the Prometheus endpoint (refreshed once a second).
    encap_b = vtep_view(a, VTEP_B)["encap_packets"]
    expected = [f'vsw_vxlan_unresolved_total{{vtep="{VTEP_GHOST}"}} {unresolved}',
                f'vsw_vxlan_encap_packets_total{{vtep="{VTEP_B}"}} {encap_b}',
                f'vsw_vxlan_flood_vteps{{vlan="10",vni="{VNI10}"}} 2',
                f'vsw_vxlan_remote_macs{{vlan="10",vni="{VNI10}"}} 1',
                f'vsw_vxlan_next_hop_resolved{{vtep="{VTEP_GHOST}"}} 0',
                f'vsw_vxlan_drops_total{{reason="vxlan_unresolved"}} {unresolved}',
                f'vsw_vxlan_vtep_up{{port="up0",address="{VTEP_A}/24"}} 1']
    wait_until(lambda: all(line in metrics(metrics_port).splitlines() for line in expected), 5,
               "the overlay's Prometheus families to match vxlan show")
    a.ctl("vxlan", "del-mac", str(VNI10), B10)
    check(all(e["mac"] != B10 for e in a.ctl("fdb", "show")["entries"]), "del-mac removes the remote entry")

    # Phase 3: what host B must refuse, sent onto the underlay from A's side.
    inner = Ether(src="02:00:00:0c:00:01", dst=BCAST) / IP() / UDP() / Raw(b"x" * 20)
    bad_csum = underlay(VTEP_A, VTEP_B, VNI10, inner)
    bad_csum[IP].chksum = 0x1234
    before = drops(b)
    raw_send(ia, [underlay("10.99.0.9", VTEP_B, VNI10, inner),  # not in VNI 10010's flood list
                  underlay(VTEP_A, VTEP_B, 999, inner),  # no VLAN rides VNI 999
                  bad_csum,
                  underlay(VTEP_A, VTEP_B, VNI10, Ether(src="02:00:00:0c:00:01", dst=BCAST) / Dot1Q(vlan=10) / IP() / UDP()),
                  Ether(src="02:99:00:00:00:09", dst=BCAST) / IP(src=VTEP_A, dst=VTEP_B) / UDP(dport=53)])
    wanted = {"vxlan_unknown_vtep": 1, "vxlan_unknown_vni": 1, "vxlan_malformed": 1, "vxlan_inner_tagged": 1,
              "underlay_other": 1}
    wait_until(lambda: all(drops(b)[k] >= before[k] + n for k, n in wanted.items()), 10, "host B's drops")
    after = drops(b)
    check({k: after[k] - before[k] for k in wanted} == wanted, f"each bad frame counted once under its reason: {after}")
    check(b.port_stats("vm10")["tx_packets"] == 2 + 1, "none of them reached B10")

    time.sleep(0.5)
    for d in dumpcaps:
        d.send_signal(signal.SIGINT)
        d.wait(timeout=15)
    pcap = work.file("underlay.pcap")
    subprocess.run(["mergecap", "-w", pcap, *pcaps.values()], check=True)
    captured = [p for p in rdpcap(pcap) if VXLAN in p and p[IP].src in (VTEP_A, VTEP_B) and p[UDP].sport != 50000]
    log(f"underlay: {len(captured)} VXLAN frames from the two VTEPs")
    check(sorted(tags(captured)) == ["a10-bcast", "a10-direct", "a10-unknown", "a20-bcast", "b10-bcast"],
          "every frame that crossed is on the underlay, once (the oversized one never left A)")
    check(all(p[UDP].dport == 4789 and p[UDP].chksum == 0 and p[VXLAN].flags & 0x08 and 49152 <= p[UDP].sport
              and p[IP].flags.DF and Dot1Q not in p[VXLAN] for p in captured),
          "outer UDP 4789 (checksum 0, source port 49152+), DF, I flag, untagged inner frames")
    check({tags([p])[0]: p[VXLAN].vni for p in captured} ==
          {"a10-bcast": VNI10, "a10-direct": VNI10, "a10-unknown": VNI10, "a20-bcast": VNI20, "b10-bcast": VNI10},
          "each in its VLAN's VNI")
    ports = {tags([p])[0]: p[UDP].sport for p in captured}
    check(ports["a10-unknown"] == ports["a10-direct"], "one flow, one UDP source port (ECMP keeps it on one path)")
    fields = subprocess.run(["tshark", "-r", pcap, "-Y", f"vxlan && ip.src=={VTEP_A}", "-T", "fields", "-e", "vxlan.vni",
                             "-e", "eth.src"], capture_output=True, text=True, check=True).stdout.splitlines()
    check(any(line.startswith(str(VNI10)) and A10 in line for line in fields),
          f"tshark decodes A10's frames in VNI {VNI10}")
    own = work.file("vteps-only.pcap")
    subprocess.run(["tshark", "-r", pcap, "-Y", "!(udp.srcport==50000) && !(udp.dstport==53)", "-w", own], check=True)
    warnings = expert_warnings(own)
    check(not warnings, f"no tshark expert warnings on the VTEPs' frames: {warnings}")

    # The VTEP address and the mappings are configuration: they survive a restart.
    check(a.stop() == 0, "host A's vswd stops cleanly")
    a.start()
    show = a.ctl("vxlan", "show")
    check(show["vtep"]["address"] == f"{VTEP_A}/24" and len(show["vnis"]) == 2 and not show["vteps"],
          "restarted: VTEP and VNIs restored; remote state is the control plane's to resync")
    check(b.stop() == 0 and a.stop() == 0, "both vswd stop cleanly")


if __name__ == "__main__":
    run(test, "vxlan")
