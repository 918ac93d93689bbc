#!/usr/bin/python3
"""Shaper accuracy and cost. The vm2vm generator (testpmd, two virtio-user guests, frames
circulating through the switch) offers far more than the limit; guest0's port gets tx-rate=R and
the rate vswd delivers to guest1 is measured from vswd's counters over a window (L2 bytes, which
is what the shaper counts). Then the cost of a shaper that is configured but not limiting
(tx-rate far above the traffic on both ports) in vswd's cycles per packet. Appends to RESULTS.md.

Usage: shaping.py [--seconds 5] [--rates 10M,100M,1G,5G] [--sizes 64,1518] [--rounds 3]
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from generator import running  # noqa: E402
from switches import Vsw  # noqa: E402
from results import record, stamp  # noqa: E402
from vswd_process import Workdir, kill_all, log  # noqa: E402

UNITS = {"k": 1e3, "M": 1e6, "G": 1e9}


def bits(rate):
    return float(rate[:-1]) * UNITS[rate[-1]] if rate[-1] in UNITS else float(rate)


def session(work, size, settings, seconds):
    """Starts vsw + generator, applies `settings` (list of (port, KEY=VALUE)), measures; returns
    (delivered bit/s to guest1, cycles per packet)."""
    with running(work, Vsw, size) as (sw, gen):
        for port, kv in settings:
            sw.vswd.ctl("set-port", port, kv)
        gen.start(8)
        time.sleep(1.5)
        b = sw.vswd.ctl("stats")
        t0 = time.monotonic()
        time.sleep(seconds)
        a = sw.vswd.ctl("stats")
        dt = time.monotonic() - t0
    tx1 = lambda st: [p for p in st["ports"] if p["name"] == "p1"][0]["tx_bytes"]  # noqa: E731
    pa, pb = a["pmds"][0], b["pmds"][0]
    pkts = pa["rx_packets"] - pb["rx_packets"]
    return (tx1(a) - tx1(b)) * 8 / dt, ((pa["busy_cycles"] - pb["busy_cycles"]) / pkts if pkts else 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rates", default="10M,100M,1G,5G")
    ap.add_argument("--sizes", default="64,1518")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the cost comparison")
    args = ap.parse_args()
    work = Workdir("shaping-bench")
    acc, cost = [], []
    try:
        for size in (int(x) for x in args.sizes.split(",")):
            for rate in args.rates.split(","):
                got, _ = session(work, size, [("p0", f"tx-rate={rate}")], args.seconds)
                err = (got - bits(rate)) / bits(rate) * 100
                acc.append((size, rate, got, err))
                log(f"{size}B tx-rate={rate}: delivered {got / 1e6:.2f} Mbit/s ({err:+.2f}%)")
        for rnd in range(args.rounds):  # interleaved: without, with
            for shaped in (False, True):
                settings = [("p0", "tx-rate=400G"), ("p1", "tx-rate=400G")] if shaped else []
                _, cpp = session(work, 64, settings, args.seconds)
                cost.append((shaped, cpp))
                log(f"round {rnd} 64B {'shaper configured, not limiting' if shaped else 'no shaper'}: {cpp:.0f} cycles/packet")
    finally:
        kill_all()
        work.cleanup()
    now, rev = stamp()
    lines = [f"\n## {now} — shaping, vsw {rev}\n",
             f"Guest-TX shaping of one port (tx-rate) with the vm2vm generator offering far more; delivered rate = "
             f"L2 bytes vswd handed to the other guest over {args.seconds:.0f} s.\n",
             "| frame | tx-rate | delivered | error |", "|---|---|---|---|"]
    lines += [f"| {s} B | {r} | {g / 1e6:.2f} Mbit/s | {e:+.2f}% |" for s, r, g, e in acc]
    off = [c for s, c in cost if not s]
    on = [c for s, c in cost if s]
    lines += ["", "Feature cost, 64 B, vswd cycles per packet (median of rounds):", "",
              "| feature | cycles/pkt | vs none |", "|---|---|---|",
              f"| none | {statistics.median(off):.0f} | 1.00x |",
              f"| shaper on both ports, not limiting | {statistics.median(on):.0f} | {statistics.median(on) / statistics.median(off):.2f}x |"]
    record("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
