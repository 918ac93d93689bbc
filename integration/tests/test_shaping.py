#!/usr/bin/python3
"""Per-VM bandwidth with real guests and TCP: iperf3 from a guest limited to 50 Mbit/s on guest
TX reports 45-52 Mbit/s while vswd drops nothing (backpressure, not policing); a guest limited on
guest RX gets its rate within 5% (as TCP goodput of an L2 rate)."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from qemu_guest import Guest, Nic, boot_all, build_image  # noqa: E402
from vswd_process import BUILD, Vswd, check, log, run  # noqa: E402

IP = {"q1": "10.0.5.1", "q2": "10.0.5.2"}
MAC = {"q1": "52:54:00:00:05:01", "q2": "52:54:00:00:05:02"}


def iperf(client, server_ip, seconds=5):
    out = client.check(f"iperf3 -c {server_ip} -t {seconds} -f m", timeout=seconds + 60)
    rates = re.findall(r"([\d.]+) Mbits/sec.*receiver", out)
    return float(rates[-1]) if rates else 0.0


def test(work):
    image = build_image(os.path.join(BUILD, "guest-image"))
    vswd = Vswd(work).start()
    for n in IP:
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))
    guests = {n: Guest(n, [Nic(work.file(f"{n}.sock"), MAC[n])], work.path, image).start() for n in IP}
    boot_all(guests, {n: f"ip link set eth0 up && ip addr add {IP[n]}/24 dev eth0" for n in IP}, log=log)
    for n in IP:
        vswd.wait_port_state(n, "up")
    guests["q2"].check("iperf3 -s -D")
    time.sleep(0.5)
    free = iperf(guests["q1"], IP["q2"], 3)
    log(f"unlimited: {free:.0f} Mbit/s")

    vswd.ctl("set-port", "q1", "tx-rate=50M")
    before = vswd.port_stats("q1")["drops_total"]
    got = iperf(guests["q1"], IP["q2"])
    st = vswd.port_stats("q1")
    print(f"SHAPED_TX_MBITS {got}", flush=True)
    check(45 <= got <= 52, f"q1 limited to 50 Mbit/s on guest TX: iperf3 reports {got:.1f} Mbit/s (45-52)")
    check(st["drops_total"] == before, "vswd dropped nothing: the guest was slowed by backpressure")
    check(st["tx_shaping"]["throttled_rounds"] > 0, f"q1's TX ring was throttled ({st['tx_shaping']['throttled_rounds']} rounds)")
    vswd.ctl("set-port", "q1", "tx-rate=none")

    vswd.ctl("set-port", "q2", "rx-rate=30M")
    got = iperf(guests["q1"], IP["q2"])
    print(f"SHAPED_RX_MBITS {got}", flush=True)
    # vsw counts L2 frame bytes (as tc does); iperf3 reports TCP goodput: 1448 payload bytes per
    # 1514-byte frame (TCP timestamps on), so a precise 30 Mbit/s shaper yields 28.7 Mbit/s.
    expected = 30 * 1448 / 1514
    check(abs(got - expected) <= 0.05 * expected,
          f"q2 limited to 30 Mbit/s on guest RX: iperf3 reports {got:.1f} Mbit/s goodput, {expected:.1f} expected (within 5%)")
    check(all(g.alive() for g in guests.values()), "no guest restarted for any change")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "e2e-shaping")
