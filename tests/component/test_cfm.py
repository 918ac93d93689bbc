#!/usr/bin/python3
"""CFM (IEEE 802.1ag continuity checks) against Open vSwitch, a peer nobody here wrote (issue 28).

The lab of test_bond_lacp.py (integration/lib/bond_lab.py): vswd's bond0 (LACP) over two veths to
OVS's userspace bond; each of the first link's ends has a MEP (vswd MPID 1, OVS MPID 2, 100 ms).
- both see each other: OVS's cfm_remote_mpids and cfm_fault=false, vswd's cfm show;
- OVS's CCMs stop (dropped on their way out): vswd raises the fault within 350 ms, and the bond
  member leaves; OVS hears our RDI; the CCMs come back: the fault clears, the member rejoins;
- a tampered MAID: a `maid` fault;
- tshark decodes vswd's CCMs with no expert warning.
"""
import json
import subprocess
import time

from bond_lab import add_vsw_ports, bond_of, members, ping, sh, start_ovs_bond, topology
from ovs_peer import OvsSwitch
from vswtest import Vswd, check, log, run, wait_until


def mep(vswd, port="up0"):
    for m in vswd.ctl("cfm", "show")["meps"]:
        if m["port"] == port:
            return m
    return None


def ovs_iface(ovs, iface, column):
    return ovs.vsctl("get", "Interface", iface, column)


def test(work):
    with topology() as (ns_o, ns_h, links):
        with OvsSwitch(work, ns_o) as ovs:
            run_cfm(work, ovs, ns_o, ns_h, links)


def run_cfm(work, ovs, ns_o, ns_h, links):
    oa0 = links["a0"][1]
    start_ovs_bond(ovs, ns_o, links, "lacp=active", "bond_mode=balance-tcp", "other_config:lacp-time=fast")
    ovs.vsctl("set", "Interface", oa0, "cfm_mpid=2", "other_config:cfm_interval=100")
    vswd = Vswd(work).start()
    add_vsw_ports(vswd, links)
    vswd.ctl("set-port", "up0", "cfm-mpid=1", "cfm-interval=100")
    vswd.ctl("add-port", "bond0", "--type", "bond", "members=up0,up1", "bond-mode=balance-tcp",
             "lacp=active", "lacp-time=fast")
    _, err = vswd.ctl_fail("set-port", "up0", "cfm-interval=50")
    check("cfm-interval" in err, f"a bad interval is refused: {err}")
    _, err = vswd.ctl_fail("set-port", "bond0", "cfm-mpid=3")
    check("bond's members" in err, f"no MEP on the bond itself: {err}")

    # Both ends see each other.
    wait_until(lambda: mep(vswd)["remote_mpids"] == [2] and not mep(vswd)["fault"], 10,
               "vswd hears OVS's MEP 2, no fault")
    wait_until(lambda: ovs_iface(ovs, oa0, "cfm_remote_mpids") == "[1]" and
               ovs_iface(ovs, oa0, "cfm_fault") == "false", 10, "OVS hears vswd's MEP 1, no fault")
    wait_until(lambda: bond_of(vswd)["status"] == "negotiated" and
               all(m["distributing"] for m in members(vswd).values()), 20, "the bond negotiated")
    log(vswd.ctl_text("cfm", "show"))

    # tshark reads vswd's CCMs without an expert warning.
    pcap = work.file("ccm.pcap")
    # On OVS's end: net_af_packet sends past the qdisc layer, where captures on vswd's end tap.
    subprocess.run(["ip", "netns", "exec", ns_o, "tshark", "-q", "-i", oa0, "-a", "duration:2", "-f",
                    "ether proto 0x8902", "-w", pcap], capture_output=True, timeout=30)
    mine = mep(vswd)["mac"]
    fields = subprocess.run(["tshark", "-r", pcap, "-Y", f"cfm && eth.src == {mine}", "-T", "fields",
                             "-e", "cfm.md.level", "-e", "cfm.opcode", "-e", "cfm.ccm.ma.ep.id",
                             "-e", "cfm.maid.ma.name.string", "-e", "_ws.expert"],
                            capture_output=True, text=True, timeout=30).stdout.split("\n")
    rows = [r.split("\t") for r in fields if r]
    log(f"tshark: {rows[:2]}")
    check(len(rows) >= 8, f"tshark decodes vswd's CCMs ({len(rows)} in 2 s at 100 ms)")
    check(all(r[1] == "1" and r[2] == "1" and r[4] == "" for r in rows),
          "each is a CCM (opcode 1) of MEP 1 with no expert warning")

    # OVS's CCMs stop: vswd's fault within 350 ms, the member leaves the bond.
    nft = ["ip", "netns", "exec", ns_o, "nft"]
    sh(*nft, "add", "table", "netdev", "silence")
    sh(*nft, "add", "chain", "netdev", "silence", "cfm", f"{{ type filter hook egress device {oa0} priority 0; }}")
    t0 = time.monotonic()
    sh(*nft, "add", "rule", "netdev", "silence", "cfm", "ether", "type", "0x8902", "drop")
    wait_until(lambda: mep(vswd)["fault"], 2, "vswd's CFM fault")
    m = mep(vswd)
    faults = m["faults"]
    # From OVS's last CCM to the fault, by vswd's clock (its control loop runs every 10 ms).
    took = m["remote_meps"][0]["last_seen_ms_ago"] - m["faults_changed_ms_ago"]
    log(f"OVS's CCMs stopped: vswd's fault ({faults}) {took} ms after the last CCM "
        f"({(time.monotonic() - t0) * 1000:.0f} ms after the rule, as vswctl polled)")
    check(took <= 350 + 10, f"the fault comes within 350 ms of the last CCM ({took} ms)")
    check("loss" in faults or "recv" in faults, f"a loss fault: {faults}")
    wait_until(lambda: not members(vswd)["up0"]["distributing"], 2, "up0 leaves the bond on its CFM fault")
    wait_until(lambda: "rdi" in ovs_iface(ovs, oa0, "cfm_fault_status"), 5, "OVS hears vswd's RDI")
    sent, got = ping(ns_h, 20, "0.02")
    check(got == sent, f"traffic goes on over up1: {got}/{sent}")
    sh(*nft, "delete", "table", "netdev", "silence")
    wait_until(lambda: not mep(vswd)["fault"], 3, "the fault clears when the CCMs come back")
    wait_until(lambda: members(vswd)["up0"]["distributing"], 20, "up0 rejoins")

    # A tampered MAID.
    vswd.ctl("set-port", "up0", "cfm-maid=other/link")
    wait_until(lambda: "maid" in mep(vswd)["faults"], 3, "a maid fault")
    log(f"tampered MAID: vswd's faults {mep(vswd)['faults']}, OVS's "
        f"{ovs_iface(ovs, oa0, 'cfm_fault_status')}")
    wait_until(lambda: "maid" in ovs_iface(ovs, oa0, "cfm_fault_status"), 5, "OVS sees the MAID too")
    vswd.ctl("set-port", "up0", "cfm-maid=ovs/ovs")
    wait_until(lambda: not mep(vswd)["fault"], 5, "fault gone with the right MAID")

    state = json.load(open(vswd.state_path))
    up0 = next(p for p in state["ports"] if p["name"] == "up0")
    check(up0.get("cfm-mpid") == "1" and up0.get("cfm-interval") == "100", f"persisted: {up0}")
    check(vswd.alive(), "vswd is alive")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "cfm")
