#!/usr/bin/python3
"""NetFlow v9 (RFC 3954) and v5 export from the flow cache IPFIX uses, checked by independent
decoders. Guest a (VLAN 10) sends known flows -- UDP, a TCP connection closed by FIN, ICMP echo,
IPv6 UDP, a non-IP ethertype -- and guest b answers one UDP flow; vswd exports them to
netflow9:// and netflow5:// collectors beside each other.

Checked: nfcapd/nfdump (one per version) list every IP flow the version can carry with exact
packet and IP byte counts and report 0 sequence errors; tshark's cflow dissector decodes every
packet with no expert warning, v9 sequence numbers count export packets and v5's count flows;
v9 carries the templates, the sampling options record and the interface names (source id = the
observation domain); v5 leaves out IPv6 and non-IP flows, v9 non-IP ones; pmacct's nfacctd, a
second independent decoder, sees the same v9 flows; softflowd, a reference exporter, run over a
pcap of the same frames (`softflowd -r FILE -v 9`), reports the same flows with the same packet
and byte counts; a collector of an unknown protocol is refused; the collectors persist."""
import json
import subprocess
import time

from flow_frames import a_flows, b_answer
from ipfix_collectors import Capture, Nfcapd, Pmacct
from vswtest import IP, FakeGuest, Vswd, check, log, run, wait_until
from scapy.all import IPv6, wrpcap  # noqa: E402

MAC = {"a": "02:00:00:00:00:0a", "b": "02:00:00:00:00:0b"}
PORTS = {"v9": 12055, "v5": 12056, "v9cap": 12057, "v5cap": 12058, "soft": 12059, "pmacct": 12060}


def ip_bytes(frames):
    return sum(len(bytes(f[IPv6])) if IPv6 in f else len(bytes(f[IP])) for f in frames)


def cflow_packets(capture):
    """Each NetFlow packet tshark decoded: its header fields and record count."""
    r = subprocess.run(["tshark", "-r", capture.pcap, "-d", f"udp.port=={capture.port},cflow", "-T", "fields",
                       "-e", "cflow.version", "-e", "cflow.sequence", "-e", "cflow.count", "-e", "cflow.source_id",
                       "-e", "cflow.template_id", "-e", "cflow.sampling_interval", "-e", "cflow.if_descr",
                       "-E", "separator=|", "-E", "aggregator=,"],
                       capture_output=True, text=True, check=True)
    out = []
    for line in r.stdout.splitlines():
        f = line.split("|")
        if not f[0]:
            continue
        out.append({"version": int(f[0]), "sequence": int(f[1]), "count": int(f[2]), "source_id": f[3],
                    "templates": f[4], "sampling": f[5], "names": f[6]})
    return out


def nfacctd(work, port):
    """pmacct's NetFlow collector: flows by 5-tuple (protocol as its number)."""
    def key(j):
        return (j["ip_src"], j["ip_dst"], j["port_src"], j["port_dst"],
                {"tcp": 6, "udp": 17, "icmp": 1}.get(j["ip_proto"], j["ip_proto"]))
    return Pmacct(work, port, "nfacctd", "src_host, dst_host, src_port, dst_port, proto", key)


def test(work):
    vswd = Vswd(work).start()
    sock, ifindex = vswd.add_guest_ports(MAC, "vlan-mode=access", "tag=10")
    nf9, nf5 = Nfcapd(work, PORTS["v9"], "nfcapd-v9"), Nfcapd(work, PORTS["v5"], "nfcapd-v5")
    cap9, cap5 = Capture(work, PORTS["v9cap"], "v9"), Capture(work, PORTS["v5cap"], "v5")
    pmacct = nfacctd(work, PORTS["pmacct"])

    code, err = vswd.ctl_fail("ipfix", "set", "--collector=netflow7://127.0.0.1:2055")
    check("netflow9://" in err and "netflow5://" in err, f"an unknown protocol is refused, naming the known ones: {err}")
    collectors = [f"--collector=netflow9://127.0.0.1:{PORTS['v9']}", f"--collector=netflow5://127.0.0.1:{PORTS['v5']}",
                  f"--collector=netflow9://127.0.0.1:{PORTS['v9cap']}",
                  f"--collector=netflow5://127.0.0.1:{PORTS['v5cap']}",
                  f"--collector=netflow9://127.0.0.1:{PORTS['pmacct']}"]
    vswd.ctl("ipfix", "set", *collectors, "--obs-domain=7", "--idle-timeout=1", "--active-timeout=60")
    show = vswd.ctl("ipfix", "show")
    check(show["config"]["collectors"].count("netflow9://") == 3 and "netflow5://127.0.0.1:12056" in
          show["config"]["collectors"], f"the collectors keep their protocol: {show['config']['collectors']}")

    flows = a_flows(MAC["a"], MAC["b"])
    udp, tcp, icmp, v6 = flows["udp"], flows["tcp"], flows["icmp"], flows["v6"]
    fb = b_answer(MAC["b"], MAC["a"])
    order = udp + tcp + icmp + v6 + flows["l2"]
    ga = FakeGuest(work, "a", sock["a"], True, order)
    gb = FakeGuest(work, "b", sock["b"], True, fb)
    for n in MAC:
        vswd.wait_port_state(n, "up")
    ga.start()
    gb.start()
    ipv4 = {("10.0.0.1", "10.0.0.2", 1000, 2000, 17): (len(udp), ip_bytes(udp)),
            ("10.0.0.1", "10.0.0.2", 40000, 80, 6): (len(tcp), ip_bytes(tcp)),
            ("10.0.0.1", "10.0.0.2", 0, 0, 1): (len(icmp), ip_bytes(icmp)),
            ("10.0.0.2", "10.0.0.1", 2000, 1000, 17): (len(fb), ip_bytes(fb))}
    ipv6 = {("fd00::1", "fd00::2", 3000, 4000, 17): (len(v6), ip_bytes(v6))}
    wait_until(lambda: vswd.ctl("ipfix", "show")["records"] >= 6, 30, "the flows to end (idle timeout 1 s)")
    time.sleep(2)  # the exporter's next cycles send them
    log("vswctl ipfix show:\n" + vswd.ctl_text("ipfix", "show"))
    stats = {c["collector"]: c for c in vswd.ctl("ipfix", "show")["exporter"]["collectors"]}
    check(all(c["failed_messages"] == 0 for c in stats.values()), "no collector lost a message")
    skipped = {c: s["skipped_records"] for c, s in stats.items()}
    check(all(n == (1 if c.startswith("netflow9") else 2) for c, n in skipped.items()),
          f"records a version cannot carry are counted per collector (v9: the L2 flow; v5: L2 and IPv6): {skipped}")
    ga.quit()
    gb.quit()

    seq9, seq5 = nf9.stop(), nf5.stop()
    check(seq9 and sum(seq9) == 0 and seq5 and sum(seq5) == 0, f"nfcapd: 0 sequence errors (v9 {seq9}, v5 {seq5})")
    got9, got5 = nf9.flow_counts(), nf5.flow_counts()
    log(f"nfdump v9: {got9}\nnfdump v5: {got5}")
    check(got9 == {**ipv4, **ipv6}, "nfdump lists every IP flow of v9 with exact packets and IP bytes (no L2 flow)")
    check(got5 == ipv4, "nfdump lists every IPv4 flow of v5 with exact packets and IP bytes (no IPv6, no L2)")

    cap9.stop()
    cap5.stop()
    check(cap9.expert_warnings() == [] and cap5.expert_warnings() == [], "tshark decodes both with no expert warning")
    p9, p5 = cflow_packets(cap9), cflow_packets(cap5)
    check(p9 and all(p["version"] == 9 and p["source_id"] == "7" for p in p9), "v9 packets, source id 7")
    check([p["sequence"] for p in p9] == list(range(len(p9))), "v9 sequence numbers count export packets from 0")
    check(any("256" in p["templates"] and "258" in p["templates"] for p in p9) and
          any(p["sampling"] == "1" for p in p9), "v9 templates and the sampling options record (1 in 1)")
    check(all(f"a" in p["names"] and "b" in p["names"] for p in p9 if p["names"]) and any(p["names"] for p in p9),
          f"v9 names the interfaces ({ifindex})")
    flows5 = 0
    for p in p5:
        check(p["version"] == 5 and p["sequence"] == flows5, f"v5 flow sequence {p['sequence']} = flows before ({flows5})")
        flows5 += p["count"]
    check(flows5 == len(ipv4), f"v5 sent {flows5} flow records, one per IPv4 flow")

    wait_until(lambda: len(pmacct.flows()) >= len(ipv4) + len(ipv6), 20, "nfacctd to print the flows")
    pm = pmacct.flows()
    pmacct.stop()
    check(pm == {k: v[0] for k, v in {**ipv4, **ipv6}.items()}, f"pmacct's nfacctd sees the same v9 flows: {pm}")

    # A reference exporter over the same frames: softflowd reading a pcap of them.
    pcap = work.file("same-traffic.pcap")
    wrpcap(pcap, order + fb)
    soft = Nfcapd(work, PORTS["soft"], "nfcapd-softflowd")
    subprocess.run(["softflowd", "-r", pcap, "-n", f"127.0.0.1:{PORTS['soft']}", "-v", "9", "-6", "-d",
                    "-p", work.file("softflowd.pid"), "-c", "none"],  # its control socket: not needed
                   capture_output=True, timeout=60, check=True)
    soft.stop()
    ref = soft.flow_counts()
    log(f"softflowd: {ref}")
    check(ref == got9, "softflowd exports the same flows with the same packet and byte counts")

    vswd.ctl("ipfix", "set", f"--collector=netflow5://127.0.0.1:{PORTS['v5']}")
    check(vswd.stop() == 0, "vswd stops cleanly")
    state = json.load(open(vswd.state_path))
    check(state["ipfix"]["collectors"] == f"netflow5://127.0.0.1:{PORTS['v5']}", "the collector persists")


if __name__ == "__main__":
    run(test, "netflow")
