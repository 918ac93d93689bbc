"""Several vsw hosts on one machine, for the VXLAN/EVPN tests: each host is a network namespace
with a gobgpd (iBGP, l2vpn-evpn, a full mesh over a bridge with kernel addresses) and a
vsw-evpn, beside a vswd whose VTEP port is a veth end on a second bridge (the underlay, which
vswd owns: its end is unaddressed and opened with net_af_packet).

    with Fabric(work, 3) as fab:       # hosts fab.hosts[0..2]: VTEPs 10.99.0.1.., BGP 192.168.77.1..
        h = fab.hosts[0]
        h.vswd.ctl(...); h.gobgp("-j", "global", "rib", "-a", "evpn")

vswd runs in the initial namespace (its control and vhost-user sockets are files, reachable from
everywhere); the underlay interfaces are too. gobgpd and vsw-evpn run in the host's namespace
(gobgpd's gRPC API listens on that namespace's loopback)."""
import json
import os
import signal
import subprocess
import time

from vswd_process import Vswd, live_processes, log, wait_until

VSW_EVPN = os.path.join(os.environ.get("VSW_BUILD_DIR", "build"), "src", "vsw-evpn")
ASN = 65000


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


class Host:
    def __init__(self, fabric, index):
        self.fabric = fabric
        self.index = index
        self.name = f"h{index + 1}"
        tag = fabric.tag
        self.ns = f"vsw{tag}{self.name}"
        self.vtep = f"10.99.0.{index + 1}"
        self.bgp_ip = f"192.168.77.{index + 1}"
        self.underlay_if = f"vu{tag}{index}"  # vswd's end
        self.vswd = None
        self.gobgpd = None
        self.agent = None

    def gobgp(self, *args):
        """The gobgp CLI against this host's gobgpd; JSON answers are parsed."""
        r = sh("ip", "netns", "exec", self.ns, "gobgp", *args)
        return json.loads(r.stdout) if "-j" in args else r.stdout

    def config_path(self):
        return self.fabric.work.file(f"{self.name}-gobgpd.toml")

    def write_config(self):
        peers = [h.bgp_ip for h in self.fabric.hosts if h is not self] + self.fabric.extra_peers
        lines = ["[global.config]", f"  as = {ASN}", f'  router-id = "{self.bgp_ip}"',
                 f'  local-address-list = ["{self.bgp_ip}"]', ""]
        for p in peers:
            lines += ["[[neighbors]]", "  [neighbors.config]", f'    neighbor-address = "{p}"',
                      f"    peer-as = {ASN}", "  [neighbors.timers.config]",
                      "    connect-retry = 1", "    hold-time = 9", "    keepalive-interval = 3",
                      "  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]",
                      '      afi-safi-name = "l2vpn-evpn"', ""]
        with open(self.config_path(), "w") as f:
            f.write("\n".join(lines))

    def start_gobgpd(self):
        log_file = open(self.fabric.work.file(f"{self.name}-gobgpd.log"), "a")
        self.gobgpd = subprocess.Popen(["ip", "netns", "exec", self.ns, "gobgpd", "-f", self.config_path(), "-p",
                                        "--api-hosts", "127.0.0.1:50051", "--pprof-disable"],
                                       stdout=log_file, stderr=subprocess.STDOUT)
        live_processes.append(self.gobgpd)
        wait_until(lambda: sh("ip", "netns", "exec", self.ns, "gobgp", "global", check=False).returncode == 0, 20,
                   f"{self.name}'s gobgpd to answer")

    def stop_gobgpd(self, sig=signal.SIGTERM):
        if self.gobgpd and self.gobgpd.poll() is None:
            self.gobgpd.send_signal(sig)
            self.gobgpd.wait(timeout=20)

    def start_agent(self, interval_ms=100):
        """vsw-evpn, with the fabric's agent_args (kept for restarts)."""
        log_file = open(self.fabric.work.file(f"{self.name}-vsw-evpn.log"), "a")
        self.agent = subprocess.Popen(["ip", "netns", "exec", self.ns, VSW_EVPN, "--ctl", self.vswd.ctl_path,
                                       "--gobgp", "127.0.0.1:50051", "--interval-ms", str(interval_ms),
                                       *self.fabric.agent_args],
                                      stdout=log_file, stderr=subprocess.STDOUT)
        live_processes.append(self.agent)

    def stop_agent(self, sig=signal.SIGTERM):
        if self.agent and self.agent.poll() is None:
            self.agent.send_signal(sig)
            self.agent.wait(timeout=20)
        return self.agent.returncode

    def agent_log(self):
        with open(self.fabric.work.file(f"{self.name}-vsw-evpn.log")) as f:
            return f.read()

    def established(self):
        try:
            peers = self.gobgp("-j", "neighbor")
        except (subprocess.CalledProcessError, json.JSONDecodeError):
            return False
        return len(peers) == len(self.fabric.hosts) - 1 + len(self.fabric.extra_peers) and all(
            p.get("state", {}).get("session_state") == 6 for p in peers)  # 6: ESTABLISHED

    def evpn_rib(self):
        """gobgp -j global rib -a evpn: {prefix: [paths]}."""
        out = self.gobgp("-j", "global", "rib", "-a", "evpn")
        return out if isinstance(out, dict) else {}

    def flood(self, vni):
        for s in self.vswd.ctl("vxlan", "show")["vnis"]:
            if s["vni"] == vni:
                return sorted(s["flood"])
        return []

    def remote_fdb(self):
        """(VLAN, MAC) -> remote VTEP, from vswctl fdb show."""
        return {(e["vlan"], e["mac"]): e["remote"] for e in self.vswd.ctl("fdb", "show")["entries"] if "remote" in e}


class Fabric:
    """`n` hosts: namespaces, bridges, gobgpd and vswd (with their VTEP port and `vnis`:
    {VLAN: VNI}); agents are started by the test (start_agents)."""

    def __init__(self, work, n, vnis=None, extra_peers=(), wait_established=True):
        self.work = work
        self.extra_peers = list(extra_peers)  # other BGP speakers on the BGP bridge (FRR)
        self.wait_established = wait_established
        self.tag = os.getpid() % 10000
        self.agent_args = []  # extra vsw-evpn options (start_agents)
        self.hosts = [Host(self, i) for i in range(n)]
        self.vnis = vnis or {10: 10010, 20: 10020}
        self.bgp_br, self.underlay_br = f"vb{self.tag}", f"vx{self.tag}"

    def __enter__(self):
        try:
            self._build()
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def _build(self):
        for br in (self.bgp_br, self.underlay_br):
            sh("ip", "link", "add", br, "type", "bridge")
            sh("ip", "link", "set", br, "up")
        for h in self.hosts:
            sh("ip", "netns", "add", h.ns)
            sh("ip", "netns", "exec", h.ns, "ip", "link", "set", "lo", "up")
            outer, inner = f"vbo{self.tag}{h.index}", f"vbi{self.tag}{h.index}"
            sh("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
            sh("ip", "link", "set", outer, "master", self.bgp_br, "up")
            sh("ip", "link", "set", inner, "netns", h.ns)
            sh("ip", "netns", "exec", h.ns, "ip", "addr", "add", f"{h.bgp_ip}/24", "dev", inner)
            sh("ip", "netns", "exec", h.ns, "ip", "link", "set", inner, "up")
            peer = f"vup{self.tag}{h.index}"
            sh("ip", "link", "add", h.underlay_if, "type", "veth", "peer", "name", peer)
            for i in (h.underlay_if, peer):
                sh("sysctl", "-qw", f"net.ipv6.conf.{i}.disable_ipv6=1")
            sh("ip", "link", "set", peer, "master", self.underlay_br, "up")
            sh("ip", "link", "set", h.underlay_if, "up")
        for h in self.hosts:
            h.write_config()
            h.start_gobgpd()
            # --no-huge: three vswd and their fake guests would not fit in the hugepages together.
            h.vswd = Vswd(self.work, f"vsw{h.name}", no_huge=True)
            if os.path.exists(h.vswd.state_path):  # a fresh host: nothing from an earlier fabric
                os.unlink(h.vswd.state_path)
            h.vswd.start()
            h.vswd.ctl("add-port", "up0", "--type", "dpdk", "--devargs", f"net_af_packet0,iface={h.underlay_if}")
            h.vswd.ctl("set-port", "up0", f"vtep-ip={h.vtep}/24")
            for vlan, vni in self.vnis.items():
                h.vswd.ctl("vxlan", "map", str(vlan), str(vni))
        if self.wait_established:
            self.wait_bgp()

    def wait_bgp(self):
        wait_until(lambda: all(h.established() for h in self.hosts), 60, "the iBGP sessions to be established")
        log(f"fabric: {len(self.hosts)} hosts, iBGP established")

    def start_agents(self, interval_ms=100, args=()):
        self.agent_args = list(args)
        for h in self.hosts:
            h.start_agent(interval_ms)

    def __exit__(self, *exc):
        for h in self.hosts:
            for p in (h.agent, h.gobgpd):
                if p and p.poll() is None:
                    p.kill()
                    p.wait()
            if h.vswd:
                h.vswd.stop()
            sh("ip", "netns", "del", h.ns, check=False)
            sh("ip", "link", "del", h.underlay_if, check=False)
        for br in (self.bgp_br, self.underlay_br):
            sh("ip", "link", "del", br, check=False)
        time.sleep(0.2)
        return False
