"""Helpers for component tests: a real vswd and dpdk-testpmd fake guests.

A fake guest is dpdk-testpmd with two ports in io forwarding mode: a net_virtio_user port on
vswd's vhost-user socket, and a net_pcap port that replays in.pcap into the switch and records
what the switch delivered in out.pcap. testpmd runs interactively so a test decides when each
guest starts sending (after `start`). Needs Debian's /usr/bin/python3 (python3-scapy).
"""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integration", "lib"))

from scapy.all import Dot1Q, Ether, IP, UDP, Raw, rdpcap, wrpcap  # noqa: E402,F401 (re-exported)
from vswd_process import (VSWCTL, VSWD, Vswd, Workdir, check, kill_all, live_processes, log,  # noqa: E402,F401
                          run, wait_until)


_guests = []  # every FakeGuest of this test


class FakeGuest:
    """dpdk-testpmd with a virtio-user port on vswd's socket and a pcap port."""

    def __init__(self, work, name, socket, server, frames, infinite=False, mac=None, queue_size=256, extra=()):
        self.work = work
        self.name = name
        self.in_pcap = work.file(f"{name}-in.pcap")
        self.out_pcap = work.file(f"{name}-out.pcap")
        self.log_path = work.file(f"{name}-testpmd.log")
        if os.path.exists(self.out_pcap):
            os.unlink(self.out_pcap)
        wrpcap(self.in_pcap, frames)
        if server and os.path.exists(socket):
            os.unlink(socket)  # left by a killed predecessor; QEMU does the same before listening
        virtio = f"net_virtio_user0,path={socket},server={1 if server else 0},queue_size={queue_size}"
        if mac:
            virtio += f",mac={mac}"
        pcap = f"net_pcap0,rx_pcap={self.in_pcap},tx_pcap={self.out_pcap}"
        if infinite:
            pcap += ",infinite_rx=1"
        # Both testpmd lcores share CPU 0: CPU 1 belongs to vswd's PMD.
        # stdbuf: the prompt must reach the log file (it tells that testpmd finished starting).
        cmd = ["stdbuf", "-o0", "dpdk-testpmd", "--lcores=0@0,1@0", "--no-pci", "--in-memory", "-m", "128",
               "--single-file-segments", f"--file-prefix=vswguest-{name}-{os.getpid()}",
               "--log-level=*:warning", f"--vdev={virtio}", f"--vdev={pcap}", "--",
               "-i", "--forward-mode=io", "--total-num-mbufs=4096", "--no-flush-rx",
               "--rxq=1", "--txq=1", *extra]
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.logf, stderr=subprocess.STDOUT, text=True)
        live_processes.append(self.proc)
        _guests.append(self)

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def ready(self):
        """testpmd has started its ports (RX rings filled) and shows its prompt."""
        with open(self.log_path, errors="replace") as f:
            return "testpmd>" in f.read()

    def start(self):
        """Starts forwarding: in.pcap goes into the switch, the switch's frames into out.pcap.
        Waits first until every fake guest has finished starting: a guest whose link is up but
        whose RX ring is not yet filled cannot take a frame (vswd counts tx_full)."""
        for g in _guests:
            if g.proc.poll() is None:
                wait_until(g.ready, 60, f"fake guest {g.name} to finish starting")
        self.send("start")

    def quit(self, timeout=30, settle=0.5, dissect=True):
        """Stops testpmd cleanly and returns the frames it received from the switch (unless not
        `dissect`: scapy takes seconds for tens of thousands). `settle` gives testpmd time to move
        what vswd just put in its ring into out.pcap."""
        if self.proc.poll() is None:
            time.sleep(settle)
            self.send("stop")
            self.send("quit")
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.received() if dissect else None

    def received(self):
        return list(rdpcap(self.out_pcap)) if os.path.exists(self.out_pcap) else []

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def frame(src, dst, payload):
    """An Ethernet/IPv4/UDP frame; payload tags it so tests can tell frames apart."""
    return Ether(src=src, dst=dst) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000, dport=2000) / Raw(payload.encode())


@contextlib.contextmanager
def peer_namespace(peer_mac):
    """A host on the far side of an uplink: a veth pair whose peer end sits in a new network
    namespace with MAC `peer_mac`, IPv6 off (no background chatter). Yields (namespace, host-side
    interface for net_af_packet, peer interface); removes both at the end."""
    tag = os.getpid() % 100000
    ns, host_if, peer_if = f"vswtest{os.getpid()}", f"vswu{tag}", f"vswp{tag}"

    def sh(*cmd):
        subprocess.run(cmd, check=True)

    sh("ip", "netns", "add", ns)
    try:
        sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", peer_if)
        sh("ip", "link", "set", peer_if, "netns", ns)
        sh("sysctl", "-qw", f"net.ipv6.conf.{host_if}.disable_ipv6=1")
        sh("ip", "link", "set", host_if, "up")
        for cmd in (["sysctl", "-qw", f"net.ipv6.conf.{peer_if}.disable_ipv6=1"],
                    ["ip", "link", "set", peer_if, "address", peer_mac],
                    ["ip", "link", "set", peer_if, "up"]):
            sh("ip", "netns", "exec", ns, *cmd)
        yield ns, host_if, peer_if
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


PEER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer.py")


def peer_send(ns, iface, frames):
    """Sends raw frames (scapy packets) from the peer host's interface."""
    subprocess.run(["ip", "netns", "exec", ns, "/usr/bin/python3", PEER_SCRIPT, iface, "0",
                    *(bytes(f).hex() for f in frames)], check=True, capture_output=True, timeout=30)
