#!/usr/bin/python3
"""ERSPAN checked by an independent decapsulator: a real Linux guest's own erspan devices (type II
and type III, with `seq`) receive the mirrored traffic of another guest. Every copy vswd counts
arrives on the device, and rx_fifo_errors (out-of-order or missing GRE sequence numbers) stays
at 0 -- the guest kernel, not vsw, judges the sequence numbers. The type III session has no
static next-hop MAC: vswd resolves it by ARP, answered by the guest's kernel."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from qemu_guest import Guest, Nic, boot_all, build_image  # noqa: E402
from vswd_process import BUILD, Vswd, check, log, run, wait_until  # noqa: E402

MAC = {"src": "52:54:00:00:e5:01", "analyser": "52:54:00:00:e5:02"}
IPROUTE2 = "/sbin/ip"  # iproute2 in the guest image: busybox's ip knows no erspan options
# --two-pmds: the source and the analyser are polled by different workers, so a session's copies
# are made on both; the sequence numbers must still arrive in order.
TWO_PMDS = "--two-pmds" in sys.argv


def counter(g, dev, name):
    return int(g.check(f"cat /sys/class/net/{dev}/statistics/{name}").strip())


def test(work):
    image = build_image(os.path.join(BUILD, "guest-image"))
    vswd = Vswd(work, extra=["--pmd-cores", "1,1"] if TWO_PMDS else []).start()
    for n in MAC:
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))
    common = ["sources=src", "output=analyser", "local-ip=192.0.2.1", "remote-ip=192.0.2.2"]
    vswd.ctl("mirror", "add", "ers2", "erspan=2", "session-id=100", "index=7", f"next-hop-mac={MAC['analyser']}", *common)
    vswd.ctl("mirror", "add", "ers3", "erspan=3", "session-id=200", "hw-id=5", *common)  # next hop by ARP
    guests = {n: Guest(n, [Nic(work.file(f"{n}.sock"), mac)], work.path, image).start() for n, mac in MAC.items()}
    decap = (f"ip addr add 192.0.2.2/24 dev eth0 && "
             f"{IPROUTE2} link add erspan1 type erspan seq key 100 local 192.0.2.2 remote 192.0.2.1 erspan_ver 1 erspan 7 && "
             f"{IPROUTE2} link add erspan2 type erspan seq key 200 local 192.0.2.2 remote 192.0.2.1 erspan_ver 2 && "
             "ip link set erspan1 up && ip link set erspan2 up")
    boot_all(guests, {"src": "ip link set eth0 up && ip addr add 10.0.0.1/24 dev eth0",
                      "analyser": f"ip link set eth0 up && ip addr add 10.0.0.2/24 dev eth0 && {decap}"}, log=log)
    for n in MAC:
        vswd.wait_port_state(n, "up")
    if TWO_PMDS:
        workers = {p["name"]: p["worker"] for p in vswd.ctl("show")["ports"]}
        check(workers["src"] != workers["analyser"], f"src and analyser are polled by different PMDs: {workers}")
    a = guests["analyser"]
    log(a.check(f"{IPROUTE2} -d link show erspan1; {IPROUTE2} -d link show erspan2"))
    ers3 = wait_until(lambda: next(m for m in vswd.ctl("mirror", "show")["mirrors"] if m["name"] == "ers3")
                      if "(arp)" in next(m for m in vswd.ctl("mirror", "show")["mirrors"] if m["name"] == "ers3")["next-hop"]
                      else None, 15, "ers3's next hop to be resolved by ARP")
    check(ers3["next-hop"] == f"{MAC['analyser']} (arp)",
          f"ERSPAN III next hop resolved by ARP: {ers3['next-hop']} after {ers3['arp']['requests']} request(s)")
    before_unresolved = ers3["counters"]["unresolved"]

    # Copies sent before the analyser had its erspan devices (boot, ARP) are not theirs to count:
    # compare what happens from here on.
    def sent_now():
        return {m["name"]: m["counters"]["packets"] for m in vswd.ctl("mirror", "show")["mirrors"]}

    devices = {"ers2": "erspan1", "ers3": "erspan2"}
    sent_before = sent_now()
    got_before = {s: counter(a, d, "rx_packets") for s, d in devices.items()}
    rc, out = guests["src"].run("ping -c 50 -i 0.05 -W 2 10.0.0.2", timeout=60)
    check(rc == 0, "src pings the analyser while both sessions copy src's traffic")
    # TCP both ways at once: data copied on src's worker, ACKs on the analyser's, concurrently.
    a.check("iperf3 -s -D -1")
    rc, out = guests["src"].run("iperf3 -c 10.0.0.2 -t 3 -f m", timeout=60)
    check(rc == 0, "iperf3 from src to the analyser while both sessions copy it: " +
          (out.strip().splitlines()[-3] if out.strip() else ""))
    # Wait until the devices' counters settle (the guest works through its backlog, the last
    # TCP segments are copied), then compare.
    def settled():
        first = [counter(a, d, "rx_packets") for d in devices.values()]
        time.sleep(1)
        return [counter(a, d, "rx_packets") for d in devices.values()] == first
    wait_until(settled, 30, "the erspan devices' counters to settle")
    mirrors = {m["name"]: m["counters"] for m in vswd.ctl("mirror", "show")["mirrors"]}
    log(f"vswd mirror counters: {mirrors}")
    for session, dev in devices.items():
        sent = mirrors[session]["packets"] - sent_before[session]
        got = counter(a, dev, "rx_packets") - got_before[session]
        fifo, errors = counter(a, dev, "rx_fifo_errors"), counter(a, dev, "rx_errors")
        log(f"{dev} ({session}): vswd sent {sent}, the device received {got}, rx_fifo_errors {fifo}, "
            f"guest eth0 rx_dropped {counter(a, 'eth0', 'rx_dropped')}")
        check(fifo == 0 and errors == 0,
              f"{dev}: rx_fifo_errors 0, rx_errors 0 over {got} frames: GRE sequence numbers in order")
        # Under TCG a loaded guest may drop frames itself before its tunnel sees them (eth0 backlog).
        check(sent >= 1000 and 0.9 * sent <= got <= sent,
              f"{dev} ({session}) received {got} of the {sent} copies vswd sent (pings, iperf3)")
    check(mirrors["ers3"]["unresolved"] == before_unresolved,
          f"no copy unresolved once the next hop was known ({before_unresolved} before); "
          f"copies dropped for a full guest ring, counted: {mirrors['ers2']['tx_dropped']}, {mirrors['ers3']['tx_dropped']}")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "e2e-mirror" + ("-two-pmds" if TWO_PMDS else ""))
