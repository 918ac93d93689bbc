#!/usr/bin/python3
"""Guests killed, ports deleted and added while traffic flows: vswd keeps forwarding for the
others, never crashes, and gives every mbuf back once traffic stops. Argument --one-copy: every
vhost-user port with one-copy=on (vsw drives the guests' TX rings while they are killed)."""
import os
import signal
import sys
import time

if "--one-copy" in sys.argv:
    os.environ["VSW_ONE_COPY"] = "1"  # read by vswd_process's add-port

from vswtest import FakeGuest, Vswd, check, frame, log, run, wait_until

MAC = {"a": "02:00:00:00:01:0a", "b": "02:00:00:00:01:0b", "c": "02:00:00:00:01:0c"}
BCAST = "ff:ff:ff:ff:ff:ff"


def rx(vswd, port):
    return vswd.port_stats(port)["rx_packets"]


def tx(vswd, port):
    return vswd.port_stats(port)["tx_packets"]


def growing(fn, what, timeout=20):
    before = fn()
    wait_until(lambda: fn() > before, timeout, what)


def test(work):
    vswd = Vswd(work).start()
    sock = {n: work.file(f"{n}.sock") for n in "abc"}
    vswd.ctl("add-port", "a", "--socket", sock["a"])
    vswd.ctl("add-port", "b", "--socket", sock["b"])
    vswd.ctl("add-port", "c", "--type", "vhost-user-server", "--socket", sock["c"])

    def guest(n, frames, server):
        return FakeGuest(work, n, sock[n], server, frames, infinite=True)

    b_frames = [frame(MAC["b"], BCAST, "b-hello")]
    c_frames = [frame(MAC["c"], BCAST, "c-hello")]
    a_frames = [frame(MAC["a"], BCAST, "a-bcast"), frame(MAC["a"], MAC["b"], "a-to-b"),
                frame(MAC["a"], MAC["c"], "a-to-c")]
    g = {"a": guest("a", a_frames, True), "b": guest("b", b_frames, True), "c": guest("c", c_frames, False)}
    for n in "abc":
        vswd.wait_port_state(n, "up")
    baseline = vswd.mbufs_in_use()
    for n in "abc":
        g[n].start()
    growing(lambda: tx(vswd, "b"), "traffic to b")
    growing(lambda: tx(vswd, "c"), "traffic to c")
    log(f"traffic flowing: a rx {rx(vswd, 'a')}, b tx {tx(vswd, 'b')}, c tx {tx(vswd, 'c')}")

    g["b"].kill()
    vswd.wait_port_state("b", "connecting")
    check(vswd.alive(), "vswd survives a guest killed mid-traffic (SIGKILL)")
    wait_until(lambda: all(e["port"] != "b" for e in vswd.ctl("fdb", "show")["entries"]), 5,
               "b's MACs to leave the FDB")
    check(True, "a guest's MACs are forgotten when its link goes down")
    growing(lambda: tx(vswd, "c"), "traffic to c after b died")
    check(True, "the other guests keep receiving")

    vswd.ctl("del-port", "c")
    check(vswd.alive() and vswd.port("c") is None, "port c deleted while its guest was receiving")
    growing(lambda: rx(vswd, "a"), "a still forwarding after c was deleted")
    g["c"].kill()

    vswd.ctl("add-port", "c", "--type", "vhost-user-server", "--socket", sock["c"])
    g["c"] = guest("c", c_frames, False)
    vswd.wait_port_state("c", "up")
    g["c"].start()
    growing(lambda: tx(vswd, "c"), "traffic to the re-added port c")

    g["b"] = guest("b", b_frames, True)
    vswd.wait_port_state("b", "up")  # vswd's client-mode port reconnects by itself
    g["b"].start()
    growing(lambda: tx(vswd, "b"), "traffic to b after its guest came back")
    check(True, "a restarted guest reconnects and receives again")

    def non_ring_drops():
        # Drops other than a full guest ring: these would mean the churn disturbed a or b.
        return {n: {r: v for r, v in vswd.port_stats(n)["drops"].items() if r != "tx_full"} for n in "ab"}

    before = non_ring_drops()
    rx_before = rx(vswd, "a")
    for _ in range(5):  # add and remove ports repeatedly while a sends to b
        vswd.ctl("add-port", "tmp", "--type", "vhost-user-server", "--socket", work.file("tmp.sock"))
        vswd.ctl("add-port", "tmp2", "--socket", work.file("tmp2.sock"))
        vswd.ctl("del-port", "tmp")
        vswd.ctl("del-port", "tmp2")
    check(vswd.alive(), "port churn under load")
    check(rx(vswd, "a") > rx_before, "a kept sending during the churn")
    check(non_ring_drops() == before, "churn on other ports caused no drop on a or b")

    for n in "abc":
        g[n].kill()
    for n in "abc":
        vswd.wait_port_state(n, "connecting" if n != "c" else "listening")
    time.sleep(0.5)
    stats = vswd.ctl("stats")
    log("final counters: " + ", ".join(f"{p['name']} rx {p['rx_packets']} tx {p['tx_packets']} drops {p['drops']}" for p in stats["ports"]))
    wait_until(lambda: vswd.mbufs_in_use() == baseline, 10, "mbufs back to baseline")
    check(True, f"every mbuf back in the pool after churn ({baseline} in use)")
    check(vswd.stop(signal.SIGTERM) == 0, "vswd stops cleanly")


if __name__ == "__main__":
    run(test, "churn" + ("-one-copy" if "--one-copy" in sys.argv else ""))
