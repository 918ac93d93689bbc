#!/usr/bin/python3
"""The micro-benchmarks (`meson test -C build --benchmark`: tests/*/..._bench.cpp), run RUNS
times in turn, recorded as one table in RESULTS.md (median and min-max of each case's best
round) and rows in results.jsonl. Run it on an otherwise idle machine.

  micro.py [--build-dir build] [--runs 3]"""
import argparse
import os
import platform
import re
import statistics
import subprocess

from results import record, stamp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
LINE = re.compile(r"^(?P<name>.+?)\s+(?P<ns>[0-9.]+) ns/op\s+(?P<cycles>[0-9.]+) cycles/op$")


def run_once(build):
    out = subprocess.run(["meson", "test", "-C", build, "--benchmark", "--no-rebuild", "--verbose"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [(m["name"], float(m["ns"]), float(m["cycles"])) for m in map(LINE.match, out.splitlines()) if m]


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    subprocess.run(["ninja", "-C", a.build_dir], cwd=ROOT, check=True, capture_output=True)
    runs = [run_once(a.build_dir) for _ in range(a.runs)]
    names = [n for n, _, _ in runs[0]]
    now, rev = stamp()
    lines = [f"\n## {now} — vsw {rev}: micro-benchmarks\n\n",
             f"Machine: {cpu_model()}, {os.cpu_count()} CPUs, kernel {platform.release()}.  \n",
             f"`integration/bench/micro.py`: {a.runs} runs of `meson test -C build --benchmark`; each case is the "
             "best of 7 rounds of ~50 ms within a run; median and min-max over the runs. One operation is one "
             "packet (a burst of 32 counts 32).\n\n",
             "| case | ns/op median | min-max | cycles/op median | min-max |\n|---|---|---|---|---|\n"]
    rows = []
    for name in names:
        ns = [r[1] for run in runs for r in run if r[0] == name]
        cy = [r[2] for run in runs for r in run if r[0] == name]
        lines.append(f"| {name} | {statistics.median(ns):.2f} | {min(ns):.2f}-{max(ns):.2f} | "
                     f"{statistics.median(cy):.1f} | {min(cy):.1f}-{max(cy):.1f} |\n")
        rows.append({"case": name, "ns_per_op": ns, "cycles_per_op": cy})
    record("".join(lines), rows, bench="micro", now=now, rev=rev)


if __name__ == "__main__":
    main()
