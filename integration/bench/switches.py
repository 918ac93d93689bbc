"""The switches a benchmark compares, each started privately on CPU 1 with two vhost-user ports
that connect to the traffic generator's sockets (the generator is the vhost-user server, as QEMU
would be):

  Vsw             vswd, one PMD, two vhost-user-client ports
  TestpmdXconnect dpdk-testpmd with two net_vhost ports in io mode: the ceiling, no lookup at all
  OvsDpdk         Open vSwitch 3.1 with DPDK, bridge datapath_type=netdev, two
                  dpdkvhostuserclient ports, the default NORMAL action (MAC learning)

and, for the feature table (cost of a feature: compare with Vsw in the same run),
  VswSpan         vsw with a mirror session copying every frame both ports receive to a
                  net_null port (a NIC that takes everything): SPAN, whole frames by reference
  VswErspan       the same session as ERSPAN type II: a header segment + a clone per copy

and, for a regression check, VswBaseline ("vsw-baseline"): the vswd of another build (an older
revision), named by VSW_BASELINE_BUILD, run exactly as Vsw.

Each has start(), stop(), and cycles(): how the switch itself counts its cost, as a callable
pair begin()/end() -> cycles per packet over the interval (None if the switch cannot tell).

Frame sizes: each is built for one (frame_size=, the generator's, with FCS). Above 1518 bytes
the switches raise both ports' MTU to fit the frame (mtu_for(): vswd's mtu=, OVS's mtu_request;
without it vswd drops them as over_mtu, OVS as "Too big size"); the testpmd cross-connect has no
MTU to raise (net_vhost and io forwarding take any length, chained in its 2 KB mbufs).
vsw, vsw+one-copy, vsw+span, vsw+all and testpmd-xconnect ran 4000 and 9000 (smoke runs,
2026-12-07: every frame arrived whole). The mirror sink of vsw+span/erspan/all, a net_null dpdk
port whose mtu= stays at 1500 (vswd configures no jumbo device), still takes every copy (mirror
copies are sent without an MTU check); vsw+all's shapers are raised to 400G for jumbo frames.
Not run at those sizes: ovs-dpdk (that machine had no openvswitch-switch-dpdk). OVS sizes its
mempool for the MTU, about 10 KB mbufs at 9000, within dpdk-socket-mem=512, and retries with
fewer mbufs if it must (see vswitchd.log).

Size "tso" (tso_generator.py: ~64 KB TSO frames, guest 0 to guest 1): the MTUs stay at 1500 (the
segments, 1448 bytes of payload, fit it). vsw offers the guests TSO and LRO as it is (offloads=on).
The testpmd cross-connect gets tso=1 (net_vhost offers VIRTIO_NET_F_HOST_TSO4/6 only then) and
legacy-ol-flags=1: in DPDK 22.11's default (compliant) mode rte_vhost marks a received TSO frame
RTE_MBUF_F_RX_LRO, which io forwarding sends on as a plain (oversized) frame; in legacy mode it
marks it RTE_MBUF_F_TX_TCP_SEG with tso_segsz, which the other port's enqueue turns back into a
virtio-net header of gso_type TCPv4: the frame passes whole, as through vsw. OVS runs with
userspace-tso-enable (not tried: no OVS on the machine that wrote this)."""
import re
import os
import socket
import shutil
import subprocess
import time

import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from vswd_process import Vswd, live_processes, wait_until  # noqa: E402
from generator import MACS, TSO  # noqa: E402

SWITCH_CPU = 1


def mtu_for(frame_size):
    """The port MTU (largest IP packet) a frame of `frame_size` bytes with FCS needs, untagged:
    None up to 1518 (the default 1500 takes it)."""
    return frame_size - 4 - 14 if isinstance(frame_size, int) and frame_size > 1518 else None


class Vsw:
    name = "vsw"

    def __init__(self, work, sockets, frame_size=None):
        self.work, self.sockets = work, sockets
        self.mtu = mtu_for(frame_size)

    binary = None  # this build's vswd
    port_settings = []  # KEY=VALUE settings of both ports at add-port

    def start(self):
        self.vswd = Vswd(self.work, name="bench-vswd", mem_mb=512, binary=self.binary,
                         extra=["--pmd-cores", str(SWITCH_CPU), "--main-core", "0"]).start()
        for i, s in enumerate(self.sockets):
            self.vswd.ctl("add-port", f"p{i}", "--socket", s, *self.port_settings,
                          *([f"mtu={self.mtu}"] if self.mtu else []))

    def wait_up(self, timeout=30):
        for i in range(len(self.sockets)):
            self.vswd.wait_port_state(f"p{i}", "up", timeout)

    def stats(self):
        return self.vswd.ctl("stats")

    def begin(self):
        s = self.stats()
        self._before, self._ports_before = s["pmds"][0], {p["name"]: p for p in s["ports"]}

    def end(self):
        """(cycles per packet, PMD busy %) over the interval, from vswd's PMD counters; each
        port's counter deltas (drops by reason in "drops") in self.port_window."""
        s = self.stats()
        self.port_window = {}
        for p in s["ports"]:
            was = self._ports_before.get(p["name"], {})
            w = {k: v - was.get(k, 0) for k, v in p.items() if isinstance(v, int)}
            w["drops"] = {k: v - was.get("drops", {}).get(k, 0) for k, v in p["drops"].items()}
            self.port_window[p["name"]] = w
        a, b = s["pmds"][0], self._before
        pkts = a["rx_packets"] - b["rx_packets"]
        busy = a["busy_cycles"] - b["busy_cycles"]
        idle = a["idle_cycles"] - b["idle_cycles"]
        return (busy / pkts if pkts else None), (100.0 * busy / (busy + idle) if busy + idle else None)

    def stop(self):
        if hasattr(self, "vswd"):
            self.vswd.stop()
            if os.path.exists(self.vswd.state_path):
                os.unlink(self.vswd.state_path)


class VswMirror(Vsw):
    """vsw plus one mirror session over both ports' received frames, out of a net_null sink."""
    mirror = []

    def start(self):
        super().start()
        self.vswd.ctl("add-port", "sink", "--type", "dpdk", "--devargs", "net_null0,no-rx=1")
        self.vswd.ctl("mirror", "add", "m", "sources=p0,p1", "direction=rx", "output=sink", *self.mirror)


class VswSpan(VswMirror):
    name = "vsw+span"


class VswErspan(VswMirror):
    name = "vsw+erspan"
    mirror = ["erspan=2", "local-ip=192.0.2.1", "remote-ip=192.0.2.2", "session-id=1",
              "next-hop-mac=02:00:00:00:00:01"]


class VswExporting(Vsw):
    """vsw exporting to a local UDP socket that takes datagrams and never reads them."""

    def start(self):
        super().start()
        self.collector = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.collector.bind(("127.0.0.1", 0))
        self.collector_port = self.collector.getsockname()[1]

    def stop(self):
        super().stop()
        if hasattr(self, "collector"):
            self.collector.close()


class VswAll(VswExporting):
    """vsw with every feature a port can have on and passing everything: both ports in access
    VLAN 10, guest TX and RX shapers far above the rate (they count tokens, never limit), a SPAN
    session of both ports' received frames to a net_null sink, IPFIX 1:1 and (unless the build
    is older) NetFlow v9 1:1 and sFlow 1-in-1000 to a local UDP socket that reads nothing, and
    port security (vsw+security's settings)."""
    name = "vsw+all"
    netflow = True
    sflow = True
    security = True

    def start(self):
        super().start()
        port = self.collector_port
        for i in range(len(self.sockets)):
            # 40G as ever; 400G (the most vswd takes) for jumbo frames, which vsw switches at more
            # than 40 Gbit/s (4000 bytes: 46 Gbit/s in one run): the shapers must never limit.
            rate = "400G" if self.mtu else "40G"
            self.vswd.ctl("set-port", f"p{i}", "vlan-mode=access", "tag=10", f"tx-rate={rate}", f"rx-rate={rate}")
        self.vswd.ctl("add-port", "sink", "--type", "dpdk", "--devargs", "net_null0,no-rx=1")
        self.vswd.ctl("mirror", "add", "m", "sources=p0,p1", "direction=rx", "output=sink")
        collectors = [f"--collector=127.0.0.1:{port}"]
        if self.netflow:
            collectors.append(f"--collector=netflow9://127.0.0.1:{port}")
        self.vswd.ctl("ipfix", "set", *collectors, "--sampling=1")
        if self.sflow:
            self.vswd.ctl("sflow", "set", f"collectors=127.0.0.1:{port}", "sampling=1000", "polling=20")
        if self.security:
            secure_ports(self.vswd)


class VswAllIpfix(VswAll):
    """vsw+all without NetFlow: the features an older build (vsw+all-baseline) has too."""
    name = "vsw+all-ipfix"
    netflow = False
    sflow = False
    security = False


def secure_ports(vswd, limits=True):
    """Both ports locked to their generator guest's MAC and testpmd's source address (a cloud
    tenant's port); `limits`: with a MAC limit and storm control too (unicast is not metered)."""
    for i, mac in enumerate(MACS):
        vswd.ctl("set-port", f"p{i}", "port-security=on", f"allowed-macs={mac}",
                 "allowed-ips=10.0.0.1,2001:db8::1,198.18.0.1",
                 *(["mac-limit=16", "flood-rate=10000"] if limits else []))


class VswSecurity(Vsw):
    """vsw with port security on both ports: each frame's source MAC and IPv4 source checked
    before switching, its MAC pinned."""
    name = "vsw+security"
    limits = False

    def start(self):
        super().start()
        secure_ports(self.vswd, self.limits)


class VswSecurityLimits(VswSecurity):
    """vsw+security with a MAC limit and storm control on both ports as well."""
    name = "vsw+security+limits"
    limits = True


class VswSflow(VswExporting):
    """vsw with sFlow sampling 1 in 1000 on both ports (and counters every 20 s) to a local UDP
    socket that reads nothing."""
    name = "vsw+sflow"

    def start(self):
        super().start()
        self.vswd.ctl("sflow", "set", f"collectors=127.0.0.1:{self.collector_port}",
                      "sampling=1000", "polling=20")


class VswAllBaseline(VswAllIpfix):
    """vsw+all-ipfix on vswd as built elsewhere (VSW_BASELINE_BUILD)."""
    name = "vsw+all-baseline"
    binary = os.path.join(os.environ.get("VSW_BASELINE_BUILD", "/nonexistent"), "src", "vswd")


class TestpmdXconnect:
    name = "testpmd-xconnect"

    def __init__(self, work, sockets, frame_size=None):
        self.work, self.sockets = work, sockets  # net_vhost and io forwarding take any length
        self.devargs = ",tso=1,legacy-ol-flags=1" if frame_size == TSO else ""  # see the docstring

    def start(self):
        cmd = ["dpdk-testpmd", f"--lcores=0@0,1@{SWITCH_CPU}", "--no-pci", "--in-memory", "-m", "512",
               f"--file-prefix=bench-xc-{os.getpid()}", "--log-level=*:warning"]
        for i, s in enumerate(self.sockets):
            cmd.append(f"--vdev=net_vhost{i},iface={s},client=1,queues=1{self.devargs}")
        cmd += ["--", "--forward-mode=io", "--auto-start", "--stats-period=3600", "--total-num-mbufs=32768",
                "--rxd=1024", "--txd=1024", "--record-core-cycles"]
        self.log = open(self.work.file("xconnect.log"), "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        live_processes.append(self.proc)

    def wait_up(self, timeout=30):
        time.sleep(1)
        if self.proc.poll() is not None:
            raise AssertionError(f"testpmd cross-connect exited: see {self.work.file('xconnect.log')}")

    def begin(self):
        pass

    def end(self):
        return None, None  # read from testpmd's own report when it stops: see cycles_from_log

    def cycles_from_log(self):
        """testpmd prints "CPU cycles/packet=N" for the whole run when it stops."""
        with open(self.work.file("xconnect.log"), errors="replace") as f:
            m = re.findall(r"CPU cycles/packet=([\d.]+)", f.read())
        return float(m[-1]) if m else None

    def stop(self):
        if not hasattr(self, "proc"):
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class OvsDpdk:
    name = "ovs-dpdk"
    VSWITCHD = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"

    def __init__(self, work, sockets, tso=False, frame_size=None):
        self.work, self.sockets = work, sockets
        self.mtu = mtu_for(frame_size)  # else OVS drops larger frames where they leave ("Too big size")
        self.dir = work.file("ovs")
        self.tso = tso or frame_size == TSO  # userspace-tso-enable: guests keep TSO and checksum offloads

    def vsctl(self, *args):
        return subprocess.run(["ovs-vsctl", f"--db=unix:{self.dir}/db.sock", "--timeout=30", *args],
                              check=True, capture_output=True, text=True).stdout

    def start(self):
        if not os.path.exists(self.VSWITCHD):
            raise AssertionError("OVS with DPDK missing: apt-get install openvswitch-switch-dpdk")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_LOGDIR=self.dir, OVS_DBDIR=self.dir, OVS_SYSCONFDIR=self.dir)
        self.env = env
        subprocess.run(["ovsdb-tool", "create", f"{self.dir}/conf.db", "/usr/share/openvswitch/vswitch.ovsschema"], check=True)
        self.db = subprocess.Popen(["ovsdb-server", f"{self.dir}/conf.db", f"--remote=punix:{self.dir}/db.sock",
                                    f"--unixctl={self.dir}/ovsdb.ctl", f"--log-file={self.dir}/ovsdb.log"],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        live_processes.append(self.db)
        wait_until(lambda: os.path.exists(f"{self.dir}/db.sock"), 20, "ovsdb-server")
        self.vsctl("--no-wait", "init")
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".", "other_config:dpdk-init=true",
                   "other_config:dpdk-socket-mem=512", f"other_config:pmd-cpu-mask={1 << SWITCH_CPU:#x}",
                   "other_config:dpdk-lcore-mask=0x1",
                   f'other_config:dpdk-extra=--file-prefix=bench-ovs-{os.getpid()} --no-pci',
                   f"other_config:userspace-tso-enable={'true' if self.tso else 'false'}")
        self.vswitchd = subprocess.Popen([self.VSWITCHD, f"unix:{self.dir}/db.sock", f"--unixctl={self.dir}/vswitchd.ctl",
                                          f"--log-file={self.dir}/vswitchd.log", "--mlockall"],
                                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        live_processes.append(self.vswitchd)
        self.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev")
        for i, s in enumerate(self.sockets):
            self.vsctl("add-port", "br0", f"vhu{i}", "--", "set", "Interface", f"vhu{i}",
                       "type=dpdkvhostuserclient", f"options:vhost-server-path={s}",
                       *([f"mtu_request={self.mtu}"] if self.mtu else []))

    def wait_up(self, timeout=30):
        def up():
            out = self.vsctl("--columns=link_state", "list", "Interface")
            return out.count(": up") >= len(self.sockets)
        wait_until(up, timeout, "OVS vhost ports up")

    def appctl(self, *args):
        return subprocess.run(["ovs-appctl", f"--target={self.dir}/vswitchd.ctl", *args],
                              capture_output=True, text=True).stdout

    def begin(self):
        self.appctl("dpif-netdev/pmd-stats-clear")

    def end(self):
        """(cycles per packet, busy %) from OVS's own PMD statistics."""
        out = self.appctl("dpif-netdev/pmd-stats-show")
        cpp = re.search(r"avg cycles per packet:\s*([\d.]+)", out)
        busy = re.search(r"processing cycles:\s*\d+\s*\(([\d.]+)%\)", out)
        return (float(cpp.group(1)) if cpp else None), (float(busy.group(1)) if busy else None)

    def stop(self):
        for p in (getattr(self, "vswitchd", None), getattr(self, "db", None)):
            if p is None:
                continue
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for f in os.listdir("/dev/hugepages"):
            if f.startswith(f"bench-ovs-{os.getpid()}"):
                os.unlink(os.path.join("/dev/hugepages", f))


class VswBaseline(Vsw):
    """vsw as built elsewhere (VSW_BASELINE_BUILD=/path/to/build): the same run, an older vswd."""
    name = "vsw-baseline"
    binary = os.path.join(os.environ.get("VSW_BASELINE_BUILD", "/nonexistent"), "src", "vswd")


SWITCHES = [Vsw, TestpmdXconnect, OvsDpdk]  # the default comparison
FEATURES = [VswSpan, VswErspan, VswBaseline, VswAll, VswAllIpfix,
            VswAllBaseline, VswSflow]  # chosen by name: --switches vsw,vsw+span,...



class VswSflowIdle(VswSflow):
    """vsw with sFlow configured (agent, exporter thread, counter polling) but no port sampled:
    what sFlow costs outside the PMD."""
    name = "vsw+sflow-idle"

    def start(self):
        super().start()
        self.vswd.ctl("sflow", "set", "ports=none-of-them")


class VswFlowExport(VswExporting):
    """vsw with flow export 1:1 to one collector, a local UDP socket that reads nothing:
    IPFIX (vsw+ipfix) or NetFlow v9 (vsw+netflow9), to compare the two encoders."""
    name = "vsw+ipfix"
    scheme = ""

    def start(self):
        super().start()
        self.vswd.ctl("ipfix", "set", f"--collector={self.scheme}127.0.0.1:{self.collector_port}",
                      "--sampling=1")


class VswNetflow9(VswFlowExport):
    name = "vsw+netflow9"
    scheme = "netflow9://"


FEATURES += [VswSflowIdle, VswFlowExport, VswNetflow9, VswSecurity, VswSecurityLimits]


def cfm_ports(vswd, n):
    """A CFM MEP on each guest port (1 s CCMs into the guests): every frame they send is read for
    its ethertype by the CFM stage."""
    for i in range(n):
        vswd.ctl("set-port", f"p{i}", f"cfm-mpid={i + 1}", "cfm-interval=1000")


class VswCfm(Vsw):
    """vsw with a CFM MEP on both ports."""
    name = "vsw+cfm"

    def start(self):
        super().start()
        cfm_ports(self.vswd, len(self.sockets))


class VswAllCfm(VswAllIpfix):
    """vsw+all-ipfix with a CFM MEP on both ports as well (bonds need dpdk members: not here)."""
    name = "vsw+all-ipfix+cfm"

    def start(self):
        super().start()
        cfm_ports(self.vswd, len(self.sockets))


FEATURES += [VswCfm, VswAllCfm]


# Twenty security group rules, as a cloud tenant's port has them: Neutron's two egress defaults
# and eighteen ingress rules (services, prefixes, an operator's deny), of which the generators'
# traffic matches late ones: testpmd's UDP 9 from 198.18.0.0/15 and vsw-macgen's UDP 2000 from
# 10.0.0.0/8.
ACL_RULES = [
    ["protocol=tcp", "port=22", "remote=10.0.0.0/8"], ["protocol=tcp", "port=80"], ["protocol=tcp", "port=443"],
    ["protocol=tcp", "port=8000-8080", "remote=192.168.0.0/16"], ["protocol=tcp", "port=3306", "remote=10.1.0.0/16"],
    ["protocol=tcp", "port=5432", "remote=10.2.0.0/16"], ["protocol=tcp", "port=6379", "remote=10.3.0.0/16"],
    ["protocol=udp", "port=53"], ["protocol=udp", "port=123"], ["protocol=udp", "port=161-162", "remote=10.4.0.0/16"],
    ["protocol=icmp", "icmp-type=8"], ["ethertype=ipv6", "protocol=tcp", "port=22"],
    ["ethertype=ipv6", "protocol=tcp", "port=443"], ["ethertype=ipv6", "protocol=icmpv6", "icmp-type=128"],
    ["protocol=tcp", "port=9100", "remote=10.5.0.0/16"], ["protocol=tcp", "port=25", "action=deny", "priority=100"],
    ["protocol=udp", "port=2000", "remote=10.0.0.0/8"], ["protocol=udp", "port=9", "remote=198.18.0.0/15"],
]


def acl_ports(vswd, ports, max_connections=None):
    """Group "bench" (the 20 rules) on `ports`; the table's size first, if given."""
    if max_connections:
        vswd.ctl("conntrack", "set", f"max={max_connections}", "zone-max=0")
    vswd.ctl("acl", "group-add", "bench")
    for r in ACL_RULES:
        vswd.ctl("acl", "rule-add", "bench", "direction=ingress", *r)
    for p in ports:
        vswd.ctl("set-port", p, "security-groups=bench")


class VswAcl(Vsw):
    """vsw with the 20 rules on both ports: every frame is looked up in the connection table of
    the port it leaves and of the port it reaches (testpmd's one 5-tuple, never answered, is
    NEW for conntrack: each frame is classified by the rules as well: the dearer path)."""
    name = "vsw+acl20"

    def start(self):
        super().start()
        acl_ports(self.vswd, [f"p{i}" for i in range(len(self.sockets))])


class OvsDpdkCt(OvsDpdk):
    """OVS-DPDK with Neutron-style conntrack flows instead of NORMAL alone: each port's IP
    traffic through ct() in its zone, established and related pass, new connections through the
    same 20 rules (ct(commit) then NORMAL), the rest dropped. One ct() per frame (the sending
    port's), where vsw+acl20 checks both ports."""
    name = "ovs-dpdk+ct"

    def start(self):
        super().start()
        flows = ["table=0,priority=0,actions=NORMAL"]
        for i in range(len(self.sockets)):
            zone = i + 1
            flows.append(f"table=0,priority=100,ip,in_port=vhu{i},actions=ct(table=1,zone={zone})")
            flows.append(f"table=1,priority=200,ct_state=+trk+est,ip,in_port=vhu{i},actions=NORMAL")
            flows.append(f"table=1,priority=200,ct_state=+trk+rel,ip,in_port=vhu{i},actions=NORMAL")
            prio = 150
            for r in ACL_RULES:
                kv = dict(x.split("=", 1) for x in r)
                if kv.get("ethertype") == "ipv6" or kv.get("action") == "deny":
                    continue
                match = f"{kv['protocol']}"
                if "icmp-type" in kv:
                    match += f",icmp_type={kv['icmp-type']}"
                if "remote" in kv:
                    match += f",nw_src={kv['remote']}"
                lo, _, hi = kv.get("port", "").partition("-")
                ports = range(int(lo), int(hi or lo) + 1) if lo else [None]  # a range: a flow per port
                for port in ports:
                    m = match + (f",tp_dst={port}" if port is not None else "")
                    flows.append(f"table=1,priority={prio},ct_state=+trk+new,{m},in_port=vhu{i},"
                                 f"actions=ct(commit,zone={zone}),NORMAL")
                prio -= 1
            flows.append(f"table=1,priority=1,in_port=vhu{i},actions=drop")
        with open(f"{self.dir}/flows.txt", "w") as f:
            f.write("\n".join(flows) + "\n")
        subprocess.run(["ovs-ofctl", "del-flows", "br0"], env=self.env, check=True, capture_output=True)
        subprocess.run(["ovs-ofctl", "add-flows", "br0", f"{self.dir}/flows.txt"], env=self.env, check=True,
                       capture_output=True)


FEATURES += [VswAcl, OvsDpdkCt]


class VswOneCopy(Vsw):
    """vsw driving both guests' TX rings itself: one copy guest to guest (one-copy=on)."""
    name = "vsw+one-copy"
    port_settings = ["one-copy=on"]


class VswAllIpfixOneCopy(VswAllIpfix):
    """vsw+all-ipfix with one-copy=on."""
    name = "vsw+all-ipfix+one-copy"
    port_settings = ["one-copy=on"]


class VswOneCopyBaseline(VswBaseline):
    """vsw+one-copy as built elsewhere (VSW_BASELINE_BUILD)."""
    name = "vsw+one-copy-baseline"
    port_settings = ["one-copy=on"]


FEATURES += [VswOneCopy, VswAllIpfixOneCopy, VswOneCopyBaseline]


class VswIpfixBaseline(VswFlowExport):
    """vsw+ipfix on vswd as built elsewhere (VSW_BASELINE_BUILD)."""
    name = "vsw+ipfix-baseline"
    binary = os.path.join(os.environ.get("VSW_BASELINE_BUILD", "/nonexistent"), "src", "vswd")


FEATURES += [VswIpfixBaseline]
