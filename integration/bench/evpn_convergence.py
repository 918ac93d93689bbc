#!/usr/bin/python3
"""EVPN control-plane benchmark: how long MACs take to reach another host's FDB, and to follow a
move, with 1, 100 and 1000 MACs. Two vsw hosts (integration/lib/overlay_hosts.py: namespaces,
real gobgpd, vsw-evpn, vswd); vsw-macgen announces N MACs (one broadcast each, paced) on a port
of host 1; then, with that generator stopped (SIGSTOP: its ports stay connected, so the MACs stay
local there), a second vsw-macgen announces the same N MACs on host 2: a move of every MAC.

Times, from the first MAC learned on host 1 (learned, remote) and from the first MAC learned on
host 2 (moved):
  learned     host 1's FDB holds all N locally
  remote      host 2's FDB holds all N as remote entries at host 1's VTEP (type-2 routes)
  moved       host 1's FDB holds all N as remote entries at host 2 (sequence 1 won, host 1
              withdrew its routes)
Polled every 20 ms through vswctl (the poll itself costs 5-30 ms with 1000 entries).

Usage: evpn_convergence.py [--macs 1,100,1000] [--rounds N]
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from macgen_run import MACGEN  # noqa: E402
from overlay_hosts import Fabric  # noqa: E402
from results import record, stamp  # noqa: E402
from vswd_process import Workdir, kill_all, live_processes, log  # noqa: E402


def macgen_mac(i):
    return "02:dd:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255)


def wait_for(pred, timeout=60, every=0.02):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if pred():
            return True
        time.sleep(every)
    return False


def generator(work, host, n, tag):
    """vsw-macgen on host's ports g0/g1 (VLAN 10), announcing n MACs; returns the process."""
    d = work.file(f"{host.name}-gen-{tag}")
    os.makedirs(d, exist_ok=True)
    for i in range(2):  # a killed generator's sockets: a new one could not listen there
        if os.path.exists(os.path.join(d, f"gen{i}.sock")):
            os.unlink(os.path.join(d, f"gen{i}.sock"))
    for i in range(2):
        name = f"g{i}"
        host.vswd.ctl("add-port", name, "--socket", os.path.join(d, f"gen{i}.sock"))
        host.vswd.ctl("set-port", name, "vlan-mode=access", "tag=10")
    p = subprocess.Popen([MACGEN, "--socket-dir", d, "--macs", str(n), "--seconds", "600", "--file-prefix",
                          f"evpnbench-{host.name}-{tag}-{os.getpid()}"], stdout=subprocess.PIPE,
                         stderr=open(work.file(f"{host.name}-macgen-{tag}.log"), "w"), text=True)
    live_processes.append(p)
    return p


def local_count(host, macs):
    return sum(1 for e in host.vswd.ctl("fdb", "show")["entries"] if "remote" not in e and e["mac"] in macs)


def remote_count(host, macs, vtep):
    return sum(1 for (vlan, mac), v in host.remote_fdb().items() if v == vtep and mac in macs)


def one_run(work, n):
    with Fabric(work, 2) as fab:
        h1, h2 = fab.hosts
        fab.start_agents()
        if not wait_for(lambda: h1.flood(10010) == [h2.vtep] and h2.flood(10010) == [h1.vtep], 30):
            raise AssertionError("flood lists never built")
        macs = {macgen_mac(i) for i in range(n)}
        g1 = generator(work, h1, n, "a")
        ok = wait_for(lambda: local_count(h1, macs) >= 1, every=0.005)
        t0 = time.monotonic()  # the first MAC learned on h1
        ok = ok and wait_for(lambda: local_count(h1, macs) == n)
        learned = time.monotonic() - t0
        g1.send_signal(signal.SIGSTOP)  # connected and silent: the MACs stay local on h1
        ok = ok and wait_for(lambda: remote_count(h2, macs, h1.vtep) == n)
        remote = time.monotonic() - t0
        g2 = generator(work, h2, n, "b")
        ok = ok and wait_for(lambda: local_count(h2, macs) >= 1, every=0.005)
        t1 = time.monotonic()  # the first MAC seen on h2
        ok = ok and wait_for(lambda: remote_count(h1, macs, h2.vtep) == n)
        moved = time.monotonic() - t1
        rib = len(h1.evpn_rib())
        for g in (g1, g2):
            g.send_signal(signal.SIGCONT)
            g.kill()
            g.wait()
        if not ok:
            raise AssertionError(f"{n} MACs did not converge (h1 local {local_count(h1, macs)}, "
                                 f"h2 remote {remote_count(h2, macs, h1.vtep)}, h1 remote {remote_count(h1, macs, h2.vtep)})")
        return {"macs": n, "learned_s": learned, "remote_s": remote, "moved_s": moved, "rib_prefixes": rib}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--macs", default="1,100,1000")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    counts = [int(x) for x in args.macs.split(",")]
    work = Workdir("evpn-bench")
    results = []
    try:
        for rnd in range(args.rounds):
            for n in counts:
                r = one_run(work, n) | {"round": rnd}
                results.append(r)
                log(f"round {rnd}: {n} MACs: learned {r['learned_s'] * 1000:.0f} ms, remote {r['remote_s'] * 1000:.0f} ms, "
                    f"moved {r['moved_s'] * 1000:.0f} ms")
    finally:
        kill_all()
        work.cleanup()
    now, rev = stamp()
    lines = [f"\n## {now} — EVPN convergence, vsw {rev}\n",
             "`integration/bench/evpn_convergence.py`: two hosts (namespaces, gobgpd 3.10 iBGP, vsw-evpn at 100 ms "
             f"rounds, vswd --no-huge), vsw-macgen announcing N MACs; {args.rounds} rounds, medians, from the "
             "first MAC learned on host 1 (learned, remote) and on host 2 (moved).\n",
             "| MACs | learned on host 1 | in host 2's FDB (type-2) | moved: in host 1's FDB at host 2 |",
             "|---|---|---|---|"]
    for n in counts:
        rows = [r for r in results if r["macs"] == n]
        med = lambda k: statistics.median(r[k] for r in rows) * 1000
        lines.append(f"| {n} | {med('learned_s'):.0f} ms | {med('remote_s'):.0f} ms | {med('moved_s'):.0f} ms |")
    record("\n".join(lines) + "\n", results, "evpn_convergence", now, rev)


if __name__ == "__main__":
    main()
