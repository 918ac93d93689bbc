#!/usr/bin/python3
"""Port security, first step: a guest that floods made-up source MACs learns no more than its
port's mac-limit (the rest dropped as mac_limit), so a small FDB keeps room for the others and
their unicast goes direct instead of flooding to the attacker; and a guest's broadcast storm
passes at its port's flood-rate, the excess dropped as storm before any other port sees it.
The settings are shown, checked and persisted."""
import json

from vswtest import Ether, FakeGuest, Raw, Vswd, check, log, run, wait_until

MAC = {"b": "02:00:00:00:00:0b", "c": "02:00:00:00:00:0c", "d": "02:00:00:00:00:0d"}
FAKE = [f"02:aa:00:00:{i >> 8:02x}:{i & 0xff:02x}" for i in range(100)]  # a's made-up sources
UNKNOWN = "02:ee:ee:ee:ee:ee"  # nobody: a's frames flood
LIMIT, FDB_MAX, STORM = 8, 64, 300


def tagged(frames, tag):
    return sum(tag.encode() in bytes(f) for f in frames)


def test(work):
    vswd = Vswd(work, extra=["--fdb-max", str(FDB_MAX)]).start()
    for n in "abcd":
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))
    vswd.ctl("set-port", "a", f"mac-limit={LIMIT}")
    vswd.ctl("set-port", "d", "flood-rate=100")
    a, d = vswd.port("a"), vswd.port("d")
    check(a.get("mac-limit") == LIMIT and a.get("learned_macs") == 0 and d.get("flood-rate") == 100,
          f"the settings are shown: a {a.get('mac-limit')}/{a.get('learned_macs')}, d {d.get('flood-rate')}")
    for bad, why in (("mac-limit=0", "mac-limit must be 1 to 1000000"),
                     ("flood-burst=10", "flood-burst needs flood-rate"),
                     ("flood-rate=fast", "flood-rate must be 1 to 100000000")):
        _, err = vswd.ctl_fail("set-port", "b", bad)
        check(why in err, f"{bad} is refused: {err.strip()}")
    state = json.load(open(vswd.state_path))
    saved = {p["name"]: p for p in state["ports"]}
    check(saved["a"].get("mac-limit") == LIMIT and saved["d"].get("flood-rate") == 100,
          "the settings are persisted")

    guests = {
        "a": FakeGuest(work, "a", work.file("a.sock"), True,
                       [Ether(src=m, dst=UNKNOWN) / Raw(b"a-flood") for m in FAKE]),
        "b": FakeGuest(work, "b", work.file("b.sock"), True,
                       [Ether(src=MAC["b"], dst=MAC["c"]) / Raw(b"b-to-c") for _ in range(10)]),
        "c": FakeGuest(work, "c", work.file("c.sock"), True,
                       [Ether(src=MAC["c"], dst="ff:ff:ff:ff:ff:ff") / Raw(b"c-hello")]),
        "d": FakeGuest(work, "d", work.file("d.sock"), True,
                       [Ether(src=MAC["d"], dst="ff:ff:ff:ff:ff:ff") / Raw(b"d-storm") for _ in range(STORM)]),
    }
    for n in "abcd":
        vswd.wait_port_state(n, "up")
    for n in "ad":  # a full virtio ring makes testpmd wait, not drop: N frames sent means N
        wait_until(guests[n].ready, 60, f"fake guest {n} to finish starting")
        guests[n].send("set fwd io retry")
        guests[n].send("set burst tx delay 20 retry 100000")
    baseline = vswd.mbufs_in_use()
    guests["a"].start()
    wait_until(lambda: vswd.port_stats("a")["rx_packets"] == len(FAKE), 20, "a's MAC flood")
    guests["c"].start()
    wait_until(lambda: vswd.port_stats("c")["rx_packets"] == 1, 20, "c's hello")
    guests["b"].start()
    wait_until(lambda: vswd.port_stats("b")["rx_packets"] == 10, 20, "b's unicast to c")
    guests["d"].start()
    wait_until(lambda: vswd.port_stats("d")["rx_packets"] == STORM, 20, "d's storm")
    wait_until(lambda: vswd.port_stats("b")["tx_packets"] >= LIMIT + 1, 20, "deliveries to b")

    fdb = vswd.ctl("fdb", "show")["entries"]
    on_a = [e for e in fdb if e["port"] == "a"]
    check(len(on_a) == LIMIT and vswd.port("a")["learned_macs"] == LIMIT,
          f"a learned {len(on_a)} MACs, its limit {LIMIT}")
    stats = {p["name"]: p for p in vswd.ctl("stats")["ports"]}
    check(stats["a"]["drops"]["mac_limit"] == len(FAKE) - LIMIT,
          f"a's other frames dropped as mac_limit: {stats['a']['drops']['mac_limit']}")
    storm = stats["d"]["drops"]["storm"]
    got = {n: g.quit() for n, g in guests.items()}
    check(tagged(got["c"], "b-to-c") == 10, f"c got b's 10 frames: {tagged(got['c'], 'b-to-c')}")
    check(tagged(got["a"], "b-to-c") == 0,
          "b's unicast to c went direct: none reached a (c was learned: a's flood did not fill the FDB)")
    check(tagged(got["b"], "a-flood") == LIMIT, f"only a's {LIMIT} learned sources flooded: {tagged(got['b'], 'a-flood')}")
    log(f"d's storm: {STORM} broadcasts, {storm} dropped as storm")
    check(storm >= STORM - 100, f"d's broadcasts beyond 100/s (burst 16) were dropped: {storm} of {STORM}")
    for n in "bc":
        check(tagged(got[n], "d-storm") == STORM - storm,
              f"{n} got exactly d's broadcasts that passed: {tagged(got[n], 'd-storm')} = {STORM} - {storm}")
    text = vswd.ctl_text("stats", "d")
    check("storm" in text, "vswctl stats names the reason")

    vswd.ctl("set-port", "a", "mac-limit=none")
    check("learned_macs" not in vswd.port("a") and "mac-limit" not in vswd.port("a"), "mac-limit=none clears it")
    wait_until(lambda: vswd.mbufs_in_use() == baseline, 10, "mbufs back to baseline")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "port-security")
