"""Helpers for component tests: a real vswd and dpdk-testpmd fake guests.

A fake guest is dpdk-testpmd with two ports in io forwarding mode: a net_virtio_user port on
vswd's vhost-user socket, and a net_pcap port that replays in.pcap into the switch and records
what the switch delivered in out.pcap. testpmd runs interactively so a test decides when each
guest starts sending (after `start`). Needs Debian's /usr/bin/python3 (python3-scapy).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from scapy.all import Ether, IP, UDP, Raw, rdpcap, wrpcap  # noqa: F401 (re-exported)

BUILD = os.environ.get("VSW_BUILD_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "build")
VSWD = os.path.abspath(os.path.join(BUILD, "src", "vswd"))
VSWCTL = os.path.abspath(os.path.join(BUILD, "src", "vswctl"))


_live = []  # vswd and testpmd processes to kill if a test ends early


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
    log(f"ok: {msg}")


class Workdir:
    """A private directory for one test; removed at the end unless the test failed."""

    def __init__(self, name):
        self.path = tempfile.mkdtemp(prefix=f"vsw-{name}-")
        self.failed = False

    def file(self, name):
        return os.path.join(self.path, name)

    def cleanup(self):
        if not self.failed:
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            log(f"kept {self.path} for inspection")


class Vswd:
    def __init__(self, work, name="vswd", no_huge=False, extra=()):
        self.work = work
        self.ctl_path = work.file(f"{name}.ctl")
        self.state_path = work.file(f"{name}-state.json")
        self.log_path = work.file(f"{name}.log")
        self.prefix = f"vswtest-{name}-{os.getpid()}"
        self.no_huge = no_huge
        self.extra = list(extra)
        self.proc = None

    def command(self):
        cmd = [VSWD, "--ctl-socket", self.ctl_path, "--state-file", self.state_path,
               "--file-prefix", self.prefix, "--mem", "256"]
        if self.no_huge:
            cmd.append("--no-huge")
        return cmd + self.extra

    def start(self, expect_ready=True):
        self.logf = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.command(), stdout=self.logf, stderr=subprocess.STDOUT)
        _live.append(self.proc)
        if expect_ready:
            wait_until(lambda: self._answers() or self._died(), 30, "vswd to answer on its control socket")
            if self.proc.poll() is not None:
                raise AssertionError(f"vswd exited with {self.proc.returncode}:\n{self.log()}")
        return self

    def _answers(self):
        return subprocess.run([VSWCTL, "--ctl", self.ctl_path, "version"], capture_output=True).returncode == 0

    def _died(self):
        return self.proc.poll() is not None

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ctl(self, *args):
        """Runs vswctl --json ARGS; returns the parsed answer, raises on failure."""
        r = subprocess.run([VSWCTL, "--ctl", self.ctl_path, "--json", *args], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"vswctl {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
        return json.loads(r.stdout)

    def ctl_text(self, *args):
        r = subprocess.run([VSWCTL, "--ctl", self.ctl_path, *args], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"vswctl {' '.join(args)} failed: {r.stderr.strip()}")
        return r.stdout

    def ctl_fail(self, *args):
        """Runs vswctl ARGS expecting failure; returns (exit code, stderr)."""
        r = subprocess.run([VSWCTL, "--ctl", self.ctl_path, *args], capture_output=True, text=True, timeout=60)
        if r.returncode == 0:
            raise AssertionError(f"vswctl {' '.join(args)} unexpectedly succeeded: {r.stdout}")
        return r.returncode, r.stderr.strip()

    def port(self, name):
        for p in self.ctl("show")["ports"]:
            if p["name"] == name:
                return p
        return None

    def port_stats(self, name):
        return self.ctl("stats", name)["ports"][0]

    def wait_port_state(self, name, state, timeout=30):
        return wait_until(lambda: (self.port(name) or {}).get("state") == state, timeout,
                          f"port {name} to be {state}")

    def mbufs_in_use(self):
        return self.ctl("stats")["mbuf_pool"]["in_use"]

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("vswd did not stop on SIGTERM")
        return self.proc.returncode if self.proc else None


class FakeGuest:
    """dpdk-testpmd with a virtio-user port on vswd's socket and a pcap port."""

    def __init__(self, work, name, socket, server, frames, infinite=False, mac=None):
        self.work = work
        self.name = name
        self.in_pcap = work.file(f"{name}-in.pcap")
        self.out_pcap = work.file(f"{name}-out.pcap")
        self.log_path = work.file(f"{name}-testpmd.log")
        if os.path.exists(self.out_pcap):
            os.unlink(self.out_pcap)
        wrpcap(self.in_pcap, frames)
        if server and os.path.exists(socket):
            os.unlink(socket)  # left by a killed predecessor; QEMU does the same before listening
        virtio = f"net_virtio_user0,path={socket},server={1 if server else 0},queue_size=256"
        if mac:
            virtio += f",mac={mac}"
        pcap = f"net_pcap0,rx_pcap={self.in_pcap},tx_pcap={self.out_pcap}"
        if infinite:
            pcap += ",infinite_rx=1"
        # Both testpmd lcores share CPU 0: CPU 1 belongs to vswd's PMD.
        cmd = ["dpdk-testpmd", "--lcores=0@0,1@0", "--no-pci", "--in-memory", "-m", "128",
               "--single-file-segments", f"--file-prefix=vswguest-{name}-{os.getpid()}",
               "--log-level=*:warning", f"--vdev={virtio}", f"--vdev={pcap}", "--",
               "-i", "--forward-mode=io", "--total-num-mbufs=4096", "--no-flush-rx",
               "--rxq=1", "--txq=1"]
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.logf, stderr=subprocess.STDOUT, text=True)
        _live.append(self.proc)

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def start(self):
        """Starts forwarding: in.pcap goes into the switch, the switch's frames into out.pcap."""
        self.send("start")

    def quit(self, timeout=30):
        """Stops testpmd cleanly and returns the frames it received from the switch."""
        if self.proc.poll() is None:
            self.send("stop")
            self.send("quit")
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.received()

    def received(self):
        return list(rdpcap(self.out_pcap)) if os.path.exists(self.out_pcap) else []

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


def frame(src, dst, payload, size=None):
    """An Ethernet/IPv4/UDP frame; payload tags it so tests can tell frames apart."""
    f = Ether(src=src, dst=dst) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=2000) / Raw(payload.encode())
    return f


def run(test, name):
    """Runs test(work) and exits 0/1 like a test program; kills stray processes."""
    work = Workdir(name)
    started = time.monotonic()
    try:
        test(work)
        log(f"PASS {name} ({time.monotonic() - started:.1f}s)")
        rc = 0
    except Exception as e:  # noqa: BLE001 - report any failure and fail the test
        work.failed = True
        log(f"FAIL {name}: {e}")
        import traceback
        traceback.print_exc()
        for fn in sorted(os.listdir(work.path)):
            if fn.endswith(".log"):
                print(f"----- {fn} (last 30 lines) -----")
                with open(os.path.join(work.path, fn), errors="replace") as f:
                    print("".join(f.readlines()[-30:]))
        rc = 1
    finally:
        for p in _live:
            if p.poll() is None:
                p.kill()
                p.wait()
        work.cleanup()
    sys.exit(rc)
