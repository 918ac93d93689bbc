#!/usr/bin/python3
"""Resource limits: a full FDB, a guest that never drains its RX ring (with and without a guest-RX
shaper) and a mirror destination that never drains either. Each is counted where an operator looks (learn_full, tx_full, the
mirror's tx_dropped) and none of them slows or blocks the traffic between the other ports: b
gets every frame a sends. (A full flow cache is covered by component-ipfix: every frame ends in
exactly one reason-5 or reason-4 record.)"""
from vswtest import FakeGuest, Vswd, check, frame, log, wait_until

FDB_MAX = 16
SOURCES = 64          # source MACs a sends from: far more than the FDB holds
FRAMES = 200         # fewer than b's ring holds: the fake guests share one busy CPU
STUCK_RING = 64      # the ring size of the guests that never drain
B = "02:00:00:00:0b:01"


def test(work):
    vswd = Vswd(work, extra=["--fdb-max", str(FDB_MAX)]).start()
    for n in ("a", "b", "stuck", "slow", "held"):
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))
    vswd.ctl("set-port", "held", "rx-rate=1G")  # shaped: its frames wait in the shaping queue
    vswd.ctl("mirror", "add", "m-slow", "sources=a", "direction=rx", "output=slow")

    # a floods broadcasts from SOURCES addresses: to b, to the stuck guest, and copies to slow.
    b = FakeGuest(work, "b", work.file("b.sock"), True, [frame(B, "ff:ff:ff:ff:ff:ff", "hello from b")])
    srcs = [f"02:00:00:01:{i // 256:02x}:{i % 256:02x}" for i in range(SOURCES)]
    sent = [frame(srcs[i % SOURCES], "ff:ff:ff:ff:ff:ff", f"a-{i}") for i in range(FRAMES)]
    a = FakeGuest(work, "a", work.file("a.sock"), True, sent)
    # Connected, rings set up, but never started: they never take a frame off their RX ring.
    stuck = FakeGuest(work, "stuck", work.file("stuck.sock"), True, [], queue_size=STUCK_RING)
    slow = FakeGuest(work, "slow", work.file("slow.sock"), True, [], queue_size=STUCK_RING)
    held = FakeGuest(work, "held", work.file("held.sock"), True, [], queue_size=STUCK_RING)
    for n in ("a", "b", "stuck", "slow", "held"):
        vswd.wait_port_state(n, "up")
    b.start()
    wait_until(lambda: vswd.port_stats("b")["rx_packets"] == 1, 30, "b's hello")
    a.send("set fwd io retry")  # a's pcap must not outrun its own virtio ring (vswd's idle PMD naps)
    a.send("set burst tx delay 100 retry 10000")
    a.start()
    wait_until(lambda: vswd.port_stats("a")["rx_packets"] == FRAMES, 60, f"vswd to receive a's {FRAMES} frames")
    got = [bytes(p) for p in b.quit(settle=2) if p.src != B]
    payloads = sorted(bytes(p)[-8:] for p in got)
    log(f"b received {len(got)} of a's {FRAMES} frames")

    st = {n: vswd.port_stats(n) for n in ("a", "b", "stuck", "slow", "held")}
    fdb = vswd.ctl("show")["fdb"]
    log(f"fdb {fdb}; a {st['a']['learn_full']} learn_full; stuck drops {st['stuck']['drops']}")
    check(len(got) == FRAMES and len(set(payloads)) == len(payloads), "b got every frame a sent, once")
    check(fdb["entries"] <= FDB_MAX, f"the FDB holds at most --fdb-max={FDB_MAX} ({fdb['entries']})")
    not_learned = st["a"]["learn_full"]
    check(not_learned >= FRAMES - FDB_MAX * -(-FRAMES // SOURCES),
          f"frames whose source found the FDB full are counted as learn_full ({not_learned}) and still flooded")
    stuck_full = st["stuck"]["drops"].get("tx_full", 0)
    check(st["stuck"]["tx_packets"] <= STUCK_RING and st["stuck"]["tx_packets"] + stuck_full == FRAMES + 1,
          f"the guest that never drains took {st['stuck']['tx_packets']} (its ring), the other {stuck_full} "
          "are counted as tx_full")
    m = {x["name"]: x["counters"] for x in vswd.ctl("mirror", "show")["mirrors"]}["m-slow"]
    check(m["packets"] + m["tx_dropped"] == FRAMES and m["packets"] <= STUCK_RING and m["tx_dropped"] >= FRAMES - STUCK_RING,
          f"the mirror whose destination never drains delivered {m['packets']} and counted {m['tx_dropped']} "
          "copies as dropped")
    check(st["b"]["drops_total"] == 0, "nothing destined to b was dropped")
    wait_until(lambda: vswd.port_stats("held")["tx_packets"] + vswd.port_stats("held")["rx_shaping"]["queue_packets"]
               == FRAMES + 1, 10, "held's frames to be sent or queued")
    h = vswd.port_stats("held")
    check(h["drops_total"] == 0 and h["tx_packets"] <= STUCK_RING
          and h["tx_packets"] + h["rx_shaping"]["queue_packets"] == FRAMES + 1,
          f"a shaped guest whose ring is full loses nothing: {h['tx_packets']} in its ring, "
          f"{h['rx_shaping']['queue_packets']} waiting in its shaping queue, no tx_full")

    # The stuck guest starts draining: its port was only full, never broken.
    stuck.send("start")
    check(len(stuck.quit(settle=2)) == st["stuck"]["tx_packets"], "the stuck guest, once started, reads what its ring held")
    held.send("start")
    got_held = held.quit(settle=2)
    check(len(got_held) == FRAMES + 1, f"the shaped guest, once started, gets every frame: {len(got_held)}/{FRAMES + 1}")
    vswd.stop()


if __name__ == "__main__":
    from vswtest import run
    run(test, "limits")
