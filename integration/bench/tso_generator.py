"""The generator of vm2vm.py's `tso` size: vsw-macgen --tso (macgen.cpp, tso.h) in place of
testpmd, on the same two sockets. Guest 0 sends ~64 KB IPv4/TCP frames (gso_type TCPv4, gso size
1448: what a Linux guest's TCP hands its virtio-net) one way, to guest 1, which negotiated LRO
(VIRTIO_NET_F_GUEST_TSO4/6, GUEST_CSUM) and counts what arrives. testpmd cannot be this
generator: its io forwarding never turns the LRO frames it receives into TSO frames to send.

A switch that passes the frames whole delivers ~65 KB frames marked LRO; one that segments them
delivers 1514-byte frames. check() refuses a run that is not the former (vm2vm.py then records
the error, no numbers)."""
import json
import os
import queue
import subprocess
import threading
import time

import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from macgen_run import MACGEN  # noqa: E402
from vswd_process import live_processes  # noqa: E402

SIZE = "tso"  # vm2vm.py --sizes ...,tso
MSS = 1448
FRAME = 14 + 20 + 20 + 45 * MSS  # tso.h kFrame: Ethernet + IPv4 + TCP + 45 segments, no FCS
HEADERS = 14 + 20 + 20


class TsoGenerator:
    """The Generator interface vm2vm.py uses (wait_prompt, start, measure, rx_frame_bytes,
    stop): vsw-macgen --tso --seconds 0 answers each line on its stdin with its counters."""

    def __init__(self, work, sockets):
        for s in sockets:
            if os.path.exists(s):
                os.unlink(s)
        self.log = open(work.file("macgen-tso.log"), "w")
        self.proc = subprocess.Popen([MACGEN, "--socket-dir", os.path.dirname(sockets[0]), "--seconds", "0",
                                      "--tso", "--file-prefix", f"bench-tso-{os.getpid()}"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        live_processes.append(self.proc)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.rx_frame_bytes = None

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def _line(self, timeout, what):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            line = None
        if line is None:
            self.log.flush()
            with open(self.log.name, errors="replace") as f:
                tail = f.read()[-500:].strip()
            raise AssertionError(f"vsw-macgen --tso: no {what}: {tail}")
        return line

    def wait_prompt(self):
        """Until the ports are up, learning is done and frames flow (macgen says "ready")."""
        line = self._line(60, "ready")
        if line != "ready":
            raise AssertionError(f"vsw-macgen --tso said {line!r}; see {self.log.name}")

    def start(self, bursts):
        pass  # sending since "ready": the ring to the switch paces it, no bursts to inject

    def counters(self):
        """{"sent", "received", "rx_bytes", "lro", "lost"} so far (lost: frames macgen wrote off
        when its window of frames in flight stayed full 100 ms)."""
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        return json.loads(self._line(10, "counters"))

    def measure(self, seconds):
        """TSO frames per second received over `seconds`; afterwards rx_frame_bytes (mean, with
        FCS), lro_share (frames marked LRO) and payload_gbps (TCP payload, Gbit/s)."""
        a, t0 = self.counters(), time.monotonic()
        time.sleep(seconds)
        b, t1 = self.counters(), time.monotonic()
        frames, octets = b["received"] - a["received"], b["rx_bytes"] - a["rx_bytes"]
        self.rx_frame_bytes = octets / frames + 4 if frames else None
        self.lro_share = (b["lro"] - a["lro"]) / frames if frames else 0.0
        self.lost = b["lost"] - a["lost"]
        self.payload_gbps = (octets - frames * HEADERS) * 8 / (t1 - t0) / 1e9
        return frames / (t1 - t0)

    def check(self):
        """Raises unless what arrived was whole TSO frames (LRO-marked, ~64 KB each) and none
        was lost on the way."""
        if not self.rx_frame_bytes or self.rx_frame_bytes < FRAME * 0.99 or self.lro_share < 0.99:
            raise AssertionError(f"not TSO end to end: {self.rx_frame_bytes or 0:.0f}-byte frames received, "
                                 f"{self.lro_share:.0%} marked LRO (expected {FRAME + 4}, 100%)")
        if self.lost:
            raise AssertionError(f"{self.lost} TSO frames lost on the way")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()  # macgen stops at EOF
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def tso_result(sw, gen):
    """The TSO fields of a vm2vm row, from the generator and (vsw) the switch's port counters
    over the window; raises unless the frames went through whole (gen.check()) and vsw neither
    dropped any nor sent its guest anything but whole frames."""
    gen.check()
    r = {"gbps": gen.payload_gbps, "lro_share": gen.lro_share, "frame_bytes": FRAME + 4, "lost": gen.lost}
    window = getattr(sw, "port_window", None)  # vsw: per-port counter deltas (switches.Vsw.end)
    if window:
        out = window["p1"]
        r["switch_tx_frame_bytes"] = out["tx_bytes"] / out["tx_packets"] if out["tx_packets"] else 0
        r["switch_drops"] = {k: v for p in window.values() for k, v in p["drops"].items() if v}
        if r["switch_drops"] or r["switch_tx_frame_bytes"] < FRAME * 0.99:
            raise AssertionError(f"vsw did not pass whole TSO frames: drops {r['switch_drops']}, "
                                 f"{r['switch_tx_frame_bytes']:.0f} bytes per frame sent to guest 1")
    return r
