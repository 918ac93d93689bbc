#!/usr/bin/python3
"""An ethdev uplink: a DPDK net_af_packet port on a veth whose peer sits in a network namespace.
Frames from a guest reach the peer host; frames from the peer reach the guest; unicast to the
learned peer MAC goes out of the uplink only."""
import os
import subprocess

from vswtest import Ether, FakeGuest, Raw, Vswd, check, frame, log, peer_namespace, run, wait_until

GUEST = "02:00:00:00:02:0a"
OTHER = "02:00:00:00:02:0b"
PEER = "02:00:00:00:02:ff"
BCAST = "ff:ff:ff:ff:ff:ff"


def tags(frames):
    out = []
    for f in frames:
        if Raw in f:
            try:
                out.append(bytes(f[Raw].load).decode())
            except UnicodeDecodeError:
                pass
    return sorted(t for t in out if "-" in t)


def test(work):
    with peer_namespace(PEER) as (ns, host_if, peer_if):
        run_with_uplink(work, ns, host_if, peer_if)


def run_with_uplink(work, ns, host_if, peer_if):
    vswd = Vswd(work).start()
    vswd.ctl("add-port", "up0", "--type", "dpdk", "--devargs", f"net_af_packet0,iface={host_if}")
    vswd.ctl("add-port", "vm", "--socket", work.file("vm.sock"))
    port = vswd.port("up0")
    check(port["type"] == "dpdk" and port["state"] in ("up", "down"), f"uplink attached ({port['state']})")

    guest_frames = [frame(GUEST, BCAST, "guest-bcast"), frame(GUEST, PEER, "guest-to-peer"),
                    frame(GUEST, OTHER, "guest-to-unknown")]
    guest = FakeGuest(work, "vm", work.file("vm.sock"), True, guest_frames)
    vswd.wait_port_state("vm", "up")

    hello = bytes(Ether(src=PEER, dst=BCAST, type=0x88b5) / Raw(b"peer-hello")).hex()
    to_guest = bytes(Ether(src=PEER, dst=GUEST, type=0x88b5) / Raw(b"peer-to-guest")).hex()
    peer = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", os.path.join(os.path.dirname(__file__), "peer.py"),
                             peer_if, "8", hello], stdout=subprocess.PIPE, text=True)
    check(peer.stdout.readline().strip() == "ready", "peer host listening in its namespace")
    wait_until(lambda: vswd.port_stats("up0")["rx_packets"] >= 1, 20, "the peer's broadcast on the uplink")
    fdb = {e["mac"]: e["port"] for e in vswd.ctl("fdb", "show")["entries"]}
    check(fdb.get(PEER) == "up0", "peer MAC learned on the uplink")
    guest.start()
    wait_until(lambda: vswd.port_stats("vm")["rx_packets"] >= 3, 20, "the guest's frames")
    subprocess.run(["ip", "netns", "exec", ns, "/usr/bin/python3", os.path.join(os.path.dirname(__file__), "peer.py"),
                    peer_if, "0", to_guest], capture_output=True, timeout=30)
    wait_until(lambda: vswd.port_stats("vm")["tx_packets"] >= 2, 20, "the peer's frames to the guest")
    out, _ = peer.communicate(timeout=30)
    at_peer = tags(Ether(bytes.fromhex(h)) for h in out.split())
    log(f"peer received: {at_peer}")
    check(at_peer == ["guest-bcast", "guest-to-peer", "guest-to-unknown"],
          "the peer got the guest's broadcast, its unicast and the unknown-unicast flood")
    at_guest = tags(guest.quit())
    check(at_guest == ["peer-hello", "peer-to-guest"], f"the guest got the peer's broadcast and unicast: {at_guest}")
    stats = vswd.port_stats("up0")
    check(stats["tx_packets"] == 3 and stats["drops_total"] == 0, f"uplink counters: tx {stats['tx_packets']}, no drops")
    vswd.ctl("del-port", "up0")
    check(vswd.port("up0") is None and vswd.alive(), "uplink removed at runtime")
    vswd.ctl("add-port", "up0", "--type", "dpdk", "--devargs", f"net_af_packet0,iface={host_if}")
    check(vswd.port("up0") is not None, "and added again with the same devargs")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "uplink")
