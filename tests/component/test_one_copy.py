#!/usr/bin/python3
"""One copy (one-copy=on): vswd drives its guests' TX rings itself.

Two testpmd guests exchange frames of every size class through one-copy ports (copied whole
below the copybreak, header copied and payload referenced above it), flooded to a NIC too
(a net_pcap port: what a NIC keeps is copied out of guest memory first); every byte arrives.
Then a hostile frontend with its own memory writes chains into its TX ring by hand: loops,
indexes out of range, a writable descriptor, a bad indirect table, memory it does not have,
the same head twice, and an avail index that jumps; each is refused and counted, the good
frames pass, and vswd and the other guests carry on. Last, the hostile guest rewrites its
frames' headers while vswd switches them: no frame reaches a guest with a header other than
the one vswd decided on."""
import os
import threading
import time

from scapy.all import Ether, IP, UDP, Raw, rdpcap  # noqa: F401

from vswtest import FakeGuest, Vswd, check, frame, log, wait_until
from hostile_guest import INDIRECT, MIB, NEXT, WRITE, HostileGuest  # noqa: E402 (after vswtest sets the path)

C, D, V = "02:00:00:00:0c:01", "02:00:00:00:0d:01", "02:00:00:00:0f:01"
BCAST = "ff:ff:ff:ff:ff:ff"
SIZES = [60, 300, 511, 600, 1000, 1514]  # below and above the copybreak (512)
SEND_RARP = 19


def sized(src, dst, tag, size):
    f = frame(src, dst, tag)
    return f / Raw(bytes((len(f) + i) & 0xff for i in range(size - len(f))))


def tx_path(vswd, port):
    return vswd.port(port)["tx_path"]


def exchange(work, vswd):
    """Guests c and d through one-copy ports, each frame size both ways and flooded to a NIC."""
    frames_c = [sized(C, D, f"c-{s}", s) for s in SIZES] + [sized(C, BCAST, f"cb-{s}", s) for s in SIZES]
    frames_d = [sized(D, C, f"d-{s}", s) for s in SIZES]
    c = FakeGuest(work, "c", work.file("c.sock"), True, frames_c)
    d = FakeGuest(work, "d", work.file("d.sock"), True, frames_d)
    for n in ("c", "d"):
        vswd.wait_port_state(n, "up")
    for n in ("c", "d"):
        x = tx_path(vswd, n)
        check(x["path"] == "one-copy", f"{n}: its TX ring is driven by vswd ({x})")
    d.start()
    c.start()
    wait_until(lambda: vswd.port_stats("c")["rx_packets"] == len(frames_c) and vswd.port_stats("d")["rx_packets"] == len(frames_d),
               10, "every frame to be received")
    return c, d, frames_c, frames_d


def test(work):
    vswd = Vswd(work).start()
    nic_pcap = work.file("nic-out.pcap")
    vswd.ctl("add-port", "nic", "--type", "dpdk", "--devargs", f"net_pcap_nic,tx_pcap={nic_pcap}")
    for n in ("c", "d"):
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"), "one-copy=on")
    v_path = work.file("v.sock")
    vswd.ctl("add-port", "v", "--type", "vhost-user-server", "--socket", v_path, "one-copy=on")
    in_use = vswd.mbufs_in_use()

    # 1. Every size, both ways, and a flood to the NIC.
    c, d, frames_c, frames_d = exchange(work, vswd)
    time.sleep(1)
    got_d = [bytes(p) for p in d.received() if p.src == C]
    got_c = [bytes(p) for p in c.received() if p.src == D]
    check(sorted(got_d) == sorted(bytes(f) for f in frames_c),
          f"d got c's {len(frames_c)} frames (unicast and broadcast, {SIZES} bytes) byte for byte")
    check(sorted(got_c) == sorted(bytes(f) for f in frames_d), f"c got d's {len(frames_d)} frames byte for byte")
    x = tx_path(vswd, "c")
    large = sum(1 for f in frames_c if len(f) > 512)
    check(x["frames"] == len(frames_c) and x["referenced"] == large,
          f"c: {x['frames']} frames taken, {x['referenced']} of them with the payload referenced ({large} above the copybreak)")
    check(x["held_at_give_back"] == 0 and x["refused"] == 0, f"c: no reference outlived its burst, none refused ({x})")
    nic = [bytes(p) for p in rdpcap(nic_pcap)] if os.path.exists(nic_pcap) else []
    flooded = sorted(bytes(f) for f in frames_c if f.dst == BCAST)
    check(sorted(b for b in nic if b[:6] == b"\xff" * 6) == flooded,
          f"the NIC sent the {len(flooded)} broadcasts intact (copied out of guest memory before its TX ring)")

    # 2. A hostile guest's chains.
    h = HostileGuest(v_path)
    vswd.wait_port_state("v", "up", timeout=10)
    check(tx_path(vswd, "v")["path"] == "one-copy", "v: driven by vswd")
    good = bytes(sized(V, BCAST, "v-good", 1000))
    h.desc(0, h.buffer(0, good), 12 + len(good))
    h.post(0)
    h.given_back()
    # After a migration QEMU asks the backend to announce the guest: rte_vhost would do it from
    # its own dequeue, which a driven port does not call; vswd sends the RARP itself.
    h.f.request(SEND_RARP, bytes.fromhex(V.replace(":", "")) + bytes(2))
    h.desc(1, h.buffer(1, good), 0, NEXT, 1)                    # a loop
    h.desc(2, h.buffer(2, good), 100, NEXT, 300)                # next beyond the table
    h.desc(3, h.buffer(3, good), 12 + len(good), WRITE)         # device-writable, in a TX ring
    h.desc(4, h.buffer(4, good), 17, INDIRECT)                  # an indirect table of 17 bytes
    h.desc(5, MIB + 0x1000, 100)                                # memory the guest does not have
    h.desc(6, MIB - 50, 100)                                    # half of it outside
    h.post(1, 2, 3, 4, 5, 6)
    h.given_back()
    h.post(0, 0)                                                # the same head twice
    h.given_back()
    errors = tx_path(vswd, "v")["chain_errors"]
    want = {"chain_loop": 1, "next_out_of_range": 1, "writable_descriptor": 1, "indirect_bad_length": 1,
            "unmapped": 2}
    check(all(errors.get(k) == n for k, n in want.items()), f"each bad chain refused and counted: {errors}")
    h.post(0, jump=1000)                                        # avail->idx a thousand ahead
    wait_until(lambda: tx_path(vswd, "v")["broken_rings"] == 1, 5, "the ring to be found broken")
    check(tx_path(vswd, "v")["chain_errors"].get("avail_idx_jump") == 1, "the jump is counted")
    check(vswd.alive(), "vswd survives every chain")
    h.close()
    vswd.wait_port_state("v", "listening", timeout=10)
    c.quit(settle=1)
    d.quit(settle=1)
    rarps = [p for p in rdpcap(work.file("c-out.pcap")) if p.type == 0x8035 and p.src == V]
    check(len(rarps) == 1, f"c got one RARP announcing v's MAC after SEND_RARP: {len(rarps)}")
    good_seen = [p for p in rdpcap(work.file("c-out.pcap")) if bytes(p) == good]
    check(len(good_seen) == 3, f"c got v's good frame three times (once, then the head posted twice): {len(good_seen)}")

    # 3. Headers rewritten under vswd: what it decided on is what arrives.
    c = FakeGuest(work, "c2", work.file("c.sock"), True, [frame(C, D, "c2-hello")])
    d = FakeGuest(work, "d2", work.file("d.sock"), True, [frame(D, C, "d2-hello")])
    for n in ("c", "d"):
        vswd.wait_port_state(n, "up")
    c.start()
    d.start()
    wait_until(lambda: vswd.port_stats("c")["rx_packets"] > len(frames_c) and vswd.port_stats("d")["rx_packets"] > len(frames_d),
               10, "c and d to be learned")
    h = HostileGuest(v_path)
    vswd.wait_port_state("v", "up", timeout=10)
    to_d, to_c = bytes(sized(V, D, "v-to-d", 1000)), bytes(sized(V, C, "v-to-c", 1000))
    addrs = [h.buffer(i, to_d) for i in range(64)]
    for i, a in enumerate(addrs):
        h.desc(i, a, 12 + len(to_d))
    stop = threading.Event()

    def rewrite():  # flips each buffer's destination MAC (and a payload byte) as fast as it can
        flip = 0
        while not stop.is_set():
            flip ^= 1
            mac = bytes.fromhex((C if flip else D).replace(":", ""))
            for a in addrs:
                h.mem[a + 12:a + 18] = mac
                h.mem[a + 12 + 600] = flip

    t = threading.Thread(target=rewrite)
    t.start()
    posted = 0
    for _ in range(40):
        h.post(*range(64))
        posted += 64
        h.given_back()
    stop.set()
    t.join()
    h.close()
    got_c2, got_d2 = c.quit(settle=1), d.quit(settle=1)
    at_d = [p for p in got_d2 if p.src == V]
    at_c = [p for p in got_c2 if p.src == V]
    wrong = [p for p in at_d if p.dst != D] + [p for p in at_c if p.dst != C]
    log(f"rewritten frames: {len(at_d)} reached d, {len(at_c)} reached c of {posted}")
    check(len(at_d) + len(at_c) > posted // 2, "most of the rewritten frames were delivered")
    check(at_d and at_c, "the rewriting really changed where frames went (both guests got some)")
    check(not wrong, f"no frame arrived with a destination other than the one vswd switched on ({len(wrong)} did)")
    x = tx_path(vswd, "v")
    check(x["held_at_give_back"] == 0, f"v: no reference outlived its burst ({x})")
    wait_until(lambda: vswd.mbufs_in_use() <= in_use + 64, 10, "the mbufs to come back")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    from vswtest import run
    run(test, "one-copy")
