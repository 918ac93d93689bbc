#!/usr/bin/python3
"""Port security, first step: a guest that floods made-up source MACs learns no more than its
port's mac-limit (the rest dropped as mac_limit), so a small FDB keeps room for the others and
their unicast goes direct instead of flooding to the attacker; and a guest's broadcast storm
passes at its port's flood-rate, the excess dropped as storm before any other port sees it.
And with port-security=on a guest sends only from its own MAC, its own IPv4 addresses (or
0.0.0.0), its own IPv6 addresses (its link-local one, and :: for duplicate address
detection) and the allowed ethertypes; its ARP and neighbour discovery cannot claim another's
address, and it can neither answer DHCP nor advertise itself as an IPv6 router: each spoof is
dropped with its reason, reaches no other port and teaches the FDB nothing, while its legitimate
frames flow beside them. Its allowed MAC is pinned to its port from the start: another port's
frame from it is dropped as mac_pinned. The settings are shown, checked and persisted."""
import json
import urllib.request

from collections import Counter

from scapy.all import ARP, IP, UDP, BOOTP, DHCP, IPv6, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6NDOptDstLLAddr
from vswtest import Ether, FakeGuest, Raw, Vswd, check, free_port, log, run, wait_until

MAC = {"b": "02:00:00:00:00:0b", "c": "02:00:00:00:00:0c", "d": "02:00:00:00:00:0d",
       "e": "02:00:00:00:00:0e"}
E_IP, NEIGHBOUR_IP, THIEF = "10.0.0.5", "10.0.0.9", "02:00:00:00:00:66"
E_IP6, NEIGHBOUR_IP6, E_LL = "2001:db8::5", "2001:db8::9", "fe80::ff:fe00:e"  # e's link-local: its MAC's
BCAST, V6_ALL = "ff:ff:ff:ff:ff:ff", "33:33:00:00:00:01"


def nd_tag(tag):
    """A tag in a neighbour discovery message: an option of an unknown type (ignored, RFC 4861)."""
    return Raw(bytes([200, 2]) + tag.encode().ljust(14, b"\0"))


def e_frames():
    """What e's guest sends: legitimate frames tagged ok-*, spoofs tagged bad-*."""
    ok = [Ether(src=MAC["e"], dst=BCAST) / IP(src=E_IP, dst="10.0.0.255") / UDP() / Raw(b"ok-ip"),
          Ether(src=MAC["e"], dst=BCAST) / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) / Raw(b"ok-dhcp"),
          Ether(src=MAC["e"], dst=BCAST) / ARP(hwsrc=MAC["e"], psrc=E_IP, pdst=NEIGHBOUR_IP) / Raw(b"ok-arp"),
          Ether(src=MAC["e"], dst=BCAST, type=0x8035) / Raw(b"\0" * 28 + b"ok-rarp"),
          Ether(src=MAC["e"], dst=V6_ALL) / IPv6(src=E_IP6, dst="ff02::1") / UDP() / Raw(b"ok-ip6"),
          Ether(src=MAC["e"], dst=V6_ALL) / IPv6(src="::", dst="ff02::1:ff00:5") / ICMPv6ND_NS(tgt=E_IP6) / nd_tag("ok-dad"),
          Ether(src=MAC["e"], dst=V6_ALL) / IPv6(src=E_LL, dst="ff02::1") / ICMPv6ND_NA(tgt=E_IP6, R=0) /
          ICMPv6NDOptDstLLAddr(lladdr=MAC["e"]) / nd_tag("ok-na")]
    bad = [("spoofed_mac", Ether(src=THIEF, dst=BCAST) / IP(src=E_IP) / UDP() / Raw(b"bad-mac")),
           ("spoofed_ip", Ether(src=MAC["e"], dst=BCAST) / IP(src=NEIGHBOUR_IP) / UDP() / Raw(b"bad-ip")),
           # arping -U for the neighbour's address: a gratuitous ARP that would poison caches
           ("spoofed_arp", Ether(src=MAC["e"], dst=BCAST) / ARP(op=2, hwsrc=MAC["e"], psrc=NEIGHBOUR_IP,
                                                                hwdst=BCAST, pdst=NEIGHBOUR_IP) / Raw(b"bad-arp")),
           ("ethertype_not_allowed", Ether(src=MAC["e"], dst=BCAST, type=0x88b5) / Raw(b"bad-type".ljust(46, b"\0"))),
           ("spoofed_ip", Ether(src=MAC["e"], dst=V6_ALL) / IPv6(src=NEIGHBOUR_IP6, dst="ff02::1") / UDP() / Raw(b"bad-ip6")),
           # the IPv6 arping -U: an unsolicited advertisement of the neighbour's address
           ("spoofed_nd", Ether(src=MAC["e"], dst=V6_ALL) / IPv6(src=E_LL, dst="ff02::1") /
            ICMPv6ND_NA(tgt=NEIGHBOUR_IP6, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=MAC["e"]) / nd_tag("bad-na")),
           # a duplicate address probe for the neighbour's address would make it give it up
           ("spoofed_nd", Ether(src=MAC["e"], dst=V6_ALL) / IPv6(src="::", dst="ff02::1:ff00:9") /
            ICMPv6ND_NS(tgt=NEIGHBOUR_IP6) / nd_tag("bad-dad")),
           ("ra_guard", Ether(src=MAC["e"], dst=V6_ALL) / IPv6(src=E_LL, dst="ff02::1") / ICMPv6ND_RA() / nd_tag("bad-ra")),
           ("dhcp_server", Ether(src=MAC["e"], dst=BCAST) / IP(src=E_IP, dst="255.255.255.255") / UDP(sport=67, dport=68) /
            BOOTP(op=2, yiaddr=NEIGHBOUR_IP) / DHCP(options=[("message-type", "offer"), "end"]) / Raw(b"bad-dhcp"))]
    return ok, bad
FAKE = [f"02:aa:00:00:{i >> 8:02x}:{i & 0xff:02x}" for i in range(100)]  # a's made-up sources
UNKNOWN = "02:ee:ee:ee:ee:ee"  # nobody: a's frames flood
LIMIT, FDB_MAX, STORM = 8, 64, 300


def tagged(frames, tag):
    return sum(tag.encode() in bytes(f) for f in frames)


def test(work):
    metrics_port = free_port()
    vswd = Vswd(work, extra=["--fdb-max", str(FDB_MAX), "--metrics-listen", f"127.0.0.1:{metrics_port}"]).start()
    for n in "abcde":
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))
    vswd.ctl("set-port", "e", "port-security=on", f"allowed-macs={MAC['e']}", f"allowed-ips={E_IP},{E_IP6}")
    _, err = vswd.ctl_fail("set-port", "b", "port-security=on")
    check("needs allowed-macs" in err, f"port-security without a MAC is refused: {err.strip()}")
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
    check(saved["a"].get("mac-limit") == LIMIT and saved["d"].get("flood-rate") == 100 and
          saved["e"].get("port-security") == "on" and saved["e"].get("allowed-ips") == f"{E_IP},{E_IP6}",
          "the settings are persisted")

    pinned = [e for e in vswd.ctl("fdb", "show")["entries"] if e["mac"] == MAC["e"]]
    check(pinned == [{"vlan": 0, "mac": MAC["e"], "port": "e", "pinned": True}],
          f"e's allowed MAC is pinned to it before its guest sends anything: {pinned}")
    _, err = vswd.ctl_fail("set-port", "c", "port-security=on", f"allowed-macs={MAC['e']}")
    check(f"{MAC['e']} is already port e's" in err, f"a MAC is pinned to one port only: {err.strip()}")

    e_ok, e_bad = e_frames()
    guests = {
        "a": FakeGuest(work, "a", work.file("a.sock"), True,
                       [Ether(src=m, dst=UNKNOWN) / Raw(b"a-flood") for m in FAKE]),
        "b": FakeGuest(work, "b", work.file("b.sock"), True,
                       [Ether(src=MAC["b"], dst=MAC["c"]) / Raw(b"b-to-c") for _ in range(10)] +
                       [Ether(src=MAC["e"], dst=BCAST) / Raw(b"b-hijack")]),
        "c": FakeGuest(work, "c", work.file("c.sock"), True,
                       [Ether(src=MAC["c"], dst="ff:ff:ff:ff:ff:ff") / Raw(b"c-hello")]),
        "d": FakeGuest(work, "d", work.file("d.sock"), True,
                       [Ether(src=MAC["d"], dst="ff:ff:ff:ff:ff:ff") / Raw(b"d-storm") for _ in range(STORM)]),
        "e": FakeGuest(work, "e", work.file("e.sock"), True, e_ok + [f for _, f in e_bad]),
    }
    for n in "abcde":
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
    wait_until(lambda: vswd.port_stats("b")["rx_packets"] == 11, 20, "b's unicast to c, and its hijack")
    guests["d"].start()
    wait_until(lambda: vswd.port_stats("d")["rx_packets"] == STORM, 20, "d's storm")
    wait_until(lambda: vswd.port_stats("b")["tx_packets"] >= LIMIT + 1, 20, "deliveries to b")
    guests["e"].start()
    wait_until(lambda: vswd.port_stats("e")["rx_packets"] == len(e_ok) + len(e_bad), 20, "e's frames")

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
    for reason, count in Counter(r for r, _ in e_bad).items():
        check(stats["e"]["drops"][reason] == count,
              f"e's {reason} frames dropped and counted: {stats['e']['drops'][reason]} of {count}")
    for n in "bc":
        oks = sorted(t for t in ("ok-ip", "ok-dhcp", "ok-arp", "ok-rarp", "ok-ip6", "ok-dad", "ok-na") if tagged(got[n], t))
        check(oks == ["ok-arp", "ok-dad", "ok-dhcp", "ok-ip", "ok-ip6", "ok-na", "ok-rarp"],
              f"{n} got e's legitimate frames: {oks}")
        check(tagged(got[n], "bad-") == 0, f"{n} got none of e's spoofs")
    check(THIEF not in {e["mac"] for e in fdb}, "the spoofed source MAC was not learned")
    check(stats["b"]["drops"]["mac_pinned"] == 1 and tagged(got["c"], "b-hijack") == 0,
          "b's frame from e's pinned MAC was dropped as mac_pinned and reached nobody")
    check([(x["port"], x.get("pinned")) for x in fdb if x["mac"] == MAC["e"]] == [("e", True)],
          "e's MAC stayed pinned to e")
    # The operator's view: violations by reason, the last refusal with what it claimed.
    view = {p["name"]: p for p in vswd.ctl("port-security", "show")["ports"]}
    check(set(view) == {"a", "b", "d", "e"}, f"port-security show lists the ports with settings or violations: {sorted(view)}")
    check(view["e"]["violations_total"] == len(e_bad) and view["e"]["violations"]["spoofed_nd"] == 2,
          f"e's violations by reason: {view['e']['violations_total']} of {len(e_bad)}")
    last = view["e"]["last_violation"]
    check(last["reason"] == "dhcp_server" and last["mac"] == MAC["e"] and last["ip"] == E_IP,
          f"e's last refusal (its DHCP offer, sent last) with the MAC and address it claimed: {last}")
    last = view["b"]["last_violation"]
    check(last["reason"] == "mac_pinned" and last["mac"] == MAC["e"], f"b's last refusal: {last}")
    check(view["a"]["mac-limit"] == str(LIMIT) and view["a"]["violations"]["mac_limit"] == len(FAKE) - LIMIT,
          "a's limit and mac_limit violations (its MACs went with its guest)")
    text = vswd.ctl_text("port-security", "show")
    log("vswctl port-security show:\n" + text)
    check("dhcp_server 02:00:00:00:00:0e 10.0.0.5" in text and "spoofed_nd=2" in text, "the table says the same")
    rows = {line.split()[0]: line for line in vswd.ctl_text("show").splitlines() if line.split()}
    check("locked" in rows["e"] and "mac-limit 8" in rows["a"] and "flood 100/s" in rows["d"] and "locked" not in rows["b"],
          "vswctl show sums each port's security up")
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
    check(f'vsw_port_security_violations_total{{port="e"}} {len(e_bad)}' in metrics and
          'vsw_port_drops_total{port="b",reason="mac_pinned"} 1' in metrics,
          "Prometheus has the violations, in total and by reason")
    text = vswd.ctl_text("stats", "d")
    check("storm" in text, "vswctl stats names the reason")

    vswd.ctl("set-port", "a", "mac-limit=none")
    check("learned_macs" not in vswd.port("a") and "mac-limit" not in vswd.port("a"), "mac-limit=none clears it")
    wait_until(lambda: vswd.mbufs_in_use() == baseline, 10, "mbufs back to baseline")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "port-security")
