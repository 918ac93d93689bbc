"""A TCP stream between two test guests whose bytes are checked on arrival: what a live
migration must carry intact (a ping only proves that some frames get through).

The sender writes a random file of CHUNKS x CHUNK_KB KiB into busybox nc, one chunk every PACE
seconds, so that the stream spans whatever the test does meanwhile (a migration); the receiver's
nc writes what arrives to a file. Intact means: as many bytes as were sent, with the same MD5.

Both ends run in the background of the guest agent (whose `$(...)` waits for every holder of
its pipe): their output goes to files, never to the agent. The receiver's stdin is a FIFO held
open, because busybox nc stops reading the socket when its stdin ends.

Streams on different ports are independent: each keeps its files under /tmp/stream-PORT.* and
wait() ends only its own listener (by PID), so a guest can receive one stream while it sends
another."""
import time


class GuestStream:
    def __init__(self, sender, receiver, receiver_ip, port=5000, chunks=160, chunk_kb=16, pace=0.05):
        self.sender, self.receiver = sender, receiver
        self.receiver_ip, self.port = receiver_ip, port
        self.chunks, self.chunk_kb, self.pace = chunks, chunk_kb, pace
        self.size = chunks * chunk_kb * 1024
        self.md5 = None
        self.started = None
        base = f"/tmp/stream-{port}"
        self.rx, self.tx, self.fifo, self.pids = f"{base}.rx", f"{base}.tx", f"{base}.in", f"{base}.pids"
        self.base = base

    def start(self):
        """Starts the listener, then the paced sender; returns at once."""
        self.sender.check(f"dd if=/dev/urandom of={self.tx} bs=1024 count={self.size // 1024} 2>/dev/null")
        self.md5 = self.sender.check(f"md5sum {self.tx}").split()[0]
        self.receiver.check(f"rm -f {self.rx} {self.fifo} {self.pids}; mkfifo {self.fifo}; "
                            f"(sleep 900 > {self.fifo} 2>/dev/null & echo $! >> {self.pids}) ; "
                            f"(nc -l -p {self.port} < {self.fifo} > {self.rx} 2>{self.base}.rx.err & "
                            f"echo $! >> {self.pids}) ; true")
        time.sleep(0.5)
        paced = (f"i=0; while [ $i -lt {self.chunks} ]; do "
                 f"dd if={self.tx} bs={self.chunk_kb * 1024} skip=$i count=1 2>/dev/null; sleep {self.pace}; "
                 f"i=$((i+1)); done")
        self.sender.check(f"(({paced}) | nc {self.receiver_ip} {self.port} > {self.base}.tx.out 2>&1; "
                          f"echo $? > {self.base}.tx.rc) > /dev/null 2>&1 & true")
        self.started = time.monotonic()
        return self

    def received(self, receiver=None):
        """Bytes the receiver (or the guest that took its place) has written so far."""
        out = (receiver or self.receiver).read(f"wc -c < {self.rx}")
        return int(out.strip() or 0)

    def wait(self, receiver=None, timeout=120):
        """Waits until every byte arrived (or timeout); returns (bytes received, MD5 matches,
        seconds since start)."""
        receiver = receiver or self.receiver
        deadline = time.monotonic() + timeout
        got = 0
        while time.monotonic() < deadline:
            got = self.received(receiver)
            if got >= self.size:
                break
            time.sleep(0.5)
        took = time.monotonic() - self.started
        md5 = receiver.read(f"md5sum {self.rx}").split()[0]
        receiver.run(f"kill $(cat {self.pids}) 2>/dev/null; true")
        return got, md5 == self.md5, took
