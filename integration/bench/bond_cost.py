#!/usr/bin/python3
"""What a bond costs per packet (issue 28), against a single dpdk port, in the same run.

A dpdk-testpmd guest (txonly, 64-byte frames of many flows: --txonly-multi-flow) sends as fast as
vswd takes frames; everything goes out of one egress that never pushes back (net_null devices):
  dpdk        one net_null port
  bond-tcp    a static bond (lacp=off) of two net_null ports, balance-tcp: a hash per frame
  bond-ab     the same bond in active-backup
The destination is unknown to the FDB, so every frame floods to the one egress there is (the same
path in all three). Rate = what left by the egress per second; cycles per packet from vswd's PMD.
Rounds interleave the variants (A B C A B C ...) because these machines are noisy; the ratios to
`dpdk` within a round are what to read. Not a test: it asserts nothing.

Usage: bond_cost.py [--rounds 3] [--seconds 4]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from results import record, stamp  # noqa: E402
from vswd_process import Vswd, Workdir, kill_all, live_processes, log, wait_until  # noqa: E402

VARIANTS = {
    "dpdk": [["add-port", "out", "--type", "dpdk", "--devargs", "net_null0,no-rx=1"]],
    "bond-tcp": [["add-port", "m0", "--type", "dpdk", "--devargs", "net_null0,no-rx=1"],
                 ["add-port", "m1", "--type", "dpdk", "--devargs", "net_null1,no-rx=1"],
                 ["add-port", "out", "--type", "bond", "members=m0,m1", "bond-mode=balance-tcp"]],
    "bond-ab": [["add-port", "m0", "--type", "dpdk", "--devargs", "net_null0,no-rx=1"],
                ["add-port", "m1", "--type", "dpdk", "--devargs", "net_null1,no-rx=1"],
                ["add-port", "out", "--type", "bond", "members=m0,m1", "bond-mode=active-backup"]],
}


def start_guest(work, sock):
    if os.path.exists(sock):
        os.unlink(sock)
    cmd = ["dpdk-testpmd", "--lcores=0@0,1@0", "--no-pci", "--in-memory", "-m", "512", "--single-file-segments",
           f"--file-prefix=bench-bond-{os.getpid()}", "--log-level=*:warning",
           f"--vdev=net_virtio_user0,path={sock},server=1,queue_size=1024,mac=02:00:00:be:00:00",
           "--", "--forward-mode=txonly", "--txonly-multi-flow", "--txpkts=60", "--auto-start",
           "--eth-peer=0,02:00:00:be:00:01", "--rxd=1024", "--txd=1024", "--stats-period=0"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE,  # it runs until its stdin gives a line
                         stdout=open(work.file("testpmd.log"), "w"),
                         stderr=subprocess.STDOUT)
    live_processes.append(p)
    return p


def one_run(work, variant, seconds):
    sock = work.file("guest.sock")
    guest = start_guest(work, sock)
    vswd = Vswd(work, name="bench-vswd", mem_mb=512, extra=["--pmd-cores", "1", "--main-core", "0"]).start()
    try:
        time.sleep(1)
        vswd.ctl("add-port", "g", "--socket", sock)
        for cmd in VARIANTS[variant]:
            vswd.ctl(*cmd)
        vswd.wait_port_state("g", "up", 30)
        if variant != "dpdk":
            wait_until(lambda: vswd.ctl("bond", "show")["bonds"][0]["status"] == "static", 10, "bond up")
        time.sleep(2)  # warm-up

        def sample():
            s = vswd.ctl("stats")
            out = next(p for p in s["ports"] if p["name"] == "out")
            return out["tx_packets"], s["pmds"][0], time.monotonic()
        (tx0, pmd0, t0) = sample()
        time.sleep(seconds)
        (tx1, pmd1, t1) = sample()
        pkts = pmd1["rx_packets"] - pmd0["rx_packets"]
        cpp = (pmd1["busy_cycles"] - pmd0["busy_cycles"]) / pkts if pkts else None
        return (tx1 - tx0) / (t1 - t0), cpp
    finally:
        vswd.stop()
        if os.path.exists(vswd.state_path):
            os.unlink(vswd.state_path)
        guest.terminate()
        guest.wait(timeout=20)
        live_processes.remove(guest)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4)
    args = ap.parse_args()
    work = Workdir("bond-cost")
    rows = []
    try:
        for r in range(args.rounds):
            for variant in VARIANTS:
                pps, cpp = one_run(work, variant, args.seconds)
                log(f"round {r + 1} {variant}: {pps / 1e6:.2f} Mpps, {cpp:.0f} cycles/packet")
                rows.append({"round": r + 1, "variant": variant, "pps": pps, "cycles_per_packet": cpp})
    finally:
        kill_all()
    now, rev = stamp()
    text = (f"\n## Bond cost per packet ({now}, vsw {rev})\n\n"
            "One guest (testpmd txonly, 64 B, many flows) flooding to one egress that never pushes back: a "
            "net_null port, or a static bond of two (balance-tcp: a hash per frame; active-backup). Medians "
            f"over {args.rounds} interleaved rounds; ratio = the round's rate over the same round's `dpdk`.\n\n"
            "| egress | Mpps | cycles/packet | ratio to one dpdk port |\n|---|---|---|---|\n")
    for variant in VARIANTS:
        mine = [x for x in rows if x["variant"] == variant]
        ratios = [x["pps"] / next(y["pps"] for y in rows if y["round"] == x["round"] and y["variant"] == "dpdk")
                  for x in mine]
        text += (f"| {variant} | {statistics.median(x['pps'] for x in mine) / 1e6:.2f} | "
                 f"{statistics.median(x['cycles_per_packet'] for x in mine):.0f} | {statistics.median(ratios):.3f}x |\n")
    record(text, rows, "bond_cost", now, rev)


if __name__ == "__main__":
    main()
