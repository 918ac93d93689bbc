#!/usr/bin/python3
"""VLAN isolation with fake guests: two access ports in VLAN 10, one in VLAN 20, a trunk carrying
10 and 20. Every guest must receive exactly the frames of its VLANs, with the tagging its mode
asks for and priority bits kept; disallowed and malformed tags are counted drops."""
from vswtest import Dot1Q, Ether, FakeGuest, IP, Raw, UDP, Vswd, check, log, run, wait_until

MAC = {"a": "02:00:00:00:10:0a", "b": "02:00:00:00:10:0b", "c": "02:00:00:00:20:0c", "t": "02:00:00:00:99:01"}
BCAST = "ff:ff:ff:ff:ff:ff"


def udp(tag):
    return IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(tag.encode())


def untagged(src, dst, tag):
    return Ether(src=src, dst=dst) / udp(tag)


def tagged(src, dst, vlan, tag, prio=0):
    return Ether(src=src, dst=dst) / Dot1Q(vlan=vlan, prio=prio) / udp(tag)


def seen(frames):
    """(payload tag, VLAN or None, priority or None) for each frame we sent."""
    out = []
    for f in frames:
        if Raw not in f:
            continue
        vlan = f[Dot1Q].vlan if Dot1Q in f else None
        prio = f[Dot1Q].prio if Dot1Q in f else None
        out.append((bytes(f[Raw].load).decode(), vlan, prio))
    return sorted(out, key=str)


def test(work):
    vswd = Vswd(work).start()
    sock = {n: work.file(f"{n}.sock") for n in MAC}
    vswd.ctl("add-port", "a", "--socket", sock["a"], "vlan-mode=access", "tag=10")
    vswd.ctl("add-port", "b", "--socket", sock["b"], "vlan-mode=access", "tag=10")
    vswd.ctl("add-port", "c", "--socket", sock["c"], "vlan-mode=access", "tag=20")
    vswd.ctl("add-port", "t", "--socket", sock["t"], "vlan-mode=trunk", "trunks=10,20")
    log("vswctl show:\n" + vswd.ctl_text("show"))

    frames = {
        "b": [untagged(MAC["b"], BCAST, "b-hello")],
        "c": [untagged(MAC["c"], BCAST, "c-hello")],
        "a": [untagged(MAC["a"], BCAST, "a-bcast"),
              tagged(MAC["a"], BCAST, 10, "a-tagged-on-access")],
        "t": [tagged(MAC["t"], BCAST, 20, "t-bcast-20", prio=5),
              tagged(MAC["t"], MAC["b"], 10, "t-to-b", prio=3),
              tagged(MAC["t"], BCAST, 30, "t-vlan-30"),
              untagged(MAC["t"], BCAST, "t-untagged"),
              Raw(bytes.fromhex("ffffffffffff" + MAC["t"].replace(":", "") + "8100000a"))],  # tag cut short
    }
    guests = {n: FakeGuest(work, n, sock[n], True, frames[n]) for n in MAC}
    for n in MAC:
        vswd.wait_port_state(n, "up")
    for n in ("b", "c", "a", "t"):
        guests[n].start()
        wait_until(lambda: vswd.port_stats(n)["rx_packets"] == len(frames[n]), 20, f"{n}'s frames")
    expected_tx = {"a": 1, "b": 2, "c": 1, "t": 3}
    try:
        wait_until(lambda: all(vswd.port_stats(n)["tx_packets"] >= k for n, k in expected_tx.items()), 20, "deliveries")
    except AssertionError:
        log("stats: " + str(vswd.ctl("stats")["ports"]))
        raise
    fdb = {(e["vlan"], e["mac"]): e["port"] for e in vswd.ctl("fdb", "show")["entries"]}
    check(fdb == {(10, MAC["a"]): "a", (10, MAC["b"]): "b", (20, MAC["c"]): "c", (20, MAC["t"]): "t", (10, MAC["t"]): "t"},
          f"FDB entries per (VLAN, MAC); the trunk's MAC in both VLANs: {fdb}")
    got = {n: seen(g.quit()) for n, g in guests.items()}
    log(f"received: {got}")
    check(got["a"] == [("b-hello", None, None)], "a (access 10) got b's broadcast, untagged, nothing of VLAN 20")
    check(got["b"] == sorted([("a-bcast", None, None), ("t-to-b", None, None)], key=str),
          "b (access 10) got a's broadcast and the trunk's unicast, untagged")
    check(got["c"] == [("t-bcast-20", None, None)], "c (access 20) got only the trunk's VLAN 20 broadcast")
    check(got["t"] == sorted([("b-hello", 10, 0), ("c-hello", 20, 0), ("a-bcast", 10, 0)], key=str),
          "the trunk got every VLAN 10 and 20 broadcast, tagged with its VLAN")
    stats = {p["name"]: p for p in vswd.ctl("stats")["ports"]}
    check(stats["a"]["drops"]["vlan_not_allowed"] == 1, "a tagged frame on an access port: vlan_not_allowed")
    check(stats["t"]["drops"]["vlan_not_allowed"] == 2, "VLAN 30 and untagged frames on the 10,20 trunk: vlan_not_allowed")
    check(stats["t"]["drops"]["bad_vlan_tag"] == 1, "a truncated tag: bad_vlan_tag")
    floods = vswd.ctl("stats")["vlan_floods"]
    check(floods == {"10": 2, "20": 2}, f"per-VLAN flood counts {floods}")
    check(vswd.mbufs_in_use() == 0, "no mbuf leaked (header segments included)")

    # Runtime change: c joins VLAN 10; the FDB forgets c's old entries; state persisted.
    vswd.ctl("set-port", "c", "tag=10")
    check(vswd.port("c")["vlan"] == "access 10", "c moved to VLAN 10 at runtime")
    for args, msg in [(["set-port", "c", "tag=4095"], "1 to 4094"), (["set-port", "c", "tag=0"], "1 to 4094"),
                      (["set-port", "c", "vlan-mode=trunk"], "tag=none"), (["set-port", "t", "trunks=10,5000"], "4094"),
                      (["set-port", "a", "trunks=20"], "not access"), (["set-port", "t", "vlan-mode=native-untagged"], "native VLAN"),
                      (["set-port", "t", "vlan-mode=bridge"], "vlan-mode must be")]:
        code, err = vswd.ctl_fail(*args)
        check(msg in err, f"vswctl {' '.join(args)}: {err}")
    check(vswd.port("c")["vlan"] == "access 10" and vswd.port("t")["vlan"] == "trunk 10,20", "bad requests changed nothing")
    vswd.stop()
    restarted = Vswd(work).start()
    check({p["name"]: p["vlan"] for p in restarted.ctl("show")["ports"]} ==
          {"a": "access 10", "b": "access 10", "c": "access 10", "t": "trunk 10,20"}, "VLAN settings persisted")
    restarted.stop()


if __name__ == "__main__":
    run(test, "vlans")
