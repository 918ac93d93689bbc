#!/usr/bin/python3
"""Scale benchmark: vsw's forwarding rate and cycles per packet with 1, 1k, 100k and 1M learned
MACs (destinations in a shuffled order, so lookups miss the cache like real traffic), and with
2, 8 and 32 vhost-user ports (the extra ports connected but idle: the PMD polls them all).
Generator: vsw-macgen on CPU 0; vswd's PMD on CPU 1. Rounds are interleaved; ratios are taken
against the baseline (1 MAC, 2 ports) of the same round. Appends to RESULTS.md.

Usage: scale.py [--rounds N] [--seconds S] [--macs 1,1000,100000,1000000] [--ports 2,8,32]
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from macgen_run import macgen_vswd, measure  # noqa: E402
from results import record, stamp  # noqa: E402
from vswd_process import Workdir, kill_all, log  # noqa: E402


def one_run(work, macs, ports, seconds):
    with macgen_vswd(work, "scale-vswd", ports, extra=["--fdb-max", str(max(8192, 2 * macs))]) as vswd:
        result, before, after = measure(vswd, work.path, seconds, "macgen", "--macs", macs, "--ports", ports)
        result["fdb_entries"] = before["fdb"]["entries"]
        result["learn_full"] = sum(p["learn_full"] for p in after["ports"])
        result["flooded"] = sum(p["flooded"] for p in after["ports"]) - sum(p["flooded"] for p in before["ports"])
        return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--macs", default="1,1000,100000,1000000")
    ap.add_argument("--ports", default="2,8,32")
    args = ap.parse_args()
    mac_counts = [int(x) for x in args.macs.split(",")]
    port_counts = [int(x) for x in args.ports.split(",")]
    configs = [(m, 2) for m in mac_counts] + [(1, p) for p in port_counts if p != 2]
    work = Workdir("scale")
    results = []
    try:
        for rnd in range(args.rounds):
            for macs, ports in configs:
                r = one_run(work, macs, ports, args.seconds) | {"round": rnd}
                results.append(r)
                log(f"round {rnd}: {macs:>8} MACs {ports:>3} ports: {r['pps'] / 1e6:6.3f} Mpps, "
                    f"FDB {r['fdb_entries']}, {r['cycles_per_packet']:.0f} cycles/packet, busy {r['busy_pct']:.0f}%, "
                    f"floods in window {r['flooded']}")
    finally:
        kill_all()
        work.cleanup()

    base = {r["round"]: r["pps"] for r in results if r["macs"] == 1 and r["ports"] == 2}
    now, rev = stamp()
    lines = [f"\n## {now} — scale, vsw {rev}\n",
             f"vsw-macgen (CPU 0) -> vswd (one PMD, CPU 1), 64-byte frames, one direction, {args.rounds} rounds x "
             f"{args.seconds:.0f} s, interleaved; ratio against 1 MAC / 2 ports in the same round.\n",
             "| learned MACs | ports | median Mpps | min-max | vs baseline (median ratio) | FDB entries | vsw cycles/pkt | PMD busy % |",
             "|---|---|---|---|---|---|---|---|"]
    for macs, ports in configs:
        rs = [r for r in results if r["macs"] == macs and r["ports"] == ports]
        m = [r["pps"] / 1e6 for r in rs]
        ratio = statistics.median([r["pps"] / base[r["round"]] for r in rs if base.get(r["round"])])
        lines.append(f"| {macs} | {ports} | {statistics.median(m):.3f} | {min(m):.3f}-{max(m):.3f} | {ratio:.2f}x | "
                     f"{min(r['fdb_entries'] for r in rs)} | {statistics.median([r['cycles_per_packet'] for r in rs]):.0f} | "
                     f"{statistics.median([r['busy_pct'] for r in rs]):.0f} |")
    record("\n".join(lines) + "\n", results, "scale", now, rev)


if __name__ == "__main__":
    main()
