#!/usr/bin/python3
"""IPFIX export with fake guests and independent collectors. Guest a (VLAN 10) sends known flows
-- UDP, a TCP connection closed by FIN, ICMP echo, IPv6 UDP, a non-IP ethertype -- and a frame
with a bad tag; guest b answers one UDP flow. vswd exports to a loopback capture (decoded by
tshark), to nfdump's nfcapd, and to a port where nobody listens.

Checked: tshark decodes every message with no expert warning; sequence numbers follow RFC 7011
in every transport session; templates come first and again every template-interval; each flow's
packets, IP and L2 octets, VLAN (both IEs), MACs, ports, TCP flags and end reason (idle, end
detected, forced at shutdown and at `ipfix del`) are what was sent; the options records carry the
exporter statistics and the sampling; nfcapd agrees on sequence numbers (but for the options data
records it does not count, see below) and nfdump lists the same
flows; a refusing collector costs only its own messages (counted); bad settings are refused and
change nothing; the configuration persists; 1-in-3 sampling meters a third of the frames; a full
cache ends flows for lack of resources (reason 5) and still accounts for every frame."""
import json
import subprocess
import sys
import time

from flow_frames import a_flows, b_answer
from ipfix_collectors import Capture, Nfcapd, check_sequence_numbers
from vswtest import Dot1Q, Ether, FakeGuest, IP, Raw, UDP, Vswd, check, log, run, wait_until
from scapy.all import ICMP, IPv6, TCP  # noqa: E402

MAC = {"a": "02:00:00:00:00:0a", "b": "02:00:00:00:00:0b"}
PORTS = {"capture": 14739, "nfcapd": 14740, "refusing": 14741}
TWO_PMDS = "--two-pmds" in sys.argv  # a and b metered by different PMDs (two caches, two rings)
VSWD_ARGS = ["--pmd-cores", "1,1"] if TWO_PMDS else []


def l2(frame):
    return len(bytes(frame))


def ip_len(frame):
    return len(bytes(frame[IPv6])) if IPv6 in frame else len(bytes(frame[IP])) if IP in frame else 0


def a_frames():
    flows = a_flows(MAC["a"], MAC["b"])
    bad = [Ether(src=MAC["a"], dst=MAC["b"]) / Dot1Q(vlan=4095) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP() /
           Raw(b"bad")]
    return {**flows, "bad": bad}


def b_frames():
    return b_answer(MAC["b"], MAC["a"])


def expected(frames, reason):
    return {"packets": len(frames), "l2": sum(l2(f) for f in frames), "ip": sum(ip_len(f) for f in frames),
            "reason": reason}


def flow_id(rec):
    """A readable key of a decoded record: (src, dst, sport, dport, proto) or the ethertype."""
    src = rec.get("cflow.srcaddr") or rec.get("cflow.srcaddrv6")
    dst = rec.get("cflow.dstaddr") or rec.get("cflow.dstaddrv6")
    if src is None:
        return ("l2", int(rec["cflow.ethernet_type"], 0))
    return (src, dst, int(rec.get("cflow.srcport", 0)), int(rec.get("cflow.dstport", 0)), int(rec["cflow.protocol"]))


def flow_records(messages):
    return [r for m in messages for r in m["records"] if r["template"] in (256, 257, 258)]


def send(work, vswd, sock, name, frames, phase):
    g = FakeGuest(work, f"{name}{phase}", sock[name], True, frames)
    vswd.wait_port_state(name, "up")
    return g


def test(work):
    vswd = Vswd(work, extra=VSWD_ARGS).start()
    sock = {n: work.file(f"{n}.sock") for n in MAC}
    for n in MAC:
        vswd.ctl("add-port", n, "--socket", sock[n], "vlan-mode=access", "tag=10")
    ifindex = {n: vswd.port(n)["ifindex"] for n in MAC}
    if TWO_PMDS:
        check(sorted(vswd.port(n)["worker"] for n in MAC) == [0, 1], "a and b are polled by different PMDs")
    capture = Capture(work, PORTS["capture"])
    nfcapd = Nfcapd(work, PORTS["nfcapd"])
    collectors = [f"--collector=127.0.0.1:{p}" for p in PORTS.values()]

    # Bad settings: clear errors, nothing configured.
    for args, msg in [(["--collector=no-such-host.invalid:4739"], "cannot resolve"),
                      (["--collector=127.0.0.1:0"], "1-65535"),
                      (collectors[:1] + ["--idle-timeout=0"], "idle-timeout must be 1-86400"),
                      (collectors[:1] + ["--active-timeout=10", "--idle-timeout=20"], "must not exceed"),
                      (collectors[:1] + ["--cache-max=5"], "cache-max must be"),
                      (collectors[:1] + ["--sampling-mode=sometimes"], "deterministic or random"),
                      (["--sampling=2"], "give at least one collector")]:
        code, err = vswd.ctl_fail("ipfix", "set", *args)
        check(msg in err, f"ipfix set {' '.join(args)} refused: {err}")
    check(vswd.ctl("ipfix", "show") == {"enabled": False}, "refused settings configured nothing")
    code, err = vswd.ctl_fail("ipfix", "del")
    check("not configured" in err, "ipfix del without export: clear error")

    vswd.ctl("ipfix", "set", *collectors, "--obs-domain=42", "--idle-timeout=1", "--active-timeout=60",
             "--template-interval=2")
    fa = a_frames()
    fb = b_frames()
    order = fa["udp"] + fa["tcp"] + fa["icmp"] + fa["v6"] + fa["l2"] + fa["bad"]
    ga, gb = send(work, vswd, sock, "a", order, 1), send(work, vswd, sock, "b", fb, 1)
    ga.start()
    gb.start()
    want = {
        ("10.0.0.1", "10.0.0.2", 1000, 2000, 17): expected(fa["udp"], 1),
        ("10.0.0.1", "10.0.0.2", 40000, 80, 6): expected(fa["tcp"], 3),
        ("10.0.0.1", "10.0.0.2", 0, 0, 1): expected(fa["icmp"], 1),
        ("fd00::1", "fd00::2", 3000, 4000, 17): expected(fa["v6"], 1),
        ("l2", 0x88b5): expected(fa["l2"], 1),
        ("10.0.0.2", "10.0.0.1", 2000, 1000, 17): expected(fb, 1),
    }
    wait_until(lambda: vswd.ctl("ipfix", "show")["records"] >= len(want), 30, "the flows to end (idle timeout 1 s)")
    time.sleep(3)  # a template re-send (every 2 s) with nothing else to send
    show = vswd.ctl("ipfix", "show")
    log("vswctl ipfix show:\n" + vswd.ctl_text("ipfix", "show"))
    check(show["metered_packets"] == len(order) - 1 + len(fb) and show["ignored_packets"] == 1,
          f"every frame metered but the badly tagged one, which is counted ignored ({show['metered_packets']})")
    check(show["records"] == len(want) and show["lost_records"] == 0 and show["active_flows"] == 0,
          "six records, none lost, cache empty")
    cols = {c["collector"]: c for c in show["exporter"]["collectors"]}
    refusing = cols[f"127.0.0.1:{PORTS['refusing']}"]
    check(refusing["failed_messages"] > 0 and "refused" in refusing["error"],
          f"the collector nobody listens on: failed messages counted ({refusing['failed_messages']}), error shown")
    check(all(c["failed_messages"] == 0 for n, c in cols.items() if "refusing" not in n and str(PORTS["refusing"]) not in n),
          "the other collectors lost nothing")
    for g in (ga, gb):
        g.quit()

    # Shutdown: flows still in the cache leave as forced ends (reason 4) before vswd exits.
    vswd.ctl("ipfix", "set", "--idle-timeout=60")
    late = [Ether(src=MAC["b"], dst=MAC["a"]) / IP(src="10.0.0.2", dst="10.0.0.9") / UDP(sport=7, dport=9) /
            Raw(b"z" * 30) for _ in range(6)]
    gb = send(work, vswd, sock, "b", late, 2)
    gb.start()
    wait_until(lambda: vswd.ctl("ipfix", "show")["active_flows"] == 1, 20, "the late flow in the cache")
    gb.quit()
    check(vswd.stop() == 0, "vswd exported and stopped cleanly")
    want[("10.0.0.2", "10.0.0.9", 7, 9, 17)] = expected(late, 4)
    capture.stop()
    seq_errors = nfcapd.stop()

    messages = capture.decode()
    log(f"capture: {len(messages)} messages, {capture.datagrams} datagrams received")
    check(len(messages) == capture.datagrams and messages, "tshark decoded every datagram as an IPFIX message")
    check(capture.expert_warnings() == [], "tshark: no expert warnings (no unexpected sequence numbers)")
    problems = check_sequence_numbers(messages)
    check(problems == [], f"sequence numbers: data records sent before each message, per session {problems[:3]}")
    check(all(m["domain"] == 42 and m["length"] <= 1500 - 28 for m in messages), "observation domain 42; messages within the MTU")
    first_template = next(i for i, m in enumerate(messages) if m["templates"])
    first_data = next(i for i, m in enumerate(messages) if m["records"])
    check(first_template < first_data and sorted({t for m in messages for t in m["templates"]}) == [256, 257, 258, 259, 260, 261],
          "templates (IPv4, IPv6, L2, three options templates) before the first data")
    template_sends = sum(1 for m in messages if 256 in m["templates"])
    check(template_sends >= 3, f"templates re-sent every template-interval ({template_sends} times)")

    records = flow_records(messages)
    got = {}
    for r in records:
        got.setdefault(flow_id(r), []).append(r)
    log(f"flows decoded by tshark: {sorted(map(str, got))}")
    check(set(got) == set(want) and all(len(v) == 1 for v in got.values()), "one record per flow sent, no other")
    for fid, w in want.items():
        r = got[fid][0]
        octets = int(r.get("cflow.octets", 0))
        ok = (int(r["cflow.packets"]) == w["packets"] and int(r["cflow.layer2_octet_delta_count"]) == w["l2"] and
              (fid[0] == "l2" or octets == w["ip"]) and int(r["cflow.flow_end_reason"]) == w["reason"] and
              int(r["cflow.vlanid"]) == 10 and int(r["cflow.dot1q_vlan_id"]) == 10)
        check(ok, f"flow {fid}: {w['packets']} packets, {w['ip']} IP / {w['l2']} L2 octets, VLAN 10, end reason {w['reason']}"
                  f" (tshark: {r['cflow.packets']}, {octets}, {r['cflow.layer2_octet_delta_count']}, reason {r['cflow.flow_end_reason']})")
    udp = got[("10.0.0.1", "10.0.0.2", 1000, 2000, 17)][0]
    check(udp["cflow.srcmac"] == MAC["a"] and udp["cflow.dstmac"] == MAC["b"] and int(udp["cflow.inputint"]) == ifindex["a"]
          and int(udp["cflow.ethernet_type"], 0) == 0x0800, "MACs, ingress interface (vswctl show ifindex) and ethertype")
    tcp = got[("10.0.0.1", "10.0.0.2", 40000, 80, 6)][0]
    check(int(tcp["cflow.tcpflags"], 0) == 0x1b, f"TCP flags OR-ed: SYN|FIN|PSH|ACK ({tcp['cflow.tcpflags']})")
    icmp = got[("10.0.0.1", "10.0.0.2", 0, 0, 1)][0]
    check(int(icmp.get("cflow.icmp_type_code_ipv4", "0"), 0) == 0x0800, "ICMP type 8 code 0")
    stats = [r for m in messages for r in m["records"] if r["template"] == 259]
    sampling = [r for m in messages for r in m["records"] if r["template"] == 260]
    check(stats and int(stats[-1]["cflow.ignore_packets"]) == 1 and int(stats[-1]["cflow.notsent_flows"]) == 0,
          "exporter statistics options record: the ignored (badly tagged) frame, nothing unsent")
    check(sampling and all(int(r["cflow.sampling_packet_space"]) == 1 for r in sampling), "sampling options record: 1 in 1")
    names = {int(r["cflow.inputint"]): r["cflow.if_name"] for m in messages for r in m["records"] if r["template"] == 261}
    check(names == {ifindex["a"]: "a", ifindex["b"]: "b"}, f"interface-names options records map ingressInterface to ports ({names})")

    nf = nfcapd.flow_counts()
    log(f"nfdump: {nf}")
    # nfcapd 1.7 advances its expected sequence number by flow records only, while RFC 7011 counts
    # every data record, options data included (tshark and the check above agree with the RFC).
    # Both collectors got the same messages, so nfcapd must report exactly one "error" per
    # message with options data that another message followed -- except before the first flow
    # record, where nfcapd silently resynchronises -- and no other.
    first_flow = next(i for i, m in enumerate(messages) if any(r["template"] < 259 for r in m["records"]))
    options_then_more = sum(1 for m in messages[first_flow:-1] if any(r["template"] >= 259 for r in m["records"]))
    check(sum(seq_errors) == options_then_more,  # one count per file nfcapd wrote (it may rotate)
          f"nfcapd: sequence errors only where it skips options data records ({seq_errors} vs {options_then_more})")
    for fid, w in want.items():
        key = ("0.0.0.0", "0.0.0.0", 0, 0, 0) if fid[0] == "l2" else fid  # nfdump shows L2 flows without addresses
        check(nf.get(key) == (w["packets"], w["ip"]), f"nfdump lists flow {key}: {w['packets']} packets, {w['ip']} bytes ({nf.get(key)})")

    # Restart: the configuration persisted; 1-in-3 sampling; ipfix del ends (and exports) what is cached.
    capture = Capture(work, PORTS["capture"], name="ipfix-phase3")
    # A collector name that no longer resolves (DNS changed while vswd was down): vswd starts,
    # shows the error and keeps retrying; the other collectors are served.
    with open(vswd.state_path) as f:
        state = json.load(f)
    state["ipfix"]["collectors"] += ",no-such-host.invalid:4739"
    with open(vswd.state_path, "w") as f:
        json.dump(state, f)
    vswd = Vswd(work, extra=VSWD_ARGS).start()
    show = vswd.ctl("ipfix", "show")
    check(show["enabled"] and show["config"]["obs-domain"] == "42" and show["config"]["idle-timeout"] == "60",
          "the IPFIX configuration survived the restart")
    wait_until(lambda: any("cannot resolve" in c["error"] for c in vswd.ctl("ipfix", "show")["exporter"]["collectors"]),
               20, "the unresolvable collector's error in ipfix show")
    log("restored with a collector that does not resolve:\n" + vswd.ctl_text("ipfix", "show"))
    vswd.ctl("ipfix", "set", "--sampling=3", "--mtu=576", "--collector=127.0.0.1:%d" % PORTS["capture"])
    many = [Ether(src=MAC["a"], dst=MAC["b"]) / IP(src="10.0.0.1", dst="10.0.0.3") / UDP(sport=5, dport=6) /
            Raw(b"s" * 20) for _ in range(30)]
    ga = send(work, vswd, sock, "a", many, 3)
    ga.start()
    wait_until(lambda: vswd.port_stats("a")["rx_packets"] == 30, 20, "the sampled flow")
    ga.quit()
    show = vswd.ctl("ipfix", "show")
    check(show["metered_packets"] == 10 and show["not_sampled_packets"] == 20, "1 in 3: 10 of 30 frames metered")

    # A full cache: 1024 flows at most (a new size ends the cached flows first: forced end), then
    # 1500 flows of one frame each. Flows leave for lack of resources (reason 5) and every frame
    # is still in exactly one record.
    vswd.ctl("ipfix", "set", "--sampling=1", "--cache-max=1024")
    crowd = [Ether(src=MAC["a"], dst=MAC["b"]) / IP(src="10.1.0.1", dst="10.1.0.2") / UDP(sport=10000 + i, dport=7) /
             Raw(b"c" * 10) for i in range(1500)]
    ga = send(work, vswd, sock, "a", crowd, 4)
    ga.send("set fwd io retry")  # wait for room in the virtio ring rather than drop the burst
    ga.send("set burst tx delay 100 retry 10000")
    ga.start()
    wait_until(lambda: vswd.port_stats("a")["rx_packets"] == 30 + len(crowd), 30, "the crowd of flows")
    ga.quit()
    arrived = vswd.port_stats("a")["rx_packets"] - 30
    full = vswd.ctl("ipfix", "show")
    log(f"full cache: {full['active_flows']} flows cached of {full['cache_max']}, {full['evicted_flows']} evicted")
    check(full["active_flows"] <= 1024 and full["evicted_flows"] >= arrived - 1024 and full["lost_records"] == 0,
          f"the cache holds at most 1024 flows; {full['evicted_flows']} ended for lack of resources, none lost")
    vswd.ctl("ipfix", "del")
    check(vswd.ctl("ipfix", "show") == {"enabled": False}, "ipfix del: export off")
    check(vswd.stop() == 0, "vswd stops cleanly")
    capture.stop()
    messages = capture.decode()
    records = flow_records(messages)
    sampled = [r for r in records if r.get("cflow.dstaddr") == "10.0.0.3"]
    check(len(sampled) == 1 and int(sampled[0]["cflow.packets"]) == 10 and int(sampled[0]["cflow.flow_end_reason"]) == 4,
          "the new cache size ended the cached flow (10 sampled frames, forced end)")
    crowd_records = [r for r in records if r.get("cflow.dstaddr") == "10.1.0.2"]
    ports = sorted(int(r["cflow.srcport"]) for r in crowd_records)
    reasons = [int(r["cflow.flow_end_reason"]) for r in crowd_records]
    check(len(ports) == arrived and len(set(ports)) == arrived and all(10000 <= p < 10000 + len(crowd) for p in ports)
          and all(int(r["cflow.packets"]) == 1 for r in crowd_records),
          f"every one of the {arrived} flows that arrived in exactly one record with its one frame")
    check(reasons.count(5) == full["evicted_flows"] and reasons.count(4) == arrived - full["evicted_flows"],
          f"end reasons: {reasons.count(5)} lack of resources (5), the rest forced at ipfix del (4)")
    sampling = [r for m in messages for r in m["records"] if r["template"] == 260]
    check(any(int(r["cflow.sampling_packet_space"]) == 3 and int(r["cflow.selector_algorithm"]) == 1 for r in sampling)
          and int(sampling[-1]["cflow.sampling_packet_space"]) == 1,
          "sampling options records: systematic count-based 1 in 3, then 1 in 1 after the change")
    check(check_sequence_numbers(messages) == [] and capture.expert_warnings() == [], "sequence numbers and tshark clean")
    check(all(m["length"] <= 576 - 28 for m in messages), "after --mtu 576 every message fits 548 bytes")


if __name__ == "__main__":
    run(test, "ipfix" + ("-two-pmds" if TWO_PMDS else ""))
