#!/usr/bin/python3
"""A live migration on one host: guest gm moves from one QEMU (port m-src) to another (port
m-dst) on the same vswd, as libvirt's `virsh migrate` between two QEMU processes does, while its
peer gp pings it every 50 ms and streams 2.5 MiB into it over TCP.

During the migration rte_vhost logs every guest page vswd writes (the frames it delivers and the
used rings), so QEMU sends them again: a page missed would leave the destination with a frame
the ring calls received but whose bytes are stale, which the stream's MD5 catches (the guest
trusts vswd's checksum flags, so TCP would not). QEMU's RARP from the destination moves the MAC
to m-dst in the FDB; the source QEMU then exits and its port's entries go with it.
Checked: every byte arrives (size and MD5), the outage (lost pings x 50 ms) is under 1 s, the
MAC is at m-dst, gp reaches gm afterwards."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from guest_ping import BackgroundPing  # noqa: E402
from guest_stream import GuestStream  # noqa: E402
from qemu_guest import Guest, Nic, boot_all, build_image  # noqa: E402
from vswd_process import BUILD, Vswd, check, log, run, wait_until  # noqa: E402

MAC_M, MAC_P = "52:54:00:00:0b:01", "52:54:00:00:0b:02"
IP_M, IP_P = "10.0.11.1", "10.0.11.2"
PING_MS = 50
MIGRATION_PORT = 4467


def fdb_port(vswd, mac):
    return {e["mac"]: e["port"] for e in vswd.ctl("fdb", "show")["entries"] if e["vlan"] == 10}.get(mac)


def test(work):
    image = build_image(os.path.join(BUILD, "guest-image"))
    vswd = Vswd(work).start()
    for port in ("gp", "m-src", "m-dst"):
        vswd.ctl("add-port", port, "--socket", work.file(f"{port}.sock"), "vlan-mode=access", "tag=10")
    gm = Guest("gm", [Nic(work.file("m-src.sock"), MAC_M)], work.path, image).start()
    gp = Guest("gp", [Nic(work.file("gp.sock"), MAC_P)], work.path, image).start()
    boot_all({"gm": gm, "gp": gp}, {"gm": f"ip link set eth0 up && ip addr add {IP_M}/24 dev eth0",
                                    "gp": f"ip link set eth0 up && ip addr add {IP_P}/24 dev eth0"}, log=log)
    rc, out = gp.run(f"ping -c 3 -W 2 {IP_M}", timeout=60)
    check(rc == 0, f"gp pings gm before the migration:\n{out}")
    check(fdb_port(vswd, MAC_M) == "m-src", "gm's MAC is learned on m-src")

    dst_dir = work.file("gm-destination")
    os.makedirs(dst_dir, exist_ok=True)
    gm_dst = Guest("gm", [Nic(work.file("m-dst.sock"), MAC_M)], dst_dir, image,
                   incoming=f"tcp:127.0.0.1:{MIGRATION_PORT}").start()
    wait_until(lambda: vswd.port("m-dst")["state"] in ("negotiated", "up"), 60, "vswd to reach the waiting QEMU")
    ping = BackgroundPing(gp, IP_M, PING_MS).start()
    stream = GuestStream(gp, gm, IP_M).start()
    time.sleep(2)
    check(stream.received() > 0, "the stream into gm flows before the migration")
    info = gm.migrate(f"tcp:127.0.0.1:{MIGRATION_PORT}")
    log(f"migration: total {info.get('total-time')} ms, downtime {info.get('downtime')} ms, "
        f"{info.get('ram', {}).get('transferred', 0) >> 20} MiB sent")
    gm_dst.take_over(gm)
    wait_until(lambda: fdb_port(vswd, MAC_M) == "m-dst", 10, "gm's MAC to move to m-dst (QEMU's RARP)")
    gm.kill()  # the source QEMU ends, as libvirt ends it after a migration
    wait_until(lambda: vswd.port("m-src")["state"] != "up", 30, "m-src to go down with the source QEMU")
    check(fdb_port(vswd, MAC_M) == "m-dst", "gm's MAC stays at m-dst when the source's port goes down")

    got, intact, took = stream.wait(gm_dst)
    log(f"TCP stream across the migration: {got} of {stream.size} bytes in {took:.1f} s, MD5 "
        + ("matches" if intact else "differs"))
    check(got == stream.size and intact, f"the stream into gm arrives intact: {got} of {stream.size} bytes")
    sent, got_pings, summary = ping.wait()
    outage_ms = ping.outage_ms(sent, got_pings)
    log(f"ping across the migration: {summary} -> outage {outage_ms} ms")
    check(got_pings >= sent - 20, f"the outage is under 1 s: {outage_ms} ms ({sent - got_pings} of {sent} lost)")
    rc, out = gp.run(f"ping -c 3 -W 2 {IP_M}", timeout=60)
    check(rc == 0, "gp reaches gm after the migration")
    for g in (gm_dst, gp):
        g.kill()
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "e2e-migration")
