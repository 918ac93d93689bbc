#!/usr/bin/python3
"""A NIC's own offloads on a dpdk port: net_tap, the one device on these machines that has TCP
segmentation and checksum offloads (it does them in software, librte_gso and its own checksum
code, but through the same ethdev API as a real NIC: tx_offload_capa, the mbuf's TX flags,
rte_eth_tx_prepare). A fake guest with TSO sends large TCP frames, IPv4 and IPv6 in turn, and
small frames with a partial checksum, to a MAC nobody has: they are flooded to the uplink.
vswd hands the device the IPv4 frames as they are (no software segment is counted) and cuts the
IPv6 ones itself (net_tap's librte_gso has no TCP/IPv6); the kernel's side of the tap
(captured with dumpcap) gets MTU-sized segments whose checksums verify and whose payloads
concatenate to the originals either way. With offloads=off on the port, vswd segments
everything itself."""
import os
import signal
import subprocess
import time

from vswtest import IP, Ether, FakeGuest, Raw, Vswd, check, log, wait_until
from scapy.all import TCP, IPv6, rdpcap  # noqa: E402
from frame_checks import capture_in, checksums_ok  # noqa: E402

A = "02:00:00:00:0b:01"
NOBODY = "02:00:00:00:ee:02"
TAP = "vswnic0"
MSS = 1400        # within what net_tap cuts: headers + segment size within its 1500-byte MTU
PAYLOAD = 9000    # per large frame: 7 segments of MSS
LARGE = 4         # large frames: IPv4 and IPv6 in turn
SMALL = 2         # small IPv4 frames with a partial TCP checksum
SEGMENTS = -(-PAYLOAD // MSS)


def payload(i):
    return bytes((3 * i + k) % 253 for k in range(PAYLOAD if i < LARGE else 600))


def frame(i):
    ipv6 = i < LARGE and i % 2 == 1
    l3 = IPv6(src="2001:db8::1", dst="2001:db8::2") if ipv6 else IP(src="192.0.2.1", dst="192.0.2.2")
    return Ether(src=A, dst=NOBODY) / l3 / TCP(sport=41000 + i, dport=5201, seq=5000, flags="PA") / Raw(payload(i))


def test(work):
    subprocess.run(["ip", "link", "del", TAP], capture_output=True)
    try:
        nic_offloads(work)
    finally:
        subprocess.run(["ip", "link", "del", TAP], capture_output=True)


def sender(work, name):
    """A fake guest that sends the frames with TSO (segment size MSS) and partial checksums."""
    g = FakeGuest(work, name, work.file("a.sock"), True, [frame(i) for i in range(LARGE + SMALL)])
    for cmd in ("port stop all", "port config 0 tx_offload multi_segs on", "csum set tcp hw 0",
                f"tso set {MSS} 0", "port start all", "set fwd csum"):
        g.send(cmd)
    return g


def on_tap(work, vswd, name):
    """Sends the frames once; returns what the kernel's side of the tap got."""
    pcap = work.file(f"{name}.pcap")
    dumpcap = capture_in(None, TAP, pcap)
    g = sender(work, name)
    wait_until(lambda: "host_tso4" in vswd.port("a")["features"], 20, "the guest to negotiate TSO")
    before = vswd.port_stats("a")["rx_packets"]
    g.start()
    wait_until(lambda: vswd.port_stats("a")["rx_packets"] >= before + LARGE + SMALL, 30,
               "vswd to receive the guest's frames")
    time.sleep(1)
    dumpcap.send_signal(signal.SIGINT)
    dumpcap.wait(timeout=15)
    g.quit()
    vswd.wait_port_state("a", "connecting", timeout=10)
    return [p for p in rdpcap(pcap) if TCP in p and p[TCP].dport == 5201]


def whole(got):
    """The payloads per flow (source port), the segments put together in sequence order."""
    flows = {}
    for p in sorted(got, key=lambda p: p[TCP].seq):
        flows[p[TCP].sport] = flows.get(p[TCP].sport, b"") + bytes(p[TCP].payload)
    return flows


def check_delivery(got, what):
    want = {41000 + i: payload(i) for i in range(LARGE + SMALL)}
    check(len(got) == LARGE * SEGMENTS + SMALL, f"{what}: {len(got)} frames on the tap "
          f"({LARGE * SEGMENTS + SMALL} expected)")
    check(all(len(bytes(p)) <= 1514 for p in got), f"{what}: every frame fits a 1500-byte MTU")
    check(all(checksums_ok(p) for p in got), f"{what}: every IPv4 and TCP checksum verifies")
    check(whole(got) == want, f"{what}: the segments' payloads concatenate to the originals")


def nic_offloads(work):
    vswd = Vswd(work).start()
    vswd.ctl("add-port", "a", "--socket", work.file("a.sock"))
    vswd.ctl("add-port", "up0", "--type", "dpdk", "--devargs", f"net_tap0,iface={TAP}")
    vswd.wait_port_state("up0", "up")
    subprocess.run(["sysctl", "-q", f"net.ipv6.conf.{TAP}.disable_ipv6=1"], capture_output=True)
    subprocess.run(["ip", "link", "set", TAP, "up"], check=True)
    up = vswd.port("up0")
    log(f"up0: device offloads {up['device_offloads']}, the device does {up['device_does']}")
    check("tcp_tso" in up["device_offloads"] and up["device_does"] == "csum,tso4",
          f"net_tap's TSO and checksum offloads are on and used (IPv4 TSO, checksums): {up['device_does']}")
    show = vswd.ctl_text("show")
    check("device: csum,tso4" in show, "vswctl show lists what the device does")

    got = on_tap(work, vswd, "device")
    st = vswd.port_stats("up0")
    ipv6_segments = (LARGE // 2) * SEGMENTS
    log(f"up0 tx {st['tx_packets']} (software segments {st['tx_segments']}), drops {st['drops']}")
    check_delivery(got, "offloads on")
    check(st["tx_segments"] == ipv6_segments,
          f"vswd cut only the IPv6 frames ({st['tx_segments']} segments of {ipv6_segments}): "
          "the device segmented the IPv4 ones")
    check(st["tx_packets"] == ipv6_segments + LARGE // 2 + SMALL,
          f"up0 counted each IPv4 frame once, as handed to the device: {st['tx_packets']}")
    tx_drops = {r: st["drops"][r] for r in ("bad_offload", "tx_full", "no_mbufs", "over_mtu")}
    check(not any(tx_drops.values()), f"nothing dropped on the way to the device: {tx_drops}")

    vswd.ctl("set-port", "up0", "offloads=off")
    check(vswd.port("up0")["offloads"] == "off", "offloads=off on a dpdk port is taken")
    got = on_tap(work, vswd, "software")
    st2 = vswd.port_stats("up0")
    check_delivery(got, "offloads off")
    check(st2["tx_segments"] - st["tx_segments"] == LARGE * SEGMENTS,
          f"offloads=off: vswd cut every large frame itself ({st2['tx_segments'] - st['tx_segments']} segments)")
    check(vswd.alive() and vswd.stop() == 0, "vswd survives and stops cleanly")


if __name__ == "__main__":
    from vswtest import run
    run(test, "nic-offloads")
