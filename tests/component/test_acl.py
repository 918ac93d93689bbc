#!/usr/bin/python3
"""Security groups as an operator runs them (issue 29), with the kernels of two namespaces as
the endpoints, through a vswd with two PMDs (port a on one, port b on the other, so each
connection of b's zone is checked by both):

- `vswctl acl` refuses bad rules, unknown groups and deleting a group a port has, clearly;
- port b with group "web" (Neutron's egress defaults, TCP 22 and ICMP in): a TCP connection
  to 22 works both ways, to 80 is refused (acl_deny); b's own connections out work (their
  replies need no rule); ping works; `conntrack show` lists the connections as conntrack -L;
- a live TCP connection whose rule is deleted is ended (rules judge existing connections
  again): its next segments are dropped as ct_invalid; the rule back, new connections work;
- remote-group: port a in group "db" allows TCP 5432 only from group web's members (port
  security's addresses of b): b connects, after b's allowed-ips change it no longer can;
- Prometheus shows the table's use; restart (SIGKILL) brings groups, rules and the ports' groups
  back from the state file, and a corrupt section is kept, never lost, with the port closed.
"""
import json
import os
import re
import signal
import subprocess
import time
import urllib.request

from acl_oracle import namespaces, quiet_link, sh
from vswtest import Vswd, check, free_port, log, run, wait_until

A_IP, B_IP = "10.31.0.1", "10.31.0.2"


def nsrun(ns, script, timeout=20):
    out = subprocess.run(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", script], capture_output=True,
                         text=True, timeout=timeout)
    return out.stdout.strip()


def server(ns, ip, port):
    """A TCP echo server in namespace `ns` (until killed)."""
    script = ("import socket,threading\n"
              "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
              f"s.bind(('{ip}', {port})); s.listen(16); print('ready', flush=True)\n"
              "def serve(c):\n"
              "    while True:\n"
              "        d=c.recv(4096)\n"
              "        if not d: break\n"
              "        c.sendall(d)\n"
              "while True:\n"
              "    c,_=s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()\n")
    p = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", script], stdout=subprocess.PIPE,
                         text=True)
    check(p.stdout.readline().strip() == "ready", f"echo server on {ip}:{port}")
    return p


def connects(ns, ip, port, timeout=2):
    """Whether a TCP connection from `ns` to ip:port is made and echoes."""
    script = ("import socket\n"
              "try:\n"
              f"    s=socket.create_connection(('{ip}', {port}), timeout={timeout})\n"
              "    s.sendall(b'hello'); print('ok' if s.recv(5) == b'hello' else 'bad')\n"
              "except OSError as e: print('fail', e)\n")
    return nsrun(ns, script) == "ok"


def ping(ns, ip):
    out = sh("ip", "netns", "exec", ns, "ping", "-c", "2", "-i", "0.2", "-W", "1", ip, check_rc=False)
    return " 0% packet loss" in out


class LongConnection:
    """A TCP connection from `ns` that echoes a line whenever asked (stdin), and says whether the
    echo came."""

    def __init__(self, ns, ip, port):
        script = ("import socket,sys\n"
                  f"s=socket.create_connection(('{ip}', {port}), timeout=3)\n"
                  "print('up', flush=True)\n"
                  "for line in sys.stdin:\n"
                  "    try:\n"
                  "        s.sendall(line.encode()); d=s.recv(100); print('echo' if d else 'closed', flush=True)\n"
                  "    except OSError as e:\n"
                  "        print('fail', flush=True)\n")
        self.p = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", script],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        check(self.p.stdout.readline().strip() == "up", f"a connection to {ip}:{port}")

    def echo(self):
        self.p.stdin.write("x\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip() == "echo"

    def close(self):
        self.p.kill()


def drops(vswd, port):
    d = vswd.port_stats(port)["drops"]
    return {k: d.get(k, 0) for k in ("acl_deny", "ct_invalid", "ct_full")}


def test(work):
    tag = os.getpid() % 100000
    with namespaces(f"acla{tag}", f"aclb{tag}") as (ns_a, ns_b):
        ends = {"a": f"acla{tag}h", "b": f"aclb{tag}h"}
        try:
            for k, ns, ip in (("a", ns_a, A_IP), ("b", ns_b, B_IP)):
                sh("ip", "link", "add", ends[k], "type", "veth", "peer", "name", "eth0", "netns", ns)
                quiet_link(None, ends[k])
                quiet_link(ns, "eth0")
                sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{ip}/24", "dev", "eth0")
                sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
            run_acl(work, ns_a, ns_b, ends)
        finally:
            for e in ends.values():
                subprocess.run(["ip", "link", "del", e], capture_output=True)


def run_acl(work, ns_a, ns_b, ends):
    metrics_port = free_port()
    extra = ["--pmd-cores", "1,1", "--metrics-listen", f"127.0.0.1:{metrics_port}"]
    vswd = Vswd(work, extra=extra).start()
    vswd.ctl("add-port", "a", "--type", "dpdk", "--devargs", f"net_af_packet0,iface={ends['a']}")
    vswd.ctl("add-port", "b", "--type", "dpdk", "--devargs", f"net_af_packet1,iface={ends['b']}")
    check(vswd.port("a")["worker"] != vswd.port("b")["worker"], "ports a and b are on different PMDs")
    servers = [server(ns_b, B_IP, 22), server(ns_b, B_IP, 80), server(ns_a, A_IP, 5432), server(ns_a, A_IP, 8080)]
    try:
        check(connects(ns_a, B_IP, 80), "without groups everything passes")
        # Bad requests.
        for args, why in ((["rule-add", "nope", "direction=ingress"], "no security group"),
                          (["group-add", "bad name"], ""),
                          (["group-add", "none"], "none"),
                          (["rule-add", "web", "direction=sideways"], ""),
                          (["rule-add", "web", "direction=ingress", "protocol=icmp", "port=22"], "port"),
                          (["frobnicate"], "")):
            if args[0] == "rule-add" and args[1] == "web" and not vswd.ctl("acl", "show")["groups"]:
                vswd.ctl("acl", "group-add", "web")
            _, err = vswd.ctl_fail("acl", *args)
            check(why.lower() in err.lower(), f"acl {' '.join(args)}: refused ({err.strip()})")
        _, err = vswd.ctl_fail("set-port", "b", "security-groups=nosuch")
        check("nosuch" in err, f"set-port with an unknown group is refused ({err.strip()})")
        # web: Neutron's egress defaults, TCP 22 and ICMP in.
        ssh = vswd.ctl("acl", "rule-add", "web", "direction=ingress", "protocol=tcp", "port=22")["rule"]
        vswd.ctl("acl", "rule-add", "web", "direction=ingress", "protocol=icmp")
        vswd.ctl("set-port", "b", "security-groups=web")
        _, err = vswd.ctl_fail("acl", "group-del", "web")
        check("used by port b" in err, f"a group a port has cannot be deleted ({err.strip()})")
        before = drops(vswd, "b")
        check(connects(ns_a, B_IP, 22), "TCP to b's port 22 (allowed) works")
        check(not connects(ns_a, B_IP, 80), "TCP to b's port 80 (no rule) is refused")
        check(connects(ns_b, A_IP, 8080), "b's own connection out works (its replies need no rule)")
        check(ping(ns_a, B_IP), "ping to b works (ICMP in)")
        check(ping(ns_b, A_IP), "ping from b works (egress, replies by their connection)")
        after = drops(vswd, "b")
        check(after["acl_deny"] > before["acl_deny"], f"the refused SYNs are counted as acl_deny ({after})")
        shown = vswd.ctl_text("conntrack", "show", "b")
        log("conntrack show b:\n" + shown)
        check(re.search(rf"tcp \d+ \w+ src={A_IP} dst={B_IP} sport=\d+ dport=22 ", shown),
              "conntrack show lists the connection to 22 as conntrack -L would")
        # A live connection whose rule goes is ended.
        live = LongConnection(ns_a, B_IP, 22)
        check(live.echo(), "a long connection to 22 echoes")
        vswd.ctl("acl", "rule-del", "web", str(ssh))
        invalid_before = drops(vswd, "b")["ct_invalid"]
        check(not live.echo(), "after its rule is deleted, the live connection no longer passes")
        check(drops(vswd, "b")["ct_invalid"] > invalid_before, "its segments are dropped as ct_invalid")
        live.close()
        check(not connects(ns_a, B_IP, 22), "a new connection to 22 is refused")
        vswd.ctl("acl", "rule-add", "web", "direction=ingress", "protocol=tcp", "port=22")
        check(connects(ns_a, B_IP, 22), "the rule back: connections to 22 work again")
        # remote-group: a's group db lets TCP 5432 in from web's members only.
        vswd.ctl("set-port", "b", "port-security=on", "allowed-macs=" + mac_of(ns_b), f"allowed-ips={B_IP}")
        vswd.ctl("acl", "group-add", "db")
        vswd.ctl("acl", "rule-add", "db", "direction=ingress", "protocol=tcp", "port=5432", "remote-group=web")
        vswd.ctl("set-port", "a", "security-groups=db")
        check(connects(ns_b, A_IP, 5432), "b (a member of web) reaches a's 5432")
        check(not connects(ns_b, A_IP, 8080), "but not a's 8080")
        vswd.ctl("set-port", "b", "allowed-ips=10.31.0.99")
        sh("ip", "netns", "exec", ns_b, "ip", "addr", "add", "10.31.0.99/24", "dev", "eth0")
        src = ("import socket\ntry:\n    s=socket.socket(); s.bind(('10.31.0.99', 0)); s.settimeout(2)\n"
               f"    s.connect(('{A_IP}', 5432)); print('ok')\nexcept OSError as e: print('fail', e)\n")
        check(nsrun(ns_b, src) == "ok", "b's new address is a member of web: it reaches 5432")
        check(not connects(ns_b, A_IP, 5432), "b's old address is no longer a member: refused")
        vswd.ctl("set-port", "b", f"allowed-ips={B_IP},10.31.0.99")
        # Metrics.
        text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
        for family in ("vsw_conntrack_connections ", "vsw_conntrack_port_connections{port=\"b\"}",
                       "vsw_conntrack_capacity 262144", 'vsw_port_drops_total{port="b",reason="acl_deny"}'):
            check(family in text, f"Prometheus has {family.strip()}")
        # Restart: everything back from the state file, the table's size too.
        vswd.ctl("conntrack", "set", "max=300000", "zone-max=1000")
        groups = vswd.ctl("acl", "show")
        vswd.stop(signal.SIGKILL)
        vswd.remove_eal_files()
        vswd = Vswd(work, extra=extra).start()
        check(vswd.ctl("acl", "show") == groups, "after a restart the groups and rules are back")
        ct = vswd.ctl("conntrack", "show")
        check(ct["capacity"] == 300000 and ct["zone-max"] == 1000,
              f"the table has the persisted size, not the default (capacity {ct['capacity']})")
        check(vswd.port("b").get("security-groups") == "web", "port b has its group again")
        wait_until(lambda: connects(ns_a, B_IP, 22), 20, "connections to b's 22 after the restart")
        check(not connects(ns_a, B_IP, 80), "and 80 is still refused after the restart")
        # A corrupt section: kept, the ports with its groups closed.
        vswd.stop(signal.SIGTERM)
        state = vswd.state_path
        with open(state) as f:
            j = json.load(f)
        j["security-groups"] = [{"name": "web", "rules": 42}]
        with open(state, "w") as f:
            json.dump(j, f)
        vswd.remove_eal_files()
        vswd = Vswd(work, extra=extra).start()
        check("cannot restore security-groups" in vswd.log(), "the corrupt section is reported")
        check(not connects(ns_a, B_IP, 22), "port b is closed while its group cannot be read")
        vswd.ctl("set-port", "a", "security-groups=none")
        with open(state) as f:
            check(json.load(f)["security-groups"] == j["security-groups"], "the corrupt section is kept as it was")
    finally:
        for s in servers:
            s.kill()


def mac_of(ns):
    return sh("ip", "netns", "exec", ns, "cat", "/sys/class/net/eth0/address").strip()


if __name__ == "__main__":
    run(test, "acl")
