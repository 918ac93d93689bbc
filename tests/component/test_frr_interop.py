#!/usr/bin/python3
"""vsw as a standard EVPN VTEP beside FRR 8.4: one vsw host (gobgpd + vsw-evpn + vswd) and one
host whose data plane is the Linux kernel's own: a VXLAN device (VNI 10010) in a bridge, run by
FRR's zebra and bgpd (advertise-all-vni), with a third namespace behind that bridge holding the
address 192.168.10.9. Both speak iBGP l2vpn-evpn to each other.

Checks: FRR learns vsw's VTEP from its type-3 route and its guest's MAC from its type-2 route
(`show evpn mac vni all` lists it at vsw's VTEP, `show evpn arp-cache` its IP, which vswd saw in
the guest's ARP); vsw learns FRR's VTEP and the kernel host's MAC;
the vsw guest's ARP request for 192.168.10.9 gets its answer through the kernel's VXLAN device,
and its ping too."""
import json
import os
import time

from vswtest import IP, Ether, FakeGuest, check, log, run, wait_until
from overlay_hosts import ASN, Fabric, sh
from scapy.all import ARP, ICMP

GUEST, GUEST_IP = "02:00:00:0a:00:10", "192.168.10.1"
KERNEL_HOST, KERNEL_IP = "02:00:00:0f:00:09", "192.168.10.9"
FRR_VTEP, FRR_BGP = "10.99.0.9", "192.168.77.9"
VNI = 10010


class FrrHost:
    """The kernel VTEP with FRR, and the host behind its bridge."""

    def __init__(self, work, fab):
        self.work, self.fab = work, fab
        tag = fab.tag
        self.ns, self.behind = f"vsw{tag}frr", f"vsw{tag}kh"
        self.pathspace = f"vsw{tag}"
        self.ifs = [f"vfb{tag}", f"vfu{tag}", f"vfk{tag}"]

    def vtysh(self, command):
        return sh("ip", "netns", "exec", self.ns, "vtysh", "-N", self.pathspace, "-c", command).stdout

    def start(self):
        ns, tag = self.ns, self.fab.tag
        for n in (ns, self.behind):
            sh("ip", "netns", "add", n)
            sh("ip", "netns", "exec", n, "ip", "link", "set", "lo", "up")
        for outer, inner, bridge, addr in ((self.ifs[0], "bgp0", self.fab.bgp_br, f"{FRR_BGP}/24"),
                                           (self.ifs[1], "under0", self.fab.underlay_br, f"{FRR_VTEP}/24")):
            sh("ip", "link", "add", outer, "type", "veth", "peer", "name", f"{inner}x{tag}")
            sh("ip", "link", "set", outer, "master", bridge, "up")
            sh("ip", "link", "set", f"{inner}x{tag}", "netns", ns)
            sh("ip", "netns", "exec", ns, "ip", "link", "set", f"{inner}x{tag}", "name", inner)
            sh("ip", "netns", "exec", ns, "ip", "addr", "add", addr, "dev", inner)
            sh("ip", "netns", "exec", ns, "ip", "link", "set", inner, "up")
        in_ns = lambda *cmd: sh("ip", "netns", "exec", ns, *cmd)
        in_ns("ip", "link", "add", "br10", "type", "bridge")
        in_ns("ip", "link", "add", "vxlan10010", "type", "vxlan", "id", str(VNI), "local", FRR_VTEP, "dstport", "4789",
              "nolearning")
        in_ns("ip", "link", "set", "vxlan10010", "master", "br10")
        in_ns("ip", "link", "set", "vxlan10010", "up")
        in_ns("ip", "link", "set", "br10", "up")
        sh("ip", "link", "add", self.ifs[2], "type", "veth", "peer", "name", f"kh{tag}")
        sh("ip", "link", "set", self.ifs[2], "netns", ns)
        in_ns("ip", "link", "set", self.ifs[2], "master", "br10")
        in_ns("ip", "link", "set", self.ifs[2], "up")
        sh("ip", "link", "set", f"kh{tag}", "netns", self.behind)
        for cmd in (["ip", "link", "set", f"kh{tag}", "address", KERNEL_HOST],
                    ["ip", "addr", "add", f"{KERNEL_IP}/24", "dev", f"kh{tag}"],
                    ["ip", "link", "set", f"kh{tag}", "up"]):
            sh("ip", "netns", "exec", self.behind, *cmd)
        conf = self.work.file("frr.conf")
        with open(conf, "w") as f:
            f.write("\n".join([
                "frr defaults datacenter", "hostname vsw-interop", "!", f"router bgp {ASN}",
                f" bgp router-id {FRR_BGP}", " no bgp default ipv4-unicast",
                f" neighbor {self.fab.hosts[0].bgp_ip} remote-as {ASN}",
                f" neighbor {self.fab.hosts[0].bgp_ip} timers connect 1",
                " address-family l2vpn evpn", f"  neighbor {self.fab.hosts[0].bgp_ip} activate",
                "  advertise-all-vni", " exit-address-family", "!", ""]))
        os.chmod(conf, 0o644)
        os.chmod(self.work.path, 0o755)  # FRR's daemons run as user frr
        run_dir = f"/var/run/frr/{self.pathspace}"
        os.makedirs(run_dir, exist_ok=True)
        sh("chown", "frr:frr", "/var/run/frr", run_dir)
        for daemon in ("zebra", "bgpd"):
            sh("ip", "netns", "exec", ns, f"/usr/lib/frr/{daemon}", "-d", "-N", self.pathspace, "-f", conf,
               "-i", f"{run_dir}/{daemon}.pid")
            time.sleep(0.5)

    def stop(self):
        run_dir = f"/var/run/frr/{self.pathspace}"
        for daemon in ("bgpd", "zebra"):
            try:
                with open(f"{run_dir}/{daemon}.pid") as f:
                    os.kill(int(f.read().strip()), 15)
            except (OSError, ValueError):
                pass
        time.sleep(0.5)
        for n in (self.ns, self.behind):
            sh("ip", "netns", "del", n, check=False)
        for i in self.ifs[:2]:
            sh("ip", "link", "del", i, check=False)
        sh("rm", "-rf", run_dir, check=False)


def test(work):
    with Fabric(work, 1, extra_peers=[FRR_BGP], wait_established=False) as fab:
        frr = FrrHost(work, fab)
        try:
            frr.start()
            interop(work, fab, frr)
        finally:
            frr.stop()


def interop(work, fab, frr):
    h1 = fab.hosts[0]
    fab.wait_bgp()  # gobgpd's session to FRR is established
    state = json.loads(frr.vtysh(f"show bgp neighbors {h1.bgp_ip} json"))[h1.bgp_ip]["bgpState"]
    check(state == "Established", f"and FRR says so: {state}")
    sock = work.file("h1-vm10.sock")
    h1.vswd.ctl("add-port", "vm10", "--socket", sock)
    h1.vswd.ctl("set-port", "vm10", "vlan-mode=access", "tag=10")
    fab.start_agents()
    wait_until(lambda: h1.flood(VNI) == [FRR_VTEP], 30, "vsw's flood list to get FRR's VTEP (its type-3 route)")
    log(f"vsw's flood list for VNI {VNI}: {h1.flood(VNI)}")
    wait_until(lambda: h1.vtep in frr.vtysh(f"show evpn vni {VNI}"), 30, "FRR to list vsw's VTEP for the VNI")
    log(frr.vtysh(f"show evpn vni {VNI}"))
    # The kernel host speaks once, so that FRR advertises its MAC.
    sh("ip", "netns", "exec", frr.behind, "ping", "-c", "1", "-W", "1", "192.168.10.250", check=False)
    wait_until(lambda: h1.remote_fdb().get((10, KERNEL_HOST)) == FRR_VTEP, 30,
               "vsw's FDB to get the kernel host's MAC from FRR's type-2 route")

    arp = Ether(src=GUEST, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=GUEST, psrc=GUEST_IP, pdst=KERNEL_IP)
    ping = Ether(src=GUEST, dst=KERNEL_HOST) / IP(src=GUEST_IP, dst=KERNEL_IP) / ICMP(id=7, seq=1) / b"vsw-interop"
    guest = FakeGuest(work, "vm10", sock, True, [arp, ping])
    h1.vswd.wait_port_state("vm10", "up")
    guest.start()
    wait_until(lambda: GUEST.lower() in frr.vtysh(f"show evpn mac vni {VNI}").lower(), 30,
               "FRR to learn the vsw guest's MAC")
    macs = frr.vtysh("show evpn mac vni all")
    log(macs)
    line = next(l for l in macs.splitlines() if GUEST.lower() in l.lower())
    check("remote" in line and h1.vtep in line, f"FRR: the guest's MAC is remote at vsw's VTEP: {line.strip()}")
    # vswd saw the guest's ARP: its MAC/IP route carries the IP, which FRR puts in its ARP cache.
    wait_until(lambda: GUEST_IP in frr.vtysh(f"show evpn arp-cache vni {VNI}"), 30,
               "FRR to learn the vsw guest's IP from its MAC/IP route")
    cache = frr.vtysh(f"show evpn arp-cache vni {VNI}")
    log(cache)
    line = next(l for l in cache.splitlines() if GUEST_IP in l)
    check("remote" in line and GUEST.lower() in line.lower() and h1.vtep in line,
          f"FRR: the guest's IP is remote, with its MAC, at vsw's VTEP: {line.strip()}")
    wait_until(lambda: h1.vswd.port_stats("vm10")["tx_packets"] >= 2, 20, "the ARP reply and the echo reply")
    got = guest.quit(settle=1.0)
    replies = [p for p in got if ARP in p and p[ARP].op == 2 and p[ARP].psrc == KERNEL_IP]
    echoes = [p for p in got if ICMP in p and p[ICMP].type == 0 and p[IP].src == KERNEL_IP]
    check(replies and replies[0][ARP].hwsrc == KERNEL_HOST, "the kernel host answered the guest's ARP across the overlay")
    check(echoes and bytes(echoes[0][ICMP].payload).endswith(b"vsw-interop"), "and its ping")
    vt = next(v for v in h1.vswd.ctl("vxlan", "show")["vteps"] if v["ip"] == FRR_VTEP)
    check(vt["encap_packets"] >= 2 and vt["decap_packets"] >= 2, f"counted both ways: {vt}")
    check(h1.stop_agent() == 0, "vsw-evpn stops cleanly")


if __name__ == "__main__":
    run(test, "frr-interop")
