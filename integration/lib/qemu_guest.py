"""Boots vsw test guests under QEMU (TCG) with vhost-user NICs and runs commands in them.

A guest is the host's Debian kernel with the initramfs from integration/guest/build_image.py.
Its console (ttyS0) goes to a log file; its second serial port (ttyS1) carries the command agent:
the launcher sends "ID BASE64(command)" and reads "@@vsw ID STATUS BASE64(output)".

Facts this relies on (../shared/FACTS.md): KVM does not work here, so -accel tcg -cpu max;
vhost-user needs shared fd-backed RAM (memory-backend-memfd share=on); QEMU 7.2 + TCG +
vhost-user + MSI-X crashes when the driver starts, so virtio-net-pci gets vectors=0.

Cleanup kills only the QEMU processes this module started.
"""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from vswd_process import live_processes

HERE = os.path.dirname(os.path.abspath(__file__))
BUILDER = os.path.join(HERE, "..", "guest", "build_image.py")
QEMU = "qemu-system-x86_64"


class GuestError(Exception):
    pass


def build_image(outdir):
    """Builds (or reuses) the guest image; returns {"kernel": ..., "initramfs": ...}."""
    r = subprocess.run(["/usr/bin/python3", BUILDER, outdir], capture_output=True, text=True)
    if r.returncode != 0:
        raise GuestError(f"guest image build failed: {r.stderr.strip() or r.stdout.strip()}")
    return json.loads(r.stdout)


class Nic:
    """A vhost-user NIC. mode 'server': QEMU listens on `socket` (vswd's vhost-user-client port);
    mode 'client': QEMU connects to vswd's socket and reconnects if vswd restarts. offloads=False:
    the guest's NIC offloads off (no checksum offload, no TSO, either way), as an operator does
    with QEMU's virtio-net-pci properties. mtu: QEMU's host_mtu= (the guest's MTU, offered
    with VIRTIO_NET_F_MTU and told to vswd). event_idx=False: QEMU's event_idx=off, so
    VIRTIO_RING_F_EVENT_IDX is not offered and the guest and vswd suppress notifications with the
    rings' flags (VRING_AVAIL_F_NO_INTERRUPT, VRING_USED_F_NO_NOTIFY) instead of the used and
    avail event indices."""

    OFFLOADS_OFF = ",csum=off,guest_csum=off,gso=off,host_tso4=off,host_tso6=off,guest_tso4=off,guest_tso6=off," \
                   "host_ufo=off,guest_ufo=off"

    def __init__(self, socket_path, mac, mode="server", offloads=True, mtu=None, event_idx=True):
        if mode not in ("server", "client"):
            raise ValueError("mode must be 'server' or 'client'")
        self.socket = socket_path
        self.mac = mac
        self.mode = mode
        self.offloads = offloads
        self.mtu = mtu
        self.event_idx = event_idx


class TapNic:
    """A NIC on a host tap device with QEMU's own virtio-net backend (what libvirt's default
    <interface type='bridge'> gives): the peer vsw is measured against. No vhost-net on these
    hosts: QEMU moves the frames in userspace. speed (Mbit/s) and duplex ("full", "half"): the
    link virtio-net reports to the guest (VIRTIO_NET_F_SPEED_DUPLEX); unset, the guest sees an
    unknown speed and duplex, on which Linux bonding takes no part in LACP."""

    def __init__(self, ifname, mac, speed=None, duplex=None):
        self.ifname = ifname
        self.mac = mac
        self.speed = speed
        self.duplex = duplex


class Guest:
    def __init__(self, name, nics, workdir, image, memory_mb=256, cpu=None, incoming=None):
        self.cpu = cpu  # pin QEMU to this CPU (None: anywhere)
        self.incoming = incoming  # "tcp:HOST:PORT": a live migration's destination, waiting
        self.name = name
        self.nics = nics
        self.workdir = workdir
        self.image = image
        self.memory_mb = memory_mb
        self.console_log = os.path.join(workdir, f"{name}-console.log")
        self.agent_path = os.path.join(workdir, f"{name}-agent.sock")
        self.qmp_path = os.path.join(workdir, f"{name}-qmp.sock")
        self.proc = None
        self.agent = None
        self.next_id = 1
        self.buffer = b""

    def command(self):
        if not shutil.which(QEMU):
            raise GuestError(f"{QEMU} not found: apt-get install qemu-system-x86")
        mem = self.memory_mb
        cmd = [QEMU, "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", f"{mem}M",
               "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
               "-object", f"memory-backend-memfd,id=mem0,size={mem}M,share=on",
               "-machine", "q35,memory-backend=mem0",
               "-kernel", self.image["kernel"], "-initrd", self.image["initramfs"],
               "-append", f"console=ttyS0 panic=-1 quiet loglevel=4 vsw.name={self.name}",
               "-chardev", f"file,id=console,path={self.console_log}", "-serial", "chardev:console",
               "-chardev", f"socket,id=agent,path={self.agent_path},server=on,wait=off",
               "-serial", "chardev:agent",
               "-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
        if self.incoming:
            cmd += ["-incoming", self.incoming]
        for i, nic in enumerate(self.nics):
            if isinstance(nic, TapNic):
                cmd += ["-netdev", f"tap,id=net{i},ifname={nic.ifname},script=no,downscript=no,vhost=off",
                        "-device", f"virtio-net-pci,netdev=net{i},mac={nic.mac},vectors=0"
                        + (f",speed={nic.speed}" if nic.speed else "")
                        + (f",duplex={nic.duplex}" if nic.duplex else "")]
                continue
            if nic.mode == "server":
                chardev = f"socket,id=vu{i},path={nic.socket},server=on,wait=off"
            else:
                chardev = f"socket,id=vu{i},path={nic.socket},reconnect=1"
            cmd += ["-chardev", chardev,
                    "-netdev", f"vhost-user,id=net{i},chardev=vu{i}",
                    "-device", f"virtio-net-pci,netdev=net{i},mac={nic.mac},vectors=0"
                    + ("" if nic.offloads else Nic.OFFLOADS_OFF)
                    + (f",host_mtu={nic.mtu}" if nic.mtu else "")
                    + ("" if nic.event_idx else ",event_idx=off")]
        return (["taskset", "-c", str(self.cpu)] if self.cpu is not None else []) + cmd

    def start(self):
        for nic in self.nics:
            if isinstance(nic, Nic) and nic.mode == "server" and os.path.exists(nic.socket):
                os.unlink(nic.socket)  # a stale socket of a killed QEMU
        self.qemu_log = open(os.path.join(self.workdir, f"{self.name}-qemu.log"), "w")
        self.proc = subprocess.Popen(self.command(), stdout=self.qemu_log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        live_processes.append(self.proc)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def console(self):
        try:
            with open(self.console_log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def _connect_agent(self, deadline):
        while time.monotonic() < deadline:
            if not self.alive():
                raise GuestError(f"QEMU for {self.name} exited ({getattr(self.proc, 'returncode', None)}):\n{self.qemu_tail()}")
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.agent_path)
                return s
            except OSError:
                time.sleep(0.1)
        raise GuestError(f"agent socket of {self.name} never appeared")

    def qemu_tail(self):
        try:
            with open(os.path.join(self.workdir, f"{self.name}-qemu.log"), errors="replace") as f:
                return "".join(f.readlines()[-20:])
        except FileNotFoundError:
            return ""

    def wait_ready(self, timeout=90):
        """Waits until the guest's agent answers; returns the seconds it took."""
        started = time.monotonic()
        deadline = started + timeout
        self.agent = self._connect_agent(deadline)
        while time.monotonic() < deadline:
            try:
                rc, out = self.run("echo ready", timeout=min(3, max(0.5, deadline - time.monotonic())))
                if rc == 0 and out.strip() == "ready":
                    return time.monotonic() - started
            except GuestError:
                if not self.alive():
                    raise
        raise GuestError(f"guest {self.name} did not answer within {timeout}s; console:\n{self.console()[-2000:]}")

    def run(self, command, timeout=60):
        """Runs a shell command in the guest; returns (exit status, output)."""
        if self.agent is None:
            raise GuestError(f"guest {self.name} is not started")
        ident = str(self.next_id)
        self.next_id += 1
        line = f"{ident} {base64.b64encode(command.encode()).decode()}\n".encode()
        self.agent.sendall(line)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\n" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\n", 1)
                parts = raw.decode(errors="replace").strip().split(" ")
                # Anything but our answer (line noise, a late answer to a timed-out call) is skipped.
                if len(parts) >= 3 and parts[0] == "@@vsw" and parts[1] == ident:
                    out = base64.b64decode(parts[3]).decode(errors="replace") if len(parts) > 3 else ""
                    return int(parts[2]), out
            self.agent.settimeout(max(0.05, min(1.0, deadline - time.monotonic())))
            try:
                data = self.agent.recv(65536)
            except socket.timeout:
                if not self.alive():
                    raise GuestError(f"guest {self.name} died while running {command!r}")
                continue
            if not data:
                raise GuestError(f"agent of {self.name} closed the connection")
            self.buffer += data
        raise GuestError(f"{command!r} in {self.name} timed out after {timeout}s")

    def check(self, command, timeout=60):
        """Runs a command that must succeed; returns its output."""
        rc, out = self.run(command, timeout)
        if rc != 0:
            raise GuestError(f"{command!r} in {self.name} failed ({rc}):\n{out}")
        return out

    def read(self, command, timeout=60, attempts=3):
        """check() for a command that may run more than once (it reads): asked again, with a new
        id, when no answer came within timeout/attempts. A guest busy with interrupts (a flood,
        under TCG) can overrun its 8250's FIFO and lose part of a request line; the agent then
        waits for a newline that never comes (so one goes first: it ends the broken line, which
        the agent then runs as garbage and answers under an id nobody waits for)."""
        for attempt in range(attempts):
            try:
                rc, out = self.run(command, timeout / attempts)
                break
            except GuestError:
                if attempt == attempts - 1 or not self.alive():
                    raise
                self.agent.sendall(b"\n")
        if rc != 0:
            raise GuestError(f"{command!r} in {self.name} failed ({rc}):\n{out}")
        return out

    def load_module(self, name):
        """Loads a module the image carries but init.sh does not load (build_image.py's
        ON_DEMAND), its dependencies first."""
        self.check(f"while read -r m opts; do insmod /lib/modules/$m $opts || exit 1; done "
                   f"< /etc/vsw-modules.d/{name}")

    def kill(self):
        """SIGKILL, as a crashing guest would end."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self.agent:
            self.agent.close()
            self.agent = None

    stop = kill  # the guest has nothing to save

    def qmp(self, command, **arguments):
        """One QMP command on a fresh connection; returns its "return" value."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(self.qmp_path)
        f = s.makefile("rwb")

        def call(cmd, args=None):
            f.write((json.dumps({"execute": cmd, **({"arguments": args} if args else {})}) + "\n").encode())
            f.flush()
            while True:
                msg = json.loads(f.readline())
                if "return" in msg:
                    return msg["return"]
                if "error" in msg:
                    raise GuestError(f"QMP {cmd} on {self.name}: {msg['error']}")
        json.loads(f.readline())  # the greeting
        call("qmp_capabilities")
        try:
            return call(command, arguments)
        finally:
            s.close()

    def migrate(self, uri, timeout=120):
        """Live-migrates this guest to the QEMU waiting on `uri` (its Guest(incoming=uri)); returns
        QEMU's query-migrate at completion (total-time, downtime in ms). The source stays paused."""
        self.qmp("migrate", uri=uri)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.qmp("query-migrate")
            if info.get("status") == "completed":
                return info
            if info.get("status") in ("failed", "cancelled"):
                raise GuestError(f"migration of {self.name} {info.get('status')}: {info}")
            time.sleep(0.1)
        raise GuestError(f"migration of {self.name} did not complete in {timeout}s")

    def take_over(self, source, timeout=60):
        """After a migration into this (incoming) guest: talk to the guest through this QEMU's
        agent socket from now on."""
        self.next_id = source.next_id
        self.agent = self._connect_agent(time.monotonic() + timeout)


def boot_all(guests, setup, timeout=240, log=print):
    """Waits for every guest in {name: Guest} (already started, booting in parallel) and runs its
    network set-up command from {name: command}. Returns {name: seconds until its agent answered}."""
    started = time.monotonic()
    ready = {}
    for name, g in guests.items():
        g.wait_ready(timeout=timeout)
        ready[name] = time.monotonic() - started
        g.check(setup[name])
        log(f"{name} ready after {ready[name]:.1f}s")
    return ready


if __name__ == "__main__":
    # Manual use: qemu_guest.py WORKDIR NAME SOCKET[,client] ... -- COMMAND
    workdir, name = sys.argv[1], sys.argv[2]
    sep = sys.argv.index("--")
    nics = []
    for i, spec in enumerate(sys.argv[3:sep]):
        path, _, mode = spec.partition(",")
        nics.append(Nic(path, f"52:54:00:00:{i:02x}:{len(name):02x}", "client" if mode == "client" else "server"))
    g = Guest(name, nics, workdir, build_image(os.path.join(workdir, "image"))).start()
    try:
        print(f"booted in {g.wait_ready():.1f}s", file=sys.stderr)
        rc, out = g.run(" ".join(sys.argv[sep + 1:]))
        print(out, end="")
        sys.exit(rc)
    finally:
        g.kill()
