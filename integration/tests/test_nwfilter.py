#!/usr/bin/python3
"""libvirt's traffic filters (nwfilter) on vsw, with the real libvirtd and two TCG guests.

A custom filter defined with `virsh nwfilter-define` (clean-traffic, then: accept TCP to one port
and ICMP in, accept all out, drop the rest) is named in a's vsw metadata (libvirt drops
<filterref> from vhostuser interfaces). vsw-libvirt reads it through libvirt's nwfilter API and
enforces it: clean-traffic as port security, the IP rules as a security group of the port's
own (nwf-PORT, `security-groups=` on the port). Checked:

* the group holds exactly the filter's rules, the port names it;
* b reaches a's allowed port (iperf3) and pings a; a closed port on a is blocked; a reaches b on
  any port (all out, the replies through connection tracking);
* `virsh nwfilter-define` with the allowed port changed takes effect without restarting the
  guest (libvirt has no nwfilter events: vsw-libvirt re-reads the filters in use every 2 s):
  the new port is open, the old one closed, the guest's QEMU and vhost-user connection the same;
* a filter vsw cannot express (a source port match): a's second NIC, defined with it, is created
  admin down with the reason in its description (`vswctl show`), and so is a's first port when
  its filter is redefined with such a rule live; redefined back, the port comes up with its
  group again;
* a stopped domain's port goes, and its group after it.
"""
import os
import shutil
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from libvirt_env import Agent, DomainGuest, Libvirt, domain_xml, qemu_dir  # noqa: E402
from qemu_guest import boot_all, build_image  # noqa: E402
from vswd_process import BUILD, Vswd, after_exit, check, log, run, wait_until  # noqa: E402

NS = "urn:vsw:libvirt:1"
MAC_A, MAC_A2, MAC_B = "52:54:00:1c:00:01", "52:54:00:1c:00:02", "52:54:00:1c:00:03"
IP_A, IP_B = "10.0.0.1", "10.0.0.2"
NWFILTER_DIR = "/etc/libvirt/nwfilter"  # where libvirtd keeps what nwfilter-define gives it


def vhostuser(socket, mac):
    return (f"<interface type='vhostuser'><mac address='{mac}'/>"
            f"<source type='unix' path='{socket}' mode='server'/><model type='virtio'/></interface>")


def metadata(*ports):
    return f"<vsw:ports xmlns:vsw='{NS}'>{''.join(ports)}</vsw:ports>"


def ssh_filter(name, filter_uuid, port, extra=""):
    """TCP to `port` and ICMP in, everything out, the rest dropped, over clean-traffic. The UUID
    stays the same across versions: libvirt refuses a redefinition under another one."""
    return f"""<filter name='{name}' chain='root'>
  <uuid>{filter_uuid}</uuid>
  <filterref filter='clean-traffic'/>
  <rule action='accept' direction='in' priority='100'><tcp dstportstart='{port}' state='NEW'/></rule>
  <rule action='accept' direction='in' priority='110'><icmp/></rule>
  <rule action='accept' direction='out' priority='200'><all/></rule>{extra}
  <rule action='drop' direction='inout' priority='1000'><all/></rule>
</filter>
"""


# What vsw cannot enforce: vsw's rules match destination ports only.
SRCPORT_RULE = ("\n  <rule action='accept' direction='in' priority='120'>"
                "<tcp srcportstart='1024' dstportstart='8080'/></rule>")


def expected_rules(port):
    """The group's rules for ssh_filter(port), as `vswctl acl show` words, in decision order."""
    return [f"direction=ingress ethertype=ipv4 protocol=tcp port={port} priority=1",
            "direction=ingress ethertype=ipv4 protocol=icmp priority=2",
            "direction=egress ethertype=ipv4 priority=3"]


class Filters:
    """Filters this test defines in libvirtd. libvirtd writes them to /etc/libvirt/nwfilter: they
    are undefined at the end, whatever happens (before libvirtd stops), and their files removed
    if libvirtd could not do it."""

    def __init__(self, work, libvirt):
        self.work, self.libvirt, self.names = work, libvirt, set()
        after_exit.insert(0, self.cleanup)  # before Libvirt's clean-up stops libvirtd

    def define(self, name, xml):
        path = self.work.file(f"nwfilter-{name}-{time.monotonic_ns()}.xml")
        with open(path, "w") as f:
            f.write(xml)
        self.names.add(name)
        self.libvirt.virsh("nwfilter-define", path)

    def cleanup(self):
        for name in sorted(self.names):
            if self.libvirt.libvirtd_running():
                self.libvirt.virsh("nwfilter-undefine", name, check=False)
            try:
                os.unlink(os.path.join(NWFILTER_DIR, f"{name}.xml"))
            except FileNotFoundError:
                pass
        self.names.clear()


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
    libvirt = Libvirt(work).start()
    filters = Filters(work, libvirt)
    listed = libvirt.virsh("nwfilter-list").stdout
    check("clean-traffic" in listed, "libvirtd's nwfilter driver answers and has libvirt's own filters")

    tag = uuid.uuid4().hex[:6]
    ssh, odd = f"vsw-e2e-ssh-{tag}", f"vsw-e2e-srcport-{tag}"
    ssh_uuid, odd_uuid = str(uuid.uuid4()), str(uuid.uuid4())
    filters.define(ssh, ssh_filter(ssh, ssh_uuid, 22))
    filters.define(odd, ssh_filter(odd, odd_uuid, 22, SRCPORT_RULE))
    agent = Agent(work, libvirt, vswd).start()
    agent.wait_log("resynced: 0 active domain(s)")

    name_a, name_b = f"vswnf-{tag}-a", f"vswnf-{tag}-b"
    xml_a = domain_xml(name_a, qdir, boot, [vhostuser(f"{sockets}/{name_a}-0", MAC_A),
                                            vhostuser(f"{sockets}/{name_a}-1", MAC_A2)],
                       metadata(f"<vsw:port mac='{MAC_A}' filter='{ssh}'>"
                                f"<vsw:parameter name='IP' value='{IP_A}'/></vsw:port>",
                                f"<vsw:port mac='{MAC_A2}' filter='{odd}'>"
                                f"<vsw:parameter name='IP' value='10.0.1.1'/></vsw:port>"))
    xml_b = domain_xml(name_b, qdir, boot, [vhostuser(f"{sockets}/{name_b}-0", MAC_B)])
    for name, xml in ((name_a, xml_a), (name_b, xml_b)):
        path = work.file(f"{name}.xml")
        with open(path, "w") as f:
            f.write(xml)
        libvirt.define(name, path)
    guests = {name_a: DomainGuest(name_a, libvirt, qdir), name_b: DomainGuest(name_b, libvirt, qdir)}
    for g in guests.values():
        g.start()
    for g in guests.values():
        g.wait_started()
    ga, gb = guests[name_a], guests[name_b]

    port_a, port_a2, port_b = (f"{name_a}-{MAC_A.replace(':', '')}", f"{name_a}-{MAC_A2.replace(':', '')}",
                               f"{name_b}-{MAC_B.replace(':', '')}")
    group_a = f"nwf-{port_a}"

    def group(name):
        """The group's rules as words (in vswd's order of ids) and its ports, or None."""
        for g in vswd.ctl("acl", "show")["groups"]:
            if g["name"] == name:
                return {"rules": [r["rule"] for r in g["rules"]], "ports": g["ports"]}
        return None

    def rules_are(name, want):
        g = group(name)
        return g is not None and sorted(g["rules"]) == sorted(want)

    pa, pa2, pb = vswd.port(port_a), vswd.port(port_a2), vswd.port(port_b)
    check(pa and pa2 and pb, f"vsw-libvirt created ports {port_a}, {port_a2}, {port_b}")
    check(pa["admin"] == "up" and pa.get("security-groups") == group_a,
          f"a's filtered port is up and names its own group: security-groups={pa.get('security-groups')}")
    check(pa.get("port-security") == "on" and pa.get("allowed-ips") == IP_A and
          pa.get("allowed-ethertypes") == "ipv4,arp,rarp",
          "the filter's clean-traffic became a's port security (allowed-ips, ethertypes)")
    g = group(group_a)
    check(g is not None and g["rules"] == expected_rules(22) and g["ports"] == [port_a],
          f"group {group_a} holds exactly the filter's rules, in order, used by a's port only: {g}")
    check(pb["admin"] == "up" and "security-groups" not in pb and group(f"nwf-{port_b}") is None,
          "b, without a filter, has no group")
    check(pa2["admin"] == "down" and pa2.get("description", "").startswith(f"nwfilter: filter '{odd}' rule ")
          and "srcportstart" in pa2["description"] and "security-groups" not in pa2,
          f"a's second NIC, whose filter matches a source port, is admin down: {pa2.get('description')!r}")
    show = vswd.ctl_text("show")
    check(f"{port_a2}: nwfilter: filter '{odd}'" in show, "... and `vswctl show` says why")
    check("traffic filter refused" in agent.log() and "srcportstart" in agent.log(), "... and the agent's log")

    boot_all(guests, {name_a: f"ip link set eth0 up && ip addr add {IP_A}/24 dev eth0",
                      name_b: f"ip link set eth0 up && ip addr add {IP_B}/24 dev eth0"}, log=log)
    for p in (port_a, port_b):
        vswd.wait_port_state(p, "up")
    log("vswctl show:\n" + vswd.ctl_text("show"))
    for port in (22, 2222, 5201):  # a listens on the filter's ports, old and new, and on a closed one
        ga.check(f"iperf3 -s -D -p {port}")
    gb.check("iperf3 -s -D -p 5201")
    time.sleep(0.5)

    def b_reaches_a(port):
        status, out = gb.run(f"iperf3 -c {IP_A} -p {port} -t 1 -f m --connect-timeout 3000", timeout=60)
        return status == 0

    check(gb.run(f"ping -c 3 -W 2 {IP_A}", timeout=60)[0] == 0, "b pings a (ICMP in is accepted)")
    check(b_reaches_a(22), "iperf3 b -> a on TCP 22, the filter's port, works")
    check(not b_reaches_a(5201), "iperf3 b -> a on TCP 5201 is blocked (the filter drops it)")
    check(ga.run(f"iperf3 -c {IP_B} -p 5201 -t 1 -f m --connect-timeout 3000", timeout=60)[0] == 0,
          "iperf3 a -> b on TCP 5201 works (all out; the replies through connection tracking)")

    # A changed filter takes effect without restarting the guest.
    qemu_pid = open(f"/run/libvirt/qemu/{name_a}.pid").read().strip()
    connects = vswd.port(port_a)["connects"]
    mark = len(agent.log())
    t0 = time.monotonic()
    filters.define(ssh, ssh_filter(ssh, ssh_uuid, 2222))
    wait_until(lambda: rules_are(group_a, expected_rules(2222)), 15, "the changed filter to reach a's group")
    took = time.monotonic() - t0
    check(took < 8, f"virsh nwfilter-define 22 -> 2222 reached vswd after {took:.1f}s (re-read every 2 s)")
    check(f"traffic filter '{ssh}' changed" in agent.log()[mark:], "the agent says which filter changed")
    check(group(group_a)["rules"] and vswd.port(port_a).get("security-groups") == group_a,
          "the same group, changed in place")
    check(b_reaches_a(2222), "iperf3 b -> a on TCP 2222, the new port, works")
    check(not b_reaches_a(22), "iperf3 b -> a on TCP 22, the old one, is blocked now")
    check(open(f"/run/libvirt/qemu/{name_a}.pid").read().strip() == qemu_pid and
          vswd.port(port_a)["connects"] == connects and vswd.port(port_a)["state"] == "up",
          "the guest was not restarted, its vhost-user connection not touched")

    # Unchanged filters cause no churn.
    mark = len(agent.log())
    time.sleep(5)
    check("security group" not in agent.log()[mark:] and "updated port" not in agent.log()[mark:],
          "with nothing changed, the periodic re-reads change nothing")

    # Redefined with what vsw cannot express: the port goes down, says why, loses its group.
    filters.define(ssh, ssh_filter(ssh, ssh_uuid, 2222, SRCPORT_RULE))
    wait_until(lambda: vswd.port(port_a)["admin"] == "down", 15, "a's port to go admin down")
    pa = vswd.port(port_a)
    check(pa.get("description", "").startswith(f"nwfilter: filter '{ssh}' rule ") and "srcportstart" in pa["description"],
          f"a's filter redefined with a source port match: admin down, {pa.get('description')!r}")
    wait_until(lambda: group(group_a) is None, 10, "a's group to be deleted once its port no longer names it")
    check("security-groups" not in pa, "the port names no group, and the group is gone")
    check(gb.run(f"ping -c 2 -W 1 {IP_A}", timeout=30)[0] != 0, "b cannot reach a (its port is down)")
    filters.define(ssh, ssh_filter(ssh, ssh_uuid, 2222))
    wait_until(lambda: vswd.port(port_a)["admin"] == "up", 15, "a's port to come back up")
    check(vswd.port(port_a).get("security-groups") == group_a and rules_are(group_a, expected_rules(2222)),
          "redefined back: the port is up, with its group and rules again")
    check(wait_until(lambda: b_reaches_a(2222), 20, "b to reach a on 2222 again"), "and b reaches a on 2222 again")

    # A stopped domain: its ports go, then their group.
    ga.kill()
    wait_until(lambda: vswd.port(port_a) is None, 15, "a's port to be removed after virsh destroy")
    wait_until(lambda: group(group_a) is None, 10, "a's group to be deleted after its port")
    check(not any(g["name"].startswith(f"nwf-{name_a}") for g in vswd.ctl("acl", "show")["groups"]),
          "a stopped: its ports and its group are gone")
    gb.kill()

    check(agent.proc.poll() is None and vswd.alive(), "vsw-libvirt and vswd kept running throughout")
    agent.proc.terminate()
    check(agent.proc.wait(timeout=10) == 0, "vsw-libvirt exits 0 on SIGTERM")
    filters.cleanup()
    check(not any(os.path.exists(os.path.join(NWFILTER_DIR, f"{n}.xml")) for n in (ssh, odd)),
          "the test's filters are undefined")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "e2e-nwfilter")
