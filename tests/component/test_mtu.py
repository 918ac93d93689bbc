#!/usr/bin/python3
"""Per-port MTU (mtu=): a frame larger than its port's MTU without a TSO request is dropped as
over_mtu where it enters (the Ethernet header and one VLAN tag do not count), a frame larger than
a destination's MTU is dropped there, and a guest's TSO frame reaches every destination in
segments cut for that destination's MTU, also one that takes TSO but has a smaller MTU. The
setting survives a restart, and a bad value is refused with the old one kept.

Ports: S (mtu=1450) sends plain frames; T (1500) sends TSO frames (testpmd `tso set 1448`) and
plain 1500-byte ones (UDP: testpmd would mark any TCP frame for TSO); SMALL (1450, no offloads), PLAIN (1500, no offloads) and LRO (1450,
GUEST_TSO) receive."""
from vswtest import IP, Ether, FakeGuest, Raw, Vswd, check, log, run, wait_until
from scapy.all import TCP, UDP, Dot1Q  # noqa: E402

NOBODY = "02:00:00:00:ee:02"  # unknown unicast: flooded to every other port
S, T = "02:00:00:00:0b:01", "02:00:00:00:0b:02"
MSS = 1448        # T's segment size: 1488-byte IP packets, within 1500, beyond 1450
PAYLOAD = 9000    # per TSO frame: 7 segments of 1448, or of 1410 at mtu=1450
LARGE = 4


def plain(src, ip_len, i, tagged=False):
    l2 = Ether(src=src, dst=NOBODY) / Dot1Q(vlan=10) if tagged else Ether(src=src, dst=NOBODY)
    return l2 / IP(src="192.0.2.1" if src == S else "192.0.2.7", dst="192.0.2.9", id=i) / \
        UDP(sport=7000, dport=7001) / Raw(b"m" * (ip_len - 28))


def large(i):
    return Ether(src=T, dst=NOBODY) / IP(src="192.0.2.7", dst="192.0.2.9") / \
        TCP(sport=40000, dport=5201, seq=1000 + i * PAYLOAD, flags="PA") / Raw(bytes((i + k) % 251 for k in range(PAYLOAD)))


def ip_len(p):
    return len(bytes(p)) - (18 if Dot1Q in p else 14)


def test(work):
    vswd = Vswd(work).start()
    for n in ("s", "t", "small", "plain", "lro"):
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))
    for n in ("s", "small", "lro"):
        vswd.ctl("set-port", n, "mtu=1450")
    code, err = vswd.ctl_fail("set-port", "small", "mtu=9217")
    check(code == 1 and "mtu must be 68 to 9216" in err and vswd.port("small")["mtu"] == 1450,
          f"mtu=9217 refused, 1450 kept: {err.strip()}")
    check(vswd.port("plain")["mtu"] == 1500, "the default MTU is 1500")

    lro = FakeGuest(work, "lro", work.file("lro.sock"), True, [], extra=["--max-pkt-len=9600"])
    for cmd in ("port stop all", "port config 0 rx_offload tcp_lro on", "port config 0 rx_offload scatter on",
                "port config 0 rx_offload tcp_cksum on", "port start all"):
        lro.send(cmd)
    small = FakeGuest(work, "small", work.file("small.sock"), True, [])
    flat = FakeGuest(work, "plain", work.file("plain.sock"), True, [])
    s_frames = [plain(S, 1450, i) for i in range(3)] + [plain(S, 1450, 3 + i, tagged=True) for i in range(3)] + \
        [plain(S, 1451, 6 + i) for i in range(3)]
    s = FakeGuest(work, "s", work.file("s.sock"), True, s_frames)
    t = FakeGuest(work, "t", work.file("t.sock"), True, [large(i) for i in range(LARGE)] +
                  [plain(T, 1500, 100 + i) for i in range(3)])
    for cmd in ("port stop all", "port config 0 tx_offload multi_segs on", "csum set tcp hw 0",
                f"tso set {MSS} 0", "port start all", "set fwd csum"):
        t.send(cmd)
    for n in ("s", "t", "small", "plain", "lro"):
        vswd.wait_port_state(n, "up")
    wait_until(lambda: "host_tso4" in vswd.port("t")["features"], 20, "T to negotiate TSO")
    wait_until(lambda: "guest_tso4" in vswd.port("lro")["features"], 20, "LRO to negotiate GUEST_TSO")
    for g in (lro, small, flat):
        g.start()
    s.start()
    wait_until(lambda: vswd.port_stats("s")["rx_packets"] >= len(s_frames), 30, "vswd to receive S's frames")
    s_drops = vswd.port_stats("s")["drops"]  # before T's frames: S receives them too
    t.start()
    wait_until(lambda: vswd.port_stats("t")["rx_packets"] >= LARGE + 3, 30, "vswd to receive T's frames")
    got = {"small": small.quit(settle=2), "plain": flat.quit(settle=2), "lro": lro.quit(settle=2)}
    s.quit()
    t.quit()
    st = {n: vswd.port_stats(n) for n in ("s", "t", "small", "plain", "lro")}
    log("drops: " + ", ".join(f"{n} {st[n]['drops']}" for n in st))

    check(s_drops.get("over_mtu", 0) == 3,
          f"S (mtu=1450): its 3 frames of 1451 bytes dropped as over_mtu ({s_drops})")
    for n in ("small", "plain", "lro"):
        from_s = sorted(p[IP].id for p in got[n] if IP in p and p[IP].src == "192.0.2.1")
        check(from_s == list(range(6)), f"{n} got S's six frames of 1450 bytes, tagged or not: ids {from_s}")
    check(st["t"]["drops"].get("bad_offload", 0) == 0 and st["t"]["drops"].get("over_mtu", 0) == 0,
          "T's TSO frames and 1500-byte frames were all accepted at its MTU of 1500")
    for n, mtu in (("small", 1450), ("plain", 1500), ("lro", 1450)):
        seg = [p for p in got[n] if TCP in p and p[TCP].sport == 40000]
        sizes = sorted({ip_len(p) for p in seg})
        mss = min(MSS, mtu - 40)
        want = LARGE * -(-PAYLOAD // mss)
        check(len(seg) == want and max(sizes) == 40 + mss,
              f"{n} (mtu={mtu}): T's TSO frames as {len(seg)} segments of at most {max(sizes)} IP bytes "
              f"({want} expected)")
        data = b"".join(bytes(p[TCP].payload) for p in sorted(seg, key=lambda p: p[TCP].seq))
        check(data == b"".join(bytes(large(i)[TCP].payload) for i in range(LARGE)),
              f"{n}: the segments' payloads concatenate to T's frames")
        check(st[n]["tx_segments"] == want, f"{n}: tx_segments {st[n]['tx_segments']}")
    for n, dropped in (("small", 3), ("plain", 0), ("lro", 3)):
        from_t = [p for p in got[n] if IP in p and p[IP].src == "192.0.2.7" and UDP in p]
        check(len(from_t) == 3 - dropped and st[n]["drops"].get("over_mtu", 0) == dropped,
              f"{n}: {len(from_t)} of T's 1500-byte frames delivered, {dropped} dropped as over_mtu on its side")
    check(st["s"]["drops"].get("over_mtu", 0) == 3 + 3, "S counts its own 3 and T's 3 frames over its MTU")

    vswd.stop()
    vswd.start()
    check(vswd.port("small")["mtu"] == 1450 and vswd.port("plain")["mtu"] == 1500,
          "mtu=1450 survives a restart (state file)")
    check(vswd.alive() and vswd.stop() == 0, "vswd survives and stops cleanly")


if __name__ == "__main__":
    run(test, "mtu")
