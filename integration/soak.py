#!/usr/bin/python3
"""Soak: traffic for a while (10 minutes by default) through a real vswd while ports come and
go, guests reconnect and vswd itself is restarted (SIGTERM and SIGKILL in turn). At the end:
the mbuf pool is back to its idle level, vswd's memory did not grow while it ran, and the
configuration came back intact after every restart.

  integration/soak.py                  10 minutes, figures appended to bench/RESULTS.md
  integration/soak.py --seconds 60     the short version the test suite runs (component-soak)

Traffic: the benchmark generator (bench/generator.py: a testpmd whose two virtio-user ports
keep a fixed number of frames circulating through the switch). Every cycle adds, reconfigures
and deletes a port; every second cycle the generator is restarted (its guests reconnect); four
times in the run vswd is stopped and started again on its state file."""
import argparse
import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, os.path.join(HERE, "bench"))

from generator import Generator  # noqa: E402
from vswd_process import Vswd, check, log, run, wait_until  # noqa: E402

CYCLE_S = 5
RESTARTS = 4
RSS_GROWTH_LIMIT_KB = 16 * 1024  # per vswd lifetime, after its first minute of traffic


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def configure(vswd, work):
    """The configuration every restart must bring back."""
    for i in range(2):
        vswd.ctl("add-port", f"g{i}", "--socket", work.file(f"gen{i}.sock"), "vlan-mode=access", "tag=10",
                 "--description", f"generator port {i}")
    vswd.ctl("add-port", "span", "--socket", work.file("span.sock"))  # nobody there: copies dropped
    vswd.ctl("mirror", "add", "m0", "sources=g0", "direction=rx", "output=span")
    vswd.ctl("ipfix", "set", "--collector", "127.0.0.1:9", "--active-timeout", "5", "--idle-timeout", "2")
    vswd.ctl("set", "fdb-aging-time=60")


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def config_view(vswd):
    """What must survive a restart: the state file's content as vswd shows it."""
    with open(vswd.state_path) as f:
        return json.load(f)


class Soak:
    def __init__(self, work, seconds):
        self.work = work
        self.seconds = seconds
        self.vswd = Vswd(work)
        self.gen = None
        self.lifetimes = []  # per vswd instance: dict(start_rss, end_rss, seconds)
        self.samples = []    # (t, rate, rss, mbufs)
        self.counts = {"port churn": 0, "guest reconnects": 0, "vswd restarts": 0}

    def start_generator(self):
        self.gen = Generator(self.work, [self.work.file("gen0.sock"), self.work.file("gen1.sock")], 64, queue_size=256)
        self.gen.wait_prompt()
        for p in ("g0", "g1"):
            self.vswd.wait_port_state(p, "up")
        self.gen.start(8)

    def stop_generator(self):
        self.gen.stop()
        self.gen = None

    def churn(self, n):
        name = f"churn{n % 3}"
        self.vswd.ctl("add-port", name, "--type", "vhost-user-server", "--socket", self.work.file(f"{name}.sock"))
        self.vswd.ctl("set-port", name, "vlan-mode=trunk", "trunks=10,20", "tx-rate=100M")
        self.vswd.ctl("set-port", "g1", f"tx-rate={100 + n % 5 * 100}M")
        self.vswd.ctl("set-port", "g1", "tx-rate=none")
        self.vswd.ctl("del-port", name)
        self.counts["port churn"] += 1

    def restart_vswd(self, sig):
        before = config_view(self.vswd)
        self.end_lifetime()
        self.stop_generator()
        if sig == signal.SIGKILL:
            self.vswd.proc.kill()
            self.vswd.proc.wait()
            self.vswd.remove_eal_files()
        else:
            self.vswd.stop()
        self.vswd.start()
        after = config_view(self.vswd)
        check(after == before, f"configuration intact after a restart by {signal.Signals(sig).name}")
        check([p["name"] for p in self.vswd.ctl("show")["ports"]] == ["g0", "g1", "span"] and
              [m["name"] for m in self.vswd.ctl("mirror", "show")["mirrors"]] == ["m0"] and
              "127.0.0.1:9" in json.dumps(self.vswd.ctl("ipfix", "show")["config"]),
              "ports, mirror and IPFIX export are all back")
        self.counts["vswd restarts"] += 1
        self.begin_lifetime()

    def begin_lifetime(self):
        self.idle_mbufs = self.vswd.mbufs_in_use()
        self.start_generator()
        self.lifetime = {"pid": self.vswd.proc.pid, "t0": time.monotonic(), "rss": [], "fds": []}

    def end_lifetime(self):
        lt = self.lifetime
        lt["seconds"] = time.monotonic() - lt["t0"]
        self.lifetimes.append(lt)

    def sample(self):
        rate = self.gen.measure(1)
        rss = rss_kb(self.vswd.proc.pid)
        self.lifetime["rss"].append(rss)
        self.lifetime["fds"].append(open_fds(self.vswd.proc.pid))
        self.samples.append((time.monotonic(), rate, rss, self.vswd.mbufs_in_use()))
        return rate

    def run(self):
        self.vswd.start()
        configure(self.vswd, self.work)
        self.begin_lifetime()
        started = time.monotonic()
        restart_at = [started + self.seconds * (k + 1) / (RESTARTS + 1) for k in range(RESTARTS)]
        cycle = 0
        while time.monotonic() - started < self.seconds:
            cycle_start = time.monotonic()
            rate = self.sample()
            if rate <= 0:
                raise AssertionError(f"cycle {cycle}: no traffic")
            self.churn(cycle)
            if restart_at and time.monotonic() >= restart_at[0]:
                restart_at.pop(0)
                self.restart_vswd(signal.SIGKILL if self.counts["vswd restarts"] % 2 else signal.SIGTERM)
            elif cycle % 2 == 1:
                self.stop_generator()  # both guests go away and come back
                self.start_generator()
                self.counts["guest reconnects"] += 1
            cycle += 1
            time.sleep(max(0.0, CYCLE_S - (time.monotonic() - cycle_start)))
        self.end_lifetime()
        self.stop_generator()
        wait_until(lambda: self.vswd.mbufs_in_use() == self.idle_mbufs, 10,
                   f"the mbuf pool to return to its idle level ({self.idle_mbufs} in use)")
        self.vswd.stop()
        return self.report()

    def report(self):
        rates = [s[1] for s in self.samples]
        lines = [f"soak: {self.seconds:.0f} s, {len(self.samples)} cycles; " +
                 ", ".join(f"{k}: {v}" for k, v in self.counts.items()),
                 f"traffic: {min(rates) / 1e6:.2f} .. {max(rates) / 1e6:.2f} Mpps (min .. max of 1-s samples)",
                 f"mbuf pool back to its idle level ({self.idle_mbufs} in use) once the traffic stopped"]
        worst = worst_fds = 0
        for i, lt in enumerate(self.lifetimes):
            rss = lt["rss"]
            if not rss:
                continue
            # Growth after the first samples (pools, caches and the FDB warm up first).
            settled = rss[min(len(rss) - 1, 2)]
            growth = max(rss) - settled
            worst = max(worst, growth)
            fds = lt["fds"]
            worst_fds = max(worst_fds, max(fds) - fds[0])
            lines.append(f"vswd #{i + 1}: {lt['seconds']:.0f} s, RSS {rss[0] / 1024:.1f} MiB first, "
                         f"{settled / 1024:.1f} settled, {max(rss) / 1024:.1f} max, {rss[-1] / 1024:.1f} last; "
                         f"open files {fds[0]} first, {max(fds)} max, {fds[-1]} last")
        print("\n".join(lines), flush=True)
        check(worst <= RSS_GROWTH_LIMIT_KB, f"vswd's memory stable: at most {worst / 1024:.1f} MiB growth after settling")
        check(worst_fds <= 4, f"no file descriptors leak across port churn and reconnects (at most {worst_fds} more)")
        return lines, worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md (default for 10 minutes)")
    args = ap.parse_args()
    record = args.record or args.seconds >= 600

    def test(work):
        lines, worst = Soak(work, args.seconds).run()
        if record:
            from results import record as append, stamp
            now, rev = stamp()
            append(f"\n## Soak ({now}, vsw {rev})\n\n" + "\n".join(f"- {x}" for x in lines) + "\n",
                   [{"seconds": args.seconds, "rss_growth_kb": worst}], bench="soak", now=now, rev=rev)

    run(test, "soak")


if __name__ == "__main__":
    main()
