#!/usr/bin/python3
"""Guest offloads with real Linux guests: g1 and g2 keep their NICs' offloads (checksums, TSO),
g3 has them off (QEMU's virtio-net-pci properties) and an MTU of 1450 (QEMU's host_mtu=, the
port's mtu=). iperf3 TCP both ways between g1 and g2 (large frames pass as they are), both ways
between g1 and g3 (vsw segments and checksums for g3), and through a tx-rate shaper; no guest
counts a checksum error and TCP retransmits little."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from qemu_guest import Guest, Nic, boot_all, build_image  # noqa: E402
from vswd_process import BUILD, Vswd, check, log, run  # noqa: E402

NAMES = ["g1", "g2", "g3"]
IP = {n: f"10.0.0.{i + 1}" for i, n in enumerate(NAMES)}
MAC = {n: f"52:54:00:00:01:{i + 1:02x}" for i, n in enumerate(NAMES)}


def snmp(g):
    """The guest's /proc/net/snmp as {"Tcp": {field: n}, "Udp": {...}, ...}."""
    lines = g.check("cat /proc/net/snmp").splitlines()
    out = {}
    for head, values in zip(lines[::2], lines[1::2]):
        proto, names = head.split(":", 1)
        out[proto] = dict(zip(names.split(), (int(v) for v in values.split(":", 1)[1].split())))
    return out


def iperf(src, dst, seconds=4, reverse=False):
    dst.check("iperf3 -s -D -1")
    out = src.check(f"iperf3 -c {IP[dst.name]} -t {seconds} -f m -J" + (" -R" if reverse else ""), timeout=90)
    return json.loads(out[out.index("{"):])["end"]["sum_received"]["bits_per_second"] / 1e6


def test(work):
    image = build_image(os.path.join(BUILD, "guest-image"))
    vswd = Vswd(work).start()
    for n in NAMES:
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"), *(["mtu=1450"] if n == "g3" else []))
    guests = {n: Guest(n, [Nic(work.file(f"{n}.sock"), MAC[n], offloads=(n != "g3"), mtu=1450 if n == "g3" else None)],
                       work.path, image).start()
              for n in NAMES}
    boot_all(guests, {n: f"ip link set eth0 up && ip addr add {IP[n]}/24 dev eth0" for n in NAMES}, log=log)
    for n in NAMES:
        vswd.wait_port_state(n, "up")
    feats = {n: vswd.port(n)["features"] for n in NAMES}
    log(f"negotiated: {feats}")
    check(all(f in feats[n] for n in ("g1", "g2") for f in ("csum", "guest_csum", "host_tso4", "guest_tso4")),
          "g1 and g2 negotiated checksum offloads and TSO both ways")
    check(not any(f in feats["g3"] for f in ("csum", "tso")), "g3 negotiated no offload")
    g3_mtu = guests["g3"].check("cat /sys/class/net/eth0/mtu").strip()
    check(g3_mtu == "1450" and "mtu" in feats["g3"].split(",") and vswd.port("g3").get("guest_mtu") == 1450
          and vswd.port("g3")["mtu"] == 1450,
          f"g3's MTU is 1450 (VIRTIO_NET_F_MTU from QEMU's host_mtu): guest {g3_mtu}, "
          f"vswctl guest_mtu {vswd.port('g3').get('guest_mtu')}, port mtu {vswd.port('g3')['mtu']}")
    before = {n: snmp(guests[n]) for n in NAMES}

    rates = {}
    for src, dst, rev in (("g1", "g2", False), ("g1", "g2", True), ("g1", "g3", False), ("g1", "g3", True)):
        key = f"{dst if rev else src} -> {src if rev else dst}"
        rates[key] = iperf(guests[src], guests[dst], reverse=rev)
        log(f"iperf3 {key}: {rates[key]:.0f} Mbit/s")
    check(all(r > 0 for r in rates.values()), "TCP flows both ways with offloads on both sides and on one")
    st = {n: vswd.port_stats(n) for n in NAMES}
    check(st["g3"]["tx_segments"] > 0 and st["g2"]["tx_segments"] == 0,
          f"vsw segmented for g3 ({st['g3']['tx_segments']} segments) and not for g2")

    vswd.ctl("set-port", "g1", "tx-rate=100M")
    shaped = iperf(guests["g1"], guests["g2"], seconds=5)
    # The L2 rate is 100 Mbit/s: TCP goodput is about 4% lower (as e2e-shaping's 45-52 for 50M).
    check(88 <= shaped <= 104, f"through tx-rate=100M with TSO: {shaped:.1f} Mbit/s of TCP goodput (88-104)")
    vswd.ctl("set-port", "g1", "tx-rate=none")

    after = {n: snmp(guests[n]) for n in NAMES}
    for n in NAMES:
        bad = {p: after[n][p].get("InCsumErrors", 0) - before[n][p].get("InCsumErrors", 0) for p in ("Tcp", "Udp")}
        out = after[n]["Tcp"]["OutSegs"] - before[n]["Tcp"]["OutSegs"]
        retrans = after[n]["Tcp"]["RetransSegs"] - before[n]["Tcp"]["RetransSegs"]
        check(bad == {"Tcp": 0, "Udp": 0}, f"{n}: no checksum error counted ({bad})")
        check(retrans <= max(10, out // 100), f"{n}: {retrans} retransmitted of {out} TCP segments sent")
    drops = {n: {r: k for r, k in st[n]["drops"].items() if k} for n in NAMES}
    check(all(vswd.port_stats(n)["drops"].get(r, 0) == 0 for n in NAMES for r in ("bad_offload", "over_mtu")),
          f"no guest's offload request refused, nothing over an MTU (drops {drops})")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "e2e-offloads")
