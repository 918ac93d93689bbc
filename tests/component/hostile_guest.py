"""A guest written by hand: a vhost-user frontend (vhost_user_frontend.py) with 1 MiB of memfd
memory whose rings the test fills itself, descriptor by descriptor, instead of a virtio driver.
The one-copy tests use it to give vswd chains no real driver would write (test_one_copy.py) and
to move the memory and the rings under vswd while it drives them (test_one_copy_control.py).

Layout of the memory: queue q's rings at RING_BASE + q * 0x10000 (descriptors, then the avail
ring 16 KiB in, the used ring 32 KiB in), 256 entries each; buffers below RING_BASE. Addresses in
descriptors are guest-physical (gpa + offset in the memory); ring addresses in SET_VRING_ADDR
are the frontend's own virtual addresses (uaddr + offset), as QEMU sends them."""
import mmap
import os
import struct

from vswtest import wait_until
from vhost_user_frontend import (GET_FEATURES, GET_PROTOCOL_FEATURES, PROTOCOL_FEATURES, SET_FEATURES,
                                 SET_MEM_TABLE, SET_OWNER, SET_PROTOCOL_FEATURES, SET_VRING_ADDR,
                                 SET_VRING_BASE, SET_VRING_CALL, SET_VRING_ENABLE, SET_VRING_KICK,
                                 SET_VRING_NUM, VIRTIO_F_VERSION_1, Frontend, guest_memory, mem_table, region,
                                 vring_addr, vring_state)

MIB = 1 << 20
GUEST_RAM = 0x7f0000000000  # where the frontend "has" its memory (its virtual address)
RING_BASE = 0x80000         # queue q's rings at RING_BASE + q * 0x10000
RING_SIZE = 256
TX_DESC, TX_AVAIL, TX_USED = 0x90000, 0x94000, 0x98000  # guest TX vring (queue 1)
NEXT, WRITE, INDIRECT = 1, 2, 4
AVAIL_F_NO_INTERRUPT = 1
VRING_F_LOG = 1  # in SET_VRING_ADDR: log the used ring's writes (at log_guest_addr)


def ring_offsets(q):
    """Offsets in guest memory of queue q's descriptor table, avail ring and used ring."""
    base = RING_BASE + q * 0x10000
    return base, base + 0x4000, base + 0x8000


class HostileGuest:
    """A frontend with 1 MiB of memfd memory whose rings it fills by hand. With
    `protocol_features` it negotiates VHOST_USER_F_PROTOCOL_FEATURES as QEMU does (its rings then
    start disabled and are enabled with SET_VRING_ENABLE, which it sends)."""

    def __init__(self, path, protocol_features=False):
        self.fd = guest_memory(MIB)
        self.mem = mmap.mmap(self.fd, MIB)
        # The ring indices, read and written as whole 16-bit words: struct.pack_into and
        # unpack_from go byte by byte, so vswd could see (and the guest read) half an index.
        self.u16 = memoryview(self.mem).cast("H")
        self.gpa, self.uaddr = 0, GUEST_RAM  # the memory's guest-physical and frontend address
        self.log_used = False  # dirty logging: SET_VRING_ADDR asks for the used ring's writes logged
        self.calls = {}  # queue -> its call eventfd (non-blocking): the interrupts vswd sends
        self.syncs = 0  # sync() calls (each a GET_FEATURES, which does not pause a one-copy driver)
        self.f = Frontend.connect(path)
        self.f.get_u64(GET_FEATURES)
        features = VIRTIO_F_VERSION_1 | (PROTOCOL_FEATURES if protocol_features else 0)
        self.f.request(SET_FEATURES, struct.pack("<Q", features))
        if protocol_features:
            self.f.get_u64(GET_PROTOCOL_FEATURES)
            self.f.request(SET_PROTOCOL_FEATURES, struct.pack("<Q", 0))
        self.f.request(SET_OWNER)
        self.f.request(SET_MEM_TABLE, mem_table([region(self.gpa, MIB, self.uaddr, 0)]), [self.fd])
        for q in (0, 1):
            self.start_ring(q, 0)
        if protocol_features:
            for q in (0, 1):
                self.f.request(SET_VRING_ENABLE, vring_state(q, 1))
        self.avail = 0

    def set_ring_addr(self, q):
        """SET_VRING_ADDR for queue q at the frontend address its rings have now."""
        desc, avail, used = (self.uaddr + o for o in ring_offsets(q))
        flags, log = (VRING_F_LOG, self.gpa + ring_offsets(q)[2]) if self.log_used else (0, 0)
        self.f.request(SET_VRING_ADDR, vring_addr(q, desc, used, avail, flags, log))

    def start_ring(self, q, base):
        """Sets queue q up and starts it at index `base` (what QEMU sends in vhost_virtqueue_start,
        a fresh kick and call eventfd each time)."""
        self.f.request(SET_VRING_NUM, vring_state(q, RING_SIZE))
        self.set_ring_addr(q)
        self.f.request(SET_VRING_BASE, vring_state(q, base))
        call = os.eventfd(0, os.EFD_NONBLOCK)
        self.f.request(SET_VRING_CALL, struct.pack("<Q", q), [call])
        if q in self.calls:
            os.close(self.calls[q])
        self.calls[q] = call
        kick = os.eventfd(0)
        self.f.request(SET_VRING_KICK, struct.pack("<Q", q), [kick])
        os.close(kick)  # vswd has its own copy

    def interrupted(self, q):
        """Whether vswd signalled queue q's call eventfd since the last look (which clears it)."""
        try:
            return os.eventfd_read(self.calls[q]) > 0
        except BlockingIOError:
            return False

    def desc(self, i, addr, length, flags=0, nxt=0):
        struct.pack_into("<QIHH", self.mem, TX_DESC + 16 * i, addr, length, flags, nxt)

    def buffer(self, i, data):
        """Buffer i (at 0x10000 + i * 4 KiB) holding a zero virtio-net header, then `data`; returns
        its guest-physical address."""
        addr = 0x10000 + i * 0x1000
        self.mem[addr:addr + 12 + len(data)] = bytes(12) + data
        return self.gpa + addr

    def index(self, offset):
        """The 16-bit ring field at `offset` in guest memory, in one load."""
        return self.u16[offset // 2]

    def set_index(self, offset, value):
        """Writes the 16-bit ring field at `offset` in one store."""
        self.u16[offset // 2] = value & 0xffff

    def used_idx(self):
        return self.index(TX_USED + 2)

    def post(self, *heads, jump=0):
        for h in heads:
            struct.pack_into("<H", self.mem, TX_AVAIL + 4 + 2 * (self.avail % RING_SIZE), h)
            self.avail += 1
        self.set_index(TX_AVAIL + 2, self.avail + jump)

    def given_back(self, timeout=5):
        """Waits until every posted head is in the used ring."""
        wait_until(lambda: self.used_idx() == self.avail & 0xffff, timeout, "the heads to be given back")

    def sync(self):
        """Returns once vswd has handled every message sent before (they are handled in order:
        the answer to GET_FEATURES comes after them)."""
        self.f.get_u64(GET_FEATURES)
        self.syncs += 1

    def close(self):
        self.f.close()
        for call in self.calls.values():
            os.close(call)
        self.u16.release()
        self.mem.close()
        os.close(self.fd)
