"""Runs vsw-macgen (built from macgen.cpp) against a running vswd and measures vswd over the
generator's measuring window: the generator's own result plus vswd's cycles per packet and
busy share, and vswd's stats at the window's start and end."""
import contextlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from vswd_process import BUILD, Vswd, live_processes  # noqa: E402

MACGEN = os.path.join(BUILD, "integration", "bench", "vsw-macgen")


def measure(vswd, socket_dir, seconds, prefix, *args):
    """Starts `vsw-macgen --socket-dir DIR --seconds S ARGS...`; returns (result, before, after)."""
    gen = subprocess.Popen([MACGEN, "--socket-dir", socket_dir, "--seconds", str(seconds), "--file-prefix",
                            f"{prefix}-{os.getpid()}", *map(str, args)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    live_processes.append(gen)
    line = gen.stdout.readline()
    if line.strip() != "measuring":
        raise AssertionError(f"vsw-macgen failed: {line}{gen.stderr.read()[-2000:]}")
    before = vswd.ctl("stats")
    result = json.loads(gen.stdout.readline())
    after = vswd.ctl("stats")
    gen.wait(timeout=60)
    b, a = before["pmds"][0], after["pmds"][0]
    pkts = a["rx_packets"] - b["rx_packets"]
    busy, idle = a["busy_cycles"] - b["busy_cycles"], a["idle_cycles"] - b["idle_cycles"]
    result["cycles_per_packet"] = busy / pkts if pkts else 0
    result["busy_pct"] = 100.0 * busy / (busy + idle) if busy + idle else 0
    return result, before, after


@contextlib.contextmanager
def macgen_vswd(work, name, ports=2, extra=(), mem_mb=256):
    """A vswd for vsw-macgen: its PMD on CPU 1, ports p0..p{ports-1} on the generator's sockets
    (gen0.sock, ...; vswd connects once macgen listens). Stopped and forgotten afterwards: the
    next run starts without ports."""
    vswd = Vswd(work, name=name, extra=["--pmd-cores", "1", "--main-core", "0", *extra], mem_mb=mem_mb).start()
    try:
        for i in range(ports):
            vswd.ctl("add-port", f"p{i}", "--socket", work.file(f"gen{i}.sock"))
        for i in range(ports):
            s = work.file(f"gen{i}.sock")
            if os.path.exists(s):
                os.unlink(s)
        yield vswd
    finally:
        vswd.stop()
        if os.path.exists(vswd.state_path):
            os.unlink(vswd.state_path)
