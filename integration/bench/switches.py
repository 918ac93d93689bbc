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
pair begin()/end() -> cycles per packet over the interval (None if the switch cannot tell)."""
import re
import os
import socket
import shutil
import subprocess
import time

import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from vswd_process import Vswd, live_processes, wait_until  # noqa: E402
from generator import MACS  # noqa: E402

SWITCH_CPU = 1


class Vsw:
    name = "vsw"

    def __init__(self, work, sockets):
        self.work, self.sockets = work, sockets

    binary = None  # this build's vswd

    def start(self):
        self.vswd = Vswd(self.work, name="bench-vswd", mem_mb=512, binary=self.binary,
                         extra=["--pmd-cores", str(SWITCH_CPU), "--main-core", "0"]).start()
        for i, s in enumerate(self.sockets):
            self.vswd.ctl("add-port", f"p{i}", "--socket", s)

    def wait_up(self, timeout=30):
        for i in range(len(self.sockets)):
            self.vswd.wait_port_state(f"p{i}", "up", timeout)

    def stats(self):
        return self.vswd.ctl("stats")

    def begin(self):
        self._before = self.stats()["pmds"][0]

    def end(self):
        """(cycles per packet, PMD busy %) over the interval, from vswd's PMD counters."""
        a, b = self.stats()["pmds"][0], self._before
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
            self.vswd.ctl("set-port", f"p{i}", "vlan-mode=access", "tag=10", "tx-rate=40G", "rx-rate=40G")
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

    def __init__(self, work, sockets):
        self.work, self.sockets = work, sockets

    def start(self):
        cmd = ["dpdk-testpmd", f"--lcores=0@0,1@{SWITCH_CPU}", "--no-pci", "--in-memory", "-m", "512",
               f"--file-prefix=bench-xc-{os.getpid()}", "--log-level=*:warning"]
        for i, s in enumerate(self.sockets):
            cmd.append(f"--vdev=net_vhost{i},iface={s},client=1,queues=1")
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

    def __init__(self, work, sockets, tso=False):
        self.work, self.sockets = work, sockets
        self.dir = work.file("ovs")
        self.tso = tso  # userspace-tso-enable: guests keep TSO and checksum offloads (OVS 2.13+)

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
                       "type=dpdkvhostuserclient", f"options:vhost-server-path={s}")

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
