#!/usr/bin/python3
"""Learning, unicast, flooding and counters through a real vswd with three fake guests.

Guests C and B send one broadcast each, so the switch learns them; then guest A sends a
broadcast, unicasts to B and to C, frames to an unknown MAC, and two runts. Every guest must
receive exactly what an L2 learning switch delivers, vswd's counters must agree, and every mbuf
must be back in the pool afterwards. Argument --no-huge runs vswd without hugepages; --two-pmds
runs two PMD workers (both on CPU 1), so frames cross from one worker's port to another's.
"""
import sys

from vswtest import FakeGuest, Raw, Vswd, check, frame, log, run, wait_until

MAC = {"a": "02:00:00:00:00:0a", "b": "02:00:00:00:00:0b", "c": "02:00:00:00:00:0c"}
BCAST = "ff:ff:ff:ff:ff:ff"
UNKNOWN = "02:00:00:00:00:99"
NO_HUGE = "--no-huge" in sys.argv
TWO_PMDS = "--two-pmds" in sys.argv


def tags(frames):
    return sorted(bytes(f[Raw].load).decode() for f in frames if Raw in f)


def test(work):
    vswd = Vswd(work, no_huge=NO_HUGE, extra=["--pmd-cores", "1,1"] if TWO_PMDS else []).start()
    # a and b: vswd connects to the guest (QEMU-style server); c: vswd listens.
    vswd.ctl("add-port", "a", "--type", "vhost-user-client", "--socket", work.file("a.sock"))
    vswd.ctl("add-port", "b", "--type", "vhost-user-client", "--socket", work.file("b.sock"))
    vswd.ctl("add-port", "c", "--type", "vhost-user-server", "--socket", work.file("c.sock"))

    a_frames = ([frame(MAC["a"], BCAST, "a-bcast")]
                + [frame(MAC["a"], MAC["b"], f"a-to-b-{i}") for i in range(5)]
                + [frame(MAC["a"], MAC["c"], f"a-to-c-{i}") for i in range(3)]
                + [frame(MAC["a"], UNKNOWN, f"a-to-unknown-{i}") for i in range(2)]
                + [Raw(b"runt-0123"), Raw(b"runt-4567")])  # 9 bytes: not even an Ethernet header
    guests = {
        "a": FakeGuest(work, "a", work.file("a.sock"), True, a_frames),
        "b": FakeGuest(work, "b", work.file("b.sock"), True, [frame(MAC["b"], BCAST, "b-bcast")]),
        "c": FakeGuest(work, "c", work.file("c.sock"), False, [frame(MAC["c"], BCAST, "c-bcast")]),
    }
    for name in "abc":
        vswd.wait_port_state(name, "up")
    check(all("version_1" in vswd.port(n)["features"] for n in "abc"), "virtio 1.0 negotiated on every port")
    if TWO_PMDS:
        workers = {n: vswd.port(n)["worker"] for n in "abc"}
        check(sorted(set(workers.values())) == [0, 1], f"ports spread over both PMDs: {workers}")
    baseline = vswd.mbufs_in_use()

    vswd.ctl("set", "fdb-aging-time=300")  # control requests while ports are up must not disturb
    guests["c"].start()
    wait_until(lambda: vswd.port_stats("c")["rx_packets"] == 1, 20, "c's broadcast")
    guests["b"].start()
    wait_until(lambda: vswd.port_stats("b")["rx_packets"] == 1, 20, "b's broadcast")
    fdb = {e["mac"]: e["port"] for e in vswd.ctl("fdb", "show")["entries"]}
    check(fdb == {MAC["b"]: "b", MAC["c"]: "c"}, f"b and c learned on their ports: {fdb}")
    guests["a"].start()
    wait_until(lambda: vswd.port_stats("a")["rx_packets"] == len(a_frames), 20, "a's frames")
    try:
        wait_until(lambda: vswd.port_stats("b")["tx_packets"] >= 9 and vswd.port_stats("c")["tx_packets"] >= 7,
                   20, "deliveries to b and c")
    except AssertionError:
        log("stats: " + str(vswd.ctl("stats")))
        raise

    got = {n: tags(g.quit()) for n, g in guests.items()}
    log(f"received: { {n: len(t) for n, t in got.items()} }")
    unknown = [f"a-to-unknown-{i}" for i in range(2)]
    check(got["a"] == sorted(["b-bcast", "c-bcast"]), f"a got the two broadcasts and nothing else: {got['a']}")
    check(got["b"] == sorted(["c-bcast", "a-bcast"] + [f"a-to-b-{i}" for i in range(5)] + unknown),
          f"b got broadcasts, its unicasts and the unknown-unicast flood: {got['b']}")
    check(got["c"] == sorted(["b-bcast", "a-bcast"] + [f"a-to-c-{i}" for i in range(3)] + unknown),
          f"c got broadcasts, its unicasts and the unknown-unicast flood: {got['c']}")

    stats = {p["name"]: p for p in vswd.ctl("stats")["ports"]}
    check(stats["a"]["rx_packets"] == 13 and stats["a"]["tx_packets"] == 2, "counters of a: rx 13, tx 2")
    check(stats["b"]["rx_packets"] == 1 and stats["b"]["tx_packets"] == 9, "counters of b: rx 1, tx 9")
    check(stats["c"]["rx_packets"] == 1 and stats["c"]["tx_packets"] == 7, "counters of c: rx 1, tx 7")
    check(stats["a"]["drops"]["malformed"] == 2, "the two runts counted as malformed on a")
    check(stats["a"]["flooded"] == 3 and stats["b"]["flooded"] == 1, "floods counted on the ingress port")
    sent_bytes = sum(len(bytes(f)) for f in a_frames)
    check(stats["a"]["rx_bytes"] == sent_bytes, f"a's rx bytes equal what it sent ({sent_bytes})")
    check(all(p["drops_total"] == (2 if n == "a" else 0) for n, p in stats.items()), "no other drop")
    pmds = vswd.ctl("stats")["pmds"]
    check(sum(p["rx_packets"] for p in pmds) == 15 and all(p["cycles_per_packet"] > 0 for p in pmds if p["rx_packets"]),
          "PMDs counted 15 packets: " + ", ".join(f"PMD {p['id']}: {p['rx_packets']} at {p['cycles_per_packet']:.0f} cycles/packet" for p in pmds))
    wait_until(lambda: vswd.mbufs_in_use() == baseline, 10, "mbufs back to baseline")
    check(vswd.mbufs_in_use() == baseline, f"no mbuf leaked ({baseline} in use, as before traffic)")
    for n in "abc":
        vswd.wait_port_state(n, "connecting" if n != "c" else "listening")
    check(vswd.stop() == 0, "vswd stops cleanly on SIGTERM")


if __name__ == "__main__":
    run(test, "forwarding" + ("-nohuge" if NO_HUGE else "") + ("-two-pmds" if TWO_PMDS else ""))
