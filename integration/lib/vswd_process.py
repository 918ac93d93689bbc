"""Runs a real vswd for tests, the demo and benchmarks, and talks to it through vswctl.

Processes started here are recorded in `live_processes` so that a caller can kill whatever is
left when it ends early (kill_all)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("VSW_BUILD_DIR") or os.path.join(ROOT, "build"))
VSWD = os.path.join(BUILD, "src", "vswd")
VSWCTL = os.path.join(BUILD, "src", "vswctl")

live_processes = []  # processes to kill if the caller ends early
after_exit = []      # clean-ups to run once those processes are gone
live_vswds = []      # Vswd objects, so a failing test can show what each switch saw


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


def check(cond, msg, quiet=False):
    """Fails the test with `msg` unless `cond`; logs it when it holds (unless quiet: a check
    made for every item of a long list)."""
    if not cond:
        raise AssertionError(msg)
    if not quiet:
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
    def __init__(self, work, name="vswd", no_huge=False, extra=(), mem_mb=256, binary=None):
        self.binary = binary or VSWD  # another build's vswd (a benchmark's baseline)
        self.work = work
        self.ctl_path = work.file(f"{name}.ctl")
        self.state_path = work.file(f"{name}-state.json")
        self.log_path = work.file(f"{name}.log")
        self.prefix = f"vswtest-{name}-{os.getpid()}"
        self.no_huge = no_huge
        self.extra = list(extra)
        self.mem_mb = mem_mb
        self.proc = None

    def command(self):
        cmd = [self.binary, "--ctl-socket", self.ctl_path, "--state-file", self.state_path,
               "--file-prefix", self.prefix, "--mem", str(self.mem_mb)]
        if self.no_huge:
            cmd.append("--no-huge")
        if "--socket-dir" not in self.extra:  # tests keep their sockets in their private directory
            cmd += ["--socket-dir", self.work.path]
        return cmd + self.extra

    def start(self, expect_ready=True):
        self.logf = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.command(), stdout=self.logf, stderr=subprocess.STDOUT)
        live_processes.append(self.proc)
        live_vswds.append(self)
        after_exit.append(self.remove_eal_files)
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
        """Runs vswctl --json ARGS; returns the parsed answer, raises on failure. With
        VSW_ONE_COPY=1 in the environment every vhost-user port is added with one-copy=on (to run
        any test through the one-copy path), unless the test sets one-copy= itself."""
        if os.environ.get("VSW_ONE_COPY") == "1" and args and args[0] == "add-port" and "dpdk" not in args \
                and "bond" not in args and not any(str(a).startswith("one-copy=") for a in args):
            args = (*args, "one-copy=on")
            log(f"VSW_ONE_COPY: port {args[1]} added with one-copy=on")
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

    def add_guest_ports(self, names, *settings):
        """A vhost-user-client port per name, on WORK/NAME.sock, with the same KEY=VALUE
        settings; returns ({name: socket path}, {name: ifindex})."""
        sockets = {n: self.work.file(f"{n}.sock") for n in names}
        for n in names:
            self.ctl("add-port", n, "--socket", sockets[n], *settings)
        return sockets, {n: self.port(n)["ifindex"] for n in names}

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

    def remove_eal_files(self):
        """A vswd that was SIGKILLed leaves its hugepage files behind: each holds a page until
        removed. Only this vswd's own prefix is touched, and only once it has exited."""
        if self.proc and self.proc.poll() is None:
            return
        for d in ("/dev/hugepages",):
            for f in os.listdir(d) if os.path.isdir(d) else []:
                if f.startswith(self.prefix + "map_"):
                    os.unlink(os.path.join(d, f))
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("vswd did not stop on SIGTERM")
            finally:
                self.remove_eal_files()
        return self.proc.returncode if self.proc else None


def kill_all():
    """Kills every process started through this module (and FakeGuest/Guest) still running."""
    for p in live_processes:
        if p.poll() is None:
            p.kill()
            p.wait()
    for cleanup in after_exit:
        cleanup()


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
        traceback.print_exc()
        for v in live_vswds:  # the switch's view at the moment of failure
            if v.alive():
                for what in (["show"], ["stats"]):
                    r = subprocess.run([VSWCTL, "--ctl", v.ctl_path, *what], capture_output=True, text=True, timeout=30)
                    print(f"----- vswctl {' '.join(what)} ({v.ctl_path}) -----\n{r.stdout}{r.stderr}")
        for fn in sorted(os.listdir(work.path)):
            if fn.endswith(".log"):
                print(f"----- {fn} (last 30 lines) -----")
                with open(os.path.join(work.path, fn), errors="replace") as f:
                    print("".join(f.readlines()[-30:]))
        rc = 1
    finally:
        kill_all()
        reports = sanitizer_reports()
        if reports and rc == 0:
            log(f"FAIL {name}: a sanitizer reported an error:\n{reports}")
            work.failed = True
            rc = 1
        work.cleanup()
    sys.exit(rc)


def sanitizer_reports():
    """What AddressSanitizer / UBSan printed into the logs of this test's vswds (a build with
    -Db_sanitize): any report fails the test, even one that did not stop vswd."""
    found = []
    for v in live_vswds:
        if not os.path.exists(v.log_path):
            continue
        with open(v.log_path, errors="replace") as f:
            for line in f:
                if "Sanitizer" in line and "ERROR" in line or "runtime error:" in line:
                    found.append(f"{v.log_path}: {line.rstrip()}")
    return "\n".join(found[:20])
