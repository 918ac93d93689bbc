#!/usr/bin/python3
"""Bond failover benchmark (issue 28): how long traffic through a LACP bond stops when one of its
links fails. The lab of tests/component/test_bond_lacp.py (integration/lib/bond_lab.py): vswd's
bond0 (balance-tcp, lacp=active, fast) against Open vSwitch's userspace bond in a namespace.

Per cut, a 10 ms ping and a TCP stream run through the bond; the ping's losses x 10 ms and the
TCP sink's longest gap between reads are the outage. Cuts, alternating between the two links:
  carrier-far   `ip link set down` on OVS's end of the veth: vswd sees its carrier go (netlink)
  carrier-near  `ip link set down` on vswd's own end
  silent        every frame OVS sends on the link dropped (an nftables egress rule): the carrier
                stays up, only LACP's timeout (3 s with fast timers) can tell
  silent-cfm    the same with CFM MEPs at 100 ms on both ends of both links: a CFM fault takes
                the member out on either side (vswd: 3.5 intervals without a CCM; OVS: our RDI)
Prints a table (median and maximum per kind), appends it to RESULTS.md and the rows to
results.jsonl. Not a test: it asserts nothing.

Usage: bond_failover.py [--cuts 10] [--silent-cuts 4]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from bond_lab import O_IP, TcpStream, add_vsw_ports, bond_of, members, sh, start_ovs_bond, topology  # noqa: E402
from ovs_peer import OvsSwitch  # noqa: E402
from results import record, stamp  # noqa: E402
from vswd_process import Vswd, Workdir, kill_all, log, wait_until  # noqa: E402


def all_distributing(vswd):
    b = bond_of(vswd)
    return b["status"] == "negotiated" and all(m["distributing"] for m in b["members"])


def one_cut(vswd, ns_o, ns_h, links, kind, link):
    near, far = links[link]
    stream = TcpStream(ns_h, ns_o).run(12 if kind == "silent" else 4)
    pinger = subprocess.Popen(["ip", "netns", "exec", ns_h, "ping", "-q", "-n", "-i", "0.01", "-c",
                               "1200" if kind == "silent" else "400", "-W", "1", O_IP],
                              stdout=subprocess.PIPE, text=True)
    time.sleep(1.0)
    nft = ["ip", "netns", "exec", ns_o, "nft"]
    if kind == "carrier-far":
        sh("ip", "netns", "exec", ns_o, "ip", "link", "set", far, "down")
    elif kind == "carrier-near":
        sh("ip", "link", "set", near, "down")
    else:
        sh(*nft, "add", "table", "netdev", "cut")
        sh(*nft, "add", "chain", "netdev", "cut", "out", f"{{ type filter hook egress device {far} priority 0; }}")
        sh(*nft, "add", "rule", "netdev", "cut", "out", "drop")
    out = pinger.communicate(timeout=120)[0]
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    lost = int(m.group(1)) - int(m.group(2))
    _, _, gap = stream.result()
    if kind == "carrier-far":
        sh("ip", "netns", "exec", ns_o, "ip", "link", "set", far, "up")
    elif kind == "carrier-near":
        sh("ip", "link", "set", near, "up")
    else:
        sh(*nft, "delete", "table", "netdev", "cut")
    wait_until(lambda: all_distributing(vswd), 30, "both members distributing again")
    time.sleep(1)
    return {"kind": kind, "link": link, "ping_lost": lost, "ping_outage_ms": lost * 10,
            "tcp_gap_ms": round(gap * 1000)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cuts", type=int, default=10, help="carrier cuts of each kind")
    ap.add_argument("--silent-cuts", type=int, default=4, help="cuts that only LACP can see")
    args = ap.parse_args()
    work = Workdir("bond-failover")
    rows = []
    try:
        with topology() as (ns_o, ns_h, links):
            with OvsSwitch(work, ns_o) as ovs:
                start_ovs_bond(ovs, ns_o, links, "lacp=active", "bond_mode=balance-tcp",
                               "other_config:lacp-time=fast")
                vswd = Vswd(work).start()
                add_vsw_ports(vswd, links)
                vswd.ctl("add-port", "bond0", "--type", "bond", "members=up0,up1", "bond-mode=balance-tcp",
                         "lacp=active", "lacp-time=fast")
                wait_until(lambda: all_distributing(vswd), 30, "the bond negotiated")
                plan = [(k, i) for k in ("carrier-far", "carrier-near") for i in range(args.cuts)]
                plan += [(k, i) for k in ("silent", "silent-cfm") for i in range(args.silent_cuts)]
                for kind, i in plan:
                    if kind == "silent-cfm" and i == 0:  # MEPs on both links, both ends
                        for n, (member, link) in enumerate((("up0", "a0"), ("up1", "a1"))):
                            vswd.ctl("set-port", member, f"cfm-mpid={10 + n}", "cfm-interval=100")
                            ovs.vsctl("set", "Interface", links[link][1], f"cfm_mpid={20 + n}",
                                      "other_config:cfm_interval=100")
                        wait_until(lambda: all(not m["fault"] for m in vswd.ctl("cfm", "show")["meps"]),
                                   10, "CFM up on both links")
                    row = one_cut(vswd, ns_o, ns_h, links, kind, ("a0", "a1")[i % 2])
                    log(f"{kind} cut of {row['link']}: ping lost {row['ping_lost']} "
                        f"({row['ping_outage_ms']} ms), TCP gap {row['tcp_gap_ms']} ms")
                    rows.append(row)
                log("members now: " + str({n: m["distributing"] for n, m in members(vswd).items()}))
                vswd.stop()
    finally:
        kill_all()
    now, rev = stamp()
    text = (f"\n## Bond failover ({now}, vsw {rev})\n\n"
            "vswd bond0 (balance-tcp, lacp=active, lacp-time=fast) against OVS 3.1's userspace bond "
            "(the same settings) over two veths; a 10 ms ping and a TCP stream through it per cut.\n\n"
            "| cut | cuts | ping outage median / max (ms) | TCP longest gap median / max (ms) |\n|---|---|---|---|\n")
    for kind in ("carrier-far", "carrier-near", "silent", "silent-cfm"):
        k = [r for r in rows if r["kind"] == kind]
        if not k:
            continue
        p = [r["ping_outage_ms"] for r in k]
        g = [r["tcp_gap_ms"] for r in k]
        text += (f"| {kind} | {len(k)} | {statistics.median(p):.0f} / {max(p)} | "
                 f"{statistics.median(g):.0f} / {max(g)} |\n")
    record(text, rows, "bond_failover", now, rev)


if __name__ == "__main__":
    main()
