#!/usr/bin/python3
"""Persisted configuration and bad requests: what vswctl configures survives a SIGKILL and a
restart; a corrupt state file stops vswd without being touched; a bad request gets a clear
error, a non-zero exit, and changes neither the running switch nor the state file."""
import json
import os
import signal
import subprocess

from vswtest import VSWCTL, Vswd, check, log, run


def read(path):
    with open(path) as f:
        return f.read()


def test(work):
    vswd = Vswd(work).start()
    check(os.path.exists(vswd.state_path), "a first start writes an empty state file")
    vswd.ctl("add-port", "vm1", "--socket", work.file("vm1.sock"), "--description", "web server")
    vswd.ctl("add-port", "vm2", "--type", "vhost-user-server", "--socket", work.file("vm2.sock"))
    vswd.ctl("add-port", "vm3", "--socket", work.file("vm3.sock"))
    vswd.ctl("del-port", "vm3")
    vswd.ctl("set-port", "vm2", "admin=down")
    vswd.ctl("set", "fdb-aging-time=42")
    state = json.loads(read(vswd.state_path))
    check([p["name"] for p in state["ports"]] == ["vm1", "vm2"], "the state file lists vm1 and vm2")

    # Bad requests: clear message, exit status 1 (2 for usage errors), nothing changed.
    before = read(vswd.state_path)
    show_before = vswd.ctl("show")["ports"]
    bad = [
        (["add-port", "vm1", "--socket", work.file("other.sock")], "already exists"),
        (["add-port", "vm9", "--socket", work.file("vm1.sock")], "already used"),
        (["add-port", "bad name", "--socket", work.file("x.sock")], "may contain only"),
        (["add-port", "vm9", "--type", "teleport", "--socket", work.file("x.sock")], "unknown port type"),
        (["add-port", "vm9", "--socket", "relative.sock"], "absolute"),
        (["add-port", "vm9", "--type", "vhost-user-server", "--socket", "/proc/vsw-cannot/x.sock"], "socket directory"),
        (["add-port", "vm9", "--type", "vhost-user-server", "--socket", work.file("../x.sock")], "socket directory"),
        (["add-port", "vm9", "--type", "dpdk", "--devargs", "net_pcap9,tx_pcap=/etc/vsw-evil.pcap"], "refusing '/etc/vsw-evil.pcap'"),
        (["add-port", "vm9", "--type", "dpdk", "--devargs", "net_nosuchdriver0"], "cannot probe"),
        (["add-port", "vm9", "--type", "dpdk"], "--devargs"),
        (["del-port", "ghost"], "no port named 'ghost'"),
        (["set-port", "ghost", "admin=up"], "no port named"),
        (["set-port", "vm1", "admin=maybe"], "admin must be"),
        (["set-port", "vm1", "speed=fast"], "unknown port setting"),
        (["set", "fdb-aging-time=0"], "fdb-aging-time"),
        (["stats", "ghost"], "no port named"),
        (["frobnicate"], "unknown command"),
        (["set-port", "vm1", "admin"], "KEY=VALUE"),
    ]
    for args, message in bad:
        code, err = vswd.ctl_fail(*args)
        check(code != 0 and message in err, f"vswctl {' '.join(args)} -> exit {code}: {err}")
    check(read(vswd.state_path) == before, "the state file is unchanged after bad requests")
    check(vswd.ctl("show")["ports"] == show_before, "the running switch is unchanged after bad requests")
    check(vswd.alive(), "vswd is still running")

    # Garbage straight onto the control socket.
    for raw in [b"\xff\xfe garbage\n", b"{\"cmd\":\n", b"x" * 70000 + b"\n", b""]:
        out = subprocess.run(["/usr/bin/python3", "-c", f"""
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect({vswd.ctl_path!r}); s.sendall({raw!r}); s.shutdown(socket.SHUT_WR)
print(s.recv(65536).decode(errors="replace"))"""], capture_output=True, text=True, timeout=30).stdout
        check('"ok":false' in out, f"raw garbage ({len(raw)} bytes) gets an error answer: {out.strip()[:80]}")
    check(vswd.alive() and vswd.ctl("version"), "vswd answers after garbage")

    # SIGKILL and restart: everything restored from the state file.
    vswd.stop(signal.SIGKILL)
    vswd2 = Vswd(work).start()
    ports = {p["name"]: p for p in vswd2.ctl("show")["ports"]}
    check(set(ports) == {"vm1", "vm2"}, "ports restored after SIGKILL")
    check(ports["vm1"]["type"] == "vhost-user-client" and ports["vm1"]["description"] == "web server", "vm1 restored as it was")
    check(ports["vm2"]["type"] == "vhost-user-server" and ports["vm2"]["admin"] == "down", "vm2 restored administratively down")
    check(vswd2.ctl("show")["settings"]["fdb-aging-time"] == 42, "fdb-aging-time restored")
    text = vswd2.ctl_text("show")
    log("vswctl show:\n" + text)
    check("vm1" in text and "vhost-user-server" in text, "human-readable show lists the ports")
    vswd2.stop()
    check(json.loads(read(vswd2.state_path)) == state, "restart and clean stop keep the state file's content")

    # A corrupt state file: vswd refuses to start, says why, and does not touch the file.
    corrupt = '{"format": "vsw-state", "version": 1, "ports": [{"name": "vm1", "type": '
    with open(vswd2.state_path, "w") as f:
        f.write(corrupt)
    vswd3 = Vswd(work, name="vswd")
    vswd3.start(expect_ready=False)
    rc = vswd3.proc.wait(timeout=30)
    check(rc != 0, f"vswd refuses a corrupt state file (exit {rc})")
    check("corrupt" in vswd3.log(), "and says the state file is corrupt")
    check(read(vswd2.state_path) == corrupt, "the corrupt file is left untouched")

    # vswctl without a daemon: a clear message.
    r = subprocess.run([VSWCTL, "--ctl", work.file("nobody.ctl"), "show"], capture_output=True, text=True)
    check(r.returncode != 0 and "is vswd running" in r.stderr, f"vswctl without vswd: {r.stderr.strip()}")


if __name__ == "__main__":
    run(test, "state")
