#!/usr/bin/python3
"""IEEE 802.1D reserved group addresses (01:80:C2:00:00:00-0F) are link-local: a guest's STP,
LACP and LLDP frames reach no other port and teach the FDB nothing, and each is counted as
reserved_multicast on its ingress port. A port with forward-bpdu=on switches them like any
multicast (as OVS's other_config:forward-bpdu). 01:80:C2:00:00:10, just past the block, is an
ordinary group address and floods."""
import re

from vswtest import Ether, FakeGuest, Raw, Vswd, check, log, run, wait_until
from scapy.all import LLC, STP

MAC = {"a": "02:00:00:00:00:0a", "b": "02:00:00:00:00:0b", "c": "02:00:00:00:00:0c"}
QUIET = "02:00:00:00:00:aa"  # a's link-local frames only: must not be learned
STP_DST, LACP_DST, LLDP_DST, ALL_LANS = "01:80:c2:00:00:00", "01:80:c2:00:00:02", "01:80:c2:00:00:0e", "01:80:c2:00:00:10"


def link_local(src, tag):
    """An STP BPDU, a LACPDU and an LLDPDU from `src`, each carrying `tag` for recognition."""
    stp = Ether(src=src, dst=STP_DST) / LLC() / STP() / Raw(f"{tag}-stp".encode())
    lacp = Ether(src=src, dst=LACP_DST, type=0x8809) / Raw(b"\x01\x01" + f"{tag}-lacp".encode().ljust(108, b"\0"))
    lldp = Ether(src=src, dst=LLDP_DST, type=0x88cc) / Raw(f"{tag}-lldp".encode().ljust(46, b"\0"))
    return [stp, lacp, lldp]


def tags(frames):
    """The recognition tags ("a-stp", "c-lldp", ...) in the frames' bytes."""
    return sorted(m.decode() for f in frames for m in re.findall(rb"[ac]-(?:stp|lacp|lldp|alllans)", bytes(f)))


def test(work):
    vswd = Vswd(work).start()
    for n in "abc":
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))
    vswd.ctl("set-port", "c", "forward-bpdu=on")
    check(vswd.port("c").get("forward-bpdu") == "on" and vswd.port("a").get("forward-bpdu") is None,
          "forward-bpdu=on shown on c only")
    _, bad = vswd.ctl_fail("set-port", "a", "forward-bpdu=maybe")
    check("forward-bpdu must be 'on' or 'off'" in bad, f"a bad value is refused: {bad}")

    a_frames = link_local(QUIET, "a") + [Ether(src=MAC["a"], dst=ALL_LANS) / Raw(b"a-alllans")]
    c_frames = link_local(MAC["c"], "c")
    guests = {"a": FakeGuest(work, "a", work.file("a.sock"), True, a_frames),
              "b": FakeGuest(work, "b", work.file("b.sock"), True, [Ether(src=MAC["b"], dst="ff:ff:ff:ff:ff:ff") / Raw(b"b-hello")]),
              "c": FakeGuest(work, "c", work.file("c.sock"), True, c_frames)}
    for n in "abc":
        vswd.wait_port_state(n, "up")
    baseline = vswd.mbufs_in_use()
    for n in "bac":
        guests[n].start()
    wait_until(lambda: vswd.port_stats("a")["rx_packets"] == 4 and vswd.port_stats("c")["rx_packets"] == 3,
               20, "a's and c's frames")
    try:
        wait_until(lambda: vswd.port_stats("b")["tx_packets"] >= 4, 20, "deliveries to b")
    except AssertionError:
        log("stats: " + str(vswd.ctl("stats")["ports"]))
        raise
    fdb = {e["mac"]: e["port"] for e in vswd.ctl("fdb", "show")["entries"]}
    check(QUIET not in fdb and fdb.get(MAC["c"]) == "c",
          f"the source of dropped link-local frames is not learned; c's (forwarded) is: {fdb}")
    got = {n: tags(g.quit()) for n, g in guests.items()}
    log(f"received: {got}")
    check(got["b"] == ["a-alllans", "c-lacp", "c-lldp", "c-stp"],
          f"b got c's link-local frames (forward-bpdu=on) and a's 01:80:C2:00:00:10, none of a's STP/LACP/LLDP: {got['b']}")
    check(got["c"] == ["a-alllans"], f"c got none of a's link-local frames: {got['c']}")
    check(got["a"] == ["c-lacp", "c-lldp", "c-stp"], f"a got c's forwarded ones: {got['a']}")
    stats = {p["name"]: p for p in vswd.ctl("stats")["ports"]}
    check(stats["a"]["drops"]["reserved_multicast"] == 3 and stats["a"]["drops_total"] == 3,
          f"a's STP, LACP and LLDP counted as reserved_multicast: {stats['a']['drops']['reserved_multicast']}")
    check(stats["c"]["drops_total"] == 0 and stats["b"]["drops_total"] == 0, "nothing dropped on b or c")
    text = vswd.ctl_text("stats", "a")
    check("reserved_multicast" in text, "vswctl stats names the reason")
    wait_until(lambda: vswd.mbufs_in_use() == baseline, 10, "mbufs back to baseline")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "reserved-multicast")
