"""Open vSwitch as a peer nobody here wrote: Debian's plain ovs-vswitchd with the userspace
(netdev) datapath, no kernel module, in a network namespace, with its own database, run and log
directories under a test's work directory. Started and stopped by PID, never through systemd.

    with OvsSwitch(work, ns) as ovs:
        ovs.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev")
        ovs.appctl("lacp/show")
"""
import os
import signal
import subprocess
import time

from vswd_process import live_processes, log

SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


class OvsSwitch:
    def __init__(self, work, ns, name="ovs"):
        self.ns = ns
        self.dir = work.file(name)
        os.makedirs(self.dir, exist_ok=True)
        self.db_sock = os.path.join(self.dir, "db.sock")
        self.ctl = os.path.join(self.dir, "ovs-vswitchd.ctl")
        self.env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_LOGDIR=self.dir, OVS_DBDIR=self.dir,
                        OVS_SYSCONFDIR=self.dir)
        self.procs = []

    def _in_ns(self, *cmd):
        return ["ip", "netns", "exec", self.ns, *cmd]

    def start(self):
        db = os.path.join(self.dir, "conf.db")
        subprocess.run(["ovsdb-tool", "create", db, SCHEMA], check=True, env=self.env)
        self.procs.append(subprocess.Popen(self._in_ns(
            "ovsdb-server", db, f"--remote=punix:{self.db_sock}",
            f"--unixctl={os.path.join(self.dir, 'ovsdb-server.ctl')}", "--no-chdir",
            f"--log-file={os.path.join(self.dir, 'ovsdb-server.log')}"),
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 20
        while not os.path.exists(self.db_sock):
            if time.monotonic() > deadline:
                raise AssertionError("ovsdb-server did not create its socket")
            time.sleep(0.05)
        self.vsctl("--no-wait", "init")
        self.procs.append(subprocess.Popen(self._in_ns(
            "ovs-vswitchd", f"unix:{self.db_sock}", f"--unixctl={self.ctl}", "--disable-system",
            "--no-chdir", f"--log-file={os.path.join(self.dir, 'ovs-vswitchd.log')}"),
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for p in self.procs:
            live_processes.append(p)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.ctl):
            if time.monotonic() > deadline:
                raise AssertionError("ovs-vswitchd did not create its control socket")
            time.sleep(0.05)
        log(f"ovs-vswitchd {self.procs[-1].pid} (userspace datapath) in namespace {self.ns}")
        return self

    def vsctl(self, *args):
        out = subprocess.run(["ovs-vsctl", f"--db=unix:{self.db_sock}", "--timeout=20", *args],
                             env=self.env, capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise AssertionError(f"ovs-vsctl {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout.strip()

    def appctl(self, *args):
        out = subprocess.run(["ovs-appctl", "-t", self.ctl, *args], env=self.env,
                             capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise AssertionError(f"ovs-appctl {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout

    def log_tail(self, lines=40):
        try:
            with open(os.path.join(self.dir, "ovs-vswitchd.log")) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            if p in live_processes:
                live_processes.remove(p)
        self.procs = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
