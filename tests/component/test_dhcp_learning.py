#!/usr/bin/python3
"""Port security with allowed-ips=dhcp: a guest may send only from the address a DHCP server
acknowledged to its MAC. Before the server's ACK its frames from that address are dropped
(spoofed_ip); after it they pass, another address still does not; the lease is shown with its
end, persisted, and restored by a vswd killed and started again; the guest's RELEASE ends it.
A forged ACK from the guest's own port teaches nothing (dhcp_server)."""
import json
import signal
import time

from scapy.all import BOOTP, DHCP, IP, UDP
from vswtest import Ether, FakeGuest, Raw, Vswd, check, log, run, wait_until

GUEST, SERVER, WATCH = "52:54:00:00:00:0a", "52:54:00:00:00:5e", "52:54:00:00:00:77"
LEASED, OTHER, SERVER_IP = "10.0.0.50", "10.0.0.51", "10.0.0.1"
BCAST = "ff:ff:ff:ff:ff:ff"


def ack(yiaddr, src_mac=SERVER, src_ip=SERVER_IP, lease=3600):
    return (Ether(src=src_mac, dst=GUEST) / IP(src=src_ip, dst=yiaddr) / UDP(sport=67, dport=68) /
            BOOTP(op=2, yiaddr=yiaddr, chaddr=bytes.fromhex(GUEST.replace(":", "")) + bytes(10)) /
            DHCP(options=[("message-type", "ack"), ("lease_time", lease), ("server_id", src_ip), "end"]))


def release(ip):
    return (Ether(src=GUEST, dst=SERVER) / IP(src=ip, dst=SERVER_IP) / UDP(sport=68, dport=67) /
            BOOTP(op=1, ciaddr=ip, chaddr=bytes.fromhex(GUEST.replace(":", "")) + bytes(10)) /
            DHCP(options=[("message-type", "release"), ("server_id", SERVER_IP), "end"]))


def from_guest(ip, tag):
    return Ether(src=GUEST, dst=BCAST) / IP(src=ip, dst="10.0.0.255") / UDP(sport=5000, dport=5000) / Raw(tag.encode())


def tagged(frames, tag):
    return sum(tag.encode() in bytes(f) for f in frames)


def learned(vswd):
    return [x["ip"] for x in vswd.port("g").get("learned-ips", [])]


def test(work):
    vswd = Vswd(work).start()
    for n in ("srv", "g", "w"):
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))
    vswd.ctl("set-port", "g", "port-security=on", f"allowed-macs={GUEST}", "allowed-ips=dhcp")
    check(vswd.port("g")["allowed-ips"] == "dhcp" and learned(vswd) == [], "g learns from DHCP, nothing yet")

    w = FakeGuest(work, "w", work.file("w.sock"), True, [])
    g = FakeGuest(work, "g", work.file("g.sock"), True,
                  [from_guest(LEASED, "early"), ack(OTHER, GUEST, "0.0.0.0") / Raw(b"forged")])
    srv = FakeGuest(work, "srv", work.file("srv.sock"), True, [ack(LEASED)])
    for n in ("srv", "g", "w"):
        vswd.wait_port_state(n, "up")
    w.start()
    g.start()
    wait_until(lambda: vswd.port_stats("g")["rx_packets"] == 2, 20, "g's frames before any lease")
    drops = vswd.port_stats("g")["drops"]
    check(drops["spoofed_ip"] == 1 and drops["dhcp_server"] == 1,
          f"before the ACK g's address is refused (spoofed_ip {drops['spoofed_ip']}), its own forged ACK too "
          f"(dhcp_server {drops['dhcp_server']})")
    check(learned(vswd) == [], "the forged ACK taught nothing")
    g.quit()

    srv.start()
    wait_until(lambda: learned(vswd) == [LEASED], 10, "the server's ACK to be learned")
    lease = vswd.port("g")["learned-ips"][0]
    check(3590 <= lease["expires_in"] <= 3600, f"learned {LEASED} with the lease time: {lease}")
    state = json.load(open(vswd.state_path))
    saved = state.get("dhcp-leases", {}).get("g", [])
    check(len(saved) == 1 and saved[0]["ip"] == LEASED and abs(saved[0]["expires"] - (time.time() + 3600)) < 15,
          f"persisted with its end (wall clock): {saved}")
    srv.quit()

    vswd.stop(signal.SIGKILL)
    vswd = Vswd(work).start()
    check(learned(vswd) == [LEASED], "a vswd killed and started again still has the lease")
    g = FakeGuest(work, "g2", work.file("g.sock"), True,
                  [from_guest(LEASED, "ok-leased"), from_guest(OTHER, "bad-other")])
    for n in ("g", "w"):
        vswd.wait_port_state(n, "up")
    g.start()
    wait_until(lambda: vswd.port_stats("g")["rx_packets"] == 2, 20, "g's frames with a lease")
    check(vswd.port_stats("g")["drops"]["spoofed_ip"] == 1, "the address it was not given is still refused")
    g.quit()
    g = FakeGuest(work, "g3", work.file("g.sock"), True, [release(LEASED)])
    wait_until(g.ready, 60, "fake guest g3 to start")
    vswd.wait_port_state("g", "up")
    g.start()
    wait_until(lambda: learned(vswd) == [], 10, "the guest's RELEASE to end the lease")
    check("dhcp-leases" not in json.load(open(vswd.state_path)), "and the state file forgets it")
    g.quit()
    got = w.quit()
    check(tagged(got, "ok-leased") == 1 and tagged(got, "bad-other") == 0 and tagged(got, "early") == 0,
          "w got g's frame from its leased address only")
    check(tagged(got, "forged") == 0, "and not the forged ACK")
    log(f"punts: {vswd.ctl('show').get('slow_path', {})}")
    check(vswd.stop() == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "dhcp-learning")
