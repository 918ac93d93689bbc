#!/usr/bin/python3
"""Security groups and connection tracking against a differential oracle nobody here wrote
(issue 29): the same rule sets on vsw and on a Linux bridge with br_netfilter and
iptables/ip6tables conntrack (integration/lib/acl_oracle.py), the same seeded traffic through
both, and the verdicts (delivered or not, per packet) must agree:

- TCP connections into the guest (open and closed ports, IPv4 and IPv6) and out of it, with
  data and closes; out-of-state TCP (an ACK, a RST, a SYN-ACK, a FIN with no connection; data
  beyond the window; an ACK of data never sent); a port scan with the guest's resets;
- UDP both ways, ICMP echo both ways and an unsolicited reply, ICMP errors related to a
  connection and about none; IPv6 neighbour discovery;
- many more connections than the port's zone allows (zone-max against iptables' connlimit):
  the new ones beyond are dropped (ct_full), the established ones go on.

Two rule sets: Neutron's (default egress, a few ingress allows, remote prefixes) and an
operator's (egress restricted, deny rules with priorities). vsw's drop counters account for
every packet it did not deliver.
"""
import time

from acl_oracle import (bridge_lab, generate, install_oracle_rules, overflow_plan, rules_to_vswctl, run_plan,
                        vsw_lab)
from vswtest import Vswd, check, log, run

NEUTRON = {
    "seed": 2901,
    "rules": [
        {"direction": "egress", "ethertype": "ipv4"},  # the group's defaults
        {"direction": "egress", "ethertype": "ipv6"},
        {"direction": "ingress", "protocol": "tcp", "port": "22"},
        {"direction": "ingress", "protocol": "tcp", "port": "8000-8080", "remote": "10.29.0.0/24"},
        {"direction": "ingress", "protocol": "tcp", "port": "3306", "remote": "10.99.0.0/16"},
        {"direction": "ingress", "protocol": "icmp"},
        {"direction": "ingress", "protocol": "udp", "port": "5353"},
        {"direction": "ingress", "ethertype": "ipv6", "protocol": "tcp", "port": "443"},
        {"direction": "ingress", "ethertype": "ipv6", "protocol": "icmpv6", "icmp-type": "128"},
    ],
    "tcp": [22, 8080, 3306, 443, 25],
    "udp": [5353, 9999],
}
OPERATOR = {
    "seed": 2902,
    "rules": [
        {"direction": "egress", "protocol": "tcp", "port": "80"},
        {"direction": "egress", "protocol": "udp", "port": "53"},
        {"direction": "egress", "ethertype": "ipv6", "protocol": "tcp", "port": "25"},
        {"direction": "ingress", "protocol": "tcp", "port": "1-1024"},
        {"direction": "ingress", "protocol": "tcp", "port": "22", "remote": "10.29.0.1", "action": "deny",
         "priority": "10"},
        {"direction": "ingress", "protocol": "tcp", "port": "23", "action": "deny", "priority": "65535"},
        {"direction": "ingress", "ethertype": "ipv6", "protocol": "any", "remote": "2001:db8:29::/64"},
        {"direction": "ingress", "protocol": "icmp", "icmp-type": "8", "icmp-code": "0"},
        {"direction": "ingress", "protocol": "udp", "port": "9000-9999"},
    ],
    "tcp": [22, 23, 80, 1024, 8080],
    "udp": [9999, 5353],
}
ZONE_MAX, FLOWS = 24, 40


def vsw_drops(vswd, port):
    d = vswd.port_stats(port)["drops"]
    return {k: d.get(k, 0) for k in ("acl_deny", "ct_invalid", "ct_full")}


def set_groups(vswd, rules):
    """Group g: the rules (the defaults deleted first), on port b."""
    vswd.ctl("set-port", "b", "security-groups=none")
    for g in vswd.ctl("acl", "show")["groups"]:
        vswd.ctl("acl", "group-del", g["name"])
    vswd.ctl("acl", "group-add", "g")
    for rule in vswd.ctl("acl", "show", "g")["groups"][0]["rules"]:
        vswd.ctl("acl", "rule-del", "g", str(rule["id"]))
    for r in rules:
        vswd.ctl("acl", "rule-add", "g", *rules_to_vswctl(r))
    vswd.ctl("set-port", "b", "security-groups=g")


def compare(name, plan, ours, theirs):
    mismatches = [(i, what, o, t) for i, ((_, _, what), o, t) in enumerate(zip(plan, ours, theirs)) if o != t]
    for i, what, o, t in mismatches:
        log(f"  MISMATCH {name} #{i} {what}: vsw {'delivered' if o else 'dropped'}, "
            f"Linux {'delivered' if t else 'dropped'}")
    log(f"{name}: {len(plan)} packets, vsw delivered {sum(ours)}, Linux {sum(theirs)}, "
        f"{len(mismatches)} mismatches")
    return mismatches


def test(work):
    with vsw_lab() as (vsw_sockets, ends), bridge_lab() as (oracle_sockets, r):
        vswd = Vswd(work).start()
        vswd.ctl("add-port", "a", "--type", "dpdk", "--devargs", f"net_af_packet0,iface={ends['a']}")
        vswd.ctl("add-port", "b", "--type", "dpdk", "--devargs", f"net_af_packet1,iface={ends['b']}")
        vswd.wait_port_state("a", "up")
        vswd.wait_port_state("b", "up")
        all_mismatches = []
        for name, rs in (("neutron", NEUTRON), ("operator", OPERATOR)):
            plan = generate(rs["seed"], rs["tcp"], rs["udp"])
            set_groups(vswd, rs["rules"])
            vswd.ctl("conntrack", "flush")
            before = vsw_drops(vswd, "b")
            before_a = vsw_drops(vswd, "a")
            ours = run_plan(vsw_sockets, plan)
            after = vsw_drops(vswd, "b")
            install_oracle_rules(r, rs["rules"])
            theirs = run_plan(oracle_sockets, plan)
            all_mismatches += compare(name, plan, ours, theirs)
            dropped = sum(after[k] - before[k] for k in after)
            log(f"{name}: vsw's drops on b: " + ", ".join(f"{k} {after[k] - before[k]}" for k in after))
            check(dropped == len(plan) - sum(ours),
                  f"{name}: every packet vsw did not deliver is counted on port b "
                  f"({dropped} counted, {len(plan) - sum(ours)} not delivered)")
            check(vsw_drops(vswd, "a") == before_a, f"{name}: port a (no groups) drops nothing")
            check(0 < sum(ours) < len(plan), f"{name}: the rules both pass and drop")
            shown = vswd.ctl("conntrack", "show", "b")
            log(f"{name}: conntrack show b: {shown['counts']}")
            check(shown["counts"]["connections"] > 0, f"{name}: vsw tracks the port's connections")
        # The table's bound: zone-max against connlimit.
        vswd.ctl("conntrack", "set", f"zone-max={ZONE_MAX}")
        set_groups(vswd, NEUTRON["rules"])
        vswd.ctl("conntrack", "flush")
        plan = overflow_plan(2903, 5353, FLOWS)
        before = vsw_drops(vswd, "b")
        ours = run_plan(vsw_sockets, plan)
        after = vsw_drops(vswd, "b")
        install_oracle_rules(r, NEUTRON["rules"], zone_max=ZONE_MAX)
        theirs = run_plan(oracle_sockets, plan)
        all_mismatches += compare("overflow", plan, ours, theirs)
        full = after["ct_full"] - before["ct_full"]
        check(full == 3 * (FLOWS - ZONE_MAX), f"the flows beyond zone-max are dropped as ct_full, their replies and repeats too ({full})")
        check(all(ours[:ZONE_MAX]) and all(ours[FLOWS:FLOWS + 2 * ZONE_MAX]),
              "the flows within zone-max and their replies pass")
        check(not all_mismatches, f"vsw and Linux agree on every packet ({len(all_mismatches)} mismatches)")


if __name__ == "__main__":
    run(test, "acl-oracle")
