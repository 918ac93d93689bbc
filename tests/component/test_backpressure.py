#!/usr/bin/python3
"""Backpressure between guests (src/datapath/guest_backlog.h): what a guest's full RX ring cannot
take waits in vswd and holds its sender back instead of being dropped; a guest that stops reading
holds its sender only for a moment (its backlog is then dropped as tx_full), so it cannot stop
the sender's other traffic.

1. a sends FRAMES frames as fast as testpmd can to b, whose ring is small: b gets every one,
   once, in order, and vswd drops none (whether b's ring ever filled is logged: tx_waited,
   rx_held).
2. b stops reading. d sends STUCK frames to b, then TO_C to c: b's ring takes what it has room
   for, the rest waits and d is held (rx_held); b takes nothing for 50 ms, so what waited is
   dropped (tx_full), d is polled again and c gets all of d's frames. No mbuf is left behind."""
import time

from vswtest import FakeGuest, Raw, Vswd, check, frame, log, wait_until

FRAMES = 2000
STUCK = 400
TO_C = 50
RING = 64
A, B, C, D = "02:00:00:00:50:0a", "02:00:00:00:50:0b", "02:00:00:00:50:0c", "02:00:00:00:50:0d"
BCAST = "ff:ff:ff:ff:ff:ff"


def payloads(frames, src):
    return [bytes(p[Raw].load).decode() for p in frames if p.src == src and Raw in p]


def test(work):
    vswd = Vswd(work).start()
    for n in "abcd":
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))
    b = FakeGuest(work, "b", work.file("b.sock"), True, [frame(B, BCAST, "hello from b")], queue_size=RING)
    c = FakeGuest(work, "c", work.file("c.sock"), True, [frame(C, BCAST, "hello from c")])
    a = FakeGuest(work, "a", work.file("a.sock"), True, [frame(A, B, f"a-{i:05}") for i in range(FRAMES)])
    d = FakeGuest(work, "d", work.file("d.sock"), True,
                  [frame(D, B, f"d-{i:05}") for i in range(STUCK)] + [frame(D, C, f"c-{i:05}") for i in range(TO_C)])
    for n in "abcd":
        vswd.wait_port_state(n, "up")
    baseline = vswd.mbufs_in_use()
    b.start()
    c.start()
    wait_until(lambda: vswd.port_stats("b")["rx_packets"] == 1 and vswd.port_stats("c")["rx_packets"] == 1, 30,
               "b's and c's hellos")
    c.send("stop")  # the fake guests share one CPU: one spinning fewer while a and b run

    # 1. A fast sender, a small ring: nothing lost.
    for g in (a, d):
        g.send("set fwd io retry")  # a guest's driver waits for room in its TX ring, as Linux's does
        # ... as long as it takes (Linux stops its queue): testpmd gives up after 64 tries of 1 us
        # unless told to wait longer (up to 1 s here).
        g.send("set burst tx delay 10 retry 100000")
    before = vswd.port_stats("b")
    a.start()
    wait_until(lambda: sum(vswd.port_stats("b")[k] - before[k] for k in ("tx_packets", "drops_total")) >= FRAMES,
               60, f"vswd to send or drop a's {FRAMES} frames to b")
    after, st_a = vswd.port_stats("b"), vswd.port_stats("a")
    waited = after["tx_waited"] - before["tx_waited"]
    log(f"a -> b: {FRAMES} frames; {waited} waited for b's ring, a held {st_a['rx_held']} rounds, "
        f"b drops {after['drops']}")
    check(after["drops_total"] == before["drops_total"], "vswd dropped none of a's frames to b")

    # 2. b stops reading: d is held for a while, then what waits for b is dropped and d goes on.
    time.sleep(1)  # b moves the last of a's frames from its ring into its pcap
    b.send("stop")
    c.send("start")
    before_b, before_c = vswd.port_stats("b"), vswd.port_stats("c")
    d.start()
    wait_until(lambda: vswd.port_stats("c")["tx_packets"] - before_c["tx_packets"] >= TO_C, 30,
               "d's frames to c, behind those to the stuck b")
    wait_until(lambda: vswd.port_stats("b")["tx_packets"] + vswd.port_stats("b")["drops"]["tx_full"]
               - before_b["tx_packets"] - before_b["drops"]["tx_full"] == STUCK, 10,
               "every frame for b to be taken by its ring or dropped")
    st_b, st_d = vswd.port_stats("b"), vswd.port_stats("d")
    taken = st_b["tx_packets"] - before_b["tx_packets"]
    dropped = st_b["drops"]["tx_full"] - before_b["drops"]["tx_full"]
    waited = st_b["tx_waited"] - before_b["tx_waited"]
    log(f"d -> stuck b: {taken} taken by its ring, {waited} waited, {dropped} dropped; d held {st_d['rx_held']} rounds")
    check(taken <= RING and taken + dropped == STUCK,
          f"the stuck guest's ring took {taken} (at most {RING}), the other {dropped} are counted as tx_full")
    check(waited > 0 and st_d["rx_held"] > 0,
          f"d's frames waited for b ({waited}) and d was held back ({st_d['rx_held']} rounds) before b was given up")
    wait_until(lambda: vswd.mbufs_in_use() == baseline, 10, "mbufs back to baseline")

    got_b = b.quit(settle=2)  # b's pcap: a's frames (b forwarded them while it read)
    got_c = c.quit(settle=2)
    a.quit()
    d.quit()
    check(payloads(got_b, A) == [f"a-{i:05}" for i in range(FRAMES)], f"b got all {FRAMES} of a's frames, once, in order")
    check(payloads(got_c, D) == [f"c-{i:05}" for i in range(TO_C)], f"c got all {TO_C} of d's frames, in order")
    vswd.stop()


if __name__ == "__main__":
    from vswtest import run
    run(test, "backpressure")
