#!/usr/bin/python3
"""vhost-user port states: a port whose frontend is connected and has done its vhost-user
handshake, but whose guest driver has not started the device (no DRIVER_OK: a guest still
booting, or one without a virtio-net driver), is `negotiated`, not `connecting` or `listening`
as a port nobody is on; `vswctl show`, its JSON, Prometheus and DPDK telemetry say so alike.
The frontend here is a Python one that says what QEMU says before the guest's driver starts
(features and protocol features, SET_OWNER), then what it says at the start (SET_FEATURES)."""
import socket
import struct
import subprocess
import time
import urllib.request

from vswtest import VSWCTL, Vswd, check, free_port, log, run, wait_until
from vhost_user_frontend import (GET_FEATURES, GET_PROTOCOL_FEATURES, SET_FEATURES, SET_OWNER,
                                 SET_PROTOCOL_FEATURES, VIRTIO_F_VERSION_1, Frontend)  # noqa: E402

from test_telemetry import telemetry  # noqa: E402  (DPDK's dpdk-telemetry.py client)


def qemu_before_driver_ok(f):
    """What QEMU's vhost-user netdev sends when it connects, long before the guest driver runs."""
    f.get_u64(GET_FEATURES)
    protocol = f.get_u64(GET_PROTOCOL_FEATURES)
    f.request(SET_PROTOCOL_FEATURES, struct.pack("<Q", protocol))
    f.request(SET_OWNER)
    return protocol


def metric(port, name, labels):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    want = name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
    for line in text.splitlines():
        if line.startswith(want + " "):
            return float(line.split()[-1])
    return None


def test(work):
    metrics_port = free_port()
    vswd = Vswd(work, extra=["--metrics-listen", f"127.0.0.1:{metrics_port}"]).start()
    srv_sock, cli_sock = work.file("srv.sock"), work.file("cli.sock")
    vswd.ctl("add-port", "srv", "--type", "vhost-user-server", "--socket", srv_sock)
    vswd.ctl("add-port", "cli", "--socket", cli_sock)
    check(vswd.port("srv")["state"] == "listening" and vswd.port("cli")["state"] == "connecting",
          "nobody there yet: srv listening, cli connecting")

    # srv: our frontend connects to vswd's socket, as QEMU with reconnect=1.
    f = Frontend.connect(srv_sock)
    protocol = qemu_before_driver_ok(f)
    vswd.wait_port_state("srv", "negotiated", timeout=5)
    p = vswd.port("srv")
    check(p["protocol_features_hex"] == protocol and p["features_hex"] == 0,
          f"negotiated: protocol features {p['protocol_features_hex']:#x} agreed, no virtio features yet")
    # cli: vswd connects to our listening "QEMU".
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(cli_sock)
    listener.listen(1)
    listener.settimeout(10)
    conn, _ = listener.accept()
    g = Frontend(conn)
    qemu_before_driver_ok(g)
    vswd.wait_port_state("cli", "negotiated", timeout=5)
    check(True, "a client port whose QEMU is there but whose guest driver is not: negotiated")

    # The device's start begins with SET_FEATURES: the features are shown before it runs.
    f.request(SET_FEATURES, struct.pack("<Q", VIRTIO_F_VERSION_1))
    wait_until(lambda: vswd.port("srv")["features_hex"] == VIRTIO_F_VERSION_1, 5, "srv's features")
    p = vswd.port("srv")
    check(p["state"] == "negotiated" and "version_1" in p["features"],
          f"SET_FEATURES: still negotiated (no DRIVER_OK), features {p['features']}")

    table = subprocess.run([VSWCTL, "--ctl", vswd.ctl_path, "show"], capture_output=True, text=True).stdout
    line = next(l for l in table.splitlines() if l.split()[:1] == ["srv"])
    check("negotiated" in line, f"vswctl show's table: {line.strip()}")

    def prom(port, state):
        return metric(metrics_port, "vsw_port_state", {"port": port, "type": "vhost-user-server" if port == "srv"
                                                       else "vhost-user-client", "state": state})
    def prom_states():
        return {(port, state): prom(port, state) for port, state in
                [("srv", "negotiated"), ("srv", "listening"), ("srv", "up"),
                 ("cli", "negotiated"), ("cli", "connecting")]}
    want = {("srv", "negotiated"): 1, ("srv", "listening"): 0, ("srv", "up"): 0,
            ("cli", "negotiated"): 1, ("cli", "connecting"): 0}
    # The endpoint serves a snapshot taken once a second: it may predate cli's handshake.
    try:
        wait_until(lambda: prom_states() == want, 5, "Prometheus to see both ports negotiated")
    except AssertionError:
        pass  # the check below names the states seen
    states = prom_states()
    check(states == want, f"Prometheus: vsw_port_state is 1 for negotiated only: {states}")
    info = telemetry(vswd.prefix, "/vsw/port/info,srv")["/vsw/port/info"]
    check(info["state"] == "negotiated", f"DPDK telemetry /vsw/port/info,srv: state {info['state']}")

    # The frontends go: the ports are back to nobody there.
    f.close()
    g.close()
    conn.close()
    vswd.wait_port_state("srv", "listening", timeout=5)
    vswd.wait_port_state("cli", "connecting", timeout=5)
    check(vswd.port("srv")["features"] == "-", "closed: no features shown")
    listener.close()
    time.sleep(0.5)
    check(vswd.alive(), "vswd runs")
    check(vswd.stop() == 0, "vswd stops cleanly")
    log("port states: listening/connecting -> negotiated -> listening/connecting")


if __name__ == "__main__":
    run(test, "port-states")
