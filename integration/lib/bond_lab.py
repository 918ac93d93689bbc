"""A bond's lab, shared by the component test against OVS and the failover benchmark:

    namespace h (10.77.0.1) -- veth -- vswd "host" port
                                       vswd bond0 = up0 + up1 (af_packet on two veths)
                                             || ||
    namespace o: ovs-vswitchd (userspace datapath), a bond of the two veths' far ends,
                 bridge br0 with its internal port at 10.77.0.2

topology() makes the namespaces and veths; start_ovs_bond() the OVS side; add_vsw_ports() the
vswd side but the bond; ping(), udp_flows() and TcpStream measure through it.
"""
import contextlib
import os
import re
import subprocess

from vswd_process import check

H_IP, O_IP = "10.77.0.1", "10.77.0.2"


def sh(*cmd, check_rc=True):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if check_rc and out.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: {out.stderr.strip()}")
    return out.stdout


@contextlib.contextmanager
def topology():
    """Yields (OVS's namespace, the host's namespace, {"a0"|"a1"|"h": (vswd's end, far end)})."""
    tag = os.getpid() % 100000
    ns_o, ns_h = f"vswbo{tag}", f"vswbh{tag}"
    links = {"a0": (f"vba{tag}", f"oba{tag}"), "a1": (f"vbb{tag}", f"obb{tag}"),
             "h": (f"vbh{tag}", f"hbh{tag}")}
    sh("ip", "netns", "add", ns_o)
    sh("ip", "netns", "add", ns_h)
    try:
        # OVS's namespace answers ARP for br0's address on br0 only, not on the bond's veths too
        # (their frames reach its kernel as well as ovs-vswitchd).
        sh("ip", "netns", "exec", ns_o, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1")
        for key, (host_end, far_end) in links.items():
            ns = ns_h if key == "h" else ns_o
            sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", far_end)
            sh("ip", "link", "set", far_end, "netns", ns)
            sh("sysctl", "-qw", f"net.ipv6.conf.{host_end}.disable_ipv6=1")
            # net_af_packet passes partial checksums on unfilled, OVS's userspace datapath too.
            sh("ethtool", "-K", host_end, "tx", "off")
            sh("ip", "link", "set", host_end, "up")
            sh("ip", "netns", "exec", ns, "sysctl", "-qw", f"net.ipv6.conf.{far_end}.disable_ipv6=1")
            sh("ip", "netns", "exec", ns, "ethtool", "-K", far_end, "tx", "off")
            sh("ip", "netns", "exec", ns, "ip", "link", "set", far_end, "up")
        h_if = links["h"][1]
        sh("ip", "netns", "exec", ns_h, "ip", "addr", "add", f"{H_IP}/24", "dev", h_if)
        sh("ip", "netns", "exec", ns_h, "ip", "link", "set", "lo", "up")
        yield ns_o, ns_h, links
    finally:
        for host_end, _ in links.values():
            subprocess.run(["ip", "link", "del", host_end], capture_output=True)
        for ns in (ns_o, ns_h):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def ping(ns, count, interval="0.01", dst=O_IP, source=None):
    """(sent, received) of a ping from namespace `ns` (from address `source`) to `dst`."""
    out = sh("ip", "netns", "exec", ns, "ping", "-q", "-n", *(["-I", source] if source else []), "-i",
             interval, "-c", str(count), "-W", "1", dst, check_rc=False)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    return (int(m.group(1)), int(m.group(2))) if m else (count, 0)


def udp_flows(ns, n_flows, per_flow=20, src=H_IP, dst=O_IP):
    """Sends per_flow datagrams on each of n_flows source ports from namespace `ns`."""
    script = (f"import socket\n"
              f"for p in range({n_flows}):\n"
              f"    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              f"    s.bind(('{src}', 20000 + p))\n"
              f"    for i in range({per_flow}): s.sendto(b'x' * 64, ('{dst}', 9))\n"
              f"    s.close()\n")
    sh("ip", "netns", "exec", ns, "/usr/bin/python3", "-c", script)


class TcpStream:
    """A TCP stream from namespace h to a sink in namespace o; the sink reports the bytes it got
    and the longest gap between two reads."""

    def __init__(self, ns_h, ns_o):
        sink = ("import socket,time\n"
                "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                f"s.bind(('{O_IP}', 5201)); s.listen(1); print('ready', flush=True)\n"
                "c,_=s.accept(); total=0; last=time.monotonic(); gap=0.0\n"
                "while True:\n"
                "    d=c.recv(65536)\n"
                "    if not d: break\n"
                "    now=time.monotonic(); gap=max(gap, now-last); last=now; total+=len(d)\n"
                "print(total, gap, flush=True)\n")
        self.sink = subprocess.Popen(["ip", "netns", "exec", ns_o, "/usr/bin/python3", "-c", sink],
                                     stdout=subprocess.PIPE, text=True)
        check(self.sink.stdout.readline().strip() == "ready", "TCP sink listening behind OVS")
        source = ("import socket,sys,time\n"
                  f"s=socket.create_connection(('{O_IP}', 5201), timeout=30)\n"
                  "end=time.monotonic()+float(sys.argv[1]); sent=0\n"
                  "while time.monotonic() < end:\n"
                  "    s.sendall(b'y'*8192); sent+=8192; time.sleep(0.002)\n"
                  "s.close(); print(sent, flush=True)\n")
        self.source_cmd = ["ip", "netns", "exec", ns_h, "/usr/bin/python3", "-c", source]

    def run(self, seconds):
        self.source = subprocess.Popen(self.source_cmd + [str(seconds)], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        return self

    def result(self):
        out, err = self.source.communicate(timeout=120)
        check(self.source.returncode == 0, f"the TCP stream ran to its end {err.strip()[-200:]}")
        total, gap = self.sink.communicate(timeout=60)[0].split()
        return int(out), int(total), float(gap)



def start_ovs_bond(ovs, ns_o, links, *bond_settings):
    """br0 with a bond of the two far ends (bond_settings: lacp=..., bond_mode=...), and the
    bridge's internal port at O_IP."""
    ovs.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev")
    ovs.vsctl("add-bond", "br0", "bond0", links["a0"][1], links["a1"][1], *bond_settings)
    sh("ip", "netns", "exec", ns_o, "ip", "addr", "add", f"{O_IP}/24", "dev", "br0")
    sh("ip", "netns", "exec", ns_o, "ip", "link", "set", "br0", "up")


def add_vsw_ports(vswd, links):
    """The members up0, up1 and the host port (af_packet), not the bond yet."""
    vswd.ctl("add-port", "up0", "--type", "dpdk", "--devargs", f"net_af_packet0,iface={links['a0'][0]}")
    vswd.ctl("add-port", "up1", "--type", "dpdk", "--devargs", f"net_af_packet1,iface={links['a1'][0]}")
    vswd.ctl("add-port", "host", "--type", "dpdk", "--devargs", f"net_af_packet2,iface={links['h'][0]}")


def bond_of(vswd, name="bond0"):
    for b in vswd.ctl("bond", "show")["bonds"]:
        if b["name"] == name:
            return b
    return None


def members(vswd):
    return {m["name"]: m for m in bond_of(vswd)["members"]}
