#!/usr/bin/python3
"""IPFIX with real guests: two QEMU guests in VLAN 10 ping each other and run iperf3 TCP while
vswd exports to a loopback capture (decoded by tshark) and to nfcapd. Checked: the ping flows
carry exactly the echo requests and replies sent (count and IP length), the iperf3 data
control connection ends with FIN (reason 3), the data connection is one record; and the books close:
for each guest port, the packets and L2 octets of every record vswd exported with that ingress
interface add up to the port's rx counters (every frame metered, none lost). tshark: no expert
warning, sequence numbers per RFC 7011; nfdump lists the ping flows with the same counts."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from ipfix_collectors import Capture, Nfcapd, check_sequence_numbers  # noqa: E402
from qemu_guest import Guest, Nic, boot_all, build_image  # noqa: E402
from vswd_process import BUILD, Vswd, check, log, run, wait_until  # noqa: E402

NAMES = ["g1", "g2"]
IP = {"g1": "10.0.0.1", "g2": "10.0.0.2"}
MAC = {"g1": "52:54:00:00:10:01", "g2": "52:54:00:00:10:02"}
PINGS, PING_SIZE = 7, 100  # ICMP payload bytes: IP length 128


def test(work):
    image = build_image(os.path.join(BUILD, "guest-image"))
    vswd = Vswd(work).start()
    for n in NAMES:
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"), "vlan-mode=access", "tag=10")
    ifindex = {n: vswd.port(n)["ifindex"] for n in NAMES}
    capture = Capture(work, 15739)
    nfcapd = Nfcapd(work, 15740)
    # Before the guests exist: every frame they ever send is metered.
    vswd.ctl("ipfix", "set", "--collector=127.0.0.1:15739", "--collector=127.0.0.1:15740", "--obs-domain=7",
             "--idle-timeout=2", "--active-timeout=30")
    # NIC offloads off: this test holds IPFIX packet counts against vswd's frame counters, and a
    # TSO frame is one frame but several IPFIX packets (component-offloads checks those).
    guests = {n: Guest(n, [Nic(work.file(f"{n}.sock"), MAC[n], offloads=False)], work.path, image).start()
              for n in NAMES}
    boot_all(guests, {n: f"ip link set eth0 up && ip addr add {IP[n]}/24 dev eth0" for n in NAMES}, log=log)
    for n in NAMES:
        vswd.wait_port_state(n, "up")

    rc, out = guests["g1"].run(f"ping -c {PINGS} -s {PING_SIZE} -i 0.3 {IP['g2']}", timeout=60)
    check(rc == 0 and f"{PINGS} packets received" in out, f"g1 pings g2 {PINGS} times")
    guests["g2"].check("iperf3 -s -D -1")
    time.sleep(0.5)
    out = guests["g1"].check(f"iperf3 -c {IP['g2']} -t 2 -f m", timeout=60)
    rates = re.findall(r"([\d.]+) Mbits/sec.*receiver", out)
    check(bool(rates), f"iperf3 g1 -> g2 ran ({rates[-1] if rates else '?'} Mbit/s)")
    time.sleep(1)
    for g in guests.values():  # no frame after this point
        g.kill()
    time.sleep(0.5)
    rx = {p["name"]: p for p in vswd.ctl("stats")["ports"]}
    show = vswd.ctl("ipfix", "show")
    log("vswctl ipfix show:\n" + vswd.ctl_text("ipfix", "show"))
    vswd.ctl("ipfix", "del")  # the rest of the cache: forced end, exported before this returns
    check(vswd.stop() == 0, "vswd stops cleanly")
    capture.stop()
    nfcapd.stop()

    messages = capture.decode()
    check(len(messages) == capture.datagrams, f"tshark decoded all {len(messages)} messages")
    check(capture.expert_warnings() == [], "tshark: no expert warnings")
    check(check_sequence_numbers(messages) == [], "sequence numbers per RFC 7011 in every session")
    records = [r for m in messages for r in m["records"] if r["template"] in (256, 257, 258)]
    log(f"{len(records)} flow records")
    check(show["lost_records"] == 0 and show["ignored_packets"] == 0, "nothing lost or ignored")
    for n in NAMES:
        mine = [r for r in records if int(r["cflow.inputint"]) == ifindex[n]]
        packets = sum(int(r["cflow.packets"]) for r in mine)
        octets = sum(int(r["cflow.layer2_octet_delta_count"]) for r in mine)
        check(packets == rx[n]["rx_packets"] and octets == rx[n]["rx_bytes"],
              f"{n}: the records of its ingress add up to its rx counters ({packets} packets, {octets} bytes; "
              f"vswd {rx[n]['rx_packets']}, {rx[n]['rx_bytes']})")
        check(all(int(r["cflow.vlanid"]) == 10 and int(r["cflow.dot1q_vlan_id"]) == 10 for r in mine), f"{n}: VLAN 10 in every record")

    def icmp(src, dst, type_code):
        return [r for r in records if r.get("cflow.srcaddr") == IP[src] and r.get("cflow.dstaddr") == IP[dst]
                and int(r["cflow.protocol"]) == 1 and int(r.get("cflow.icmp_type_code_ipv4", "0"), 0) == type_code]

    for src, dst, tc, what in (("g1", "g2", 0x0800, "echo requests"), ("g2", "g1", 0x0000, "echo replies")):
        rs = icmp(src, dst, tc)
        check(sum(int(r["cflow.packets"]) for r in rs) == PINGS and
              sum(int(r["cflow.octets"]) for r in rs) == PINGS * (PING_SIZE + 28),
              f"{what} {src} -> {dst}: {PINGS} packets of {PING_SIZE + 28} IP bytes")
    data = [r for r in records if r.get("cflow.srcaddr") == IP["g1"] and int(r.get("cflow.dstport", 0)) == 5201
            and int(r["cflow.protocol"]) == 6]
    log("g1 -> port 5201 records: " + "; ".join(
        f"sport {r['cflow.srcport']} packets {r['cflow.packets']} flags {r['cflow.tcpflags']} reason {r['cflow.flow_end_reason']}"
        for r in data))
    # iperf3 opens a control connection and a data connection to port 5201. The control one
    # closes with FIN while the guests run: end detected (3), FIN among its flags. The data
    # connection's FIN may still be queued behind unsent data when the guests are killed; its
    # frames are then all in one record, ended by `ipfix del` (4).
    fin_ended = [r for r in data if int(r["cflow.flow_end_reason"]) == 3]
    check(fin_ended and all(int(r["cflow.tcpflags"], 0) & 0x05 for r in fin_ended),
          "a connection that sent FIN ended with it: end reason 3")
    biggest = max(data, key=lambda r: int(r["cflow.packets"]))
    check(int(biggest["cflow.tcpflags"], 0) & 0x02 and int(biggest["cflow.packets"]) > 1000,
          f"the data connection, SYN included, is in one record ({biggest['cflow.packets']} packets)")

    flows = nfcapd.flows()
    header = flows[0].split(",")
    nf = [dict(zip(header, line.split(","))) for line in flows[1:]]
    req = [f for f in nf if f["sa"] == IP["g1"] and f["da"] == IP["g2"] and f["pr"] == "ICMP" and f["dp"] in ("2048", "8.0")]
    check(sum(int(f["ipkt"]) for f in req) == PINGS and sum(int(f["ibyt"]) for f in req) == PINGS * (PING_SIZE + 28),
          f"nfdump lists g1's echo requests with the same counts ({[(f['ipkt'], f['ibyt']) for f in req]})")


if __name__ == "__main__":
    run(test, "e2e-ipfix")
