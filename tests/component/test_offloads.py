#!/usr/bin/python3
"""Guest offloads end to end with fake guests (testpmd virtio-user ports, whose virtio-net
headers carry TSO and partial checksums as a Linux guest's do). A sends large TCP frames (IPv4
and IPv6) with TSO (testpmd's csum engine: partial checksums, segment size 1448) to a MAC
nobody has: they are flooded. B negotiated GUEST_TSO and GUEST_CSUM and gets them as they are;
C negotiated nothing and gets MTU-sized segments whose checksums verify and whose payloads
concatenate to the original; a SPAN copy of A's frames is segmented as on a wire, and so are
ERSPAN II copies (F), which tshark decodes without an expert warning; an af_packet uplink (a
veth whose peer sits in a namespace, captured there with dumpcap) gets the segments too. E asks
for segments too large for the MTU: every one of its frames is dropped as bad_offload."""
import signal
import subprocess
import time

from vswtest import IP, Ether, FakeGuest, Raw, Vswd, check, log, peer_namespace, wait_until
from scapy.all import GRE, TCP, IPv6, rdpcap  # noqa: E402
from frame_checks import capture_in, checksums_ok, expert_warnings  # noqa: E402

A = "02:00:00:00:0a:01"
NOBODY = "02:00:00:00:ee:01"
MSS = 1400      # fits a 1500-byte MTU over IPv6 too (1448 would not: bad_offload)
PAYLOAD = 9000    # per large frame: 7 segments of MSS (net_pcap writes frames up to 9728 bytes)
FRAMES = 6        # large frames A sends: IPv4 and IPv6 in turn


def payload(i):
    return bytes((i + k) % 251 for k in range(PAYLOAD))


def large(i):
    l3 = IP(src="192.0.2.1", dst="192.0.2.2") if i % 2 == 0 else IPv6(src="2001:db8::1", dst="2001:db8::2")
    return Ether(src=A, dst=NOBODY) / l3 / TCP(sport=40000, dport=5201, seq=1000 + i * PAYLOAD, flags="PA") / \
        Raw(payload(i))


def test(work):
    with peer_namespace("02:00:00:00:0c:01") as (ns, host_if, peer_if):
        offloads(work, ns, host_if, peer_if)


def offloads(work, ns, host_if, peer_if):
    vswd = Vswd(work).start()
    for n in ("a", "b", "c", "d", "e", "f"):
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))
    vswd.ctl("add-port", "up0", "--type", "dpdk", "--devargs", f"net_af_packet0,iface={host_if}")
    vswd.ctl("mirror", "add", "m1", "sources=a", "direction=rx", "output=d")
    vswd.ctl("mirror", "add", "m2", "sources=a", "direction=rx", "erspan=2", "session-id=7", "output=f",
             "local-ip=192.0.2.1", "remote-ip=192.0.2.2", "next-hop-mac=02:00:00:00:0f:0f")
    uplink_pcap = work.file("uplink.pcap")
    dumpcap = capture_in(ns, peer_if, uplink_pcap)
    b = FakeGuest(work, "b", work.file("b.sock"), True, [], extra=["--max-pkt-len=9600"])
    # B's virtio port takes large frames (LRO: GUEST_TSO4/6) and partial checksums (GUEST_CSUM).
    for cmd in ("port stop all", "port config 0 rx_offload tcp_lro on", "port config 0 rx_offload scatter on",
                "port config 0 rx_offload tcp_cksum on", "port config 0 rx_offload udp_cksum on", "port start all"):
        b.send(cmd)
    c = FakeGuest(work, "c", work.file("c.sock"), True, [])
    d = FakeGuest(work, "d", work.file("d.sock"), True, [])
    f = FakeGuest(work, "f", work.file("f.sock"), True, [], extra=["--max-pkt-len=1600"])  # ERSPAN: +50
    a = FakeGuest(work, "a", work.file("a.sock"), True, [large(i) for i in range(FRAMES)],
                  )
    e = FakeGuest(work, "e", work.file("e.sock"), True, [large(i) for i in range(FRAMES)])
    # A's virtio port sends large frames (TSO: HOST_TSO4/6) with partial checksums (CSUM); E's
    # asks for 2000-byte segments, which no 1500-byte MTU holds.
    for g, mss in ((a, MSS), (e, 2000)):
        for cmd in ("port stop all", "port config 0 tx_offload multi_segs on", "csum set tcp hw 0",
                    f"tso set {mss} 0", "port start all", "set fwd csum"):
            g.send(cmd)
    for n in ("a", "b", "c", "d", "e", "f", "up0"):
        vswd.wait_port_state(n, "up")
    # testpmd renegotiates after the csum and TSO settings above (port stop / start).
    for n in ("a", "e"):
        wait_until(lambda: "host_tso4" in vswd.port(n)["features"], 20, f"{n} to negotiate TSO")
    wait_until(lambda: "guest_tso4" in vswd.port("b")["features"], 20, "B to negotiate GUEST_TSO")
    feats = {n: vswd.port(n)["features"] for n in ("a", "b", "c")}
    log(f"negotiated: {feats}")
    check("host_tso4" in feats["a"] and "host_tso6" in feats["a"] and "csum" in feats["a"],
          "A negotiated HOST_TSO4/6 and CSUM (it sends large frames)")
    check("guest_tso4" in feats["b"] and "guest_csum" in feats["b"], "B negotiated GUEST_TSO4 and GUEST_CSUM")
    check("guest_tso4" not in feats["c"] and "guest_csum" not in feats["c"], "C negotiated no offload")
    code, err = vswd.ctl_fail("set-port", "b", "offloads=off")
    check(code == 1 and "negotiated offloads" in err and "guest_tso4" in vswd.port("b")["features"],
          f"offloads=off is refused while B's guest holds them: {err.strip()}")
    for g in (b, c, d, f):
        g.start()
    a.start()
    wait_until(lambda: vswd.port_stats("a")["rx_packets"] >= FRAMES, 30, "vswd to receive A's frames")
    e.start()
    wait_until(lambda: vswd.port_stats("e")["rx_packets"] >= FRAMES, 30, "vswd to receive E's frames")
    got_b, got_c, got_d, got_f = b.quit(settle=2), c.quit(settle=2), d.quit(settle=2), f.quit(settle=2)
    time.sleep(1)
    dumpcap.send_signal(signal.SIGINT)
    dumpcap.wait(timeout=15)
    a.quit()
    e.quit()
    st = {n: vswd.port_stats(n) for n in ("a", "b", "c")}
    log(f"a rx {st['a']['rx_packets']} drops {st['a']['drops']}; b tx {st['b']['tx_packets']}; "
        f"c tx {st['c']['tx_packets']} (segments {st['c']['tx_segments']})")
    check(st["a"]["drops"].get("bad_offload", 0) == 0, "A's frames were all accepted")
    big = [p for p in got_b if len(bytes(p)) > 1518]
    check(len(big) == FRAMES and len(got_b) == FRAMES,
          f"B (GUEST_TSO) got the {FRAMES} large frames as they are: {len(got_b)} frames")
    check(sorted(bytes(p[TCP].payload) for p in big) == sorted(payload(i) for i in range(FRAMES)),
          "B's large frames carry their payloads intact")
    check(st["b"]["tx_segments"] == 0, "nothing was segmented for B")
    segments = FRAMES * -(-PAYLOAD // MSS)
    check(len(got_c) == segments and st["c"]["tx_segments"] == segments,
          f"C got {len(got_c)} segments ({segments} expected)")
    check(all(len(bytes(p)) <= 1514 for p in got_c), "every segment fits a 1500-byte MTU")
    check(all(checksums_ok(p) for p in got_c), "every segment's IP and TCP checksums verify")
    for i in range(FRAMES):
        seq0 = 1000 + i * PAYLOAD
        mine = sorted((p for p in got_c if seq0 <= p[TCP].seq < seq0 + PAYLOAD), key=lambda p: p[TCP].seq)
        data = b"".join(bytes(p[TCP].payload) for p in mine)
        check(data == payload(i), f"frame {i}: the segments' payloads concatenate to the original")
    check(len(got_d) == segments and all(len(bytes(p)) <= 1514 and checksums_ok(p) for p in got_d),
          f"the SPAN output got A's frames as on a wire: {len(got_d)} segments, checksums verify")
    ers = [p for p in got_f if GRE in p]
    check(len(ers) == segments and all(len(bytes(p)) <= 1514 + 50 for p in ers),
          f"ERSPAN II copies of A's frames, one per segment as on a wire: {len(ers)} of {segments}")
    # The copies alone, inner checksums checked; sequence analysis off (the capture interleaves
    # two flows' segments with their ERSPAN copies, which it would call out of order).
    ers_pcap = work.file("erspan.pcap")
    subprocess.run(["tshark", "-r", f.out_pcap, "-Y", "erspan", "-w", ers_pcap], check=True, capture_output=True)
    warnings = expert_warnings(ers_pcap, ["-o", "tcp.analyze_sequence_numbers:FALSE", "-o", "ip.check_checksum:TRUE",
                                          "-o", "tcp.check_checksum:TRUE"])
    check(warnings == [] and len(rdpcap(ers_pcap)) == segments,
          f"tshark decodes the {segments} ERSPAN copies of segments, inner checksums good, no expert warning: {warnings}")
    on_wire = [p for p in rdpcap(uplink_pcap) if TCP in p and p[TCP].dport == 5201]
    check(len(on_wire) == segments and all(len(bytes(p)) <= 1514 and checksums_ok(p) for p in on_wire)
          and vswd.port_stats("up0")["tx_segments"] == segments,
          f"the af_packet uplink sent A's frames as {len(on_wire)} MTU-sized segments whose checksums verify")
    st_e = vswd.port_stats("e")
    check(st_e["drops"].get("bad_offload", 0) == FRAMES and len(got_b) == FRAMES and len(got_c) == segments,
          f"E's segment size beyond the MTU: all {FRAMES} frames dropped as bad_offload, nothing delivered")
    # With its guest gone, B's port can drop offloads: the next guest is offered none.
    vswd.wait_port_state("b", "connecting", timeout=10)
    vswd.ctl("set-port", "b", "offloads=off")
    b2 = FakeGuest(work, "b2", work.file("b.sock"), True, [], extra=["--max-pkt-len=9600"])
    for cmd in ("port stop all", "port config 0 rx_offload tcp_lro on", "port config 0 rx_offload scatter on",
                "port start all"):
        b2.send(cmd)
    vswd.wait_port_state("b", "up")
    time.sleep(2)  # testpmd's port start with LRO asked for
    check("guest_tso4" not in vswd.port("b")["features"] and "csum" not in vswd.port("b")["features"],
          f"offloads=off: the next guest negotiated none ({vswd.port('b')['features']})")
    b2.quit()
    check(vswd.alive() and vswd.stop() == 0, "vswd survives and stops cleanly")


if __name__ == "__main__":
    from vswtest import run
    run(test, "offloads")
