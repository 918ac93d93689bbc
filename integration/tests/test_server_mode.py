#!/usr/bin/python3
"""vswd listens (vhost-user-server ports), QEMU connects as a client with reconnect=1: two guests
ping each other; after vswd is SIGKILLed and restarted, QEMU reconnects by itself and ping works
again. Bad input: a guest that never connects and a socket path that is taken."""
import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from qemu_guest import Guest, Nic, boot_all, build_image  # noqa: E402
from vswd_process import BUILD, Vswd, check, log, run, wait_until  # noqa: E402

NAMES = ["s1", "s2"]
IP = {"s1": "10.0.1.1", "s2": "10.0.1.2"}
MAC = {"s1": "52:54:00:00:01:01", "s2": "52:54:00:00:01:02"}


def test(work):
    image = build_image(os.path.join(BUILD, "guest-image"))
    vswd = Vswd(work).start()
    for n in NAMES:
        vswd.ctl("add-port", n, "--type", "vhost-user-server", "--socket", work.file(f"{n}.sock"))
    check(all(vswd.port(n)["state"] == "listening" for n in NAMES), "server ports listen before any guest")
    guests = {n: Guest(n, [Nic(work.file(f"{n}.sock"), MAC[n], mode="client")], work.path, image).start()
              for n in NAMES}
    boot_all(guests, {n: f"ip link set eth0 up && ip addr add {IP[n]}/24 dev eth0" for n in NAMES}, log=log)
    for n in NAMES:
        vswd.wait_port_state(n, "up")
    rc, out = guests["s1"].run(f"ping -c 3 -W 2 {IP['s2']}", timeout=30)
    check(rc == 0, "s1 pings s2 through server-mode ports (QEMU is the client)")

    vswd.stop(signal.SIGKILL)
    restart = time.monotonic()
    vswd = Vswd(work).start()
    for n in NAMES:
        vswd.wait_port_state(n, "up", timeout=30)  # QEMU reconnects (reconnect=1: every second)
    log(f"both guests reconnected {time.monotonic() - restart:.1f}s after the restart")
    rc, out = guests["s1"].run(f"ping -c 3 -W 2 {IP['s2']}", timeout=30)
    check(rc == 0 and all(g.alive() for g in guests.values()),
          "after a vswd SIGKILL + restart, QEMU reconnected and ping works, no guest restarted")

    # A socket path that is taken by something listening: a clear error, nothing added.
    taken = work.file("taken.sock")
    squatter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    squatter.bind(taken)
    squatter.listen(1)
    code, err = vswd.ctl_fail("add-port", "x", "--type", "vhost-user-server", "--socket", taken)
    check("taken" in err and vswd.port("x") is None, f"taken socket path refused: {err}")
    squatter.close()

    # A guest that never connects: the port waits (bounded by nothing), counts nothing, harms nobody.
    vswd.ctl("add-port", "ghost", "--socket", work.file("ghost.sock"))
    time.sleep(2)
    check(vswd.port("ghost")["state"] == "connecting", "a port whose guest never comes stays 'connecting'")
    rc, _ = guests["s2"].run(f"ping -c 2 -W 2 {IP['s1']}", timeout=30)
    check(rc == 0, "and the other guests are unaffected")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "e2e-server-mode")
