#!/usr/bin/python3
"""Reproducer: on a one-copy port, an interrupt the worker defers (rte_vhost_vring_call_nonblock
-> -EAGAIN because the vhost-user thread holds the vring's access lock for a control message) is
never delivered: resume() after that same message clears call_pending, and nothing else retries.

A hand-driven frontend (test_one_copy.HostileGuest: no EVENT_IDX, avail->flags 0, so it wants
an interrupt for every used entry) posts one frame at a time and waits for it to be given back,
while a thread sends SET_FEATURES (same features: a no-op that rte_vhost handles with every
access lock held, and that pauses/resumes the driver). After each frame: was the call eventfd
signalled, or within 200 ms with the ring idle? Not registered in meson: it fails (by design)
until the bug is fixed. Run: VSW_BUILD_DIR=BUILD /usr/bin/python3
tests/component/repro_deferred_call_lost.py [FRAMES, default 3000] [--no-hammer: the control]"""
import os
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from vswtest import Vswd, check, log, run  # noqa: E402
import test_one_copy as oc  # noqa: E402
from vhost_user_frontend import SET_FEATURES, VIRTIO_F_VERSION_1  # noqa: E402

FRAMES = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 3000
HAMMER = "--no-hammer" not in sys.argv


def test(work):
    vswd = Vswd(work).start()
    path = work.file("v.sock")
    vswd.ctl("add-port", "v", "--type", "vhost-user-server", "--socket", path, "one-copy=on")
    made = []
    real_eventfd = os.eventfd
    os.eventfd = lambda *a: made.append(real_eventfd(*a)) or made[-1]
    try:
        h = oc.HostileGuest(path)
    finally:
        os.eventfd = real_eventfd
    call_tx = made[2]  # q0: call, kick; q1 (guest TX): call, kick
    os.set_blocking(call_tx, False)
    vswd.wait_port_state("v", "up", timeout=10)
    check(oc.tx_path(vswd, "v")["path"] == "one-copy", "v: driven by vswd")
    good = bytes(oc.sized(oc.V, oc.BCAST, "v-good", 1000))
    h.desc(0, h.buffer(0, good), 12 + len(good))

    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            h.f.request(SET_FEATURES, struct.pack("<Q", VIRTIO_F_VERSION_1))
            time.sleep(0.0002)
    t = threading.Thread(target=hammer)
    if HAMMER:
        t.start()
    lost = late = 0
    for i in range(FRAMES):
        try:
            os.read(call_tx, 8)  # drain
        except BlockingIOError:
            pass
        h.post(0)
        deadline = time.monotonic() + 5
        while h.used_idx() != h.avail & 0xffff:
            check(time.monotonic() < deadline, "the frame is given back within 5 s", quiet=True)
            time.sleep(0.0001)
        time.sleep(0.002)
        try:
            os.read(call_tx, 8)
        except BlockingIOError:
            time.sleep(0.2)  # the ring stays idle: is the deferred interrupt ever delivered?
            try:
                os.read(call_tx, 8)
                late += 1
            except BlockingIOError:
                lost += 1
    stop.set()
    if HAMMER:
        t.join()
    x = oc.tx_path(vswd, "v")
    log(f"{FRAMES} frames given back, hammer {'on' if HAMMER else 'off'}: {lost} without an interrupt within 200 ms "
        f"(the ring idle meanwhile), {late} with a late one; "
        f"vswd: calls_deferred {x['calls_deferred']}, pauses {x['pauses']}, frames {x['frames']}")
    h.close()
    check(lost == 0, f"every frame given back was followed by an interrupt ({lost} were not)")


if __name__ == "__main__":
    run(test, "repro-deferred-call-lost")
