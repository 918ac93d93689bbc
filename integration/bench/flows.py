#!/usr/bin/python3
"""IPFIX benchmark: vsw's forwarding rate and cycles per packet with flow export off and on (1:1
sampling, every frame metered) for 1, 1k, 100k and 1M concurrent flows, and the accounting of
every record. Generator: vsw-macgen --flows N on CPU 0 (IPv4/UDP, flows in a shuffled order);
vswd's PMD on CPU 1; the collector is a UDP socket in this script (it parses each message and
counts flow records). Timeouts are long, so every flow stays in the cache for the whole window
(concurrent); `ipfix del` then ends them all (forced end) and the books must close:

    flows started in the cache == records that left it
                               == flow records the collector got + lost before export
                                  + failed at the exporter + in datagrams the collector's socket dropped

Rounds are interleaved; the ratio compares on against off at the same flow count in the same
round. Appends to RESULTS.md and results.jsonl.

Usage: flows.py [--rounds N] [--seconds S] [--flows 1,1000,100000,1000000]
"""
import argparse
import os
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from macgen_run import macgen_vswd, measure  # noqa: E402
from results import record, stamp  # noqa: E402
from vswd_process import Workdir, kill_all, log  # noqa: E402
COLLECTOR_PORT = 24739


class Collector:
    """Counts IPFIX messages and flow records (templates 256-258) as they arrive."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 << 20)
        self.sock.bind(("127.0.0.1", COLLECTOR_PORT))
        self.sock.settimeout(0.2)
        self.messages = self.flow_records = self.other_records = 0
        self.record_len = {}
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                m = self.sock.recv(65535)
            except socket.timeout:
                continue
            self.messages += 1
            at = 16
            while at + 4 <= len(m):
                set_id, set_len = struct.unpack_from("!HH", m, at)
                body = m[at + 4:at + set_len]
                if set_id in (2, 3):
                    p = 0
                    while p + 4 <= len(body):
                        tid, count = struct.unpack_from("!HH", body, p)
                        p += 6 if set_id == 3 else 4
                        fields = [struct.unpack_from("!HH", body, p + 4 * i) for i in range(count)]
                        p += 4 * count
                        self.record_len[tid] = sum(length for _, length in fields)
                elif set_id in self.record_len:
                    n = len(body) // self.record_len[set_id]
                    if set_id <= 258:
                        self.flow_records += n
                    else:
                        self.other_records += n
                at += set_len

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def udp_rcvbuf_errors():
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


def one_run(work, flows, ipfix, seconds):
    collector = Collector() if ipfix else None
    try:
        with macgen_vswd(work, "flows-vswd", mem_mb=512) as vswd:
            return measure_flows(vswd, work, flows, ipfix, seconds, collector)
    finally:
        if collector:
            collector.close()


def measure_flows(vswd, work, flows, ipfix, seconds, collector):
    if ipfix:
        vswd.ctl("ipfix", "set", f"--collector=127.0.0.1:{COLLECTOR_PORT}", "--cache-max=2000000",
                 "--active-timeout=600", "--idle-timeout=600")
    drops_before = udp_rcvbuf_errors()
    result, _, _ = measure(vswd, work.path, seconds, "flowgen", "--macs", 1, "--flows", flows)
    result["ipfix"] = ipfix
    if not ipfix:
        return result
    show = vswd.ctl("ipfix", "show")
    result["concurrent_flows"] = show["active_flows"]
    vswd.ctl("ipfix", "del")  # forced end of every cached flow, exported before it returns
    exp = show["exporter"]["collectors"][0] if show.get("exporter") else {}
    # Until every record arrived, or 60 s (then the table shows the books do not close).
    deadline = time.monotonic() + 60
    while collector.flow_records + show["lost_records"] < show["flows_started"] and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # datagrams still in flight reach the socket (or its drop counter)
    result.update({"flows_started": show["flows_started"], "evicted": show["evicted_flows"],
                   "lost_before_export": show["lost_records"],
                   "collector_flow_records": collector.flow_records, "collector_messages": collector.messages,
                   "socket_drops": udp_rcvbuf_errors() - drops_before,
                   "exporter_failed_records": exp.get("failed_records", 0)})
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--flows", default="1,1000,100000,1000000")
    args = ap.parse_args()
    counts = [int(x) for x in args.flows.split(",")]
    subprocess.run(["sysctl", "-qw", "net.core.rmem_max=268435456"], check=False)  # the collector's buffer
    work = Workdir("flows")
    results = []
    try:
        for rnd in range(args.rounds):
            for n in counts:
                for ipfix in (False, True):
                    r = one_run(work, n, ipfix, args.seconds) | {"round": rnd}
                    results.append(r)
                    extra = ""
                    if ipfix:
                        extra = (f", concurrent {r['concurrent_flows']}, started {r['flows_started']}, collector got "
                                 f"{r['collector_flow_records']}, lost {r['lost_before_export']}, evicted {r['evicted']}")
                    log(f"round {rnd}: {n:>8} flows ipfix {'on ' if ipfix else 'off'}: {r['pps'] / 1e6:6.3f} Mpps, "
                        f"{r['cycles_per_packet']:.0f} cycles/packet{extra}")
    finally:
        kill_all()
        work.cleanup()

    now, rev = stamp()
    lines = [f"\n## {now} — IPFIX, vsw {rev}\n",
             f"vsw-macgen --flows N (CPU 0) -> vswd (one PMD, CPU 1), 64-byte IPv4/UDP frames, {args.rounds} rounds x "
             f"{args.seconds:.0f} s, interleaved; IPFIX on = 1:1 sampling, cache-max 2M, timeouts 600 s; ratio = on/off "
             "at the same flow count in the same round. Accounting: flows started in the cache vs flow records the "
             "collector got + lost before export + failed at the exporter + (datagrams dropped by the collector socket).\n",
             "| flows | off Mpps | on Mpps | on/off (median ratio) | off cycles/pkt | on cycles/pkt | concurrent flows | "
             "started | collector got | lost | socket drops | books close |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for n in counts:
        off = [r for r in results if r["flows"] == n and not r["ipfix"]]
        on = [r for r in results if r["flows"] == n and r["ipfix"]]
        ratio = statistics.median([o["pps"] / f["pps"] for o, f in zip(on, off) if f["pps"]])
        closes = all(r["flows_started"] == r["collector_flow_records"] + r["lost_before_export"] +
                     r["exporter_failed_records"] for r in on)
        last = on[-1]
        lines.append(f"| {n} | {statistics.median([r['pps'] for r in off]) / 1e6:.3f} | "
                     f"{statistics.median([r['pps'] for r in on]) / 1e6:.3f} | {ratio:.2f}x | "
                     f"{statistics.median([r['cycles_per_packet'] for r in off]):.0f} | "
                     f"{statistics.median([r['cycles_per_packet'] for r in on]):.0f} | {last['concurrent_flows']} | "
                     f"{last['flows_started']} | {last['collector_flow_records']} | {last['lost_before_export']} | "
                     f"{last['socket_drops']} | {'yes' if closes else 'NO'} |")
    record("\n".join(lines) + "\n", results, "ipfix", now, rev)


if __name__ == "__main__":
    main()
