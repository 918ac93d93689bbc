#!/usr/bin/python3
"""Guest memory that vanishes must not kill vswd. A vhost-user frontend hands over a memory file,
vswd checks and maps it and the device starts; then the frontend shrinks the file to nothing
while the PMD polls its rings. Each access to the lost pages is a SIGBUS: vswd must survive it
(anonymous memory over the region), count it on the port (`memory_faults`), disconnect that
device, and keep switching for the other guests. Done with a memfd that cannot be sealed and
with a hugetlbfs file; a memfd that could have been sealed against shrinking and was not is
refused up front, and one sealed as QEMU seals its memory is accepted."""
import fcntl
import os

from vswtest import FakeGuest, Raw, Vswd, check, frame, log, wait_until
from vhost_user_frontend import SET_MEM_TABLE, Frontend, mem_table, region  # noqa: E402

from test_hostile_guests import GUEST_RAM, handshake, set_rings  # noqa: E402

C, D = "02:00:00:00:0c:01", "02:00:00:00:0d:01"
FRAMES = 200
MIB = 1 << 20
HUGE = 2 * MIB


def memfd(size, sealing=False):
    fd = os.memfd_create("vsw-vanishing-guest", os.MFD_ALLOW_SEALING if sealing else 0)
    os.ftruncate(fd, size)
    return fd


def hugetlbfs_file(work, size):
    path = f"/dev/hugepages/vsw-vanishing-guest-{os.getpid()}"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.unlink(path)  # the fd keeps it
    os.ftruncate(fd, size)
    return fd


def start_device(path, fd, size):
    """A frontend whose device vswd starts: memory table with `fd`, one queue pair of rings."""
    f = Frontend.connect(path)
    handshake(f)
    f.request(SET_MEM_TABLE, mem_table([region(0, size, GUEST_RAM, 0)]), [fd])
    set_rings(f, 0x80000)
    return f


def vanish(vswd, port, path, fd, size, what):
    faults = vswd.port(port)["memory_faults"]
    f = start_device(path, fd, size)
    vswd.wait_port_state(port, "up", timeout=10)
    os.ftruncate(fd, 0)  # the memory is gone; the PMD reads the rings on its next round
    wait_until(lambda: vswd.port(port)["memory_faults"] > faults, 10, f"{what}: the fault to be counted")
    check(f.closed_by_peer(10), f"{what}: vswd disconnected the device whose memory vanished")
    f.close()
    os.close(fd)
    check(vswd.alive(), f"{what}: vswd survives guest memory shrunk to nothing under its PMD")
    vswd.wait_port_state(port, "listening", timeout=10)


def test(work):
    vswd = Vswd(work).start()
    for n in ("c", "d"):
        vswd.ctl("add-port", n, "--socket", work.file(f"{n}.sock"))
    path = work.file("v.sock")
    vswd.ctl("add-port", "v", "--type", "vhost-user-server", "--socket", path)
    c = FakeGuest(work, "c", work.file("c.sock"), True, [frame(C, D, f"c-{i:04}") for i in range(FRAMES)])
    d = FakeGuest(work, "d", work.file("d.sock"), True, [frame(D, C, f"d-{i:04}") for i in range(FRAMES)])
    for n in ("c", "d"):
        vswd.wait_port_state(n, "up")
    for g in (c, d):
        g.send("set fwd io retry")
        g.start()

    # Refused before anything is mapped: a memfd that allows sealing but is not sealed.
    refused = vswd.port("v")["refused_messages"]
    f = Frontend.connect(path)
    handshake(f)
    unsealed = memfd(MIB, sealing=True)
    f.request(SET_MEM_TABLE, mem_table([region(0, MIB, GUEST_RAM, 0)]), [unsealed])
    check(f.closed_by_peer(5), "an unsealed memfd: vswd refuses the memory table and hangs up")
    f.close()
    wait_until(lambda: vswd.port("v")["refused_messages"] == refused + 1, 5, "the refusal to be counted")
    # Sealed as QEMU seals its memory-backend-memfd: accepted, and it cannot shrink any more.
    fcntl.fcntl(unsealed, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
    f = start_device(path, unsealed, MIB)
    vswd.wait_port_state("v", "up", timeout=10)
    try:
        os.ftruncate(unsealed, 0)
        shrunk = True
    except PermissionError:
        shrunk = False
    check(not shrunk and vswd.port("v")["state"] == "up", "a sealed memfd: accepted, and nobody can shrink it")
    f.close()
    os.close(unsealed)
    vswd.wait_port_state("v", "listening", timeout=10)

    vanish(vswd, "v", path, memfd(MIB), MIB, "a memfd that cannot be sealed")
    vanish(vswd, "v", path, hugetlbfs_file(work, HUGE), HUGE, "a hugetlbfs file")
    faults = vswd.port("v")["memory_faults"]
    check(faults >= 2, f"two vanishings counted on the port: memory_faults {faults}")
    check(vswd.log().count("guest memory vanished") >= 2, "vswd logged each vanishing")

    # The port serves again, and the other guests never noticed.
    f = start_device(path, memfd(MIB), MIB)
    vswd.wait_port_state("v", "up", timeout=10)
    f.close()
    got_c, got_d = c.quit(settle=2), d.quit(settle=2)
    from_c = sorted(bytes(p[Raw].load).decode() for p in got_d if p.src == C)
    from_d = sorted(bytes(p[Raw].load).decode() for p in got_c if p.src == D)
    check(from_c == [f"c-{i:04}" for i in range(FRAMES)] and from_d == [f"d-{i:04}" for i in range(FRAMES)],
          f"c and d exchanged all {FRAMES} frames each while guest memory vanished next to them")
    check(vswd.stop() == 0, "vswd stops cleanly after it all")


if __name__ == "__main__":
    from vswtest import run
    run(test, "memory-faults")
