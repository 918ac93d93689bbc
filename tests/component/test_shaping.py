#!/usr/bin/python3
"""Bandwidth with fake guests offering far more than the limits: guest-TX shaping by backpressure
(the switch drops nothing), guest-RX shaping through the queue (tail drops), guest-RX policing,
each delivering its configured rate within 2% over a measuring window; changes at runtime."""
import time

from vswtest import Ether, FakeGuest, IP, Raw, UDP, Vswd, check, log, run, wait_until

A, B, C, D = "02:00:00:00:40:0a", "02:00:00:00:40:0b", "02:00:00:00:40:0c", "02:00:00:00:40:0d"
WINDOW = 3.0


def frame(src, dst, size):
    f = Ether(src=src, dst=dst) / IP() / UDP(sport=9, dport=9)
    return f / Raw(b"x" * (size - len(f)))


def tx_bytes_at(vswd, port):
    """(tx_bytes of `port`, when vswd read them): the middle of the vswctl call, which takes tens
    of milliseconds under ASan (2% of a 3 s window if the window began or ended with it)."""
    t0 = time.monotonic()
    n = vswd.port_stats(port)["tx_bytes"]
    return n, (t0 + time.monotonic()) / 2


def delivered_bps(vswd, port, seconds=WINDOW):
    """Bit/s of L2 frames vswd handed to `port` over a window (what the shaper counts)."""
    before, t0 = tx_bytes_at(vswd, port)
    time.sleep(seconds)
    after, t1 = tx_bytes_at(vswd, port)
    return (after - before) * 8 / (t1 - t0)


def within(measured, target, tolerance):
    return abs(measured - target) <= tolerance * target


def test(work):
    vswd = Vswd(work).start()
    vswd.ctl("add-port", "a", "--socket", work.file("a.sock"))
    vswd.ctl("add-port", "b", "--socket", work.file("b.sock"))
    # b announces itself once; a floods b with 1000-byte frames as fast as testpmd can.
    b = FakeGuest(work, "b", work.file("b.sock"), True, [frame(B, "ff:ff:ff:ff:ff:ff", 64)])
    a = FakeGuest(work, "a", work.file("a.sock"), True, [frame(A, B, 1000)], infinite=True)
    for n in "ab":
        vswd.wait_port_state(n, "up")
    b.start()
    wait_until(lambda: vswd.port_stats("b")["rx_packets"] >= 1, 20, "b's hello")
    a.start()
    unlimited = delivered_bps(vswd, "b", 2)
    log(f"unlimited: {unlimited / 1e6:.0f} Mbit/s to b")

    for rate in ("10M", "100M"):
        vswd.ctl("set-port", "a", f"tx-rate={rate}")
        time.sleep(0.5)
        before = vswd.port_stats("a")
        got = delivered_bps(vswd, "b")
        after = vswd.port_stats("a")
        target = float(rate[:-1]) * 1e6
        check(within(got, target, 0.02), f"guest-TX tx-rate={rate}: {got / 1e6:.2f} Mbit/s delivered (within 2%)")
        check(after["drops_total"] == before["drops_total"], "guest-TX shaping dropped nothing in the switch")
        check(after["tx_shaping"]["throttled_rounds"] > before["tx_shaping"]["throttled_rounds"],
              f"the guest's TX ring was left alone while out of credit ({after['tx_shaping']['throttled_rounds']} rounds)")
    vswd.ctl("set-port", "a", "tx-rate=none")

    vswd.ctl("set-port", "b", "rx-rate=20M")
    time.sleep(0.5)
    got = delivered_bps(vswd, "b")
    st = vswd.port_stats("b")
    check(within(got, 20e6, 0.02), f"guest-RX rx-rate=20M (shape): {got / 1e6:.2f} Mbit/s delivered (within 2%)")
    check(st["drops"]["queue_full"] > 0 and st["rx_shaping"]["queue_bytes"] <= st["rx_shaping"]["limit_bytes"],
          f"excess is tail-dropped at the queue bound ({st['drops']['queue_full']} drops, "
          f"queue {st['rx_shaping']['queue_bytes']} of {st['rx_shaping']['limit_bytes']} B)")

    # While a floods b into a full shaping queue, a quiet pair of guests loses nothing.
    vswd.ctl("add-port", "c", "--socket", work.file("c.sock"))
    vswd.ctl("add-port", "d", "--socket", work.file("d.sock"))
    d = FakeGuest(work, "d", work.file("d.sock"), True, [frame(D, "ff:ff:ff:ff:ff:ff", 64)])
    c = FakeGuest(work, "c", work.file("c.sock"), True, [frame(C, D, 200) for _ in range(50)])
    vswd.wait_port_state("c", "up")
    vswd.wait_port_state("d", "up")
    d.start()
    wait_until(lambda: vswd.port_stats("d")["rx_packets"] >= 1, 20, "d's hello")
    c.start()
    wait_until(lambda: vswd.port_stats("c")["rx_packets"] >= 50, 20, "c's 50 frames")
    wait_until(lambda: vswd.port_stats("d")["tx_packets"] >= 50, 20, "c's frames handed to d")
    got = [f for f in d.quit() if len(bytes(f)) == 200 and bytes(f)[6:12] == bytes.fromhex(C.replace(":", ""))]
    check(len(got) == 50, f"c -> d: {len(got)}/50 frames delivered while a floods b (no starvation)")
    c.quit()
    vswd.ctl("del-port", "c")
    vswd.ctl("del-port", "d")

    vswd.ctl("set-port", "b", "rx-mode=police")
    time.sleep(0.5)
    policed_before = vswd.port_stats("b")["drops"]["policed"]
    got = delivered_bps(vswd, "b")
    st = vswd.port_stats("b")
    check(within(got, 20e6, 0.02), f"guest-RX rx-rate=20M (police): {got / 1e6:.2f} Mbit/s delivered (within 2%)")
    check(st["drops"]["policed"] > policed_before, "excess is policed (dropped at once)")

    for args, msg in [(["set-port", "a", "tx-rate=0"], "positive"), (["set-port", "a", "tx-rate=-5M"], "positive"),
                      (["set-port", "a", "tx-rate=10Mbps"], "positive"), (["set-port", "a", "tx-rate=10M", "tx-burst=100"], "full frame"),
                      (["set-port", "a", "rx-limit=5ms"], "need rx-rate"), (["set-port", "b", "rx-mode=slow"], "shape or police")]:
        code, err = vswd.ctl_fail(*args)
        check(msg in err, f"vswctl {' '.join(args)}: {err}")

    vswd.ctl("set-port", "b", "rx-rate=none")
    time.sleep(0.5)
    got = delivered_bps(vswd, "b", 2)
    check(got > 40e6, f"limits removed at runtime: {got / 1e6:.0f} Mbit/s again")
    a.kill()
    b.kill()
    wait_until(lambda: vswd.mbufs_in_use() == 0, 10, "mbufs back")
    check(True, "every mbuf back in the pool (queues included)")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "shaping")
