#!/usr/bin/python3
"""Hostile guests: while one guest floods the switch as fast as it can, a frontend that speaks
vhost-user badly (garbage, truncated messages, absurd sizes and ring numbers, memory tables
with bad regions, disconnects mid-message, a storm of reconnects) attacks a vhost-user-server
port and, as a listening "QEMU", a vhost-user-client port. vswd must survive, count what it
refused, keep switching between the well-behaved guests, and serve a real guest on the
attacked port afterwards."""
import os
import socket
import struct
import threading
import time

from vswtest import FakeGuest, Raw, Vswd, check, frame, log, wait_until
from vhost_user_frontend import (GET_FEATURES, NEED_REPLY, SET_FEATURES, SET_MEM_TABLE, SET_OWNER, SET_VRING_ADDR,
                                 SET_VRING_BASE, SET_VRING_CALL, SET_VRING_KICK, SET_VRING_NUM, VERSION,
                                 VIRTIO_F_VERSION_1, Frontend, guest_memory, header, mem_table, region, vring_addr,
                                 vring_state)  # noqa: E402 (after vswtest sets the path)

C, D, H, F = "02:00:00:00:0c:01", "02:00:00:00:0d:01", "02:00:00:00:0e:01", "02:00:00:00:0f:01"
FRAMES = 200  # fewer than a ring holds: the fake guests share one busy CPU and drain in bursts
GUEST_RAM = 0x7f0000000000  # the frontend's "userspace address" of guest memory


def handshake(f):
    f.get_u64(GET_FEATURES)
    f.request(SET_FEATURES, struct.pack("<Q", VIRTIO_F_VERSION_1))
    f.request(SET_OWNER)


def set_rings(f, base):
    """Both vrings of one queue pair at `base` (guest physical = offset in guest memory)."""
    for q in (0, 1):
        addr = GUEST_RAM + base + q * 0x10000
        f.request(SET_VRING_NUM, vring_state(q, 256))
        f.request(SET_VRING_ADDR, vring_addr(q, addr, addr + 0x8000, addr + 0x4000))
        f.request(SET_VRING_BASE, vring_state(q, 0))
        f.request(SET_VRING_CALL, struct.pack("<Q", q), [os.eventfd(0)])
        f.request(SET_VRING_KICK, struct.pack("<Q", q), [os.eventfd(0)])


def attacks(path):
    """(name, function(frontend), memory tables it sends that vswd must refuse)."""
    small = guest_memory(4096)
    big = guest_memory(1 << 20)

    def bad_table(regions, fds, count=None):
        def run(f):
            handshake(f)
            f.request(SET_MEM_TABLE, mem_table(regions, count), fds)
        return run

    def rings_beyond_eof(f):
        # 4 KiB of memory announced as 1 MiB, rings in the part that does not exist: rte_vhost
        # would read the used ring's index there on SET_VRING_KICK (SIGBUS) without the guard.
        handshake(f)
        f.request(SET_MEM_TABLE, mem_table([region(0, 1 << 20, GUEST_RAM, 0)]), [small])
        set_rings(f, 0x80000)

    def good_then_shrunk_table(f):
        # A valid table and rings, then a new table whose region outgrew its file: the re-map
        # would re-read the rings in the missing part. With NEED_REPLY: a failure reply.
        handshake(f)
        f.request(SET_MEM_TABLE, mem_table([region(0, 1 << 20, GUEST_RAM, 0)]), [big])
        set_rings(f, 0x80000)
        f.request(SET_MEM_TABLE, mem_table([region(0, 1 << 21, GUEST_RAM, 0)]), [big], flags=VERSION | NEED_REPLY)

    return [
        ("garbage", lambda f: f.send(os.urandom(4096)), 0),
        ("truncated header", lambda f: f.send(b"\x01\x00\x00"), 0),
        ("payload size 4 GiB", lambda f: f.send(header(GET_FEATURES, 0xFFFFFFFF)), 0),
        ("unknown request", lambda f: f.request(9999), 0),
        ("disconnect mid-message", lambda f: f.send(header(SET_MEM_TABLE, 328) + bytes(100)), 0),
        ("huge and bad ring numbers", lambda f: (handshake(f), f.request(SET_VRING_NUM, vring_state(0, 0xFFFFFFFF)),
                                                 f.request(SET_VRING_NUM, vring_state(0, 65536)),
                                                 f.request(SET_VRING_NUM, vring_state(1000, 256)),
                                                 f.request(SET_VRING_ADDR, vring_addr(5000, 0, 0, 0))), 0),
        ("200 regions claimed", bad_table([region(0, 4096, GUEST_RAM, 0)], [small], count=200), 1),
        ("region without its fd", bad_table([region(0, 4096, GUEST_RAM, 0)], []), 1),
        ("region of 2^63 bytes", bad_table([region(0, 1 << 63, GUEST_RAM, 0)], [small]), 1),
        ("offset + size overflow", bad_table([region(0, 0x1000, GUEST_RAM, 0xFFFFFFFFFFFFF000)], [small]), 1),
        ("region beyond its file, rings there", rings_beyond_eof, 1),
        ("valid table, then one beyond its file", good_then_shrunk_table, 1),
    ]


def attack_server_port(vswd, path, port):
    refused = 0
    plan = attacks(path)
    for name, run, bad in plan:
        f = Frontend.connect(path)
        try:
            run(f)
        except (ConnectionError, BrokenPipeError, ConnectionResetError):
            pass  # vswd hung up on us: fine
        f.closed_by_peer(1)
        f.close()
        refused += bad
        check(vswd.alive(), f"{name}: vswd survives")
    wait_until(lambda: vswd.port(port)["refused_messages"] == refused, 10, f"{refused} memory tables refused")
    started = time.monotonic()
    for i in range(300):
        f = Frontend.connect(path)
        if i % 3 == 1:
            f.get_u64(GET_FEATURES)
        elif i % 3 == 2:
            f.send(header(SET_MEM_TABLE, 328) + bytes(20))
        f.close()
    log(f"reconnect storm: 300 connections in {time.monotonic() - started:.2f}s")
    wait_until(lambda: vswd.port(port)["sessions"] >= 300 + len(plan), 20, "vswd to see every connection")
    p = vswd.port(port)
    check(vswd.alive() and p["connects"] == p["disconnects"] and p["state"] != "up",
          f"the storm leaves vswd up and no device behind ({p['connects']} made and destroyed)")


def attack_client_port(vswd, path, port):
    """vswd connects to us (we play QEMU in server mode) and gets garbage each time."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(4)
    listener.settimeout(10)
    for i in range(3):
        conn, _ = listener.accept()  # vswd reconnects after each hang-up
        conn.sendall(os.urandom(512) if i != 1 else header(SET_MEM_TABLE, 328))
        conn.close()
    listener.close()
    os.unlink(path)
    check(vswd.alive() and vswd.port(port)["sessions"] >= 3, "vswd reconnected to the garbage-talking server 3 times")


def test(work):
    vswd = Vswd(work).start()
    baseline = vswd.mbufs_in_use()
    for n in ("c", "d"):
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"), "vlan-mode=access", "tag=10")
    vswd.ctl("add-port", "h", "--type", "vhost-user-server", "--socket", work.file("h.sock"), "vlan-mode=access", "tag=10")
    vswd.ctl("add-port", "hc", "--socket", work.file("hc.sock"))
    vswd.ctl("add-port", "f", "--socket", work.file("f.sock"), "vlan-mode=access", "tag=20")
    vswd.ctl("add-port", "sink", "--socket", work.file("sink.sock"), "vlan-mode=access", "tag=20")

    # f floods broadcasts as fast as it can; in VLAN 20 only the sink hears them, and the sink
    # never reads its ring. c and d (VLAN 10) exchange FRAMES each while the attacks go on.
    f = FakeGuest(work, "f", work.file("f.sock"), True, [frame(F, "ff:ff:ff:ff:ff:ff", "flood")], infinite=True)
    FakeGuest(work, "sink", work.file("sink.sock"), True, [])
    c = FakeGuest(work, "c", work.file("c.sock"), True, [frame(C, D, f"c-{i:04}") for i in range(FRAMES)])
    d = FakeGuest(work, "d", work.file("d.sock"), True, [frame(D, C, f"d-{i:04}") for i in range(FRAMES)])
    for n in ("c", "d", "f", "sink"):
        vswd.wait_port_state(n, "up")
    f.start()
    wait_until(lambda: vswd.port_stats("f")["rx_packets"] > 100000, 60, "the flood to reach 100k frames")

    fds_before = len(os.listdir(f"/proc/{vswd.proc.pid}/fd"))
    attacker = threading.Thread(target=attack_server_port, args=(vswd, work.file("h.sock"), "h"))
    attacker.start()
    attack_client_port(vswd, work.file("hc.sock"), "hc")
    for g in (c, d):
        g.send("set fwd io retry")
        g.start()
    attacker.join()
    check(vswd.alive(), "vswd survived every attack")
    fds_after = len(os.listdir(f"/proc/{vswd.proc.pid}/fd"))
    check(fds_after <= fds_before + 2, f"no file descriptors leaked by the attacks ({fds_before} before, {fds_after} after)")

    # The attacked server port still serves a real guest.
    h = FakeGuest(work, "h", work.file("h.sock"), False, [frame(H, D, f"h-{i:04}") for i in range(50)])
    vswd.wait_port_state("h", "up")
    h.send("set fwd io retry")
    h.start()
    wait_until(lambda: vswd.port_stats("h")["rx_packets"] == 50, 30, "the real guest on the attacked port to send")
    got_c, got_d = c.quit(settle=2), d.quit(settle=2)
    flood = vswd.port_stats("f")["rx_packets"]
    f.quit()
    from_c = sorted(bytes(p[Raw].load).decode() for p in got_d if p.src == C)
    from_h = [p for p in got_d if p.src == H]
    from_d = sorted(bytes(p[Raw].load).decode() for p in got_c if p.src == D)
    log(f"flood: {flood} frames; d got {len(from_c)} from c and {len(from_h)} from h; c got {len(from_d)} from d")
    check(from_c == [f"c-{i:04}" for i in range(FRAMES)] and from_d == [f"d-{i:04}" for i in range(FRAMES)],
          f"c and d exchanged all {FRAMES} frames each, once, during the flood and the attacks")
    check(len(from_h) == 50, "d got the 50 frames of the real guest on the attacked port")
    sink = vswd.port_stats("sink")
    check(sink["tx_packets"] <= 256 and sink["drops"].get("tx_full", 0) >= flood - 256 - 64,
          f"the flood the sink never read is counted as tx_full ({sink['drops'].get('tx_full', 0)})")
    check("refusing vhost-user request 5" in vswd.log(), "vswd logged why it refused the memory tables")
    wait_until(lambda: vswd.mbufs_in_use() == baseline, 10, "mbufs back to baseline")
    vswd.stop()


if __name__ == "__main__":
    from vswtest import run
    run(test, "hostile-guests")
