#!/usr/bin/python3
"""VM-to-VM forwarding benchmark: vsw beside a testpmd cross-connect and OVS-DPDK in the same
run, interleaved round by round (A B C A B C ...), 64-byte and 1518-byte frames by default, up
to 9000 (switches.py: each switch raises its ports' MTU for frames above 1518). Each run
appends its table to RESULTS.md and raw numbers to results.jsonl beside this file, and redraws
vm2vm.svg (svg_plot.py: Mpps and cycles per byte against frame size, the peers and this run's
switches). Not a test: it asserts nothing and prints numbers.

Usage: vm2vm.py [--rounds N] [--seconds S] [--sizes 64,1518] [--switches vsw,testpmd-xconnect,ovs-dpdk]
                [--profile]   (perf record of vswd, software clock, during one extra 64B run)
       vm2vm.py --sizes 64,128,256,512,768,1024,1518,4000,9000,tso    the frame size sweep
                      tso: ~64 KB TCP frames (gso size 1448) one way, guest 0 to guest 1, which
                      negotiated LRO: the switch moves whole TSO frames (tso_generator.py; the
                      generator is vsw-macgen --tso). A run where they did not arrive whole and
                      LRO-marked, or vsw dropped any, is recorded as an error, without numbers.
                      Its Gbit/s is TCP payload, its cycles/byte over the whole 65218-byte frame;
                      not in vm2vm.svg (no place on the frame size axis)
       vm2vm.py --plot-only [--switches ...] [--last-run]   redraw vm2vm.svg from results.jsonl
       vm2vm.py --switches vsw,vsw+span,vsw+erspan    the feature table: cost of a mirror session
       VSW_BASELINE_BUILD=DIR vm2vm.py --switches vsw,vsw-baseline,vsw+all-ipfix,vsw+all-baseline
                      plain and every-feature switching (VLAN, shapers, SPAN, IPFIX 1:1) against an
                      older build; vsw+all adds NetFlow v9 1:1 and sFlow 1 in 1000
       vm2vm.py --switches vsw,vsw+sflow       the cost of sFlow 1 in 1000 on both ports
       vm2vm.py --switches vsw,vsw+ipfix,vsw+netflow9   IPFIX 1:1 against NetFlow v9 1:1
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from generator import running  # noqa: E402
import tso_generator  # noqa: E402
from switches import FEATURES, SWITCHES  # noqa: E402
import svg_plot  # noqa: E402
from vswd_process import Workdir, kill_all, log  # noqa: E402

# Drawn in vm2vm.svg whatever a run measured: the other switches and the vsw variants to compare.
PLOTTED = ["vsw", "vsw+one-copy", "testpmd-xconnect", "ovs-dpdk", "vsw-baseline"]


def frame_bytes(size):
    """A size's frame length with FCS: `tso` is ~64 KB."""
    return tso_generator.FRAME + 4 if size == tso_generator.SIZE else size


def label(size):
    return f"{size}B" if isinstance(size, int) else size


def one_run(work, switch_cls, size, seconds, bursts):
    with running(work, switch_cls, size) as (sw, gen):
        time.sleep(0.5)
        gen.start(bursts)
        time.sleep(2)  # warm-up: learning, caches
        sw.begin()
        pps = gen.measure(seconds)
        cpp, busy = sw.end()
        frame = gen.rx_frame_bytes
        tso = tso_generator.tso_result(sw, gen) if size == tso_generator.SIZE else {}
    if hasattr(sw, "cycles_from_log"):  # testpmd reports its cycles when it stops
        cpp = sw.cycles_from_log()
    if frame is not None and abs(frame - frame_bytes(size)) > 1:
        log(f"{switch_cls.name} {label(size)}: the generator received {frame:.0f}-byte frames")
    return pps, {"cycles_per_packet": cpp, "busy_pct": busy, "rx_frame_bytes": frame} | tso


def versions():
    def pkg(name):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True)
        return r.stdout or "?"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(), "dpdk": pkg("libdpdk-dev"),
            "ovs": pkg("openvswitch-switch-dpdk"), "vsw": subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                                                                        capture_output=True, text=True).stdout.strip()}


def profile(work, seconds):
    """perf record (cpu-clock: these machines have no hardware counters) of vswd under 64B load."""
    from switches import Vsw
    with running(work, Vsw, 64) as (sw, gen):
        gen.start(8)
        time.sleep(2)
        data = work.file("perf.data")
        subprocess.run(["perf", "record", "-e", "cpu-clock", "-F", "2000", "-g", "-p", str(sw.vswd.proc.pid),
                        "-o", data, "--", "sleep", str(seconds)], capture_output=True)
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--stdio", "--sort", "dso,symbol",
                             "--percent-limit", "1.5", "-g", "none"], capture_output=True, text=True).stdout
    return "\n".join(l for l in report.splitlines() if l.strip() and not l.startswith("#"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--sizes", default="64,1518")
    ap.add_argument("--switches", help="default: " + ",".join(s.name for s in SWITCHES) +
                    "; with --plot-only: " + ",".join(PLOTTED))
    ap.add_argument("--bursts", type=int, default=8, help="bursts of 32 injected per port (frames in flight)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--plot-only", action="store_true", help="redraw vm2vm.svg from results.jsonl, run nothing")
    ap.add_argument("--last-run", action="store_true", help="--plot-only: the newest run alone")
    args = ap.parse_args()
    if args.plot_only:
        svg_plot.redraw(switches=args.switches.split(",") if args.switches else PLOTTED, last_run=args.last_run)
        return
    args.switches = args.switches or ",".join(s.name for s in SWITCHES)
    chosen = [s for s in SWITCHES + FEATURES if s.name in args.switches.split(",")]
    sizes = [x if x == tso_generator.SIZE else int(x) for x in args.sizes.split(",")]
    work = Workdir("bench")
    results = []
    try:
        for rnd in range(args.rounds):
            for size in sizes:
                for sw in chosen:  # interleaved: A B C A B C
                    try:
                        pps, extra = one_run(work, sw, size, args.seconds, args.bursts)
                    except Exception as e:  # noqa: BLE001 - one switch failing at one size: the rest still run
                        log(f"round {rnd} {label(size)} {sw.name}: failed: {e}")
                        pps, extra = 0.0, {"error": str(e).splitlines()[0][:200] if str(e) else type(e).__name__}
                    r = {"round": rnd, "size": size, "switch": sw.name, "mpps": pps / 1e6,
                         "gbps": pps * (frame_bytes(size) + 20) * 8 / 1e9} | extra  # tso: payload
                    results.append(r)
                    cpp, busy = extra.get("cycles_per_packet"), extra.get("busy_pct")
                    log(f"round {rnd} {label(size)} {sw.name:17} {pps / 1e6:7.3f} Mpps" +
                        (f"  {cpp:.0f} cycles/packet ({cpp / frame_bytes(size):.2f}/byte)" if cpp else "") +
                        (f"  busy {busy:.0f}%" if busy else ""))
        prof = profile(work, 5) if args.profile else ""
    finally:
        kill_all()
        work.cleanup()
    report(results, sizes, chosen, args, prof)


def report(results, sizes, chosen, args, prof):
    v = versions()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"\n## {now} — vsw {v['vsw']}\n",
             f"Machine: {v['cpu']}, {v['cpus']} CPUs, kernel {v['kernel']}; DPDK {v['dpdk']}, OVS {v['ovs']}.  ",
             "Configuration: switch on CPU 1 (one PMD), generator (testpmd, 2 virtio-user ports, io"
             + ("; size tso: vsw-macgen --tso" if "tso" in sizes else "") + ") on CPU 0, "
             f"{args.bursts}x32 frames injected per port, {args.rounds} rounds x {args.seconds:.0f} s, interleaved.\n",
             "| size | switch | median Mpps | min-max | Gbit/s (L1) | vsw/this, Mpps (median of per-round ratios) "
             "| cycles/pkt (switch's own count) | cycles/byte | this/vsw, cycles | busy % |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for size in sizes:
        vsw_by_round = {r["round"]: r for r in results if r["switch"] == "vsw" and r["size"] == size}
        for sw in chosen:
            rs = [r for r in results if r["switch"] == sw.name and r["size"] == size]
            m = [r["mpps"] for r in rs]
            ratios = [vsw_by_round[r["round"]]["mpps"] / r["mpps"] for r in rs if r["round"] in vsw_by_round and r["mpps"] > 0]
            cpp = [r["cycles_per_packet"] for r in rs if r.get("cycles_per_packet")]
            cratios = [r["cycles_per_packet"] / vsw_by_round[r["round"]]["cycles_per_packet"] for r in rs
                       if r.get("cycles_per_packet") and r["round"] in vsw_by_round and vsw_by_round[r["round"]].get("cycles_per_packet")]
            busy = [r["busy_pct"] for r in rs if r.get("busy_pct")]
            med = lambda xs, fmt: fmt.format(statistics.median(xs)) if xs else "-"  # noqa: E731
            lines.append(f"| {size} | {sw.name} | {statistics.median(m):.3f} | {min(m):.3f}-{max(m):.3f} | "
                         f"{statistics.median([r['gbps'] for r in rs]):.2f} | {med(ratios, '{:.2f}x')} | "
                         f"{med(cpp, '{:.0f}')} | {med([c / frame_bytes(size) for c in cpp], '{:.3f}')} | "
                         f"{med(cratios, '{:.2f}x')} | {med(busy, '{:.0f}')} |")
    if tso_generator.SIZE in sizes:
        lines.append(f"\nSize tso: {tso_generator.FRAME + 4}-byte TCP frames (gso size {tso_generator.MSS}) one way, "
                     "guest 0 to guest 1 (LRO), sent by vsw-macgen --tso; Mpps there is TSO frames, Gbit/s TCP "
                     "payload, cycles/byte over the whole frame.")
    if prof:
        lines += ["\nProfile of vswd under 64B load (perf record -e cpu-clock, symbols >= 1.5%):\n", "```", prof, "```"]
    text = "\n".join(lines) + "\n"
    print(text)
    results_md = os.path.join(HERE, "RESULTS.md")
    if not os.path.exists(results_md):
        with open(results_md, "w") as f:
            f.write("# vm2vm benchmark results\n\nAppended by `integration/bench/vm2vm.py` (`scripts/bench.sh`); "
                    "newest last. Numbers from shared 2-vCPU machines: compare ratios within a run.\n")
    with open(results_md, "a") as f:
        f.write(text)
    with open(os.path.join(HERE, "results.jsonl"), "a") as f:
        for r in results:
            f.write(json.dumps(r | {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "vsw": v["vsw"]}) + "\n")
    svg_plot.redraw(switches=PLOTTED + [s.name for s in chosen if s.name not in PLOTTED])


if __name__ == "__main__":
    main()
