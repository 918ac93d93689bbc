#!/usr/bin/python3
"""A VLAN trunk uplink (net_af_packet on a veth) to a host in a network namespace, with guests on
access ports of VLAN 10 and 20. tshark in the namespace, an independent decoder, must see each
guest's frames with its VLAN's 802.1Q tag; tagged frames injected there must reach only the guests
of that VLAN."""
import os
import subprocess
import time

from vswtest import Dot1Q, Ether, FakeGuest, IP, Raw, UDP, Vswd, check, log, peer_namespace, peer_send, run, wait_until

PEER = "02:00:00:00:30:ff"
GUEST = {"vm10": "02:00:00:00:30:10", "vm20": "02:00:00:00:30:20"}
BCAST = "ff:ff:ff:ff:ff:ff"


def udp_frame(src, dst, text, vlan=None, prio=0):
    e = Ether(src=src, dst=dst)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan, prio=prio)
    return e / IP(src="10.30.0.1", dst="10.30.0.2") / UDP(sport=40000, dport=40000) / Raw(text.encode())


def payloads(frames):
    return sorted(bytes(f[Raw].load).decode() for f in frames if Raw in f)


def test(work):
    with peer_namespace(PEER) as (ns, host_if, peer_if):
        vswd = Vswd(work).start()
        vswd.ctl("add-port", "up0", "--type", "dpdk", "--devargs", f"net_af_packet0,iface={host_if}",
                 "vlan-mode=trunk", "trunks=10,20")
        vswd.ctl("add-port", "vm10", "--socket", work.file("vm10.sock"), "vlan-mode=access", "tag=10")
        vswd.ctl("add-port", "vm20", "--socket", work.file("vm20.sock"), "vlan-mode=access", "tag=20")
        guests = {
            "vm10": FakeGuest(work, "vm10", work.file("vm10.sock"), True,
                              [udp_frame(GUEST["vm10"], BCAST, "vm10-bcast"), udp_frame(GUEST["vm10"], PEER, "vm10-to-peer")]),
            "vm20": FakeGuest(work, "vm20", work.file("vm20.sock"), True,
                              [udp_frame(GUEST["vm20"], BCAST, "vm20-bcast")]),
        }
        for n in guests:
            vswd.wait_port_state(n, "up")

        capture = work.file("uplink.pcap")
        tshark = subprocess.Popen(["ip", "netns", "exec", ns, "tshark", "-q", "-i", peer_if, "-F", "pcap", "-w", capture],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_until(lambda: os.path.exists(capture) and os.path.getsize(capture) > 0, 20, "tshark to start capturing")

        # The peer speaks first (so vswd learns its MAC in VLAN 10), then the guests.
        peer_send(ns, peer_if, [udp_frame(PEER, BCAST, "peer-10", vlan=10),
                                udp_frame(PEER, BCAST, "peer-20", vlan=20, prio=6),
                                udp_frame(PEER, BCAST, "peer-30", vlan=30),
                                udp_frame(PEER, BCAST, "peer-untagged")])
        wait_until(lambda: vswd.port_stats("up0")["rx_packets"] >= 4, 20, "the peer's frames on the uplink")
        for g in guests.values():
            g.start()
        wait_until(lambda: vswd.port_stats("up0")["tx_packets"] >= 3, 20, "the guests' frames on the uplink")
        time.sleep(1)
        tshark.terminate()
        tshark.wait(timeout=20)

        fields = subprocess.run(["tshark", "-r", capture, "-Y", "udp.port == 40000", "-T", "fields",
                                 "-e", "vlan.id", "-e", "vlan.priority", "-e", "data.data"],
                                capture_output=True, text=True, check=True).stdout
        at_peer = {}
        for line in fields.splitlines():
            vlan, prio, data = (line.split("\t") + ["", "", ""])[:3]
            at_peer.setdefault(bytes.fromhex(data).decode(errors="replace"), []).append(vlan)
        log(f"tshark on the peer side (payload: VLAN ids): {at_peer}")
        check(at_peer.get("vm10-bcast") == ["10"], "vm10's broadcast left the uplink tagged VLAN 10")
        check(at_peer.get("vm10-to-peer") == ["10"], "vm10's unicast to the peer left tagged VLAN 10")
        check(at_peer.get("vm20-bcast") == ["20"], "vm20's broadcast left the uplink tagged VLAN 20")

        got = {n: payloads(g.quit()) for n, g in guests.items()}
        check(got["vm10"] == ["peer-10"], f"only vm10 got the peer's VLAN 10 frame: {got['vm10']}")
        check(got["vm20"] == ["peer-20"], f"only vm20 got the peer's VLAN 20 frame: {got['vm20']}")
        up = vswd.port_stats("up0")
        check(up["drops"]["vlan_not_allowed"] == 2, "VLAN 30 and untagged frames from the peer: vlan_not_allowed on up0")
        check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "uplink-vlans")
