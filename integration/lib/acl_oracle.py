"""Security groups against a differential oracle: the same rules on vsw and on a Linux bridge
with br_netfilter and iptables/ip6tables conntrack, the same seeded traffic through both, and
the verdicts (delivered or not, per packet) compared.

    vsw:     namespace A -- veth -- vswd port "a" (no groups)
             namespace B -- veth -- vswd port "b" (security-groups=...)
    oracle:  namespace A' -- veth -- bridge br0 (namespace R, br_netfilter) -- veth -- namespace B'
             iptables in R: B's rules as Neutron's iptables firewall writes them (a chain per
             direction of B's port, conntrack state first, then the rules, then DROP)

The endpoints have no addresses: the frames are made here (scapy) and sent and received on raw
sockets, so no kernel answers them; the plan is fixed (a "server" answers whether or not the
request got through), so both switches see exactly the same sequence.

Rules are dicts with vswctl's keys (direction, ethertype, protocol, port, icmp-type, icmp-code,
remote, action, priority); rules_to_vswctl() and rules_to_iptables() write them for each side.
"""
import contextlib
import ctypes
import os
import random
import select
import socket
import subprocess
import time

from scapy.all import (ICMP, IP, TCP, UDP, Ether, ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6EchoRequest,
                       ICMPv6ND_NS, IPerror, IPv6, Raw, UDPerror)

MAC_A, MAC_B = "02:29:00:00:00:0a", "02:29:00:00:00:0b"
A4, B4 = "10.29.0.1", "10.29.0.2"
A6, B6 = "2001:db8:29::1", "2001:db8:29::2"
PACKET_OUTGOING = 4
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def sh(*cmd, check_rc=True):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if check_rc and out.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: {out.stderr.strip()}")
    return out.stdout


def raw_socket(ns, ifname):
    """A raw socket on `ifname` in network namespace `ns` (None: this one)."""
    if ns is None:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        s.bind((ifname, 0))
        return s
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns}")
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        s.bind((ifname, 0))
    finally:
        _libc.setns(own, CLONE_NEWNET)
        os.close(own)
        os.close(target)
    s.setblocking(False)
    return s


def quiet_link(ns, ifname):
    """Up, no IPv6 of its own (no RS, MLD or DAD of the kernel's among the test's frames), no
    checksum offload (net_af_packet would pass partial checksums on)."""
    pre = ["ip", "netns", "exec", ns] if ns else []
    sh(*pre, "sysctl", "-qw", f"net.ipv6.conf.{ifname}.disable_ipv6=1")
    sh(*pre, "ethtool", "-K", ifname, "tx", "off", check_rc=False)
    sh(*pre, "ip", "link", "set", ifname, "up")


@contextlib.contextmanager
def namespaces(*names):
    for n in names:
        sh("ip", "netns", "add", n)
    try:
        yield names
    finally:
        for n in names:
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


@contextlib.contextmanager
def vsw_lab():
    """Namespaces A and B, each with eth0 whose peer (in this namespace) vswd attaches:
    yields (sockets {"a", "b"}, {"a": host end, "b": host end})."""
    tag = os.getpid() % 100000
    ns = {"a": f"vsa{tag}", "b": f"vsb{tag}"}
    ends = {"a": f"vsa{tag}h", "b": f"vsb{tag}h"}
    with namespaces(*ns.values()):
        try:
            for k in ("a", "b"):
                sh("ip", "link", "add", ends[k], "type", "veth", "peer", "name", "eth0", "netns", ns[k])
                quiet_link(None, ends[k])
                quiet_link(ns[k], "eth0")
            yield {k: raw_socket(ns[k], "eth0") for k in ("a", "b")}, ends
        finally:
            for e in ends.values():
                subprocess.run(["ip", "link", "del", e], capture_output=True)


@contextlib.contextmanager
def bridge_lab():
    """Namespaces A', B' and R: A' and B' each with eth0, whose peers pa and pb are br0's ports
    in R, with br_netfilter: yields (sockets {"a", "b"}, R)."""
    tag = os.getpid() % 100000
    ns = {"a": f"ora{tag}", "b": f"orb{tag}"}
    r = f"orr{tag}"
    with namespaces(ns["a"], ns["b"], r):
        sh("ip", "netns", "exec", r, "ip", "link", "add", "br0", "type", "bridge", "forward_delay", "0")
        for k in ("a", "b"):
            sh("ip", "link", "add", "eth0", "netns", ns[k], "type", "veth", "peer", "name", f"p{k}", "netns", r)
            quiet_link(ns[k], "eth0")
            sh("ip", "netns", "exec", r, "ip", "link", "set", f"p{k}", "master", "br0")
            quiet_link(r, f"p{k}")
        quiet_link(r, "br0")
        yield {k: raw_socket(ns[k], "eth0") for k in ("a", "b")}, r


# ---- the rules, written for each side ----

def rules_to_vswctl(rule):
    return [f"{k}={v}" for k, v in rule.items()]


def decision_order(rules):
    """vsw's order (acl_classifier.h): priority, deny before allow, then the order given."""
    return sorted(range(len(rules)), key=lambda i: (int(rules[i].get("priority", 65535)),
                                                     0 if rules[i].get("action") == "deny" else 1, i))


def _iptables_match(rule, v6):
    m = []
    proto = rule.get("protocol", "any")
    if proto == "icmp" and v6:
        proto = "icmpv6"
    if proto != "any":
        m += ["-p", {"icmpv6": "ipv6-icmp"}.get(proto, proto)]
    if "port" in rule:
        m += ["--dport", rule["port"].replace("-", ":")]
    if "icmp-type" in rule:
        t = rule["icmp-type"] + ("/" + rule["icmp-code"] if "icmp-code" in rule else "")
        m += ["--icmpv6-type" if v6 else "--icmp-type", t]
    if "remote" in rule:
        m += ["-s" if rule["direction"] == "ingress" else "-d", rule["remote"]]
    return m


def rules_to_iptables(rules, zone_max=None):
    """{"iptables": [[args]...], "ip6tables": [...]}: B's chains in R's FORWARD."""
    out = {}
    for tool, v6 in (("iptables", False), ("ip6tables", True)):
        cmds = [["-N", "b-in"], ["-N", "b-out"], ["-N", "b-accept"],
                ["-A", "FORWARD", "-m", "physdev", "--physdev-out", "pb", "--physdev-is-bridged", "-j", "b-in"],
                ["-A", "FORWARD", "-m", "physdev", "--physdev-in", "pb", "--physdev-is-bridged", "-j", "b-out"],
                ["-A", "FORWARD", "-j", "ACCEPT"]]
        if zone_max is not None:  # vsw's zone-max: the port's connections, both ways
            cmds.append(["-A", "b-accept", "-m", "connlimit", "--connlimit-above", str(zone_max),
                         "--connlimit-mask", "0", "-j", "DROP"])
        cmds.append(["-A", "b-accept", "-j", "ACCEPT"])
        for chain, direction in (("b-in", "ingress"), ("b-out", "egress")):
            if v6:  # neighbour discovery and MLD: untracked, always through
                for t in (130, 131, 132, 133, 134, 135, 136, 143):
                    cmds.append(["-A", chain, "-p", "ipv6-icmp", "--icmpv6-type", str(t), "-j", "ACCEPT"])
            cmds.append(["-A", chain, "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP"])
            cmds.append(["-A", chain, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"])
            # DHCP client traffic (Neutron's): out 68->67, in 67->68 (v6: 546/547)
            sport, dport = ((546, 547) if v6 else (68, 67)) if direction == "egress" else \
                ((547, 546) if v6 else (67, 68))
            cmds.append(["-A", chain, "-p", "udp", "--sport", str(sport), "--dport", str(dport), "-j", "b-accept"])
            for i in decision_order(rules):
                rule = rules[i]
                if rule["direction"] != direction or (rule.get("ethertype", "ipv4") == "ipv6") != v6:
                    continue
                target = "DROP" if rule.get("action") == "deny" else "b-accept"
                cmds.append(["-A", chain, *_iptables_match(rule, v6), "-j", target])
            cmds.append(["-A", chain, "-j", "DROP"])
        out[tool] = cmds
    return out


def install_oracle_rules(r, rules, zone_max=None):
    for tool, cmds in rules_to_iptables(rules, zone_max).items():
        sh("ip", "netns", "exec", r, tool, "-F")
        sh("ip", "netns", "exec", r, tool, "-X")
        for c in cmds:
            sh("ip", "netns", "exec", r, tool, *c)
    # After the rules (they load conntrack): bridged frames through them; a connection opens
    # with a SYN only (vsw's and Linux's strict mode).
    for key in ("net.bridge.bridge-nf-call-iptables=1", "net.bridge.bridge-nf-call-ip6tables=1",
                "net.netfilter.nf_conntrack_tcp_loose=0"):
        sh("ip", "netns", "exec", r, "sysctl", "-qw", key)
    sh("ip", "netns", "exec", r, "conntrack", "-F", check_rc=False)


# ---- the traffic ----

class Tcp:
    """A TCP connection's segments, made in order (nobody answers them: the plan does)."""

    def __init__(self, client, server, sport, dport, v6, rng):
        self.ends = {"c": client, "s": server}
        self.port = {"c": sport, "s": dport}
        self.v6 = v6
        self.nxt = {"c": rng.getrandbits(32), "s": rng.getrandbits(32)}  # each side's next seq

    def seg(self, side, flags, payload=b"", seq=None, ack=None):
        """A segment from `side` ("c" or "s"); seq/ack given: made up (the plan goes on as if
        it had not been sent)."""
        other = "s" if side == "c" else "c"
        t = TCP(sport=self.port[side], dport=self.port[other], flags=flags, window=65535,
                seq=self.nxt[side] if seq is None else seq,
                ack=(self.nxt[other] if ack is None else ack) if "A" in flags else 0)
        if seq is None:
            step = len(payload) + (1 if "S" in flags or "F" in flags else 0)
            self.nxt[side] = (self.nxt[side] + step) % 2**32
        frame = l3(self.ends[side], self.ends[other], self.v6) / t
        return (self.ends[side], frame / Raw(payload) if payload else frame)

    def handshake(self):
        return [self.seg("c", "S"), self.seg("s", "SA"), self.seg("c", "A")]

    def exchange(self, n=2):
        out = []
        for i in range(n):
            out.append(self.seg("c", "PA", b"q" * (20 + i)))
            out.append(self.seg("s", "PA", b"r" * (30 + i)))
        return out

    def close(self):
        return [self.seg("c", "FA"), self.seg("s", "FA"), self.seg("c", "A")]


def l3(src, dst, v6):
    addr = {"a": (A4, A6), "b": (B4, B6)}
    mac = {"a": MAC_A, "b": MAC_B}
    e = Ether(src=mac[src], dst=mac[dst])
    return e / (IPv6(src=addr[src][1], dst=addr[dst][1]) if v6 else IP(src=addr[src][0], dst=addr[dst][0]))


def generate(seed, ports_in, udp_in):
    """The plan: [(sender "a"|"b", frame, what)]. A is outside, B the guest with groups;
    ports_in: TCP ports to try on B (open and closed), udp_in: UDP ports."""
    rng = random.Random(seed)
    plan = []

    def add(items, what):
        plan.extend((s, f, what) for s, f in items)

    sport = iter(range(20000 + rng.randrange(1000), 65000))
    # TCP into B, both families, to each port: handshake, data, close.
    for v6 in (False, True):
        for port in ports_in:
            c = Tcp("a", "b", next(sport), port, v6, rng)
            add(c.handshake() + c.exchange() + c.close(), f"tcp-in {port}{' v6' if v6 else ''}")
    # TCP out of B: its egress rules decide; then RST-closed.
    for v6 in (False, True):
        for port in (80, 443, 25):
            c = Tcp("b", "a", next(sport), port, v6, rng)
            add(c.handshake() + c.exchange(1) + [c.seg("c", "RA")] + [c.seg("s", "PA", b"late")],
                f"tcp-out {port}{' v6' if v6 else ''}")
    # Out of state: an ACK, a RST, a SYN-ACK, a FIN with no connection; data beyond the window
    # and an ACK of unsent data on a live one.
    for port in ports_in[:3]:
        c = Tcp("a", "b", next(sport), port, False, rng)
        add([c.seg("c", "A"), c.seg("c", "R"), c.seg("c", "SA"), c.seg("c", "FA")], f"no-connection {port}")
        c = Tcp("a", "b", next(sport), port, False, rng)
        add(c.handshake() + c.exchange(1), f"live {port}")
        add([c.seg("c", "PA", b"far", seq=(c.nxt["c"] + 10_000_000) % 2**32)], f"beyond-window {port}")
        add([c.seg("s", "A", ack=(c.nxt["c"] + 10_000_000) % 2**32)], f"ack-unsent {port}")
        add(c.exchange(1), f"after {port}")
    # A scan of B: SYNs to random ports, B resets (or answers) each.
    for _ in range(24):
        port = rng.choice(ports_in + [rng.randrange(1, 65535)])
        c = Tcp("a", "b", next(sport), port, False, rng)
        add([c.seg("c", "S"), c.seg("s", "RA")], f"scan {port}")
    # UDP both ways: a request, its answer, more; ICMP port unreachable for one.
    for v6 in (False, True):
        for port in udp_in:
            sp = next(sport)
            q = l3("a", "b", v6) / UDP(sport=sp, dport=port) / Raw(b"query")
            r = l3("b", "a", v6) / UDP(sport=port, dport=sp) / Raw(b"answer")
            add([("a", q), ("b", r), ("a", q / Raw(b"2")), ("b", r / Raw(b"2"))], f"udp-in {port}")
        sp = next(sport)
        q = l3("b", "a", v6) / UDP(sport=sp, dport=53) / Raw(b"dns?")
        add([("b", q), ("a", l3("a", "b", v6) / UDP(sport=53, dport=sp) / Raw(b"dns!"))], "udp-out 53")
        # A answers B's datagram with port unreachable: related to B's connection.
        sp = next(sport)
        q = l3("b", "a", v6) / UDP(sport=sp, dport=9) / Raw(b"discard?")
        if v6:
            err = l3("a", "b", True) / ICMPv6DestUnreach(code=4) / IPv6(src=B6, dst=A6) / UDP(sport=sp, dport=9) / Raw(b"discard?")
        else:
            err = l3("a", "b", False) / ICMP(type=3, code=3) / IPerror(src=B4, dst=A4) / UDPerror(sport=sp, dport=9) / Raw(b"discard?")
        add([("b", q), ("a", err)], "icmp-error related")
        # The same error about a datagram B never sent: no connection.
        if v6:
            err = l3("a", "b", True) / ICMPv6DestUnreach(code=4) / IPv6(src=B6, dst=A6) / UDP(sport=1, dport=9)
        else:
            err = l3("a", "b", False) / ICMP(type=3, code=3) / IPerror(src=B4, dst=A4) / UDPerror(sport=1, dport=9)
        add([("a", err)], "icmp-error unrelated")
    # ICMP echo both ways, an unsolicited reply.
    for v6 in (False, True):
        ident = rng.randrange(1, 65535)
        req = (lambda s, d: l3(s, d, True) / ICMPv6EchoRequest(id=ident, seq=1)) if v6 else \
            (lambda s, d: l3(s, d, False) / ICMP(type=8, id=ident, seq=1))
        rep = (lambda s, d: l3(s, d, True) / ICMPv6EchoReply(id=ident, seq=1)) if v6 else \
            (lambda s, d: l3(s, d, False) / ICMP(type=0, id=ident, seq=1))
        add([("a", req("a", "b")), ("b", rep("b", "a"))], "echo in")
        add([("b", req("b", "a") / Raw(b"o")), ("a", rep("a", "b") / Raw(b"o"))], "echo out")
        add([("a", rep("a", "b") / Raw(b"unasked"))], "echo reply, no request")
    # IPv6 neighbour discovery passes both ways.
    add([("a", l3("a", "b", True) / ICMPv6ND_NS(tgt=B6)), ("b", l3("b", "a", True) / ICMPv6ND_NS(tgt=A6))], "nd")
    return [(s, bytes(f), what) for s, f, what in plan]


def overflow_plan(seed, port, flows):
    """`flows` UDP flows from A to B's `port`, then a reply from B and a second datagram on each."""
    rng = random.Random(seed)
    base = 30000 + rng.randrange(1000)
    plan = []
    for i in range(flows):
        plan.append(("a", l3("a", "b", False) / UDP(sport=base + i, dport=port) / Raw(b"open"), f"flow {i}"))
    for i in range(flows):
        plan.append(("b", l3("b", "a", False) / UDP(sport=port, dport=base + i) / Raw(b"reply"), f"flow {i} reply"))
        plan.append(("a", l3("a", "b", False) / UDP(sport=base + i, dport=port) / Raw(b"again"), f"flow {i} again"))
    return [(s, bytes(f), what) for s, f, what in plan]


def drain(s):
    while True:
        try:
            s.recv(65535)
        except BlockingIOError:
            return


def run_plan(sockets, plan, wait=0.05):
    """Sends each frame of the plan in turn; returns [delivered?] per frame."""
    for s in sockets.values():
        drain(s)
    verdicts = []
    for sender, frame, _ in plan:
        receiver = sockets["b" if sender == "a" else "a"]
        want = frame[14:]
        sockets[sender].send(frame)
        deadline = time.monotonic() + wait
        got = False
        while not got:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([receiver], [], [], left)[0]:
                break
            try:
                data, addr = receiver.recvfrom(65535)
            except BlockingIOError:
                continue
            if addr[2] != PACKET_OUTGOING and data[14:14 + len(want)] == want:
                got = True
        verdicts.append(got)
    return verdicts
