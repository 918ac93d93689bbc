"""The traffic generator: one dpdk-testpmd with two net_virtio_user "guest" ports, vhost-user
servers on CPU 0, in io forwarding mode. `start tx_first N` injects N bursts per port with real
destination MACs (--eth-peer: each port addresses the other), so a fixed number of frames
circulate guest0 -> switch -> guest1 -> testpmd -> guest0 (and the reverse) and the switch
forwards learned unicast. The rate is what testpmd's ports receive."""
import contextlib
import os
import re
import subprocess
import threading
import time

import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from vswd_process import live_processes, wait_until  # noqa: E402

MACS = ["02:00:00:be:00:00", "02:00:00:be:00:01"]


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
        cmd += ["--", "-i", "--forward-mode=io", "--total-num-mbufs=32768", "--no-flush-rx",
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

    def rx_packets(self):
        """Total frames received by both ports so far."""
        mark = len(self.output)
        self.send("show port stats all")
        wait_until(lambda: len(re.findall(r"RX-packets:\s+\d+", self.output[mark:])) >= 2, 10, "port stats")
        counts = [int(x) for x in re.findall(r"RX-packets:\s+(\d+)", self.output[mark:])]
        return sum(counts[:2])

    def start(self, bursts):
        self.send(f"start tx_first {bursts}")

    def measure(self, seconds):
        """Frames per second received by the generator over `seconds`."""
        a, t0 = self.rx_packets(), time.monotonic()
        time.sleep(seconds)
        b, t1 = self.rx_packets(), time.monotonic()
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
    before testpmd reaches its prompt."""
    sockets = [work.file(f"gen{i}.sock") for i in range(2)]
    sw = switch_cls(work, sockets)
    gen = None
    try:
        sw.start()
        gen = Generator(work, sockets, frame_size)
        gen.wait_prompt()
        sw.wait_up()
        yield sw, gen
    finally:
        if gen:
            gen.stop()
        sw.stop()
