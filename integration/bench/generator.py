"""The traffic generator: one dpdk-testpmd with two net_virtio_user "guest" ports, vhost-user
servers on CPU 0, in io forwarding mode. `start tx_first N` injects N bursts per port with real
destination MACs (--eth-peer: each port addresses the other), so a fixed number of frames
circulate guest0 -> switch -> guest1 -> testpmd -> guest0 (and the reverse) and the switch
forwards learned unicast. The rate is what testpmd's ports receive.

Frames larger than a standard mbuf (2048 bytes of data: 4000, 9000) are sent as one segment
from larger mbufs (--mbuf-size, given before --txpkts: testpmd checks each --txpkts segment
against the mbuf size it knows when it parses it, and otherwise keeps its 64-byte default,
saying only "give up"), 8192 of them (~80 MB at 9000, within -m 512). They come back in one
descriptor each (virtio_user's mergeable RX buffers are the same mbufs). measure() checks the
length of what arrives. The switch must take the frames: see switches.py, mtu_for()."""
import contextlib
import os
import re
import subprocess
import threading
import time

import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from vswd_process import live_processes, wait_until  # noqa: E402
from tso_generator import SIZE as TSO, TsoGenerator  # noqa: E402

MACS = ["02:00:00:be:00:00", "02:00:00:be:00:01"]
STANDARD_MBUF = 2048 + 128  # RTE_MBUF_DEFAULT_BUF_SIZE: data room and headroom


def mbufs_for(frame_size):
    """(mbuf size, mbuf count) for the generator's pool: the default for frames up to 2048
    bytes, else mbufs that hold a whole frame after the headroom, 8192 of them (~80 MB at 9000)."""
    if frame_size <= 2048:
        return STANDARD_MBUF, 32768
    return (frame_size + 128 + 1023) // 1024 * 1024, 8192


class Generator:
    def __init__(self, work, sockets, frame_size, queue_size=1024):
        self.work = work
        for s in sockets:
            if os.path.exists(s):
                os.unlink(s)
        # stdbuf: testpmd printf()s to a pipe, fully buffered otherwise.
        cmd = ["stdbuf", "-o0", "dpdk-testpmd", "--lcores=0@0,1@0", "--no-pci", "--in-memory", "-m", "512",
               "--single-file-segments", f"--file-prefix=bench-gen-{os.getpid()}", "--log-level=*:warning"]
        for i, s in enumerate(sockets):
            cmd.append(f"--vdev=net_virtio_user{i},path={s},server=1,queue_size={queue_size},mac={MACS[i]}")
        mbuf_size, mbufs = mbufs_for(frame_size)
        self.frame_size = frame_size
        cmd += ["--", "-i", "--forward-mode=io", f"--total-num-mbufs={mbufs}", "--no-flush-rx"]
        if mbuf_size != STANDARD_MBUF:  # before --txpkts, which testpmd checks against it as it parses
            cmd.append(f"--mbuf-size={mbuf_size}")
        cmd += [
                f"--txpkts={frame_size - 4}",  # testpmd lengths exclude the 4-byte FCS
                f"--eth-peer=0,{MACS[1]}", f"--eth-peer=1,{MACS[0]}", f"--rxd={queue_size}", f"--txd={queue_size}"]
        self.output = ""  # everything testpmd printed (its prompt ends without a newline)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        live_processes.append(self.proc)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            self.output += chunk.decode(errors="replace")

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def wait_prompt(self):
        wait_until(lambda: "testpmd>" in self.output or self.proc.poll() is not None, 60, "testpmd generator prompt")
        if self.proc.poll() is not None:
            raise AssertionError("generator exited:\n" + self.output[-2000:])

    def rx_counts(self):
        """(frames, bytes) received by both ports so far."""
        mark = len(self.output)
        self.send("show port stats all")
        wait_until(lambda: len(re.findall(r"RX-bytes:\s+\d+", self.output[mark:])) >= 2, 10, "port stats")
        frames = [int(x) for x in re.findall(r"RX-packets:\s+(\d+)", self.output[mark:])]
        octets = [int(x) for x in re.findall(r"RX-bytes:\s+(\d+)", self.output[mark:])]
        return sum(frames[:2]), sum(octets[:2])

    def rx_packets(self):
        """Total frames received by both ports so far."""
        return self.rx_counts()[0]

    def start(self, bursts):
        self.send(f"start tx_first {bursts}")

    def measure(self, seconds):
        """Frames per second received by the generator over `seconds`; `self.rx_frame_bytes` is
        then their mean length with FCS (the frame size asked for, unless testpmd ignored
        --txpkts or the switch truncates)."""
        (a, a_bytes), t0 = self.rx_counts(), time.monotonic()
        time.sleep(seconds)
        (b, b_bytes), t1 = self.rx_counts(), time.monotonic()
        self.rx_frame_bytes = (b_bytes - a_bytes) / (b - a) + 4 if b > a else None
        return (b - a) / (t1 - t0)

    def stop(self):
        if self.proc.poll() is None:
            self.send("stop")
            self.send("quit")
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextlib.contextmanager
def running(work, switch_cls, frame_size):
    """Starts `switch_cls` and a generator connected to it; yields (switch, generator) with both
    ports up, and stops both however the block ends. The switch starts first: it connects (and
    reconnects) as a vhost-user client, and the generator's virtio-user servers wait for it
    before testpmd reaches its prompt. Frame size "tso": vsw-macgen --tso is the generator
    (tso_generator.py)."""
    sockets = [work.file(f"gen{i}.sock") for i in range(2)]
    sw = switch_cls(work, sockets, frame_size=frame_size)
    gen = None
    try:
        sw.start()
        gen = TsoGenerator(work, sockets) if frame_size == TSO else Generator(work, sockets, frame_size)
        gen.wait_prompt()
        sw.wait_up()
        yield sw, gen
    finally:
        if gen:
            gen.stop()
        sw.stop()
