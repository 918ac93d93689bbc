"""What component tests check frames with: checksums recomputed by scapy, tshark's expert
warnings, and dumpcap captures on an interface (optionally in a namespace)."""
import os
import subprocess

from vswtest import IP, Ether, wait_until  # noqa: E402  (vswtest first: it sets the path)
from scapy.all import TCP  # noqa: E402


def checksums_ok(p):
    """True if the IPv4 and TCP checksums of `p` are what scapy computes for its bytes."""
    q = Ether(bytes(p))
    want_tcp = q[TCP].chksum
    del q[TCP].chksum
    if IP in q:
        want_ip = q[IP].chksum
        del q[IP].chksum
        r = Ether(bytes(q))
        return want_tcp == r[TCP].chksum and want_ip == r[IP].chksum
    return want_tcp == Ether(bytes(q))[TCP].chksum


def expert_warnings(path, options=()):
    """tshark's expert warnings (and errors) on a capture file, one line each."""
    r = subprocess.run(["tshark", "-r", path, *options, "-q", "-z", "expert,warn"], capture_output=True, text=True,
                       check=True)
    skip = ("Expert Information", "Group", "Errors (", "Warnings (")
    return [line.strip() for line in r.stdout.splitlines()
            if line.strip() and not line.startswith("=") and not any(s in line for s in skip)]


def capture_in(ns, iface, path):
    """dumpcap on `iface` (in namespace `ns`, or here if None), capturing once it returns; stop it
    with SIGINT."""
    cmd = ["dumpcap", "-q", "-P", "-i", iface, "-w", path]
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: os.path.exists(path) and os.path.getsize(path) > 0, 15, "dumpcap to start")
    return p
