#!/usr/bin/python3
"""The vsw demo: vswd switching between two real QEMU guests.

Starts a private vswd, boots two Linux guests (TCG) attached through vhost-user, shows them
pinging each other, captures vm2's ICMP frames into a pcapng file that tshark reads, runs
iperf3, prints `vswctl show` and `vswctl stats`, and cleans up
everything it started, whatever happens."""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from qemu_guest import Guest, GuestError, Nic, build_image  # noqa: E402
from vswd_process import BUILD, VSWCTL, Vswd, Workdir, kill_all, live_processes  # noqa: E402

GUESTS = {"vm1": ("10.10.0.1", "52:54:00:10:00:01"), "vm2": ("10.10.0.2", "52:54:00:10:00:02")}


def step(msg):
    print(f"\033[1m==>\033[0m {msg}", flush=True)


def detail(msg):
    print(f"    {msg}", flush=True)


def main():
    work = Workdir("demo")
    results = {}
    started = time.monotonic()
    try:
        step("Building the guest image (Debian kernel + busybox + iperf3; cached after the first run)")
        image = build_image(os.path.join(BUILD, "guest-image"))
        detail(f"kernel {image['kernel_version']}, initramfs {'built' if image['rebuilt'] else 'from cache'}")

        step("Starting vswd")
        vswd = Vswd(work, name="vswd-demo").start()
        detail(f"control socket {vswd.ctl_path}")
        for name in GUESTS:
            sock = work.file(f"{name}.sock")
            vswd.ctl("add-port", name, "--socket", sock)
            detail(f"vswctl add-port {name} --type vhost-user-client --socket {sock}")

        step("Booting two QEMU guests (software emulation: about 10-30 s)")
        boot = time.monotonic()
        guests = {n: Guest(n, [Nic(work.file(f"{n}.sock"), mac)], work.path, image).start()
                  for n, (_, mac) in GUESTS.items()}
        for n, g in guests.items():
            g.wait_ready(timeout=240)
            ip, mac = GUESTS[n]
            g.check(f"ip link set eth0 up && ip addr add {ip}/24 dev eth0")
            detail(f"{n} up {time.monotonic() - boot:.1f}s after QEMU started: eth0 {mac} {ip}/24")
        for n in GUESTS:
            vswd.wait_port_state(n, "up")

        step("vm1 pings vm2 through vswd")
        out = guests["vm1"].check(f"ping -c 5 {GUESTS['vm2'][0]}", timeout=60)
        for line in out.strip().splitlines()[-2:]:
            detail(line)
        m = re.search(r"(\d+) packets received", out)
        results["ping"] = f"{m.group(1) if m else '?'}/5 replies"

        step("vswctl capture vm2 -w vm2.pcapng --filter icmp --count 6, while vm1 pings vm2 3 times")
        pcapng = work.file("vm2.pcapng")
        cap = subprocess.Popen([VSWCTL, "--ctl", vswd.ctl_path, "capture", "vm2", "-w", pcapng, "--filter", "icmp",
                                "--count", "6"], stderr=subprocess.PIPE, text=True)
        live_processes.append(cap)
        detail(cap.stderr.readline().strip())  # "capturing port vm2 ...": the capture is running
        guests["vm1"].check(f"ping -c 3 {GUESTS['vm2'][0]}", timeout=60)
        cap.wait(timeout=30)
        detail(cap.stderr.read().strip())
        shown = subprocess.run(["tshark", "-r", pcapng, "-T", "fields", "-e", "frame.number", "-e",
                                "frame.packet_flags_direction", "-e", "ip.src", "-e", "ip.dst", "-e", "icmp.type"],
                               capture_output=True, text=True, timeout=60).stdout.splitlines()
        for line in shown:
            n, flags, src, dst, icmp = (line.split("\t") + [""] * 5)[:5]
            way = {1: "from vm2 (rx)", 2: "to vm2 (tx)"}.get(int(flags or "0", 0) & 3, "?")
            detail(f"tshark: frame {n}: {src} -> {dst} ICMP {'echo request' if icmp == '8' else 'echo reply'}, {way}")
        results["capture"] = f"{len(shown)} ICMP frames of vm2 in pcapng, read by tshark"

        step("iperf3: vm1 -> vm2, TCP, 5 seconds")
        guests["vm2"].check("iperf3 -s -D -1")
        time.sleep(0.5)
        out = guests["vm1"].check(f"iperf3 -c {GUESTS['vm2'][0]} -t 5 -f m", timeout=90)
        rate = re.findall(r"([\d.]+) Mbits/sec.*receiver", out)
        results["iperf3"] = f"{rate[-1]} Mbit/s" if rate else "?"
        detail(f"receiver: {results['iperf3']} (the guests are emulated, not the switch's limit)")

        step("vswctl show")
        print(vswd.ctl_text("show"), flush=True)
        step("vswctl stats")
        print(vswd.ctl_text("stats"), flush=True)
        step("vswctl fdb show")
        print(vswd.ctl_text("fdb", "show"), flush=True)

        stats = {p["name"]: p for p in vswd.ctl("stats")["ports"]}
        results["frames"] = ", ".join(f"{n} rx {stats[n]['rx_packets']} tx {stats[n]['tx_packets']}" for n in GUESTS)
        reasons = {}
        for p in stats.values():
            for reason, n in p["drops"].items():
                reasons[f"{p['name']} {reason}"] = n
        results["drops"] = str(sum(p["drops_total"] for p in stats.values())) + "".join(
            f", {k} {v}" for k, v in reasons.items() if v)
        pmd = vswd.ctl("stats")["pmds"][0]
        results["cycles/packet"] = f"{pmd['cycles_per_packet']:.0f}"
        vswd.stop()
    except (GuestError, AssertionError, OSError) as e:
        work.failed = True
        print(f"\ndemo failed: {e}", file=sys.stderr)
        return 1
    finally:
        for g in list(locals().get("guests", {}).values()):
            g.kill()
        kill_all()
        work.cleanup()

    step(f"Summary ({time.monotonic() - started:.0f}s; everything started has been stopped)")
    for k, v in results.items():
        detail(f"{k:14} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
