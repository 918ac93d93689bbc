#!/usr/bin/python3
"""sFlow v5 from vswd's PMD sampling and counter polling, checked by independent decoders.

Guests a, b and c are access ports of VLAN 10. Phase 1: a sends N unicast frames to b (every
tenth a broadcast) at sampling=100; each frame's IP id is its index, so the sampled headers show
which frames were taken. Phase 2: at sampling=1, c sends a short mix (unicast to a, broadcast, a
frame tagged with a VLAN the port does not carry), so that every frame is a sample.

Checked, from tshark's decode of every datagram: no expert warnings; datagram sequence numbers
count from 1 per collector; flow and counter sample sequences count per data source; the agent
address is the source address towards the collector (auto); samples x 100 is within 3 standard
deviations of N; each sample's sample_pool equals the frames port a received up to and including
it (the IP id + 1) and is never above vswctl's rx_packets; the extended switch record carries
VLAN 10; the output is b's ifIndex for unicast, "2 ports" for a flood, a discard for a dropped
frame (with no VLAN record); at sampling=1 every one of c's frames is sampled with
sample_pool = sequence. Counter samples name the ports and equal `vswctl stats` once traffic
stops. nfdump-sflow's sfcapd + nfdump and pmacct's sfacctd (JSON) decode the same flow. A TCP
collector and sampling=0 are refused; the settings persist and come back after a restart."""
import json
import subprocess
import time

from ipfix_collectors import Capture, Nfcapd, Pmacct
from vswtest import IP, FakeGuest, Vswd, check, log, run, wait_until
from scapy.all import UDP, Dot1Q, Ether, Raw, rdpcap  # noqa: E402

MAC = {"a": "02:00:00:00:00:0a", "b": "02:00:00:00:00:0b", "c": "02:00:00:00:00:0c"}
PORTS = {"tshark": 16343, "sfcapd": 16344, "sfacctd": 16345}
N = 10000
RATE = 100
BROADCAST = "ff:ff:ff:ff:ff:ff"


def phase1_frames():
    out = []
    for i in range(N):
        dst = BROADCAST if i % 10 == 9 else MAC["b"]
        out.append(Ether(src=MAC["a"], dst=dst) / IP(src="10.0.0.1", dst="10.0.0.2", id=i) /
                   UDP(sport=5000, dport=6000) / Raw(b"s" * 18))
    return out


def phase2_frames():
    """c's frames and what sFlow should say of each: (output format, value, vlan or None)."""
    frames, want = [], []
    for i in range(30):
        kind = i % 3
        if kind == 0:
            frames.append(Ether(src=MAC["c"], dst=MAC["a"]) / IP(src="10.0.0.3", dst="10.0.0.1", id=i) / UDP())
        elif kind == 1:
            frames.append(Ether(src=MAC["c"], dst=BROADCAST) / IP(src="10.0.0.3", dst="10.0.0.255", id=i) / UDP())
        else:
            frames.append(Ether(src=MAC["c"], dst=MAC["a"]) / Dot1Q(vlan=20) / IP(src="10.0.0.3", id=i) / UDP())
        want.append(kind)
    return frames, want


def decode(capture):
    """Every sFlow datagram tshark decoded, as {"sequence", "agent", "flows": [...], "counters": [...]}."""
    r = subprocess.run(["tshark", "-r", capture.pcap, "-d", f"udp.port=={capture.port},sflow", "-T", "json",
                        "--no-duplicate-keys", "-J", "sflow"], capture_output=True, text=True, check=True)
    out = []
    for pkt in json.loads(r.stdout or "[]"):
        s = pkt["_source"]["layers"]["sflow"]
        d = {"sequence": int(s["sflow_245.sequence_number"]), "agent": s.get("sflow_245.agent"),
             "flows": [], "counters": []}
        samples = []
        for value in s.values():  # a key that repeats holds a list
            samples += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]
        for sample in samples:
            if "sflow.flow_sample.sequence_number" in json.dumps(sample):
                d["flows"].append(flat(sample))
            elif "sflow.counters_sample.sequence_number" in json.dumps(sample):
                d["counters"].append(flat(sample))
        out.append(d)
    return out


def expert_warnings(capture):
    r = subprocess.run(["tshark", "-r", capture.pcap, "-d", f"udp.port=={capture.port},sflow", "-q", "-z",
                        "expert,warn"], capture_output=True, text=True, check=True)
    return "\n".join(line for line in r.stdout.splitlines() if line.strip() and not line.startswith("="))


def flat(tree, into=None):
    """A tshark JSON subtree as {field: [values...]} (fields may repeat)."""
    into = {} if into is None else into
    for k, v in tree.items():
        if isinstance(v, dict):
            flat(v, into)
        elif isinstance(v, list):
            for item in v:
                if isinstance(item, dict):
                    flat(item, into)
                else:
                    into.setdefault(k, []).append(item)
        else:
            into.setdefault(k, []).append(v)
    return into


def settled(vswd, port, want):
    """Waits until `port` has received `want` frames, or stopped receiving; its rx_packets."""
    last = -1
    for _ in range(60):
        now = vswd.ctl("stats", port)["ports"][0]["rx_packets"]
        if now >= want or now == last:
            return now
        last = now
        time.sleep(0.5)
    return last


def sfacctd(work, port):
    """pmacct's sFlow collector: flows by 5-tuple and input ifIndex."""
    return Pmacct(work, port, "sfacctd", "src_host, dst_host, src_port, dst_port, proto, in_iface",
                  lambda j: (j["ip_src"], j["ip_dst"], j["port_src"], j["port_dst"], j["ip_proto"], j["iface_in"]),
                  extra="sfacctd_renormalize: true\n")


def test(work):
    vswd = Vswd(work).start()
    sock, ifindex = vswd.add_guest_ports(MAC, "vlan-mode=access", "tag=10")

    code, err = vswd.ctl_fail("sflow", "set", f"collectors=tcp://127.0.0.1:{PORTS['tshark']}")
    check(code != 0 and "UDP" in err, f"a TCP collector is refused: {err}")
    code, err = vswd.ctl_fail("sflow", "set", f"collectors=127.0.0.1:{PORTS['tshark']}", "sampling=0")
    check(code != 0 and "sampling" in err, f"sampling=0 is refused: {err}")
    check(not vswd.ctl("sflow", "show")["enabled"], "nothing was configured by refused requests")

    cap = Capture(work, PORTS["tshark"], "sflow")
    sfcapd = Nfcapd(work, PORTS["sfcapd"], "sfcapd", program="sfcapd")
    pmacct = sfacctd(work, PORTS["sfacctd"])
    vswd.ctl("sflow", "set", ",".join(f"collectors=127.0.0.1:{PORTS['tshark']}" if i == 0 else f"127.0.0.1:{p}"
                                      for i, p in enumerate(PORTS.values())), f"sampling={RATE}", "polling=1")
    show = vswd.ctl("sflow", "show")
    check(show["agent_address"] == "127.0.0.1", f"the agent address is the source towards the collector: {show}")

    phase1 = phase1_frames()
    gb = FakeGuest(work, "b", sock["b"], True, [Ether(src=MAC["b"], dst=MAC["a"]) / IP() / UDP()])
    ga = FakeGuest(work, "a", sock["a"], True, phase1)
    frames2, want2 = phase2_frames()
    gc = FakeGuest(work, "c", sock["c"], True, frames2)
    for n in MAC:
        vswd.wait_port_state(n, "up")
    for g in (ga, gb, gc):  # a full virtio ring makes testpmd wait, not drop: N means N
        wait_until(g.ready, 60, f"fake guest {g.name} to finish starting")
        g.send("set fwd io retry")
        g.send("set burst tx delay 20 retry 100000")
    gb.start()
    wait_until(lambda: any(e["mac"] == MAC["b"] for e in vswd.ctl("fdb", "show")["entries"]), 10, "b to be learned")
    ga.start()
    time.sleep(1)
    received = settled(vswd, "a", N)
    log(f"a: {vswd.ctl('stats', 'a')['ports'][0]}")
    time.sleep(0.5)
    vswd.ctl("sflow", "set", "sampling=1")
    gc.start()
    wait_until(lambda: vswd.ctl("stats", "c")["ports"][0]["rx_packets"] >= len(frames2), 30, "c's frames")
    time.sleep(3)  # two counter polls after the last frame
    stats = {n: vswd.ctl("stats", n)["ports"][0] for n in MAC}
    log("vswctl sflow show:\n" + vswd.ctl_text("sflow", "show"))
    for g in (ga, gb, gc):
        g.quit()
    cap.stop()

    check(expert_warnings(cap) == "", "tshark decodes every datagram with no expert warning")
    datagrams = decode(cap)
    check([d["sequence"] for d in datagrams] == list(range(1, len(datagrams) + 1)),
          f"datagram sequence numbers count from 1 ({len(datagrams)} datagrams)")
    check(all(d["agent"] == "127.0.0.1" for d in datagrams), "every datagram names the agent")
    flows = [f for d in datagrams for f in d["flows"]]
    one = lambda f, k: int(f[k][0])  # noqa: E731
    of = {n: [f for f in flows if one(f, "sflow.flow_sample.source_id_index") == ifindex[n]] for n in MAC}
    fa, fc = of["a"], of["c"]
    check([one(f, "sflow.flow_sample.sequence_number") for f in fa] == list(range(1, len(fa) + 1)),
          "a's flow samples are numbered from 1 without a gap")
    check(received == N, f"a's {N} frames all reached vswd ({received})")
    sigma = (N / RATE * (1 - 1 / RATE)) ** 0.5
    check(abs(len(fa) - N / RATE) <= 3 * sigma,
          f"{len(fa)} samples x {RATE} is within 3 standard deviations ({3 * sigma:.1f} samples) of {N}")
    pools = [(one(f, "sflow.flow_sample.sample_pool"), int(f["ip.id"][0], 16)) for f in fa]
    check(all(pool == ident + 1 for pool, ident in pools),
          "each sample's sample_pool is the frames a received up to and including it (its IP id + 1)")
    check(all(one(f, "sflow.flow_sample.sampling_rate") == RATE and one(f, "sflow.flow_sample.dropped_packets") == 0
              for f in fa), "samples carry the rate and no drops")
    for f in fa:
        ident = int(f["ip.id"][0], 16)
        flood = ident % 10 == 9
        out = (one(f, "sflow.flow_sample.output_interface.format"), one(f, "sflow.flow_sample.output_interface_value"))
        check(out == ((2, 2) if flood else (0, ifindex["b"])), f"frame {ident}: output {out}", quiet=True)
        check(f["sflow_245.vlan.in"] == ["10"] and f["sflow_245.vlan.out"] == ["10"], "VLAN 10 in and out", quiet=True)
        check(one(f, "sflow_245.header.frame_length") == 64 and one(f, "sflow_245.header.sampled_header_length") == 60,
              "the whole 60-byte frame (64 with the FCS sFlow counts)", quiet=True)
    check(any(int(f["ip.id"][0], 16) % 10 == 9 for f in fa), "some samples were floods")
    log(f"{len(fa)} samples of a: outputs (b's ifIndex or 2 ports flooded) and VLANs as sent")

    check(len(fc) == len(frames2) and [one(f, "sflow.flow_sample.sample_pool") for f in fc] ==
          list(range(1, len(frames2) + 1)), "at sampling=1 every frame of c is a sample, sample_pool = its number")
    for f, kind in zip(fc, want2):
        out = (one(f, "sflow.flow_sample.output_interface.format"), one(f, "sflow.flow_sample.output_interface_value"))
        want = {0: (0, ifindex["a"]), 1: (2, 2), 2: (1, 256)}[kind]
        check(out == want and ("sflow_245.vlan.in" in f) == (kind != 2),
              f"c's frame kind {kind}: output {out}, VLAN record {'sflow_245.vlan.in' in f}", quiet=True)
    log("c's samples: unicast to a's ifIndex, floods to 2 ports, the VLAN-20 frame discarded without a VLAN record")

    counters = [c for d in datagrams for c in d["counters"]]
    by_port = {n: [c for c in counters if one(c, "sflow.counters_sample.source_id_index") == ifindex[n]] for n in MAC}
    for n in MAC:
        seqs = [one(c, "sflow.counters_sample.sequence_number") for c in by_port[n]]
        check(seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 3, f"{n}: {len(seqs)} counter samples numbered from 1")
        last = by_port[n][-1]
        s = stats[n]
        rx_drops = sum(v for k, v in s["drops"].items() if k not in ("port_down", "tx_full", "queue_full", "policed",
                                                                     "vxlan_over_mtu", "vxlan_unresolved"))
        got = (one(last, "sflow_245.ifinoct"), one(last, "sflow_245.ifinpkt"), one(last, "sflow_245.ifoutoct"),
               one(last, "sflow_245.ifoutpkt"), one(last, "sflow_245.ifindisc"))
        want = (s["rx_bytes"], s["rx_packets"], s["tx_bytes"], s["tx_packets"], rx_drops)
        check(got == want, f"{n}: the last counter sample {got} equals vswctl stats {want}")
    raw = b"".join(bytes(p[UDP].payload) for p in rdpcap(cap.pcap) if UDP in p)
    for n in MAC:  # record 1005 (port name): format, length 8, string length 1, the name padded
        record = bytes.fromhex("000003ed 00000008 00000001".replace(" ", "")) + n.encode() + b"\0\0\0"
        check(record in raw, f"counter samples carry port {n}'s name")

    sfcapd_errors = sfcapd.stop()
    check(sfcapd_errors == [] or sum(sfcapd_errors) == 0, f"sfcapd reports no sequence error: {sfcapd_errors}")
    packets = {}
    header = sfcapd.flows()[0].split(",")
    for line in sfcapd.flows()[1:]:
        row = dict(zip(header, line.split(",")))
        if row.get("ipkt", "").isdigit():
            packets[(row["sa"], row["da"])] = packets.get((row["sa"], row["da"]), 0) + int(row["ipkt"])
    log(f"nfdump over sfcapd's files: {packets}")
    check(packets.get(("10.0.0.1", "10.0.0.2")) == len(fa) * RATE,
          f"nfdump: a's flow is its {len(fa)} samples x {RATE} packets")
    check(sum(v for (src, _), v in packets.items() if src == "10.0.0.3") == len(frames2), "and c's frames, 1 each")

    wait_until(lambda: pmacct.flows(), 20, "sfacctd to print the flows")
    time.sleep(1.5)  # its next print
    pm = pmacct.flows()
    pmacct.stop()
    log(f"sfacctd: {pm}")
    # sfacctd counts the first sample as its sampling rate, each later one as the growth of
    # sample_pool since the one before.
    first_pool, last_pool = (int(fa[i]["sflow.flow_sample.sample_pool"][0]) for i in (0, -1))
    want = last_pool - first_pool + RATE
    check(pm.get(("10.0.0.1", "10.0.0.2", 5000, 6000, "udp", ifindex["a"])) == want,
          f"pmacct's sfacctd renormalises a's flow by sample_pool to {want} frames, on a's ifIndex")
    check(sum(v for k, v in pm.items() if k[0] == "10.0.0.3" and k[5] == ifindex["c"]) == len(frames2),
          "and counts c's frames on c's ifIndex")

    vswd.ctl("sflow", "set", "ports=a,c", "agent=192.0.2.1")
    check(vswd.stop() == 0, "vswd stops cleanly")
    state = json.load(open(vswd.state_path))
    check(state["sflow"]["ports"] == "a,c" and state["sflow"]["sampling"] == "1", f"the settings persist: {state['sflow']}")
    vswd.start()
    show = vswd.ctl("sflow", "show")
    check(show["enabled"] and show["agent_address"] == "192.0.2.1" and [p["name"] for p in show["ports"]] == ["a", "c"],
          "they come back after a restart")

    # A section this vswd cannot use is reported and kept, never lost.
    check(vswd.stop() == 0, "vswd stops")
    state["sflow"]["sampling"] = "zero"
    with open(vswd.state_path, "w") as f:
        json.dump(state, f)
    vswd.start()
    check(not vswd.ctl("sflow", "show")["enabled"] and "cannot restore sflow" in open(vswd.log_path).read(),
          "a bad sflow section: vswd starts without sFlow and says why")
    vswd.ctl("add-port", "d", "--socket", work.file("d.sock"))
    check(json.load(open(vswd.state_path))["sflow"] == state["sflow"], "the section is saved again as it was")
    vswd.ctl("sflow", "del")
    check("sflow" not in json.load(open(vswd.state_path)), "sflow del removes it")


if __name__ == "__main__":
    run(test, "sflow")
