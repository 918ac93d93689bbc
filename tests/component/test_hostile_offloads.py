#!/usr/bin/python3
"""Hostile offload headers: a frontend that plays a guest with CSUM and HOST_TSO4/6 negotiated
writes frames into its own TX ring with virtio-net headers no honest driver writes (segment
sizes 0, 1 and 65535, checksum positions past the frame, TSO of UDP, of IPv6 with an extension
header, of QinQ, of a fragment, of a frame whose IP length lies, UFO and ECN that were never
negotiated). Each frame is either refused and counted (bad_offload; over_mtu where rte_vhost
already dropped the request and a 5 KB frame without one is left) or reaches R (a guest without
offloads, behind a flood) as frames that fit its MTU; nothing larger ever reaches R,
vswd stays up, and an honest TSO frame sent last by the same frontend arrives as correct
segments (the harness can see a delivery)."""
import mmap
import os
import struct
import time

from vswtest import IP, Dot1Q, Ether, FakeGuest, Raw, UDP, Vswd, check, log, run, wait_until
from scapy.all import TCP, IPv6, IPv6ExtHdrHopByHop  # noqa: E402
from vhost_user_frontend import (GET_FEATURES, SET_FEATURES, SET_MEM_TABLE, SET_OWNER, VIRTIO_F_VERSION_1,
                                 Frontend, mem_table, region)  # noqa: E402
from test_hostile_guests import GUEST_RAM, set_rings  # noqa: E402
from frame_checks import checksums_ok  # noqa: E402

V, NOBODY = "02:00:00:00:1a:01", "02:00:00:00:ee:03"
MIB = 1 << 20
CSUM, HOST_TSO4, HOST_TSO6 = 1 << 0, 1 << 11, 1 << 12
NEEDS_CSUM = 1
GSO_TCPV4, GSO_UDP, GSO_TCPV6, GSO_ECN = 1, 3, 4, 0x80
TX_RING = 0x90000          # set_rings(f, 0x80000): queue 1 (the guest's TX) lives here
DESC, AVAIL, USED = TX_RING, TX_RING + 0x4000, TX_RING + 0x8000
SLOT = 0x8000              # one frame per 32 KiB slot in the first 512 KiB


def tcp4(port, payload=5000, **ip):
    return Ether(src=V, dst=NOBODY) / IP(src="192.0.2.1", dst="192.0.2.2", **ip) / \
        TCP(sport=port, dport=80, flags="A") / Raw(b"h" * payload)


def cases():
    """(name, frame, flags, gso_type, gso_size, csum_start, csum_offset)."""
    v6 = Ether(src=V, dst=NOBODY) / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrHopByHop() / \
        TCP(sport=1007, dport=80, flags="A") / Raw(b"h" * 5000)
    qinq = Ether(src=V, dst=NOBODY) / Dot1Q(vlan=10) / Dot1Q(vlan=20) / IP(src="192.0.2.1", dst="192.0.2.2") / \
        TCP(sport=1008, dport=80, flags="A") / Raw(b"h" * 5000)

    def udp(port):
        return Ether(src=V, dst=NOBODY) / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=port, dport=80) / \
            Raw(b"h" * 5000)
    lying = bytearray(bytes(tcp4(1012)))
    struct.pack_into(">H", lying, 14 + 2, 1000)  # IPv4 total length 1000 in a 5054-byte frame
    return [
        ("gso_size 0", tcp4(1001), NEEDS_CSUM, GSO_TCPV4, 0, 34, 16),
        ("gso_size 1", tcp4(1002), NEEDS_CSUM, GSO_TCPV4, 1, 34, 16),
        ("gso_size 65535", tcp4(1003), NEEDS_CSUM, GSO_TCPV4, 65535, 34, 16),
        ("csum_start past the end", tcp4(1004, 1000), NEEDS_CSUM, 0, 0, 60000, 16),
        ("csum_offset past the end", tcp4(1005, 1000), NEEDS_CSUM, 0, 0, 34, 60000),
        ("TSO of UDP", udp(1006), NEEDS_CSUM, GSO_TCPV4, 1400, 34, 6),
        ("TSO of IPv6 with a hop-by-hop header", v6, NEEDS_CSUM, GSO_TCPV6, 1400, 14 + 40 + 8, 16),
        ("TSO of QinQ", qinq, NEEDS_CSUM, GSO_TCPV4, 1400, 22 + 20, 16),
        ("UFO, never negotiated", udp(1009), NEEDS_CSUM, GSO_UDP, 1400, 34, 6),
        ("TSO with ECN, never negotiated", tcp4(1010), NEEDS_CSUM, GSO_TCPV4 | GSO_ECN, 1400, 34, 16),
        ("TSO of an IPv4 fragment", tcp4(1011, flags="MF"), NEEDS_CSUM, GSO_TCPV4, 1400, 34, 16),
        ("TSO with a lying IP length", Ether(bytes(lying)), NEEDS_CSUM, GSO_TCPV4, 1400, 34, 16),
    ]


class TxRing:
    """The guest side of one split virtqueue: descriptors and the avail ring in guest memory."""

    def __init__(self, mem):
        self.mem = mem
        self.next = 0

    def send(self, hdr, frame):
        i = self.next
        data = hdr + frame
        addr = i * SLOT
        self.mem[addr:addr + len(data)] = data
        struct.pack_into("<QIHH", self.mem, DESC + 16 * i, addr, len(data), 0, 0)
        struct.pack_into("<H", self.mem, AVAIL + 4 + 2 * i, i)
        self.next += 1
        struct.pack_into("<H", self.mem, AVAIL + 2, self.next)  # published last (x86: stores in order)

    def used(self):
        return struct.unpack_from("<H", self.mem, USED + 2)[0]


def test(work):
    vswd = Vswd(work).start()
    path = work.file("v.sock")
    vswd.ctl("add-port", "v", "--type", "vhost-user-server", "--socket", path)
    vswd.ctl("add-port", "r", "--socket", work.file("r.sock"))
    r = FakeGuest(work, "r", work.file("r.sock"), True, [])
    vswd.wait_port_state("r", "up")
    r.start()

    fd = os.memfd_create("vsw-hostile-offloads", 0)
    os.ftruncate(fd, MIB)
    mem = mmap.mmap(fd, MIB)
    f = Frontend.connect(path)
    offered = f.get_u64(GET_FEATURES)
    check(offered & (CSUM | HOST_TSO4 | HOST_TSO6) == CSUM | HOST_TSO4 | HOST_TSO6, "vswd offers CSUM and HOST_TSO4/6")
    f.request(SET_FEATURES, struct.pack("<Q", VIRTIO_F_VERSION_1 | CSUM | HOST_TSO4 | HOST_TSO6))
    f.request(SET_OWNER)
    f.request(SET_MEM_TABLE, mem_table([region(0, MIB, GUEST_RAM, 0)]), [fd])
    set_rings(f, 0x80000)
    vswd.wait_port_state("v", "up", timeout=10)
    ring = TxRing(mem)

    outcome = {}
    for name, frame, flags, gso_type, gso_size, start, offset in cases():
        before = vswd.port_stats("v")
        ring.send(struct.pack("<BBHHHHH", flags, gso_type, 54, gso_size, start, offset, 0), bytes(frame))
        wait_until(lambda: ring.used() == ring.next, 10, f"vswd to take the frame '{name}'")
        time.sleep(0.2)
        after = vswd.port_stats("v")
        dropped = [r for r in ("bad_offload", "over_mtu") if after["drops"][r] - before["drops"][r] == 1]
        outcome[name] = dropped[0] if len(dropped) == 1 else f"passed ({after['rx_packets'] - before['rx_packets']} rx)"
        log(f"{name}: {outcome[name]}")
        check(vswd.alive(), f"vswd survives '{name}'")
    good = tcp4(1099, 5000)
    ring.send(struct.pack("<BBHHHHH", NEEDS_CSUM, GSO_TCPV4, 54, 1400, 34, 16, 0), bytes(good))
    wait_until(lambda: ring.used() == ring.next, 10, "vswd to take the honest TSO frame")
    time.sleep(0.5)
    got = r.quit(settle=2)
    f.close()

    oversized = [p for p in got if len(bytes(p)) > 1514 + 4]
    check(not oversized, f"nothing larger than R's MTU reached R ({len(oversized)} frames)")
    honest = sorted((p for p in got if TCP in p and p[TCP].sport == 1099), key=lambda p: p[TCP].seq)
    check(len(honest) == 4 and all(checksums_ok(p) for p in honest)
          and b"".join(bytes(p[TCP].payload) for p in honest) == b"h" * 5000,
          f"the honest TSO frame reached R as 4 segments with good checksums ({len(honest)})")
    # rte_vhost drops the TSO request itself where it cannot parse the frame as TCP (UDP, QinQ, a
    # fragment) or the segment size is 0: vsw then sees a 5 KB frame without one, over the MTU.
    must_refuse = ["gso_size 0", "gso_size 1", "gso_size 65535", "TSO of UDP", "TSO of IPv6 with a hop-by-hop header",
                   "TSO of QinQ", "TSO of an IPv4 fragment", "TSO with a lying IP length", "UFO, never negotiated"]
    check(all(outcome[n] in ("bad_offload", "over_mtu") for n in must_refuse),
          "every TSO request its frame does not bear out is a counted drop (bad_offload, or over_mtu where "
          "rte_vhost dropped the request): " + ", ".join(f"{n}: {outcome[n]}" for n in must_refuse))
    check(sum(outcome[n] == "bad_offload" for n in must_refuse) >= 4,
          "vsw's own check refuses those rte_vhost lets through (segment sizes, IPv6 extension headers, lengths)")
    for name in set(outcome) - set(must_refuse):
        port = {"csum_start past the end": 1004, "csum_offset past the end": 1005,
                "TSO with ECN, never negotiated": 1010}[name]
        mine = [p for p in got if (TCP in p and p[TCP].sport == port) or (UDP in p and p[UDP].sport == port)]
        log(f"{name}: {outcome[name]}, R got {len(mine)} frame(s) of {[len(bytes(p)) for p in mine]} bytes")
        check(outcome[name] in ("bad_offload", "over_mtu") or (mine and all(len(bytes(p)) <= 1514 for p in mine)),
              f"{name}: refused, or passed on as frames within R's MTU")
    check(vswd.alive() and vswd.stop() == 0, "vswd survives every header and stops cleanly")


if __name__ == "__main__":
    run(test, "hostile-offloads")
