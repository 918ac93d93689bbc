#!/usr/bin/python3
"""Guest TCP benchmark: two real Linux guests (TCG, both pinned to CPU 0) run iperf3 for a few
seconds through each peer in the same run, interleaved round by round:

  bridge     the Linux bridge with tap devices and QEMU's own virtio-net backend (libvirt's
             default <interface type='bridge'>; no vhost-net on these hosts), guest offloads on
  vsw        vswd (one PMD on CPU 1), guest offloads on (checksums, TSO both ways)
  vsw-off    vswd with offloads=off on both ports (every frame checksummed and cut by the guests)
  vsw-awake  vsw whose PMD never sleeps when idle (--pmd-max-sleep-us 0): the ceiling of what the
             idle back-off may cost a TCP flow whose frames come a millisecond apart
  vsw-linger vsw whose PMD polls 2 ms after its last packet before it sleeps
             (--pmd-idle-linger-us 2000)
  vsw-mod20, vsw-mod100  vsw whose PMD sleeps 20 / 100 us after a round of few frames
             (--pmd-moderation-us: frames batched as by a NIC's interrupt moderation)
  ovs-tso    Open vSwitch 3.1 with DPDK (PMD on CPU 1, never sleeping: its default) and
             userspace-tso-enable=true, dpdkvhostuserclient ports, the NORMAL action
  vsw-one-copy  vsw with one-copy=on on both ports (vsw drives the guests' TX rings: one copy)
  vsw-baseline  the vswd of another build (VSW_BASELINE_BUILD=DIR), run as vsw
  bridge-busy  the bridge while a process spins on CPU 1 (where vswd's PMD polls): whether a
             busy CPU 1 slows the guests on CPU 0 (on a VM, two vCPUs may share a host core)

Prints and records (RESULTS.md, results.jsonl) Mbit/s and the sender's retransmits per run, medians, the same-run ratios vsw
/ bridge and vsw / vsw-off, and vswd's PMD cycles per byte. Not a test: asserts nothing. Run it
on an otherwise idle machine, as root.

Usage: guest_tcp.py [--rounds 3] [--seconds 10] [--peers bridge,vsw,vsw-off[,vsw-one-copy,vsw-baseline,vsw-awake,vsw-linger,vsw-mod20,vsw-mod100,bridge-busy,ovs-tso]]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from qemu_guest import Guest, Nic, TapNic, boot_all, build_image  # noqa: E402
from results import record, stamp  # noqa: E402
from switches import OvsDpdk  # noqa: E402
from vswd_process import BUILD, Vswd, Workdir, kill_all, log  # noqa: E402

IP = {"g1": "10.9.0.1", "g2": "10.9.0.2"}
MAC = {"g1": "52:54:00:09:00:01", "g2": "52:54:00:09:00:02"}
BRIDGE = "vswbench0"
TAPS = {"g1": "vswbench-t1", "g2": "vswbench-t2"}
GUEST_CPU = 0


def sh(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


def bridge_up():
    bridge_down()
    sh("ip", "link", "add", BRIDGE, "type", "bridge")
    sh("ip", "link", "set", BRIDGE, "up")
    for tap in TAPS.values():
        sh("ip", "tuntap", "add", "dev", tap, "mode", "tap")
        sh("ip", "link", "set", tap, "master", BRIDGE)
        sh("ip", "link", "set", tap, "up")


def bridge_down():
    for dev in list(TAPS.values()) + [BRIDGE]:
        subprocess.run(["ip", "link", "del", dev], capture_output=True)


def virtio_interrupts(guest):
    """The guest's interrupts of virtio devices so far, from its /proc/interrupts."""
    total = 0
    for line in guest.check("cat /proc/interrupts").splitlines():
        if "virtio" in line:
            total += sum(int(f) for f in line.split()[1:] if f.isdigit())
    return total


RETRANSMITS = []  # the sender's retransmitted segments of each iperf run, in order


def iperf(guests, seconds):
    """(Mbit/s, virtio interrupts both guests took) of an iperf3 TCP run g1 -> g2; the sender's
    retransmits go to RETRANSMITS."""
    guests["g2"].check("iperf3 -s -D -1")
    time.sleep(0.5)
    before = sum(virtio_interrupts(g) for g in guests.values())
    out = guests["g1"].check(f"iperf3 -c {IP['g2']} -t {seconds} -f m -J", timeout=seconds + 60)
    interrupts = sum(virtio_interrupts(g) for g in guests.values()) - before
    result = json.loads(out[out.index("{"):])
    RETRANSMITS.append(result["end"]["sum_sent"].get("retransmits", 0))
    return result["end"]["sum_received"]["bits_per_second"] / 1e6, interrupts


def boot(work, image, nics):
    guests = {n: Guest(f"{n}-{int(time.monotonic() * 1000)}", [nics[n]], work.path, image, cpu=GUEST_CPU).start()
              for n in ("g1", "g2")}
    boot_all({g.name: g for g in guests.values()},
             {g.name: f"ip link set eth0 up && ip addr add {IP[n]}/24 dev eth0" for n, g in guests.items()},
             log=lambda m: None)
    guests["g1"].check(f"ping -c 3 -W 2 {IP['g2']}", timeout=30)  # ARP, and the path works
    return guests


def measure(work, image, nics, seconds):
    """Boots the guests on `nics`, runs iperf(), stops them: (Mbit/s, interrupts)."""
    guests = boot(work, image, nics)
    result = iperf(guests, seconds)
    for g in guests.values():
        g.kill()
    return result


def run_bridge(work, image, seconds, spin=False):
    bridge_up()
    spinner = subprocess.Popen(["taskset", "-c", "1", "/usr/bin/python3", "-c", "while True: pass"]) if spin else None
    try:
        mbps, interrupts = measure(work, image, {n: TapNic(TAPS[n], MAC[n]) for n in ("g1", "g2")}, seconds)
        return mbps, None, interrupts
    finally:
        if spinner:
            spinner.kill()
            spinner.wait()
        bridge_down()


def run_ovs(work, image, seconds):
    """OVS-DPDK 3.1 (switches.OvsDpdk, PMD on CPU 1) with userspace-tso-enable=true."""
    stamp_ms = int(time.monotonic() * 1000)
    socks = {n: work.file(f"ovs-{n}-{stamp_ms}.sock") for n in ("g1", "g2")}
    ovs = OvsDpdk(work, [socks["g1"], socks["g2"]], tso=True)
    try:
        ovs.start()
        mbps, interrupts = measure(work, image, {n: Nic(socks[n], MAC[n]) for n in ("g1", "g2")}, seconds)
        return mbps, None, interrupts
    finally:
        ovs.stop()


def run_vsw(work, image, seconds, offloads, extra=(), port_settings=(), binary=None):
    vswd = Vswd(work, name=f"vswd-{int(time.monotonic() * 1000)}", binary=binary,
                extra=["--pmd-cores", "1", "--main-core", "0", *extra]).start()
    try:
        for n in ("g1", "g2"):
            vswd.ctl("add-port", n, "--socket", work.file(f"{vswd.prefix}-{n}.sock"),
                     f"offloads={'on' if offloads else 'off'}", *port_settings)
        guests = boot(work, image, {n: Nic(work.file(f"{vswd.prefix}-{n}.sock"), MAC[n]) for n in ("g1", "g2")})
        before = vswd.ctl("stats")
        mbps, interrupts = iperf(guests, seconds)
        after = vswd.ctl("stats")
        busy = after["pmds"][0]["busy_cycles"] - before["pmds"][0]["busy_cycles"]
        moved = sum(p["rx_bytes"] for p in after["ports"]) - sum(p["rx_bytes"] for p in before["ports"])
        for g in guests.values():
            g.kill()
        return mbps, busy / moved if moved else None, interrupts
    finally:
        vswd.stop()


PEERS = {
    "bridge": lambda work, image, s: run_bridge(work, image, s),
    "bridge-busy": lambda work, image, s: run_bridge(work, image, s, spin=True),
    "ovs-tso": lambda work, image, s: run_ovs(work, image, s),
    "vsw": lambda work, image, s: run_vsw(work, image, s, True),
    "vsw-off": lambda work, image, s: run_vsw(work, image, s, False),
    "vsw-one-copy": lambda work, image, s: run_vsw(work, image, s, True, port_settings=["one-copy=on"]),
    # vswd as built elsewhere (VSW_BASELINE_BUILD): an older revision in the same run.
    "vsw-baseline": lambda work, image, s: run_vsw(
        work, image, s, True, binary=os.path.join(os.environ.get("VSW_BASELINE_BUILD", "/nonexistent"), "src", "vswd")),
    "vsw-awake": lambda work, image, s: run_vsw(work, image, s, True, ["--pmd-max-sleep-us", "0"]),
    "vsw-linger": lambda work, image, s: run_vsw(work, image, s, True, ["--pmd-idle-linger-us", "2000"]),
    "vsw-mod20": lambda work, image, s: run_vsw(work, image, s, True, ["--pmd-moderation-us", "20"]),
    "vsw-mod100": lambda work, image, s: run_vsw(work, image, s, True, ["--pmd-moderation-us", "100"]),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--peers", default="bridge,vsw,vsw-off")
    a = ap.parse_args()
    peers = a.peers.split(",")
    image = build_image(os.path.join(BUILD, "guest-image"))
    work = Workdir("guest-tcp")
    runs = {p: [] for p in peers}
    cpb = {p: [] for p in peers}
    irq_per_mb = {p: [] for p in peers}  # guests' virtio interrupts per MB received
    retrans = {p: [] for p in peers}  # the sender's retransmits per run
    try:
        for r in range(a.rounds):
            for p in peers:
                mbps, cycles_per_byte, interrupts = PEERS[p](work, image, a.seconds)
                runs[p].append(mbps)
                retrans[p].append(RETRANSMITS[-1] if RETRANSMITS else 0)
                if cycles_per_byte is not None:
                    cpb[p].append(cycles_per_byte)
                megabytes = mbps * a.seconds / 8
                if megabytes:
                    irq_per_mb[p].append(interrupts / megabytes)
                log(f"round {r + 1}: {p}: {mbps:.0f} Mbit/s, {retrans[p][-1]} retransmits"
                    + (f", {cycles_per_byte:.2f} PMD cycles/byte" if cycles_per_byte is not None else "")
                    + (f", {irq_per_mb[p][-1]:.1f} guest virtio interrupts/MB" if irq_per_mb[p] else ""))
    finally:
        kill_all()
        bridge_down()
        work.cleanup()
    now, rev = stamp()

    def ratio(x, y):
        rs = [runs[x][i] / runs[y][i] for i in range(a.rounds) if runs[y][i]]
        return f"{statistics.median(rs):.2f}x" if rs else "-"

    lines = [f"\n## {now} — vsw {rev}: guest TCP (iperf3, two TCG guests on CPU 0, vswd's PMD on CPU 1)\n\n",
             f"`integration/bench/guest_tcp.py`: {a.rounds} rounds x {a.seconds} s, peers interleaved per round.\n\n",
             "| peer | Mbit/s per run | median | sender's retransmits per run | PMD cycles/byte | guest virtio interrupts/MB | vs bridge (median of per-round ratios) |\n",
             "|---|---|---|---|---|---|---|\n"]
    for p in peers:
        c = f"{statistics.median(cpb[p]):.2f}" if cpb[p] else "-"
        irq = f"{statistics.median(irq_per_mb[p]):.1f}" if irq_per_mb[p] else "-"
        vs = ratio(p, "bridge") if "bridge" in peers else "-"
        lines.append(f"| {p} | {', '.join(f'{x:.0f}' for x in runs[p])} | {statistics.median(runs[p]):.0f} | "
                     f"{', '.join(str(x) for x in retrans[p])} | {c} | {irq} | {vs} |\n")
    if "vsw" in peers and "vsw-off" in peers:
        lines.append(f"\nvsw with offloads / without (same run, median of per-round ratios): {ratio('vsw', 'vsw-off')}.\n")
    record("".join(lines), [{"peer": p, "mbps": runs[p], "cycles_per_byte": cpb[p],
                             "interrupts_per_mb": irq_per_mb[p], "retransmits": retrans[p]} for p in peers],
           bench="guest_tcp", now=now, rev=rev)


if __name__ == "__main__":
    main()
