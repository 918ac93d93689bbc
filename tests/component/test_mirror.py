#!/usr/bin/python3
"""Port mirroring with fake guests: one source guest `a` (VLAN 10) talking to `b`, copied by four
sessions at once -- SPAN to an analyser port; RSPAN into VLAN 999, ERSPAN type II (truncated to
64 bytes) and type III (VLAN 10 only), all three out of one "tap" port (an uplink's stand-in). tshark decodes the ERSPAN
captures (fields, GRE sequence numbers, IPv4 checksums, no expert warnings); the SPAN and RSPAN
copies are byte-for-byte the frames as received and as sent; counters match; bad sessions are
refused and change nothing; the sessions survive a restart."""
import subprocess

from frame_checks import expert_warnings
from vswtest import Dot1Q, Ether, FakeGuest, IP, Raw, UDP, Vswd, check, log, run, wait_until

MAC = {"a": "02:00:00:00:00:0a", "b": "02:00:00:00:00:0b", "c": "02:00:00:00:00:0c"}
ANALYSERS = ("span", "tap")  # every fake guest takes hugepages: keep them few
NEXT_HOP = "02:00:00:00:00:e0"
BCAST = "ff:ff:ff:ff:ff:ff"


def udp_frame(src, dst, tag, size=0):
    payload = tag.encode() + b"." * max(0, size - len(tag))
    return Ether(src=src, dst=dst) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(payload)


def tshark(path, *fields, extra=()):
    cmd = ["tshark", "-r", path, "-o", "ip.check_checksum:TRUE", *extra, "-T", "fields", "-E", "separator=|"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return [line.split("|") for line in r.stdout.splitlines() if line]


def test(work):
    vswd = Vswd(work).start()
    sock = {n: work.file(f"{n}.sock") for n in list(MAC) + list(ANALYSERS)}
    vswd.ctl("add-port", "a", "--socket", sock["a"], "vlan-mode=access", "tag=10")
    vswd.ctl("add-port", "b", "--socket", sock["b"], "vlan-mode=access", "tag=10")
    vswd.ctl("add-port", "c", "--socket", sock["c"], "vlan-mode=access", "tag=20")
    vswd.ctl("add-port", "span", "--socket", sock["span"])
    # The tap stands in for an uplink; in a VLAN of its own so that only mirrored frames reach it.
    vswd.ctl("add-port", "tap", "--socket", sock["tap"], "vlan-mode=access", "tag=4000")
    erspan = ["local-ip=192.0.2.1", "remote-ip=192.0.2.2", f"next-hop-mac={NEXT_HOP}"]
    vswd.ctl("mirror", "add", "m-span", "sources=a", "direction=both", "output=span")
    vswd.ctl("mirror", "add", "m-rspan", "sources=a", "direction=rx", "rspan-vlan=999", "output=tap")
    vswd.ctl("mirror", "add", "m-ers2", "sources=a", "erspan=2", "session-id=100", "index=7", "snaplen=64",
             "output=tap", *erspan)
    vswd.ctl("mirror", "add", "m-ers3", "sources=a,c", "vlans=10", "erspan=3", "session-id=200", "hw-id=5",
             "granularity=1", "output=tap", *erspan)
    # A destination that never comes up: its copies are dropped and counted, nothing waits for it.
    vswd.ctl("add-port", "dead", "--socket", work.file("nobody-listens.sock"))
    vswd.ctl("mirror", "add", "m-dead", "sources=b", "direction=rx", "output=dead")
    log("vswctl mirror show:\n" + vswd.ctl_text("mirror", "show"))
    check(vswd.port("span").get("span_output_of") == "m-span" and "SPAN output of m-span" in vswd.ctl_text("show"),
          "vswctl show marks the SPAN output port")

    # Bad sessions: clear errors, nothing half-configured.
    before = vswd.ctl("mirror", "show")
    for args, msg in [(["m-x", "sources=a", "output=a"], "cannot copy into itself"),
                      (["m-x", "sources=nope", "output=span"], "no port named 'nope'"),
                      (["m-x", "sources=b", "output=span"], "already the output of mirror m-span"),
                      (["m-x", "sources=span", "output=b"], "SPAN output of mirror m-span"),
                      (["m-x", "sources=b", "output=c", "erspan=2", "session-id=1024"] + erspan, "0 to 1023"),
                      (["m-x", "sources=b", "output=c", "erspan=2", "session-id=100"] + erspan, "is used by mirror m-ers2"),
                      (["m-x", "sources=b", "output=c", "erspan=2", "session-id=5", "local-ip=1.2.3.4"], "remote-ip"),
                      (["m-x", "sources=b", "output=c", "erspan=2", "session-id=5", "hw-id=3"] + erspan, "type III"),
                      (["m-x", "sources=b", "output=c", "colour=red"], "unknown mirror setting"),
                      (["m-span", "sources=b", "output=c"], "exists")]:
        code, err = vswd.ctl_fail("mirror", "add", *args)
        check(msg in err, f"mirror add {' '.join(args)}: {err}")
    code, err = vswd.ctl_fail("del-port", "span")
    check("used by mirror m-span" in err, f"del-port of a mirror's output: {err}")
    code, err = vswd.ctl_fail("mirror", "del", "nope")
    check("no mirror named" in err, "mirror del of an unknown session")
    check(vswd.ctl("mirror", "show") == before, "the refused requests changed nothing")

    n_a, n_b = 5, 4
    frames = {
        "b": [udp_frame(MAC["b"], BCAST, "b-hello")] + [udp_frame(MAC["b"], MAC["a"], f"b-to-a-{i}", 200) for i in range(n_b)],
        "a": [udp_frame(MAC["a"], MAC["b"], f"a-to-b-{i}", 100 + 50 * i) for i in range(n_a)],
        "c": [udp_frame(MAC["c"], BCAST, "c-hello")],
        "span": [udp_frame("02:00:00:00:00:99", BCAST, "from-the-analyser")],  # not forwarded
    }
    guests = {n: FakeGuest(work, n, sock[n], True, frames.get(n, [])) for n in sock}  # not "dead"
    for n in sock:
        vswd.wait_port_state(n, "up")
    guests["tap"].start()  # forwards what it receives into its capture
    for n in ("b", "a", "c", "span"):
        guests[n].start()
        wait_until(lambda: vswd.port_stats(n)["rx_packets"] == len(frames[n]), 20, f"{n}'s frames")
    wait_until(lambda: vswd.port_stats("a")["tx_packets"] >= 1 + n_b and vswd.port_stats("b")["tx_packets"] >= n_a,
               20, "deliveries")
    got = {n: g.quit() for n, g in guests.items()}

    sent_by_a = [bytes(f) for f in frames["a"]]
    sent_to_a = [bytes(f) for f in frames["b"]]  # b's broadcast and unicast, untagged on access port a
    span = [bytes(f) for f in got["span"]]
    check(sorted(span) == sorted(sent_by_a + sent_to_a),
          f"SPAN: the analyser got every frame a received and was sent, byte for byte ({len(span)})")
    check(not any(b"from-the-analyser" in bytes(f) for n in ("a", "b", "c") for f in got[n]),
          "a SPAN output is out of normal forwarding: its own frames go nowhere")
    check(vswd.port_stats("span")["drops"]["mirror_output"] == 1, "and are counted (mirror_output)")

    tap = got["tap"]
    rspan = [f for f in tap if Dot1Q in f and f[Dot1Q].vlan == 999]
    tap_path = work.file("tap-out.pcap")
    check(len(rspan) == n_a and all(Dot1Q in f and f[Dot1Q].vlan == 999 for f in rspan),
          "RSPAN: a's received frames (rx only), in VLAN 999")
    check(sorted(bytes(f[Dot1Q].payload) for f in rspan) == sorted(bytes(Ether(b).payload) for b in sent_by_a),
          "RSPAN: the payload after the tag is the original frame's")

    ers2_path, ers3_path = work.file("ers2.pcap"), work.file("ers3.pcap")
    subprocess.run(["tshark", "-r", tap_path, "-Y", "erspan.version == 1", "-w", ers2_path], check=True)
    subprocess.run(["tshark", "-r", tap_path, "-Y", "erspan.version == 2", "-w", ers3_path], check=True)
    check(len(tap) == n_a + 2 * (n_a + 1 + n_b), "the tap port got the RSPAN, ERSPAN II and III copies, nothing else")
    rows = tshark(ers2_path, "erspan.version", "erspan.spanid", "erspan.index", "erspan.vlan", "erspan.truncated",
                  "gre.sequence_number", "ip.checksum.status", "ip.src", "ip.dst", "eth.dst", "frame.len")
    log(f"ERSPAN II, tshark: {rows}")
    check(len(rows) == n_a + 1 + n_b, f"ERSPAN II: one frame per copy of a's traffic ({len(rows)})")
    check(all(r[0] == "1" and r[1] == "100" and r[2] == "7" and r[3] == "10" for r in rows),
          "ERSPAN II: version 1, session 100, index 7, VLAN 10")
    check([int(r[5]) for r in rows] == list(range(len(rows))), "GRE sequence numbers 0, 1, 2, ... in order")
    check(all(r[6].split(",")[0] == "1" for r in rows), "outer IPv4 checksums are right (tshark: good)")
    check(all(r[7].startswith("192.0.2.1,") and r[8].startswith("192.0.2.2,") and r[9].startswith(NEXT_HOP + ",")
              for r in rows), "outer addresses: local-ip, remote-ip, next-hop MAC")
    inner_len = [int(r[10]) - (14 + 20 + 8 + 8) for r in rows]
    check(all(n <= 64 for n in inner_len) and all((r[4] == "1") == (n == 64) for r, n in zip(rows, inner_len)),
          "snaplen 64: longer frames cut to 64 bytes with the T bit set, shorter ones whole without it")
    # Cut to 64 bytes, the inner IPv4/UDP lengths exceed what is left: tshark warns about those and
    # only those (the ERSPAN, GRE and outer IPv4 layers are clean).
    warnings = expert_warnings(ers2_path)
    log(f"ERSPAN II expert warnings: {warnings}")
    inner = ("Bad length value", "IPv4 total length exceeds packet length (50 bytes)")  # 64 - 14 bytes of inner IPv4
    check(warnings and all(any(s in w for s in inner) for w in warnings),
          "tshark: no expert warning on the ERSPAN II capture but the truncated inner payload's")

    rows = tshark(ers3_path, "erspan.version", "erspan.spanid", "erspan.hw", "erspan.gra", "erspan.direction",
                  "erspan.vlan", "erspan.truncated", "gre.sequence_number", "ip.checksum.status", "erspan.timestamp",
                  "udp.payload")
    log(f"ERSPAN III, tshark: {[r[:9] for r in rows]}")
    check(len(rows) == n_a + 1 + n_b, "ERSPAN III: a's VLAN 10 traffic; c (VLAN 20) filtered out by vlans=10")
    check(all(r[0] == "2" and r[1] == "200" and r[2] == "5" and r[3] == "1" and r[5] == "10" and r[6] == "0"
              for r in rows), "ERSPAN III: version 2, session 200, hw-id 5, granularity 1, VLAN 10, not truncated")
    dirs = sorted(r[4] for r in rows)
    check(dirs.count("0") == n_a and dirs.count("1") == 1 + n_b, "direction: a's rx ingress (0), tx egress (1)")
    check([int(r[7]) for r in rows] == list(range(len(rows))), "GRE sequence numbers in order")
    check(all(r[8].split(",")[0] == "1" for r in rows), "outer IPv4 checksums right")
    stamps = [int(r[9]) for r in rows]
    check(all(b >= a for a, b in zip(stamps, stamps[1:])), "timestamps do not go backwards")
    check(expert_warnings(ers3_path) == [], "tshark: no expert warnings on the ERSPAN III capture")

    m = {x["name"]: x["counters"] for x in vswd.ctl("mirror", "show")["mirrors"]}
    log(f"counters: {m}")
    dead = m.pop("m-dead")
    check(dead["packets"] == 0 and dead["tx_dropped"] == 1 + n_b and dead["dropped"] == 1 + n_b,
          f"a session whose output is down drops and counts every copy ({dead['dropped']}); forwarding went on")
    check(m["m-span"]["packets"] == len(span) and m["m-rspan"]["packets"] == n_a and
          m["m-ers2"]["packets"] == n_a + 1 + n_b and m["m-ers2"]["truncated"] == sum(n == 64 for n in inner_len) and
          m["m-ers3"]["packets"] == n_a + 1 + n_b and all(c["dropped"] == 0 for c in m.values()),
          "per-session counters match what the analysers got, nothing dropped")
    check(vswd.port_stats("a")["tx_packets"] == 1 + n_b and vswd.port_stats("b")["tx_packets"] == n_a,
          "normal forwarding unchanged")
    check(vswd.mbufs_in_use() == 0, "no mbuf leaked (clones and header segments included)")

    vswd.ctl("mirror", "del", "m-rspan")
    vswd.stop()
    restarted = Vswd(work).start()
    names = [x["name"] for x in restarted.ctl("mirror", "show")["mirrors"]]
    check(names == ["m-span", "m-ers2", "m-ers3", "m-dead"], f"sessions persisted across a restart (m-rspan deleted): {names}")
    restarted.stop()


if __name__ == "__main__":
    run(test, "mirror")
