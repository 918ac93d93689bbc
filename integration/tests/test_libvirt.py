#!/usr/bin/python3
"""libvirt drives vsw: the real libvirtd from Debian runs two TCG guests whose domain XML puts
their NICs on vsw (vhostuser interfaces in vswd's socket directory, VLANs in vsw's metadata,
<bandwidth>), and vsw-libvirt creates, changes and removes the ports.

Checked: the agent waits for a libvirtd that is not running yet; ports appear with the VLAN and
rates of the XML; QEMU as libvirt-qemu:kvm reaches vswd's server socket (permissions); guests in
different VLANs cannot ping, and can once `virsh metadata --live` moves one; a libvirtd restart
loses nothing and events work after it; a stopped domain's port goes and comes back with the
same name; bad metadata is logged and the port still works. Port security from libvirt's
clean-traffic (which libvirt 9.0 drops from vhostuser interfaces, so vsw's metadata carries it):
a guest that changes its MAC loses its network until it changes it back, a second IP it adds can
neither send nor take replies, and its gratuitous ARP for a neighbour's address poisons nobody.
With CTRL_IP_LEARNING=dhcp (set live on a's second NIC, in VLAN 30 with a net_af_packet uplink
to a network namespace where dnsmasq serves DHCP): a's udhcpc gets its lease from dnsmasq, vswd
shows that address in learned-ips, a pings the server from it; from a second address it adds
nothing reaches the namespace (spoofed_ip), and port-security show lists the violation.
The agent runs with --port-security=default: the ports without a filter are locked to their
domain's MAC, and stay exactly so across resyncs."""
import os
import shutil
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from libvirt_env import Agent, DomainGuest, Libvirt, domain_xml, qemu_dir  # noqa: E402
from qemu_guest import boot_all, build_image  # noqa: E402
from vswd_process import BUILD, Vswd, after_exit, check, live_processes, log, run, wait_until  # noqa: E402

NS = "urn:vsw:libvirt:1"
MAC_A, MAC_A2, MAC_B = "52:54:00:1b:00:01", "52:54:00:1b:00:02", "52:54:00:1b:00:03"


def vhostuser(socket, mac, mode="server", bandwidth="", extra=""):
    source = (f"<source type='unix' path='{socket}' mode='server'/>" if mode == "server" else
              f"<source type='unix' path='{socket}' mode='client'><reconnect enabled='yes' timeout='1'/></source>")
    return (f"<interface type='vhostuser'><mac address='{mac}'/>{source}<model type='virtio'/>{bandwidth}{extra}"
            "</interface>")


def metadata(*ports):
    return f"<vsw:ports xmlns:vsw='{NS}'>{''.join(ports)}</vsw:ports>"


def check_clean_traffic(vswd, ga, gb, port_a):
    """a (10.0.0.1, MAC_A) is under clean-traffic, b (10.0.0.2) is its peer in VLAN 10."""
    def drops(reason):
        return vswd.port_stats(port_a)["drops"].get(reason, 0)

    def reaches_b(count=2, source=""):
        return ga.run(f"ping -c {count} -W 1 {source} 10.0.0.2", timeout=30)[0] == 0

    def set_mac(mac):
        status, out = ga.run(f"ip link set eth0 down && ip link set eth0 address {mac} && ip link set eth0 up")
        check(status == 0, f"a set its MAC to {mac}: {out.strip()}", quiet=True)

    started = time.monotonic()
    before = drops("spoofed_mac")
    set_mac("52:54:00:1b:00:66")
    check(not reaches_b(), "with another MAC a loses its network")
    check(drops("spoofed_mac") > before, f"... its frames dropped as spoofed_mac ({drops('spoofed_mac') - before})")
    set_mac(MAC_A)
    check(wait_until(lambda: reaches_b(1), 15, "a to reach b with its own MAC again"),
          "with its own MAC back, a reaches b again")

    check(ga.run("ip addr add 10.0.0.3/24 dev eth0")[0] == 0, "a added 10.0.0.3, an address it was not given",
          quiet=True)
    # A neighbour's address in b's ARP cache (stale, so any ARP for it would update it).
    gb.run("/sbin/ip neigh replace 10.0.0.3 lladdr 52:54:00:1b:00:07 nud stale dev eth0")
    time.sleep(1.2)  # past the neighbour lock time: a gratuitous ARP would now override it
    before = drops("spoofed_arp")
    ga.run("arping -U -c 2 -I eth0 -s 10.0.0.3 10.0.0.3", timeout=20)
    neigh = gb.run("/sbin/ip neigh show 10.0.0.3 dev eth0")[1]
    check(drops("spoofed_arp") >= before + 2 and "52:54:00:1b:00:07" in neigh,
          f"a's gratuitous ARP for 10.0.0.3 dropped as spoofed_arp, b's cache still right: {neigh.strip()}")
    before = drops("spoofed_ip")
    check(not reaches_b(source="-I 10.0.0.3"), "a cannot send from 10.0.0.3")
    check(drops("spoofed_ip") > before, f"... dropped as spoofed_ip ({drops('spoofed_ip') - before})")
    gb.run("/sbin/ip neigh del 10.0.0.3 dev eth0")
    before = drops("spoofed_arp")
    check(gb.run("ping -c 2 -W 1 10.0.0.3", timeout=30)[0] != 0, "b's ping to 10.0.0.3 gets no answer from a")
    neigh = gb.run("/sbin/ip neigh show 10.0.0.3 dev eth0")[1]
    check(drops("spoofed_arp") > before and MAC_A not in neigh,
          f"a's ARP replies for 10.0.0.3 dropped as spoofed_arp, b did not learn a's MAC for it ({neigh.strip()})")
    ga.run("ip addr del 10.0.0.3/24 dev eth0")
    check(reaches_b(1), "from its own address a still reaches b")
    log(f"clean-traffic checks took {time.monotonic() - started:.1f}s")


# A veth leaves the UDP checksum of what its own stack sends for the receiver to fill in, and
# net_af_packet hands such a frame on as it is: with TX checksumming on, udhcpc (reading a raw
# socket) ignored every one of dnsmasq's offers. What `ethtool -K IF tx off` does
# (SIOCETHTOOL, ETHTOOL_STXCSUM), without needing ethtool.
TX_CSUM_OFF = """
import array, fcntl, socket, struct, sys
value = array.array("I", [0x17, 0])
ifreq = struct.pack("16sP", sys.argv[1].encode(), value.buffer_info()[0]).ljust(40, b"\\0")
fcntl.ioctl(socket.socket(), 0x8946, ifreq)
"""


class DhcpUplink:
    """A host behind an uplink: a veth pair whose one end, in a new network namespace, has
    SERVER/24 and dnsmasq handing out leases on it; vswd opens the other end with net_af_packet.
    Removed by close(), and by the harness's clean-ups if the test fails first."""
    SERVER = "10.30.0.1"

    def __init__(self, work):
        tag = os.getpid() % 100000
        self.ns, self.host_if, self.peer_if = f"vswlv{os.getpid()}", f"vswlu{tag}", f"vswlp{tag}"
        self.leases = work.file("dnsmasq.leases")
        self.log_path = work.file("dnsmasq.log")
        self.dnsmasq = None
        after_exit.append(self.close)
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        for cmd in (["ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.peer_if],
                    ["ip", "link", "set", self.peer_if, "netns", self.ns],
                    ["sysctl", "-qw", f"net.ipv6.conf.{self.host_if}.disable_ipv6=1"],
                    ["ip", "link", "set", self.host_if, "up"]):
            subprocess.run(cmd, check=True)
        for cmd in (["sysctl", "-qw", f"net.ipv6.conf.{self.peer_if}.disable_ipv6=1"],
                    ["/usr/bin/python3", "-c", TX_CSUM_OFF, self.peer_if],
                    ["ip", "addr", "add", f"{self.SERVER}/24", "dev", self.peer_if],
                    ["ip", "link", "set", self.peer_if, "up"]):
            self.ns_run(*cmd)

    def ns_run(self, *cmd):
        return subprocess.run(["ip", "netns", "exec", self.ns, *cmd], check=True, capture_output=True, text=True,
                              timeout=30).stdout

    def start_dnsmasq(self):
        # ip netns exec execs dnsmasq itself: the PID is dnsmasq's (kept in the foreground).
        self.dnsmasq = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
             "--port=0", "--user=root", "--no-resolv", "--no-hosts", f"--interface={self.peer_if}",
             "--dhcp-range=10.30.0.100,10.30.0.150,255.255.255.0,1h", "--dhcp-authoritative",
             f"--dhcp-leasefile={self.leases}", "--log-dhcp", f"--log-facility={self.log_path}",
             f"--pid-file={self.leases}.pid"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        live_processes.append(self.dnsmasq)
        wait_until(lambda: os.path.exists(self.leases) or self.dnsmasq.poll() is not None, 10, "dnsmasq to start")
        check(self.dnsmasq.poll() is None, "dnsmasq runs in the uplink's namespace", quiet=True)

    def echo_requests(self):
        """ICMP echo requests the namespace's stack has received (Icmp InEchos)."""
        lines = [line.split() for line in self.ns_run("cat", "/proc/net/snmp").splitlines() if line.startswith("Icmp:")]
        return int(lines[1][lines[0].index("InEchos")])

    def close(self):
        if self.dnsmasq and self.dnsmasq.poll() is None:
            self.dnsmasq.terminate()
            try:
                self.dnsmasq.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.dnsmasq.kill()
                self.dnsmasq.wait()
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)


UDHCPC_SCRIPT = """#!/bin/sh
# udhcpc's event script: configure the lease on the interface, say what it was.
case "$1" in
  deconfig) ip addr flush dev "$interface" ;;
  bound|renew) ip addr add "$ip/$mask" dev "$interface" && echo "bound $ip/$mask server $serverid" ;;
esac
"""


def check_dhcp_learning(vswd, libvirt, ga, name_a, port_a2, work):
    """a's eth1 (MAC_A2) goes under clean-traffic with CTRL_IP_LEARNING=dhcp, in VLAN 30 with an
    uplink to a namespace where dnsmasq serves DHCP: a gets its lease, vswd learns it, a reaches
    the server from it and from no other address."""
    started = time.monotonic()
    up = DhcpUplink(work)
    up.start_dnsmasq()
    vswd.ctl("add-port", "dhcp-up", "--type", "dpdk", "--devargs", f"net_af_packet1,iface={up.host_if}",
             "vlan-mode=access", "tag=30")
    libvirt.virsh("metadata", name_a, "--uri", NS, "--key", "vsw", "--live", "--set",
                  f"<ports><port mac='{MAC_A}' vlan-mode='access' tag='10' filter='clean-traffic'>"
                  "<parameter name='IP' value='10.0.0.1'/></port>"
                  f"<port mac='{MAC_A2}' vlan-mode='access' tag='30' filter='clean-traffic'>"
                  "<parameter name='CTRL_IP_LEARNING' value='dhcp'/></port></ports>")
    p = wait_until(lambda: (lambda p: p if p.get("allowed-ips") == "dhcp" else None)(vswd.port(port_a2)), 10,
                   "a2's CTRL_IP_LEARNING=dhcp to reach vswd")
    check(p["port-security"] == "on" and p["allowed-macs"] == MAC_A2 and p["allowed-ethertypes"] == "ipv4,arp,rarp"
          and not p.get("learned-ips") and p["vlan"] == "access 30",
          "virsh metadata --live put a2 under clean-traffic with CTRL_IP_LEARNING=dhcp (allowed-ips=dhcp, "
          "nothing learned yet)")

    script = UDHCPC_SCRIPT.replace("'", "'\\''")
    ga.check(f"mkdir -p /tmp && printf '%s' '{script}' > /tmp/udhcpc.sh && chmod +x /tmp/udhcpc.sh")
    status, out = ga.run("udhcpc -i eth1 -f -q -n -t 5 -T 1 -s /tmp/udhcpc.sh 2>&1", timeout=30)
    bound = [line.split() for line in out.splitlines() if line.startswith("bound ")]
    check(status == 0 and len(bound) == 1 and bound[0][3] == up.SERVER,
          f"a's udhcpc on eth1 got a lease from dnsmasq: {bound[0][1] if bound else out.strip()}")
    ip = bound[0][1].split("/")[0]
    with open(up.leases) as f:
        leases = f.read()
    check(any(line.split()[1:3] == [MAC_A2, ip] for line in leases.splitlines() if len(line.split()) > 2),
          f"dnsmasq's lease file has {ip} for {MAC_A2}")

    def learned():
        return [x["ip"] for x in vswd.port(port_a2).get("learned-ips", [])]

    deadline = time.monotonic() + 5  # the ACK was punted: the control thread reads it meanwhile
    while learned() != [ip] and time.monotonic() < deadline:
        time.sleep(0.1)
    got = learned()
    check(got == [ip], f"vswd learned it from dnsmasq's DHCPACK: a2's learned-ips {got}")

    echoes = up.echo_requests()
    check(ga.run(f"ping -c 2 -W 2 -I eth1 {up.SERVER}", timeout=30)[0] == 0,
          f"from {ip} a pings dnsmasq's {up.SERVER} in the namespace")
    check(up.echo_requests() >= echoes + 2, "the namespace counted the echo requests")

    def drops(reason):
        return vswd.port_stats(port_a2)["drops"].get(reason, 0)

    fake = "10.30.0.200"
    check(ga.run(f"ip addr add {fake}/24 dev eth1")[0] == 0, f"a added {fake}, an address no server gave it",
          quiet=True)
    before, echoes = drops("spoofed_ip"), up.echo_requests()
    check(ga.run(f"ping -c 2 -W 1 -I {fake} {up.SERVER}", timeout=30)[0] != 0, f"a's ping from {fake} gets no answer")
    check(drops("spoofed_ip") >= before + 2, f"... dropped as spoofed_ip ({drops('spoofed_ip') - before})")
    neigh = up.ns_run("ip", "neigh", "show", fake).strip()
    check(up.echo_requests() == echoes and not neigh,
          f"nothing from {fake} reached the namespace (no echo request, no neighbour entry {neigh!r})")
    view = {q["name"]: q for q in vswd.ctl("port-security", "show")["ports"]}.get(port_a2, {})
    last = view.get("last_violation", {})
    check(view.get("violations", {}).get("spoofed_ip", 0) >= 2 and last.get("mac") == MAC_A2 and
          last.get("ip") == fake and last.get("reason") in ("spoofed_ip", "spoofed_arp"),
          f"port-security show lists a2's violations {view.get('violations')}, the last from {fake}: {last}")
    ga.run(f"ip addr del {fake}/24 dev eth1")
    check(ga.run(f"ping -c 1 -W 2 -I eth1 {up.SERVER}", timeout=30)[0] == 0, f"from {ip} a still reaches the server")
    vswd.ctl("del-port", "dhcp-up")
    up.close()
    log(f"DHCP learning checks took {time.monotonic() - started:.1f}s")


def test(work):
    image = build_image(os.path.join(BUILD, "guest-image"))
    qdir = qemu_dir(work)
    boot = {}
    for key in ("kernel", "initramfs"):  # libvirt relabels boot files: give it copies
        boot[key] = os.path.join(qdir, os.path.basename(image[key]))
        shutil.copy(image[key], boot[key])
        os.chmod(boot[key], 0o644)

    sockets = work.file("vhost")
    vswd = Vswd(work, extra=["--socket-dir", sockets, "--socket-group", "kvm"]).start()
    st = os.stat(sockets)
    check(stat.S_IMODE(st.st_mode) == 0o2770 and st.st_gid == __import__("grp").getgrnam("kvm").gr_gid,
          "vswd made its socket directory 2770 root:kvm")

    libvirt = Libvirt(work)
    agent = Agent(work, libvirt, vswd, "--port-security=default").start()
    agent.wait_log("cannot connect to libvirt")
    check(agent.proc.poll() is None and vswd.alive(), "with libvirtd not running, vsw-libvirt says so and waits")
    libvirt.start()
    agent.wait_log("resynced: 0 active domain(s)")
    log("vsw-libvirt connected and resynced once libvirtd came up")

    tag = __import__("uuid").uuid4().hex[:6]
    name_a, name_b = f"vswlv-{tag}-a", f"vswlv-{tag}-b"
    bw = "<bandwidth><inbound average='12207' burst='128'/><outbound average='6103'/></bandwidth>"
    # libvirt 9.0 drops <filterref> from a vhostuser interface (checked below); vsw's metadata says it.
    filterref = "<filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.1'/></filterref>"
    xml_a = domain_xml(name_a, qdir, boot, [
        vhostuser(f"{sockets}/{name_a}-0", MAC_A, bandwidth=bw, extra=filterref),
        vhostuser(f"{sockets}/{name_a}-1", MAC_A2, mode="client"),
    ], metadata(f"<vsw:port mac='{MAC_A}' vlan-mode='access' tag='10' filter='clean-traffic'>"
                "<vsw:parameter name='IP' value='10.0.0.1'/></vsw:port>",
                f"<vsw:port mac='{MAC_A2}' vlan-mode='access' tag='30'/>"))
    xml_b = domain_xml(name_b, qdir, boot, [vhostuser(f"{sockets}/{name_b}-0", MAC_B)],
                       metadata(f"<vsw:port mac='{MAC_B}' vlan-mode='access' tag='20' colour='blue'/>"))
    for name, xml in ((name_a, xml_a), (name_b, xml_b)):
        path = work.file(f"{name}.xml")
        with open(path, "w") as f:
            f.write(xml)
        libvirt.define(name, path)

    guests = {name_a: DomainGuest(name_a, libvirt, qdir), name_b: DomainGuest(name_b, libvirt, qdir)}
    started = time.monotonic()
    for g in guests.values():
        g.start()
    for g in guests.values():
        g.wait_started()
    log(f"virsh start returned for both domains after {time.monotonic() - started:.1f}s "
        "(QEMU waits for vsw to connect its server sockets)")

    port_a, port_a2, port_b = (f"{name_a}-{MAC_A.replace(':', '')}", f"{name_a}-{MAC_A2.replace(':', '')}",
                               f"{name_b}-{MAC_B.replace(':', '')}")
    pa, pa2, pb = vswd.port(port_a), vswd.port(port_a2), vswd.port(port_b)
    check(pa and pa2 and pb, f"vsw-libvirt created ports {port_a}, {port_a2}, {port_b}")
    uuid_a = libvirt.virsh("domuuid", name_a).stdout.strip()
    check(pa["owner"] == f"libvirt:{uuid_a}" and pa["type"] == "vhost-user-client", "owned by the domain's UUID")
    check(pa["vlan"] == "access 10" and pb["vlan"] == "access 20" and pa2["vlan"] == "access 30",
          "VLANs from the domains' vsw metadata")
    check(pa["rx-rate"] == 12207 * 8192 and pa["rx-burst"] == 128 * 1024 and pa["tx-rate"] == 6103 * 8192,
          f"<bandwidth> applied: inbound -> rx {pa['rx-rate']} bit/s, outbound -> tx {pa['tx-rate']} bit/s")
    check("tx-rate" not in pb and "rx-rate" not in pb, "no <bandwidth>, no limit")
    check(pa2["type"] == "vhost-user-server", "QEMU's client-mode interface is a vswd server port")
    sock_st = os.stat(pa2["socket"])
    check(stat.S_IMODE(sock_st.st_mode) == 0o660, "vswd's server socket is 0660 root:kvm")
    check("unknown vsw metadata attribute 'colour' ignored" in agent.log(), "an unknown metadata attribute is logged")
    check("<filterref" not in libvirt.virsh("dumpxml", name_a).stdout,
          "libvirt 9.0 accepted the vhostuser interface's <filterref> and silently dropped it")
    check(pa.get("port-security") == "on" and pa.get("allowed-macs") == MAC_A and pa.get("allowed-ips") == "10.0.0.1"
          and pa.get("allowed-ethertypes") == "ipv4,arp,rarp",
          "the metadata's clean-traffic (IP 10.0.0.1) became port security of a's port")
    check(all(p.get("port-security") == "on" and p.get("allowed-macs") == mac and p.get("allowed-ips") == "any" and
              p.get("allowed-ethertypes") == "any" for p, mac in ((pb, MAC_B), (pa2, MAC_A2))),
          "with --port-security=default the unfiltered ports are locked to their domain's MAC (addresses open)")

    boot_all(guests, {name_a: "ip link set eth0 up && ip link set eth1 up && ip addr add 10.0.0.1/24 dev eth0",
                      name_b: "ip link set eth0 up && ip addr add 10.0.0.2/24 dev eth0"}, log=log)
    for p in (port_a, port_a2, port_b):
        vswd.wait_port_state(p, "up")
    check(vswd.port(port_a2)["state"] == "up" and vswd.port(port_a2)["connects"] >= 1,
          "QEMU (libvirt-qemu:kvm) connected to vswd's server socket: the client-mode port is up")
    log("vswctl show:\n" + vswd.ctl_text("show"))
    ga, gb = guests[name_a], guests[name_b]

    def pings(count=3):
        return ga.run(f"ping -c {count} -W 2 10.0.0.2", timeout=60)[0] == 0

    check(not pings(2), "guests in VLANs 10 and 20 cannot ping each other")

    def set_vlan(domain, mac, vlan):
        libvirt.virsh("metadata", domain, "--uri", NS, "--key", "vsw", "--live", "--set",
                      f"<ports><port mac='{mac}' vlan-mode='access' tag='{vlan}'/></ports>")

    t0 = time.monotonic()
    set_vlan(name_b, MAC_B, 10)
    wait_until(lambda: vswd.port(port_b)["vlan"] == "access 10", 10, "the live metadata change to reach vswd")
    log(f"virsh metadata --live -> port in VLAN 10 after {time.monotonic() - t0:.2f}s")
    check(pings(), "after virsh metadata --live moved b to VLAN 10, the guests ping (no guest restart)")
    check(vswd.port(port_b)["connects"] == 1, "the port was changed in place, not re-created")
    check_clean_traffic(vswd, ga, gb, port_a)

    # libvirtd restart: guests keep running, the agent reconnects and resyncs, nothing changes.
    before = {p: vswd.port(p) for p in (port_a, port_a2, port_b)}
    mark = len(agent.log())
    libvirt.stop_libvirtd()
    agent.wait_log("connection to libvirt closed", after=mark)
    check(pings(2), "with libvirtd stopped the guests still ping (vswd keeps its ports)")
    libvirt.start_libvirtd()
    agent.wait_log("resynced: 2 active domain(s), 3 port(s) wanted, 0 change(s)", after=mark, timeout=60)
    after = {p: vswd.port(p) for p in (port_a, port_a2, port_b)}
    check(after == before, "after the libvirtd restart every port is exactly as before (config, slot, connects)")
    check("deleted port" not in agent.log()[mark:], "the agent deleted nothing across the restart")
    check(pings(2), "and the guests still ping")
    set_vlan(name_b, MAC_B, 20)
    wait_until(lambda: vswd.port(port_b)["vlan"] == "access 20", 10, "a metadata event after the reconnect")
    check(not pings(2), "events work after the reconnect: b back in VLAN 20, no ping")
    check_dhcp_learning(vswd, libvirt, ga, name_a, port_a2, work)

    # A bad VLAN in the metadata: logged, the port is isolated (admin down), the other works.
    libvirt.virsh("metadata", name_a, "--uri", NS, "--key", "vsw", "--live", "--set",
                  f"<ports><port mac='{MAC_A}' vlan-mode='access' tag='10'/>"
                  f"<port mac='{MAC_A2}' vlan-mode='access' tag='5000'/></ports>")
    wait_until(lambda: vswd.port(port_a2)["admin"] == "down", 10, "the port with a bad VLAN to go admin down")
    check("not '5000'" in agent.log() and vswd.port(port_a)["admin"] == "up",
          "tag=5000 is logged, that port held admin down, the domain's other port unaffected")

    # libvirt refuses live bandwidth changes on vhostuser interfaces; vsw's metadata takes them.
    r = libvirt.virsh("domiftune", name_a, MAC_A, "--live", "--inbound", "2000", check=False)
    check(r.returncode != 0 and "not implemented" in r.stderr,
          f"virsh domiftune on a vhostuser interface is refused by libvirt ({r.stderr.strip().splitlines()[-1]})")
    libvirt.virsh("metadata", name_a, "--uri", NS, "--key", "vsw", "--live", "--set",
                  f"<ports><port mac='{MAC_A}' vlan-mode='access' tag='10' rx-rate='20M'/></ports>")
    wait_until(lambda: vswd.port(port_a).get("rx-rate") == 20_000_000, 10, "the rx-rate from metadata")
    check(vswd.port(port_a)["tx-rate"] == 6103 * 8192 and vswd.port(port_a2)["admin"] == "up",
          "metadata rx-rate=20M overrides <inbound> live; <outbound> stays; a2 (no entry now) is back up")

    # Live attach: QEMU blocks in netdev_add until vsw connects, and libvirt's DEVICE_ADDED comes
    # only after; the agent sees QEMU's new socket appear and resyncs at once.
    mac_hot = "52:54:00:1b:00:04"
    hot_xml = work.file("hotplug.xml")
    with open(hot_xml, "w") as f:
        f.write(vhostuser(f"{sockets}/{name_a}-hot", mac_hot))
    t0 = time.monotonic()
    libvirt.virsh("attach-device", name_a, hot_xml, "--live", timeout=60)
    attach_s = time.monotonic() - t0
    port_hot = f"{name_a}-{mac_hot.replace(':', '')}"
    check(vswd.port(port_hot) is not None, f"virsh attach-device --live returned after {attach_s:.2f}s with "
          f"port {port_hot} in place")
    check(attach_s < 10, "attaching did not wait for a periodic resync")

    # Stopping a domain removes its port; starting it again brings the same name back.
    t0 = time.monotonic()
    gb.kill()
    wait_until(lambda: vswd.port(port_b) is None, 15, "b's port to be removed after virsh destroy")
    log(f"port removed {time.monotonic() - t0:.2f}s after virsh destroy was called")
    check(vswd.port(port_a) is not None, "a's ports stay")
    gb.start()
    gb.wait_started()
    check(vswd.port(port_b) is not None and vswd.port(port_b)["vlan"] == "access 20",
          "started again, b has its port back under the same name with its VLAN")
    gb.kill()

    check(agent.proc.poll() is None and vswd.alive(), "vsw-libvirt and vswd kept running throughout")
    agent.proc.terminate()
    check(agent.proc.wait(timeout=10) == 0, "vsw-libvirt exits 0 on SIGTERM (under ASan: no leak)")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "e2e-libvirt")
