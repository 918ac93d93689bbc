#!/usr/bin/python3
"""One copy under control messages: the frontend changes the memory table, disables the TX ring
and stops it (GET_VRING_BASE) while vswd drives that ring and frames flow.

A hand-written guest (hostile_guest.py) on a one-copy port runs a driver's TX loop in a thread:
it takes back the heads vswd puts in the used ring and posts them again with new frames, each
numbered, of sizes copied whole and referenced in guest memory, to a testpmd guest on another
port. Like DPDK's virtio it polls and asks for no interrupts, so vswd hands its ring indices to
rte_vhost only when a message pauses it. Meanwhile the test, as QEMU would, sends:
- SET_MEM_TABLE with the same table (rte_vhost keeps its mapping; vswd still pauses);
- SET_MEM_TABLE with a second region aliasing the memory at another guest-physical and frontend
  address (memory hot-plug: rte_vhost unmaps and maps everything anew), then, the guest's
  buffers moved to the new addresses, a table with only that region and SET_VRING_ADDR for both
  rings at their new frontend addresses;
- SET_VRING_ENABLE 0 and then 1 on the TX ring;
- GET_VRING_BASE on the TX ring, which stops the device, and the ring set up again at the index
  it returned (SET_VRING_NUM/ADDR/BASE/CALL/KICK, SET_VRING_ENABLE 1), as vhost_virtqueue_start
  does;
- last, as a live migration starts: SET_FEATURES with LOG_ALL, SET_LOG_BASE and SET_VRING_ADDR
  with the LOG flag, then SET_LOG_BASE with a new log.
Each of these messages pauses the driver (tx_ring_driver.h) and rte_vhost gets the indices back
before it handles the message (the GET_FEATURES the test sends to wait for vswd does not pause
it: it changes nothing the driver reads). Checked:
- the index GET_VRING_BASE returns is the guest's used index at that moment (every head taken
  was given back, none is in flight), and the ring then stays still until it is set up again;
  a disabled ring is not taken from either (rte_vhost's dequeue takes nothing from one);
- frames reach the peer again after each message; with dirty logging on, each log gets the used
  ring's page marked as vswd gives heads back;
- the guest gets every head it posted back exactly once, its used index ends at its avail index;
- every head went through the driven path once (frames + no_mbufs taken == posted), nothing was
  refused, no ring found broken, no reference outlived its burst, no memory fault;
- every message but GET_FEATURES paused the driver once, plus once per device start (pauses ==
  messages sent - GET_FEATURES + restarts), none was resumed as after a failed message
  (failed_message_resumes stays 0), and the connection was never dropped;
- the peer got each frame it got byte for byte, in posting order, none twice, and exactly
  posted - no_mbufs - refused - frames vswd counted as dropped at either port;
- vswd answers vswctl throughout, its mbufs come back, and it stops cleanly.
Then, each with a vswd of its own: a mirror whose output is the driven port itself, under
messages (mirror_to_the_driven_port), a message rte_vhost fails, on a port without one copy and
on one with it (failed_message), and deferred interrupts (deferred_interrupts)."""
import mmap
import os
import struct
import threading
import time

from vswtest import FakeGuest, Vswd, check, frame, log, wait_until
from hostile_guest import (AVAIL_F_NO_INTERRUPT, GUEST_RAM, MIB, RING_SIZE, TX_AVAIL, TX_USED, WRITE,  # noqa: E402
                           HostileGuest, ring_offsets)
from vhost_user_frontend import (GET_VRING_BASE, NEED_REPLY, PROTOCOL_FEATURES, SET_FEATURES, SET_MEM_TABLE,  # noqa: E402
                                 SET_VRING_ENABLE, SET_VRING_NUM, VERSION,
                                 VIRTIO_F_VERSION_1, guest_memory, mem_table, region, vring_state)
from scapy.all import Ether, IP, UDP, Raw  # noqa: E402

D, V = "02:00:00:00:0d:01", "02:00:00:00:0f:01"
BCAST = "ff:ff:ff:ff:ff:ff"
SIZES = [60, 300, 600, 1000, 1514]  # copied whole below the copybreak (512), referenced above
HEADS = 128                         # descriptors the TX loop keeps in flight (half the ring)
BUF, BUF_STRIDE = 0x10000, 0x800    # head i's buffer: a 12-byte virtio-net header, then the frame
RX_BUF = 0x60000                    # the guest's RX buffers (it receives the peer's broadcast)
GPA_B, UADDR_B = 0x40000000, GUEST_RAM + 0x100000000  # where the memory moves to
ROUNDS = 8
FRAMES_FOR_CALLS = 4000  # deferred_interrupts(): at most, one at a time (0.3-3% find the lock busy)
LOG_ALL = 1 << 26   # VHOST_F_LOG_ALL
SET_LOG_BASE = 6


def templates():
    """Per size: the Ethernet/IPv4/UDP headers of a frame from V to D of that size (UDP
    checksum 0: none, so the payload may change per frame)."""
    out = []
    for size in SIZES:
        f = Ether(src=V, dst=D) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=2000, chksum=0)
        f = f / Raw(bytes(size - len(f)))
        out.append(bytes(f)[:42])
    return out


HEADERS = templates()
PATTERN = bytes(range(256)) * 8


def numbered(seq):
    """Frame number `seq`: its size from SIZES in turn, the number, then bytes that depend on it."""
    size = SIZES[seq % len(SIZES)]
    k = seq % 251
    return HEADERS[seq % len(SIZES)] + struct.pack("<Q", seq) + PATTERN[k:k + size - 50]


def seq_of(data):
    return struct.unpack_from("<Q", data, 42)[0]


def pcap_frames(path):
    """The frames of a pcap file (testpmd's net_pcap writes classic pcap), without dissecting them:
    scapy would take seconds for this many."""
    with open(path, "rb") as f:
        data = f.read()
    out, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


class TxLoop(threading.Thread):
    """The guest's TX driver: gives itself back the heads of the used ring and posts them again,
    each with the next numbered frame (at most `rate` frames a second). `lock` is held while it
    touches the rings, so that the test can look at a consistent state."""

    def __init__(self, h, rate=60000):
        super().__init__(daemon=True)
        self.h, self.rate = h, rate
        self.lock = threading.Lock()
        self.free = list(range(HEADS))
        self.out = {}            # head -> (frame number, the guest-physical base it was posted with)
        self.posted = 0          # frames posted (the next frame's number)
        self.completed = 0       # used entries read
        self.seen_used = 0       # the used index up to which entries were read
        self.errors = []         # used entries for heads that were not in flight
        self.base = h.gpa        # guest-physical address of the memory, for new descriptors
        self.posting = True
        self.done = threading.Event()
        h.set_index(TX_AVAIL, AVAIL_F_NO_INTERRUPT)  # it polls, as DPDK's virtio does

    def reap(self):
        used = self.h.used_idx()
        while self.seen_used != used:
            head, _ = struct.unpack_from("<II", self.h.mem, TX_USED + 4 + 8 * (self.seen_used % RING_SIZE))
            if head in self.out:
                del self.out[head]
                self.free.append(head)
            else:
                self.errors.append(f"used entry {self.seen_used}: head {head}, not in flight")
            self.completed += 1
            self.seen_used = (self.seen_used + 1) & 0xffff

    def step(self, started):
        with self.lock:
            self.reap()
            budget = int((time.monotonic() - started) * self.rate) - self.posted
            heads = []
            while self.posting and self.free and len(heads) < min(32, budget):
                head = self.free.pop(0)
                data = numbered(self.posted)
                addr = BUF + head * BUF_STRIDE
                self.h.mem[addr:addr + 12 + len(data)] = bytes(12) + data
                self.h.desc(head, self.base + addr, 12 + len(data))
                self.out[head] = (self.posted, self.base)
                self.posted += 1
                heads.append(head)
            if heads:
                self.h.post(*heads)  # avail entries, then avail->idx
            return len(heads)

    def run(self):
        started = time.monotonic()
        try:
            while not self.done.is_set():
                if not self.step(started):
                    time.sleep(0.0005)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(f"TX loop died: {e!r}")

    def stop_posting(self):
        with self.lock:
            self.posting = False

    def in_flight(self, base=None):
        """Heads in flight (posted with guest-physical base `base`, if given)."""
        with self.lock:
            self.reap()
            return sum(1 for _, b in self.out.values() if base is None or b == base)


def test(work):
    vswd = Vswd(work).start()
    vswd.ctl("add-port", "d", "--socket", work.file("d.sock"))
    v_path = work.file("v.sock")
    vswd.ctl("add-port", "v", "--type", "vhost-user-server", "--socket", v_path, "one-copy=on")
    in_use = vswd.mbufs_in_use()
    d = FakeGuest(work, "d", work.file("d.sock"), True, [frame(D, BCAST, "d-hello")])
    h = HostileGuest(v_path, protocol_features=True)
    rx_desc, rx_avail, rx_used = ring_offsets(0)
    for i in range(4):  # RX buffers: the peer's broadcast teaches vswd where D is
        struct.pack_into("<QIHH", h.mem, rx_desc + 16 * i, h.gpa + RX_BUF + i * BUF_STRIDE, BUF_STRIDE, WRITE, 0)
        struct.pack_into("<H", h.mem, rx_avail + 4 + 2 * i, i)
    h.set_index(rx_avail + 2, 4)
    for n in ("v", "d"):
        vswd.wait_port_state(n, "up", timeout=20)
    check(vswd.port("v")["tx_path"]["path"] == "one-copy", "v: its TX ring is driven by vswd")
    d.start()
    wait_until(lambda: h.index(rx_used + 2) == 1, 20, "v to receive d's broadcast")

    h.sync()
    before, requests, syncs = vswd.port("v"), h.f.requests, h.syncs
    loop = TxLoop(h)
    loop.start()
    marks = []  # (what, the first frame posted after it)

    def flows(what):
        """Frames reach the peer again: 32 more frames posted after `what` were handed to it."""
        with loop.lock:
            mark = loop.posted
        marks.append((what, mark))
        sent = vswd.port_stats("d")["tx_packets"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if loop.completed >= mark + 32 and vswd.port_stats("d")["tx_packets"] >= sent + 32:
                return
            time.sleep(0.02)
        raise AssertionError(f"no frames reach the peer after {what}")

    def table():
        return mem_table([region(h.gpa, MIB, h.uaddr, 0)])

    flows("the start")
    restarts = 0
    for r in range(ROUNDS):
        # The same table again: rte_vhost keeps its mapping, vswd pauses and reads it anew.
        h.f.request(SET_MEM_TABLE, table(), [h.fd])
        h.sync()
        flows(f"round {r}: SET_MEM_TABLE (same)")

        # The TX ring disabled: nothing is taken from it until it is enabled again.
        h.f.request(SET_VRING_ENABLE, vring_state(1, 0))
        h.sync()
        time.sleep(0.02)  # a burst taken as the message arrived is given back by now
        with loop.lock:
            still = h.used_idx()
        time.sleep(0.05)
        with loop.lock:
            waiting = loop.posted - loop.completed
            check(h.used_idx() == still and waiting > 0,
                  f"round {r}: a disabled ring is not taken from (used index {still} -> {h.used_idx()},"
                  f" {waiting} heads waiting)", quiet=r > 0)
        h.f.request(SET_VRING_ENABLE, vring_state(1, 1))
        h.sync()
        flows(f"round {r}: SET_VRING_ENABLE 0, 1")

        # The ring stopped: GET_VRING_BASE answers the index to go on from.
        h.f.request(GET_VRING_BASE, vring_state(1, 0))
        _, _, payload = h.f.reply()
        index, num = struct.unpack("<II", payload)
        with loop.lock:
            used, avail = h.used_idx(), h.avail & 0xffff
        check(index == 1 and num == used, f"round {r}: GET_VRING_BASE answers {num}, the guest's used index"
              f" ({used}; {(avail - used) & 0xffff} heads posted after it wait)", quiet=r > 0)
        time.sleep(0.05)
        check(h.used_idx() == used, f"round {r}: the stopped ring stays still ({used} -> {h.used_idx()})",
              quiet=r > 0)
        h.start_ring(1, num)
        h.f.request(SET_VRING_ENABLE, vring_state(1, 1))
        restarts += 1
        h.sync()
        flows(f"round {r}: GET_VRING_BASE and the ring started again at {num}")

        if r == 1:
            # Memory hot-plug: the same memory also at GPA_B (frontend address UADDR_B).
            old = h.gpa
            both = mem_table([region(h.gpa, MIB, h.uaddr, 0), region(GPA_B, MIB, UADDR_B, 0)])
            h.f.request(SET_MEM_TABLE, both, [h.fd, h.fd])
            h.sync()
            with loop.lock:  # the guest's new buffers are at GPA_B from now on (RX's too)
                loop.base = GPA_B
                for i in range(4):
                    struct.pack_into("<Q", h.mem, rx_desc + 16 * i, GPA_B + RX_BUF + i * BUF_STRIDE)
            flows(f"round {r}: SET_MEM_TABLE with a second region")
            # A guest does not take memory away under buffers it posted: the heads posted at the old
            # addresses come back first (vswd would refuse them as unmapped afterwards).
            wait_until(lambda: loop.in_flight(base=old) == 0, 10, "the heads posted at the old addresses to come back")
            # ... then the memory is only at GPA_B, and the rings at their new frontend addresses.
            h.gpa, h.uaddr = GPA_B, UADDR_B
            h.f.request(SET_MEM_TABLE, table(), [h.fd])
            h.set_ring_addr(0)
            h.set_ring_addr(1)
            h.sync()
            flows(f"round {r}: SET_MEM_TABLE with only the new region, SET_VRING_ADDR")
        check(vswd.alive() and vswd.port("v")["tx_path"]["path"] == "one-copy",
              f"round {r}: vswd answers and drives v's ring (disabled ring still at {still} with {waiting} heads"
              f" waiting; GET_VRING_BASE {num} with {(avail - used) & 0xffff})")

    # Live migration starts under load: dirty logging (SET_FEATURES with LOG_ALL, SET_LOG_BASE,
    # SET_VRING_ADDR with the LOG flag), and SET_LOG_BASE again with a new log (QEMU resizes it).
    h.f.request(SET_FEATURES, struct.pack("<Q", VIRTIO_F_VERSION_1 | PROTOCOL_FEATURES | LOG_ALL))
    h.log_used = True
    page = (h.gpa + TX_USED) // 4096  # the used ring's page: one bit per 4 KiB of guest memory
    for k in range(2):
        fd = guest_memory(page // 8 + 1)
        dirty = mmap.mmap(fd, page // 8 + 1)
        h.f.request(SET_LOG_BASE, struct.pack("<QQ", page // 8 + 1, 0), [fd])
        h.f.reply()
        os.close(fd)
        if k == 0:
            h.set_ring_addr(1)
        h.sync()
        flows(f"SET_LOG_BASE {k}")
        check(dirty[page // 8] >> page % 8 & 1, f"log {k}: vswd marks the used ring's page dirty as it gives heads back")
        dirty.close()

    # The guest stops sending: every head comes back.
    loop.stop_posting()
    wait_until(lambda: loop.in_flight() == 0, 10, "every head posted to be given back")
    loop.done.set()
    loop.join()
    h.sync()
    after, messages, syncs = vswd.port("v"), h.f.requests - requests, h.syncs - syncs
    posted = loop.posted
    log(f"{posted} frames posted in {len(marks)} stretches; {messages} messages, {restarts} device restarts")
    check(not loop.errors, f"no head given back that was not in flight: {loop.errors[:5]}")
    check(loop.completed == posted and h.used_idx() == h.avail & 0xffff,
          f"each of the {posted} heads given back once (used index {h.used_idx()}, avail index {h.avail & 0xffff})")
    x, x0 = after["tx_path"], before["tx_path"]
    taken = x["frames"] - x0["frames"] + x["no_mbufs"] - x0["no_mbufs"] + x["refused"] - x0["refused"]
    check(taken == posted, f"every head went through the driven path once: {taken} taken, {posted} posted")
    check(x["refused"] == 0 and x["broken_rings"] == 0 and not x["chain_errors"] and x["held_at_give_back"] == 0,
          f"nothing refused, no ring broken, no reference outlived its burst ({x})")
    check(after["memory_faults"] == 0 and after["refused_messages"] == 0, "no memory fault, no message refused")
    pauses = x["pauses"] - x0["pauses"]
    check(pauses == messages - syncs + restarts,
          f"every message but GET_FEATURES paused the driver once, and every device start: {pauses} pauses,"
          f" {messages} messages - {syncs} GET_FEATURES + {restarts} starts")
    check(x["failed_message_resumes"] == 0,
          f"no driver resumed as after a failed message: every message was answered by rte_vhost's post handler"
          f" ({x['failed_message_resumes']})")
    check(after["connects"] - before["connects"] == restarts and after["sessions"] == before["sessions"],
          f"the device started again after each GET_VRING_BASE ({restarts}), on the same connection")
    h.close()
    d.quit(settle=1, dissect=False)
    got = [f for f in pcap_frames(d.out_pcap) if f[6:12] == bytes.fromhex(V.replace(":", ""))]
    seqs = [seq_of(f) for f in got]
    bad = [s for s, f in zip(seqs, got) if s >= posted or f != numbered(s)]
    check(not bad, f"the peer got every frame byte for byte ({len(bad)} differ, e.g. {bad[:3]})")
    check(all(a < b for a, b in zip(seqs, seqs[1:])), "the peer got the frames in posting order, none twice")
    for what, mark in marks:
        check(any(s >= mark for s in seqs), f"frames posted after {what} reached the peer", quiet=True)
    log(f"ok: frames posted after each of the {len(marks)} disturbances reached the peer")
    sd, sv = vswd.port_stats("d"), vswd.port_stats("v")
    dropped = sd["drops_total"] + sv["drops_total"]
    lost = x["no_mbufs"] - x0["no_mbufs"] + x["refused"] - x0["refused"]
    reasons = {f"{p}:{k}": n for p, s in (("d", sd), ("v", sv)) for k, n in s["drops"].items() if n}
    check(len(got) == sd["tx_packets"] and len(got) == posted - lost - dropped,
          f"the peer got {len(got)} frames: as many as vswd handed it ({sd['tx_packets']}), and the {posted} posted"
          f" less {lost} not taken and {dropped} counted as dropped {reasons}")
    wait_until(lambda: vswd.mbufs_in_use() <= in_use + 64, 10, "the mbufs to come back")
    check(vswd.stop() == 0, "vswd stops cleanly")
    mirror_to_the_driven_port(work)
    failed_message(work)
    deferred_interrupts(work)


def mirror_to_the_driven_port(work):
    """The one frame a driven section would send to its own port: a mirror copy whose output is
    that port (here the copies of what v sends d, RSPAN to v). Sent inside the section, it would
    wait for v's RX lock, which rte_vhost holds while the vhost thread waits for the section to
    end (a deadlock: v's messages went unanswered within a few). The copies wait until the
    section closes; v's messages keep being answered and the copies reach v."""
    vswd = Vswd(work, name="vswd-mirror").start()
    vswd.ctl("add-port", "d", "--socket", work.file("d2.sock"))
    v_path = work.file("v2.sock")
    vswd.ctl("add-port", "v", "--type", "vhost-user-server", "--socket", v_path, "one-copy=on")
    vswd.ctl("mirror", "add", "m1", "sources=d", "direction=tx", "rspan-vlan=999", "output=v")
    d = FakeGuest(work, "d2", work.file("d2.sock"), True, [frame(D, BCAST, "d-hello")])
    h = HostileGuest(v_path, protocol_features=True)
    rx_desc, rx_avail, rx_used = ring_offsets(0)
    for i in range(4):  # RX buffers: d's broadcast, then mirror copies
        struct.pack_into("<QIHH", h.mem, rx_desc + 16 * i, h.gpa + RX_BUF + i * BUF_STRIDE, BUF_STRIDE, WRITE, 0)
        struct.pack_into("<H", h.mem, rx_avail + 4 + 2 * i, i)
    h.set_index(rx_avail + 2, 4)
    for n in ("v", "d"):
        vswd.wait_port_state(n, "up", timeout=20)
    d.start()
    loop = TxLoop(h)
    loop.start()
    wait_until(lambda: vswd.port_stats("d")["tx_packets"] > 1000, 10, "frames from v to d")
    for i in range(100):  # rte_vhost handles SET_VRING_ENABLE with all of v's locks held
        h.f.request(SET_VRING_ENABLE, vring_state(1, 1))
        h.sync()  # raises if vswd does not answer within its timeout
    sent = vswd.port_stats("d")["tx_packets"]
    wait_until(lambda: vswd.port_stats("d")["tx_packets"] > sent + 1000, 10, "frames from v to d after the messages")
    m = vswd.ctl("mirror", "show")["mirrors"][0]["counters"]
    sv = vswd.port_stats("v")
    check(m["packets"] > 1000 and sv["tx_packets"] == 4 and
          sv["tx_packets"] + sv["drops"].get("tx_full", 0) >= m["packets"] - 32,
          f"100 messages answered while v's frames to d were mirrored to v: {m['packets']} copies; v took"
          f" {sv['tx_packets']} frames (4 RX buffers, not refilled) and dropped {sv['drops'].get('tx_full', 0)} as tx_full")
    copies = []
    for i in range(4):
        f = bytes(h.mem[RX_BUF + i * BUF_STRIDE + 12:RX_BUF + i * BUF_STRIDE + 12 + 60])
        if f[12:14] == b"\x81\x00" and struct.unpack(">H", f[14:16])[0] & 0xfff == 999:
            copies.append(f)
    check(copies and all(f[:12] == bytes.fromhex(D.replace(":", "") + V.replace(":", "")) and f[16:18] == b"\x08\x00"
                         for f in copies),
          f"{len(copies)} RSPAN copies (VLAN 999) of v's frames to d reached v's RX ring intact")
    loop.stop_posting()
    wait_until(lambda: loop.in_flight() == 0, 10, "every head posted to be given back")
    loop.done.set()
    loop.join()
    check(not loop.errors, f"no head given back that was not in flight: {loop.errors[:5]}")
    resumes = vswd.port("v")["tx_path"]["failed_message_resumes"]
    check(resumes == 0, f"no driver resumed as after a failed message ({resumes})")
    h.close()
    d.quit(settle=0.5, dissect=False)
    check(vswd.stop() == 0, "vswd stops cleanly")



def failed_message(work):
    """A message rte_vhost fails but answers (NEED_REPLY: the connection stays) runs no
    post_msg_handle. A port without one copy is not paused for messages at all: its TX ring keeps
    being read. A one-copy port is paused for this one (rte_vhost handles SET_VRING_NUM with every
    vring's lock held); once the locks are free again, vswd's control thread resumes the driver
    (failed_message_resumes, and a line in its log): a frame posted after the message is taken
    without another message, within 2 s. A message that succeeds with NEED_REPLY (its post handler
    resumes the driver) is not taken for a failed one."""
    for one_copy in ("on", "off"):
        vswd = Vswd(work, name=f"vswd-failed-{one_copy}").start()
        path = work.file(f"f-{one_copy}.sock")
        vswd.ctl("add-port", "f", "--type", "vhost-user-server", "--socket", path, f"one-copy={one_copy}")
        h = HostileGuest(path)
        vswd.wait_port_state("f", "up", timeout=10)
        driven = one_copy == "on"
        x0 = vswd.port("f")["tx_path"]
        check(x0["path"] == ("one-copy" if driven else "rte_vhost"), f"one-copy={one_copy}: TX path {x0['path']}")
        hello = bytes.fromhex("ffffffffffff02000000ff010800") + bytes(50)
        for i in range(2):
            h.desc(i, h.buffer(i, hello), 12 + len(hello))
        h.post(0)
        h.given_back()
        # A ring size rte_vhost refuses (above 32768), with a reply asked for: "failed", and it goes on.
        h.f.request(SET_VRING_NUM, vring_state(1, 65536), flags=VERSION | NEED_REPLY)
        _, _, payload = h.f.reply()
        check(struct.unpack("<Q", payload)[0] == 1, "rte_vhost answers the bad SET_VRING_NUM: failed")
        failed = time.monotonic()
        h.post(1)
        h.given_back(timeout=2)  # no other message sent meanwhile
        log(f"ok: one-copy={one_copy}: the frame posted after the failed message was taken without another"
            f" message, {time.monotonic() - failed:.2f} s after it")
        x = vswd.port("f")["tx_path"]
        check(x["pauses"] - x0["pauses"] == int(driven) and x["failed_message_resumes"] == int(driven),
              f"one-copy={one_copy}: the driver paused {x['pauses'] - x0['pauses']} time(s) for the message and was"
              f" resumed {x['failed_message_resumes']} time(s) after it failed")
        if driven:
            check(x["path"] == "one-copy" and x["frames"] == x0["frames"] + 2,
                  f"both frames went through the driven path ({x['frames'] - x0['frames']})")
            check("one-copy TX resumed" in vswd.log(), "vswd says so in its log")
        # The same features again, with a reply asked for: it succeeds, and its post handler resumes.
        h.f.request(SET_FEATURES, struct.pack("<Q", VIRTIO_F_VERSION_1), flags=VERSION | NEED_REPLY)
        _, _, payload = h.f.reply()
        check(struct.unpack("<Q", payload)[0] == 0, "rte_vhost answers SET_FEATURES: done")
        time.sleep(0.6)  # the control thread's grace (0.1 s) and a few of its rounds
        h.post(0)
        h.given_back(timeout=2)
        x2 = vswd.port("f")["tx_path"]
        check(x2["pauses"] - x["pauses"] == int(driven) and x2["failed_message_resumes"] == x["failed_message_resumes"],
              f"one-copy={one_copy}: a message that succeeds is not taken for a failed one"
              f" ({x2['failed_message_resumes']} resumes after failures)")
        h.close()
        check(vswd.stop() == 0, "vswd stops cleanly")


def deferred_interrupts(work):
    """An interrupt vswd owes the guest while the vhost-user thread holds the ring's lock for a
    message (rte_vhost_vring_call_nonblock: -EAGAIN) is sent later, even if the ring stays idle
    and the message's resume comes first (both lost it: found by the migration test's helper).
    The guest (no EVENT_IDX, interrupts wanted) posts one frame at a time and, once it is given
    back, looks for the interrupt within 50 ms, while a thread sends a no-op SET_FEATURES (which
    rte_vhost handles with every lock held) every 0.2 ms."""
    vswd = Vswd(work, name="vswd-calls").start()
    path = work.file("c.sock")
    vswd.ctl("add-port", "c", "--type", "vhost-user-server", "--socket", path, "one-copy=on")
    h = HostileGuest(path)
    vswd.wait_port_state("c", "up", timeout=10)
    data = bytes(Ether(src=V, dst=BCAST) / IP() / UDP() / Raw(bytes(958)))
    h.desc(0, h.buffer(0, data), 12 + len(data))
    stop = threading.Event()

    def messages():
        while not stop.is_set():
            h.f.request(SET_FEATURES, struct.pack("<Q", VIRTIO_F_VERSION_1))
            time.sleep(0.0002)
    hammer = threading.Thread(target=messages)
    hammer.start()
    missing = 0
    try:
        for i in range(FRAMES_FOR_CALLS):
            if i % 200 == 199 and vswd.port("c")["tx_path"]["calls_deferred"] >= 5:
                break  # enough deferred interrupts seen
            h.interrupted(1)  # clears what an earlier frame left
            h.post(0)
            deadline = time.monotonic() + 5
            while h.used_idx() != h.avail & 0xffff:
                check(time.monotonic() < deadline, "the frame is given back within 5 s", quiet=True)
                time.sleep(0.0001)
            deadline = time.monotonic() + 0.05
            while not h.interrupted(1):
                if time.monotonic() > deadline:
                    missing += 1
                    break
                time.sleep(0.0002)
    finally:
        stop.set()
        hammer.join()
    x = vswd.port("c")["tx_path"]
    check(x["failed_message_resumes"] == 0, f"no driver resumed as after a failed message ({x['failed_message_resumes']})")
    check(x["calls_deferred"] > 0, f"the lock was busy for some interrupts ({x['calls_deferred']} deferred"
          f" of {i + 1} frames, {x['pauses']} pauses)")
    check(missing == 0, f"every frame given back was followed by its interrupt within 50 ms ({missing} were not)")
    h.close()
    check(vswd.stop() == 0, "vswd stops cleanly")

if __name__ == "__main__":
    from vswtest import run
    run(test, "one-copy-control")
