#!/usr/bin/python3
"""Connection tracking benchmark (issue 29): vsw's forwarding rate with security groups (the 20
rules of switches.ACL_RULES on both ports) for 1, 1k, 100k and 1M concurrent connections,
against the same flows without groups, and the table's memory per connection.

Generator: vsw-macgen --flows N on CPU 0 (64-byte IPv4/UDP from 10.x.y.z:1000 to
10.255.255.254:2000, flows in a shuffled order), vswd's PMD on CPU 1. Every flow is a
connection in both ports' zones (the sender's egress, the receiver's ingress); nothing answers,
so each frame is looked up and, being NEW until a reply (iptables' NEW too), classified: the
dearer path. The table holds 2.2M connections (1M flows are 2M connections), no per-port
limit. Rounds are interleaved; the ratios are ACL on / off at the same flow count in the same
round, and on at N / on at 1.

Usage: conntrack_scale.py [--rounds N] [--seconds S] [--flows 1,1000,100000,1000000]
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from macgen_run import macgen_vswd, measure  # noqa: E402
from results import record, stamp  # noqa: E402
from switches import acl_ports  # noqa: E402
from vswd_process import Workdir, kill_all, log  # noqa: E402

TABLE = 2200000  # both ports' zones hold every flow


def one_run(work, flows, acl, seconds):
    with macgen_vswd(work, "ct-vswd", mem_mb=512) as vswd:
        if acl:
            acl_ports(vswd, ["p0", "p1"], max_connections=TABLE)
        result, before, after = measure(vswd, work.path, seconds, "ctgen", "--macs", 1, "--flows", flows)
        result["acl"] = acl
        if acl:
            show = vswd.ctl("conntrack", "show")
            result["connections"] = show["counts"]["connections"]
            result["memory_bytes"] = show["memory_bytes"]
            result["capacity"] = show["capacity"]
            drops = {}
            for p in after["ports"]:
                for k in ("acl_deny", "ct_invalid", "ct_full"):
                    drops[k] = drops.get(k, 0) + p.get("drops", {}).get(k, 0)
            result["acl_drops"] = drops
        return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--flows", default="1,1000,100000,1000000")
    args = ap.parse_args()
    counts = [int(x) for x in args.flows.split(",")]
    work = Workdir("conntrack")
    results = []
    try:
        for rnd in range(args.rounds):
            for n in counts:
                for acl in (False, True):
                    r = one_run(work, n, acl, args.seconds) | {"round": rnd}
                    results.append(r)
                    extra = (f", {r['connections']} connections, drops {r['acl_drops']}" if acl else "")
                    log(f"round {rnd}: {n:>8} flows acl {'on ' if acl else 'off'}: {r['pps'] / 1e6:6.3f} Mpps, "
                        f"{r['cycles_per_packet']:.0f} cycles/packet{extra}")
    finally:
        kill_all()
        work.cleanup()

    now, rev = stamp()
    on1 = {r["round"]: r["pps"] for r in results if r["acl"] and r["flows"] == counts[0]}
    lines = [f"\n## {now} — connection tracking, vsw {rev}\n",
             f"vsw-macgen --flows N (CPU 0) -> vswd (one PMD, CPU 1), 64-byte IPv4/UDP, unanswered (NEW: each frame "
             f"looked up in both ports' zones and classified by 20 rules), table {TABLE} connections; {args.rounds} "
             f"rounds x {args.seconds:.0f} s, interleaved; ratios: median of per-round ratios.\n",
             "| flows | no ACL Mpps | ACL Mpps | ACL/no ACL | ACL at N / ACL at 1 | no ACL cycles/pkt | ACL cycles/pkt "
             "| connections tracked | table bytes per connection |",
             "|---|---|---|---|---|---|---|---|---|"]
    for n in counts:
        off = [r for r in results if r["flows"] == n and not r["acl"]]
        on = [r for r in results if r["flows"] == n and r["acl"]]
        ratio = statistics.median([o["pps"] / f["pps"] for o, f in zip(on, off) if f["pps"]])
        scale = statistics.median([o["pps"] / on1[o["round"]] for o in on if on1.get(o["round"])])
        last = on[-1]
        lines.append(f"| {n} | {statistics.median([r['pps'] for r in off]) / 1e6:.3f} | "
                     f"{statistics.median([r['pps'] for r in on]) / 1e6:.3f} | {ratio:.2f}x | {scale:.2f}x | "
                     f"{statistics.median([r['cycles_per_packet'] for r in off]):.0f} | "
                     f"{statistics.median([r['cycles_per_packet'] for r in on]):.0f} | {last['connections']} | "
                     f"{last['memory_bytes'] / last['capacity']:.0f} |")
    record("\n".join(lines) + "\n", results, "conntrack", now, rev)


if __name__ == "__main__":
    main()
