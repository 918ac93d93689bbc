#!/usr/bin/python3
"""Three real QEMU guests (Linux, virtio-net) on vswd: ping between every pair, ARP broadcast
reaching all, iperf3 TCP, counters that agree with the guests' own, vswd SIGKILLed and restarted
under running guests, and a guest killed while the others keep working."""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from qemu_guest import Guest, Nic, boot_all, build_image  # noqa: E402
from vswd_process import BUILD, Vswd, check, log, run, wait_until  # noqa: E402

NAMES = ["g1", "g2", "g3"]
IP = {n: f"10.0.0.{i + 1}" for i, n in enumerate(NAMES)}
MAC = {n: f"52:54:00:00:00:{i + 1:02x}" for i, n in enumerate(NAMES)}


def guest_counters(g):
    out = g.check("cat /sys/class/net/eth0/statistics/rx_packets /sys/class/net/eth0/statistics/tx_packets")
    rx, tx = (int(x) for x in out.split())
    return rx, tx


def counters_agree(vswd, guests):
    """vswd's rx of a port equals the guest's tx and vice versa, over a quiet period: read the
    guests before and after vswd and accept only a stable reading."""
    for _ in range(10):
        before = {n: guest_counters(g) for n, g in guests.items()}
        stats = {p["name"]: p for p in vswd.ctl("stats")["ports"]}
        after = {n: guest_counters(g) for n, g in guests.items()}
        if before != after:
            continue  # something (ARP refresh) moved during the reading: read again
        return all(stats[n]["rx_packets"] == before[n][1] and stats[n]["tx_packets"] == before[n][0]
                   for n in guests), stats, before
    return False, stats, before


def ping(g, ip, count=3):
    rc, out = g.run(f"ping -c {count} -W 2 {ip}", timeout=30)
    return rc == 0, out


def test(work):
    image = build_image(os.path.join(BUILD, "guest-image"))
    log(f"guest image: {image['initramfs']} ({'rebuilt' if image['rebuilt'] else 'cached'}), kernel {image['kernel_version']}")
    vswd = Vswd(work).start()
    for n in NAMES:
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))  # QEMU listens, vswd connects
    guests = {n: Guest(n, [Nic(work.file(f"{n}.sock"), MAC[n])], work.path, image).start() for n in NAMES}
    boot_all(guests, {n: f"ip link set eth0 up && ip addr add {IP[n]}/24 dev eth0" for n in NAMES}, log=log)
    for n in NAMES:
        vswd.wait_port_state(n, "up")
    show = vswd.ctl_text("show")
    log("vswctl show:\n" + show)

    # Every pair pings (the first ping of a pair also resolves ARP through a flood).
    for a in NAMES:
        for b in NAMES:
            if a != b:
                ok, out = ping(guests[a], IP[b])
                check(ok, f"{a} pings {b}")
    fdb = {e["mac"]: e["port"] for e in vswd.ctl("fdb", "show")["entries"]}
    check(all(fdb.get(MAC[n]) == n for n in NAMES), "every guest's MAC learned on its port")

    # ARP broadcast reaches all: g1 asks for an address nobody has; g2 and g3 must see each request.
    rx_before = {n: guest_counters(guests[n])[0] for n in ("g2", "g3")}
    guests["g1"].run("arping -c 5 -w 6 -I eth0 10.0.0.200", timeout=30)
    rx_after = {n: guest_counters(guests[n])[0] for n in ("g2", "g3")}
    check(all(rx_after[n] - rx_before[n] >= 5 for n in rx_before),
          f"g1's 5 ARP broadcasts reached g2 and g3 (rx +{rx_after['g2'] - rx_before['g2']}, +{rx_after['g3'] - rx_before['g3']})")

    # iperf3 TCP between two guests.
    guests["g2"].check("iperf3 -s -D -1")
    time.sleep(0.5)
    out = guests["g1"].check(f"iperf3 -c {IP['g2']} -t 3 -f m", timeout=60)
    rates = re.findall(r"([\d.]+) Mbits/sec.*receiver", out)
    check(rates and float(rates[-1]) > 0, f"iperf3 g1 -> g2: {rates[-1] if rates else '?'} Mbit/s (TCG guests)")
    print(f"IPERF3_MBITS {rates[-1]}", flush=True)

    # Counters agree with what the guests sent and received.
    agree, stats, seen = counters_agree(vswd, guests)
    log("vswd rx/tx vs guest tx/rx: " + ", ".join(
        f"{n} {stats[n]['rx_packets']}/{stats[n]['tx_packets']} vs {seen[n][1]}/{seen[n][0]}" for n in NAMES))
    check(agree, "vswd's per-port counters equal the guests' own")

    # vswd SIGKILLed and restarted: ports come back from the state file, guests reconnect.
    guests["g1"].check(f"ping -i 0.2 {IP['g2']} > /tmp/ping.log 2>&1 &")
    vswd.stop(signal.SIGKILL)
    time.sleep(1)
    replies_down = guests["g1"].check("grep -c 'bytes from' /tmp/ping.log || true").strip()
    restart = time.monotonic()
    vswd = Vswd(work).start()
    ready = time.monotonic() - restart
    check({p["name"] for p in vswd.ctl("show")["ports"]} == set(NAMES), "ports restored from the state file")

    def replies():
        return int(guests["g1"].check("grep -c 'bytes from' /tmp/ping.log || true").strip() or 0)

    base = replies()
    wait_until(lambda: replies() > base, 20, "ping replies after the restart")
    recovered = time.monotonic() - restart
    log(f"vswd answered {ready:.2f}s after restart; ping flowed again {recovered:.2f}s after restart "
        f"(replies before restart {replies_down})")
    check(recovered <= 2.0 + 0.5, f"ping works again within 2 s of the restart (+0.5 s to read the guest): {recovered:.2f}s")
    check(all(g.alive() for g in guests.values()), "no guest was restarted")
    guests["g1"].run("kill %1; killall ping", timeout=10)

    # A guest killed: its port goes down, the others keep working.
    guests["g3"].kill()
    vswd.wait_port_state("g3", "connecting")
    ok, _ = ping(guests["g1"], IP["g2"])
    check(ok and vswd.alive(), "g3 killed: its port is down, g1 still pings g2, vswd runs")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "e2e-guests")
