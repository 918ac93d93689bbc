#!/usr/bin/python3
"""Capture benchmark: vsw's forwarding rate and cycles per packet while `vswctl capture` runs,
against no capture in the same round, and how many frames a capture keeps up with. Generator:
vsw-macgen (64-byte frames, port 0 -> port 1) on CPU 0, vswd's PMD on CPU 1; vswctl writes the
pcapng to /dev/null. Modes: off; p0's received frames (rx); p0 rx and p1 tx (two captures, every
frame copied twice); p0 rx with a filter no frame matches (the JIT-compiled BPF runs on every
frame, nothing is copied). Appends to RESULTS.md and results.jsonl.

Usage: capture.py [--rounds N] [--seconds S]
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from macgen_run import macgen_vswd, measure  # noqa: E402
from results import record, stamp  # noqa: E402
from vswd_process import VSWCTL, Workdir, kill_all, live_processes, log, wait_until  # noqa: E402

# mode: [(port, direction, filter)]; "rx, filtered out": the filter runs on every frame, none matches.
MODES = {"off": [], "rx": [("p0", "rx", "")], "rx+tx": [("p0", "rx", ""), ("p1", "tx", "")],
         "rx, filtered out": [("p0", "rx", "ether src 02:00:00:00:00:42")]}


def one_run(work, mode, seconds):
    with macgen_vswd(work, "capture-vswd", mem_mb=512) as vswd:
        captures = []
        for port, direction, bpf in MODES[mode]:
            err = open(work.file(f"capture-{port}.err"), "w+")
            p = subprocess.Popen([VSWCTL, "--ctl", vswd.ctl_path, "capture", port, "--direction", direction,
                                  "-w", "/dev/null"] + (["--filter", bpf] if bpf else []), stderr=err)
            live_processes.append(p)
            captures.append((p, err))
        wait_until(lambda: len(vswd.ctl("show")["captures"]) == len(captures), 10, "captures to start")
        result, _, _ = measure(vswd, work.path, seconds, "capgen", "--macs", 1)
        result["mode"] = mode
        result["captured"] = result["lost"] = 0
        for p, err in captures:
            p.send_signal(signal.SIGINT)
            p.wait(timeout=30)
            err.seek(0)
            m = re.search(r"(\d+) frames captured on port \S+, (\d+) lost", err.read())
            if not m:
                raise AssertionError(f"no capture summary from vswctl (exit {p.returncode})")
            result["captured"] += int(m.group(1))
            result["lost"] += int(m.group(2))
        return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4)
    args = ap.parse_args()
    work = Workdir("capture-bench")
    results = []
    try:
        for rnd in range(args.rounds):
            for mode in MODES:
                r = one_run(work, mode, args.seconds) | {"round": rnd}
                results.append(r)
                log(f"round {rnd}: capture {mode:>16}: {r['pps'] / 1e6:6.3f} Mpps, {r['cycles_per_packet']:.0f} "
                    f"cycles/packet, captured {r['captured']}, lost {r['lost']}")
    finally:
        kill_all()
        work.cleanup()

    now, rev = stamp()
    lines = [f"\n## {now} — capture, vsw {rev}\n",
             f"vsw-macgen (CPU 0) -> vswd (one PMD, CPU 1), 64-byte frames p0 -> p1, {args.rounds} rounds x "
             f"{args.seconds:.0f} s, interleaved; `vswctl capture ... -w /dev/null` (pcapng built, then discarded); "
             "ratio = with capture / off in the same round; captured/s over the whole capture (it starts before the "
             "measuring window and ends after it).\n",
             "| capture | median Mpps | capture/off (median ratio) | cycles/pkt | frames captured | lost (counted) | "
             "captured share |",
             "|---|---|---|---|---|---|---|"]
    off = [r for r in results if r["mode"] == "off"]
    for mode in MODES:
        rs = [r for r in results if r["mode"] == mode]
        ratio = statistics.median([r["pps"] / o["pps"] for r, o in zip(rs, off) if o["pps"]])
        captured = sum(r["captured"] for r in rs)
        lost = sum(r["lost"] for r in rs)
        share = f"{100.0 * captured / (captured + lost):.1f} %" if captured + lost else "-"
        lines.append(f"| {mode} | {statistics.median([r['pps'] for r in rs]) / 1e6:.3f} | {ratio:.2f}x | "
                     f"{statistics.median([r['cycles_per_packet'] for r in rs]):.0f} | {captured} | {lost} | {share} |")
    record("\n".join(lines) + "\n", results, "capture", now, rev)


if __name__ == "__main__":
    main()
