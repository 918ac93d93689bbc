"""A libvirtd (with virtlogd) started by a test, without systemd, and libvirt-defined guests.

As private as libvirt allows: libvirtd listens on a socket in the test's own directory (the URI
carries ?socket=...) and runs from its own config and pid file; the QEMU driver's state lives
where Debian's libvirt keeps it (/etc/libvirt/qemu, /run/libvirt/qemu), so domains are named
after the test and removed at the end, and no other libvirtd may run meanwhile (the QEMU driver
locks its state directory). A virtlogd already running is used; otherwise one is started.
"""
import grp
import os
import pwd
import shutil
import signal
import subprocess
import time

from qemu_guest import Guest, GuestError
from vswd_process import BUILD, after_exit, live_processes, log, wait_until

AGENT = os.path.join(BUILD, "src", "vsw-libvirt")
QEMU_USER = "libvirt-qemu"  # Debian's qemu.conf: QEMU runs as libvirt-qemu:kvm
QEMU_GROUP = "kvm"


def pids_of(name):
    r = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True)
    return [int(p) for p in r.stdout.split()]


class Libvirt:
    def __init__(self, work):
        self.dir = work.file("libvirt")
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "libvirtd.conf")
        self.pidfile = os.path.join(self.dir, "libvirtd.pid")
        self.log_path = work.file("libvirtd.log")
        self.uri = f"qemu:///system?socket={self.dir}/libvirt-sock"
        self.virtlogd = None  # our own virtlogd, if we had to start one
        self.domains = []     # names defined through us, undefined at the end
        with open(self.conf, "w") as f:
            f.write(f'unix_sock_dir = "{self.dir}"\nlog_outputs = "3:file:{self.log_path}"\n')
        after_exit.append(self.cleanup)

    def start(self):
        for tool in ("libvirtd", "virtlogd", "virsh"):
            if not shutil.which(tool):
                raise AssertionError(f"{tool} not found: apt-get install libvirt-daemon-system libvirt-clients")
        if pids_of("libvirtd"):
            raise AssertionError("another libvirtd is running: the QEMU driver allows one; stop it first")
        if not pids_of("virtlogd"):
            self.virtlogd = subprocess.Popen(["virtlogd", "--pid-file", os.path.join(self.dir, "virtlogd.pid")],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                             start_new_session=True)
            wait_until(lambda: os.path.exists("/run/libvirt/virtlogd-sock"), 20, "virtlogd's socket")
        return self.start_libvirtd()

    def start_libvirtd(self):
        started = time.monotonic()
        r = subprocess.run(["libvirtd", "--daemon", "--config", self.conf, "--pid-file", self.pidfile],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(f"libvirtd did not start: {r.stderr.strip()}")
        wait_until(lambda: subprocess.run(["virsh", "-c", self.uri, "version"], capture_output=True).returncode == 0,
                   60, "libvirtd to answer")
        log(f"libvirtd answers on {self.uri} after {time.monotonic() - started:.1f}s")
        return self

    def libvirtd_pid(self):
        try:
            with open(self.pidfile) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def stop_libvirtd(self):
        pid = self.libvirtd_pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 60, "libvirtd to exit")

    def virsh(self, *args, check=True, timeout=120):
        r = subprocess.run(["virsh", "-c", self.uri, *args], capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"virsh {' '.join(args)} failed: {r.stderr.strip()}")
        return r

    def define(self, name, xml_path):
        self.virsh("define", xml_path)
        self.domains.append(name)

    def libvirtd_running(self):
        pid = self.libvirtd_pid()
        return pid is not None and os.path.exists(f"/proc/{pid}")

    def cleanup(self):
        if self.domains and not self.libvirtd_running():
            try:  # a test that failed while libvirtd was down: its domains still need removing
                self.start_libvirtd()
            except AssertionError as e:
                log(f"cannot restart libvirtd to remove test domains: {e}")
        if self.libvirtd_running():
            for name in self.domains:
                self.virsh("destroy", name, check=False)
                self.virsh("undefine", name, check=False)
            self.stop_libvirtd()
        if self.virtlogd and self.virtlogd.poll() is None:
            self.virtlogd.terminate()
            self.virtlogd.wait()


class Agent:
    """vsw-libvirt, the agent, between a libvirtd and a vswd; its output in vsw-libvirt.log."""
    def __init__(self, work, libvirt, vswd, *args):
        self.log_path = work.file("vsw-libvirt.log")
        self.cmd = [AGENT, "--connect", libvirt.uri, "--ctl", vswd.ctl_path, *args]

    def start(self):
        self.logf = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.cmd, stdout=self.logf, stderr=subprocess.STDOUT)
        live_processes.append(self.proc)
        return self

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_log(self, text, timeout=30, after=0):
        return wait_until(lambda: text in self.log()[after:], timeout, f"vsw-libvirt to log {text!r}")


def qemu_dir(work):
    """A directory QEMU (libvirt-qemu:kvm) can write: guest consoles, agent sockets, boot files."""
    os.chmod(work.path, 0o755)
    d = work.file("qemu")
    os.makedirs(d, exist_ok=True)
    os.chown(d, pwd.getpwnam(QEMU_USER).pw_uid, grp.getgrnam(QEMU_GROUP).gr_gid)
    os.chmod(d, 0o770)
    return d


def domain_xml(name, qemu_dir_path, image, interfaces, metadata=""):
    """A TCG guest with our kernel and initramfs. `interfaces`: <interface> XML snippets. pci=nomsi
    replaces vectors=0 (QEMU 7.2 + TCG + vhost-user crashes with MSI-X), which libvirt cannot set."""
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>{image['kernel']}</kernel>
    <initrd>{image['initramfs']}</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet loglevel=4 pci=nomsi vsw.name={name}</cmdline>
  </os>
  <cpu mode='maximum'/>
  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
  <on_reboot>destroy</on_reboot>
  <devices>
    <serial type='file'><source path='{qemu_dir_path}/{name}-console.log'/><target port='0'/></serial>
    <serial type='unix'><source mode='bind' path='{qemu_dir_path}/{name}-agent.sock'/><target port='1'/></serial>
    {''.join(interfaces)}
    <memballoon model='none'/>
  </devices>
  <metadata>{metadata}</metadata>
</domain>
"""


class DomainGuest(Guest):
    """A guest libvirt runs: the same command agent as Guest, with libvirt owning QEMU."""

    def __init__(self, name, libvirt, qemu_dir_path):
        super().__init__(name, [], qemu_dir_path, image=None)
        self.libvirt = libvirt
        self.console_log = os.path.join(qemu_dir_path, f"{name}-console.log")
        self.agent_path = os.path.join(qemu_dir_path, f"{name}-agent.sock")
        self.starter = None

    def start(self):
        """`virsh start` returns only once vsw has connected QEMU's vhost-user sockets: run it
        in the background."""
        self.starter = subprocess.Popen(["virsh", "-c", self.libvirt.uri, "start", self.name],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return self

    def wait_started(self, timeout=60):
        try:
            out, _ = self.starter.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.starter.kill()
            raise GuestError(f"virsh start {self.name} did not return within {timeout}s")
        if self.starter.returncode != 0:
            raise GuestError(f"virsh start {self.name} failed: {out.strip()}")

    def alive(self):
        """Whether QEMU runs, from libvirt's pid file: true while libvirtd itself is down."""
        try:
            with open(f"/run/libvirt/qemu/{self.name}.pid") as f:
                return os.path.exists(f"/proc/{int(f.read().strip())}")
        except (OSError, ValueError):
            return False

    def qemu_tail(self):
        path = f"/var/log/libvirt/qemu/{self.name}.log"
        try:
            with open(path, errors="replace") as f:
                return "".join(f.readlines()[-20:])
        except OSError:
            return ""

    def kill(self):
        self.libvirt.virsh("destroy", self.name, check=False)
        if self.agent:
            self.agent.close()
            self.agent = None

    stop = kill
