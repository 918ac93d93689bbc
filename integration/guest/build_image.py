#!/usr/bin/python3
"""Builds the initramfs of vsw's test guests from Debian packages on this host.

Contents: busybox-static (userland), the host's linux-image-amd64 kernel modules that tests need
(virtio-net chain, 8021q, ip_gre/erspan) with their dependencies in load order, modules loaded
only on demand (bonding: see ON_DEMAND), iperf3 with its shared libraries, and the init + command
agent scripts beside this file. The result is cached in
the output directory and rebuilt only when an input changes (a digest of every input file).

Usage: build_image.py OUTDIR   -> prints the kernel and initramfs paths as JSON
"""
import glob
import gzip
import hashlib
import io
import json
import os
import stat
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = ["virtio_net", "virtio_pci", "8021q", "ip_gre"]  # erspan lives in ip_gre; init.sh loads them
# Carried but loaded only by a test that asks (Guest.load_module): /etc/vsw-modules.d/NAME lists
# "path options" in load order, as modprobe would insmod them. bonding.ko (needs tls.ko) is not
# loaded at boot: it would give every guest a bond0 (modprobe's max_bonds=0 option aside).
ON_DEMAND = ["bonding"]
BINARIES = ["/usr/bin/iperf3",
            "/sbin/ip"]  # iproute2's ip at /sbin/ip (busybox's /bin/ip knows no erspan options)


def fail(msg):
    sys.exit(f"build_image: {msg}")


def kernel():
    """Newest /boot/vmlinuz-* with its modules present (package linux-image-amd64)."""
    found = []
    for path in glob.glob("/boot/vmlinuz-*"):
        version = path[len("/boot/vmlinuz-"):]
        if os.path.isdir(f"/lib/modules/{version}/kernel"):
            found.append((os.path.getmtime(path), version, path))
    if not found:
        fail("no /boot/vmlinuz-* with /lib/modules: apt-get install linux-image-amd64")
    _, version, path = max(found)
    return version, path


def module_loads(version, mods):
    """(path, options) in load order, dependencies first, each once, as modprobe would insmod them."""
    ordered = []
    for mod in mods:
        r = subprocess.run(["modprobe", "-S", version, "--show-depends", mod], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"module {mod} not found for kernel {version}: {r.stderr.strip()}")
        for line in r.stdout.splitlines():
            parts = line.split()
            if parts and parts[0] == "insmod" and parts[1] not in (p for p, _ in ordered):
                ordered.append((parts[1], " ".join(parts[2:])))
    return ordered


def module_files(version):
    """Module paths in load order, dependencies first, each once."""
    return [path for path, _ in module_loads(version, MODULES)]


def on_demand_modules(version):
    """{name: [(path, options)]} of ON_DEMAND, without what init.sh loads already."""
    at_boot = set(module_files(version))
    return {mod: [(p, o) for p, o in module_loads(version, [mod]) if p not in at_boot] for mod in ON_DEMAND}


def shared_libraries(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            libs.append(parts[2])
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])  # the dynamic loader
    return libs


class Cpio:
    """A gzip'd cpio 'newc' archive, the format the kernel unpacks as initramfs."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1
        self.dirs = set()

    def _entry(self, name, mode, data=b"", nlink=1):
        name_b = name.encode() + b"\0"
        header = "070701" + "".join(f"{v:08x}" for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
        self.ino += 1
        self.buf.write(header.encode() + name_b)
        self.buf.write(b"\0" * ((4 - (110 + len(name_b)) % 4) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * ((4 - len(data) % 4) % 4))

    def mkdir(self, path):
        path = path.strip("/")
        if not path or path in self.dirs:
            return
        self.mkdir(os.path.dirname(path))
        self.dirs.add(path)
        self._entry(path, stat.S_IFDIR | 0o755, nlink=2)

    def file(self, path, data, mode=0o755):
        self.mkdir(os.path.dirname(path.strip("/")))
        self._entry(path.strip("/"), stat.S_IFREG | mode, data)

    def copy(self, host_path, guest_path=None, mode=0o755):
        with open(host_path, "rb") as f:
            self.file(guest_path or host_path, f.read(), mode)

    def symlink(self, path, target):
        self.mkdir(os.path.dirname(path.strip("/")))
        self._entry(path.strip("/"), stat.S_IFLNK | 0o777, target.encode())

    def finish(self):
        self._entry("TRAILER!!!", 0, b"")
        return gzip.compress(self.buf.getvalue(), compresslevel=6, mtime=0)


def inputs(version, vmlinuz):
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        fail("no /bin/busybox: apt-get install busybox-static")
    for b in BINARIES:
        if not os.path.exists(b):
            fail(f"no {b}: apt-get install {'iproute2' if b == '/sbin/ip' else os.path.basename(b)}")
    files = [busybox, vmlinuz, __file__, os.path.join(HERE, "init.sh"), os.path.join(HERE, "agent.sh")]
    files += [os.path.realpath(p) for p in module_files(version)]
    files += [os.path.realpath(p) for loads in on_demand_modules(version).values() for p, _ in loads]
    for b in BINARIES:
        files += [b] + [os.path.realpath(l) for l in shared_libraries(b)]
    return files


def digest(files):
    h = hashlib.sha256()
    for f in files:
        st = os.stat(f)
        h.update(f"{f}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def build(outdir):
    version, vmlinuz = kernel()
    files = inputs(version, vmlinuz)
    image = os.path.join(outdir, "initramfs.cpio.gz")
    stamp = os.path.join(outdir, "initramfs.digest")
    key = digest(files)
    result = {"kernel": vmlinuz, "initramfs": image, "kernel_version": version}
    if os.path.exists(image) and os.path.exists(stamp) and open(stamp).read() == key:
        return result | {"rebuilt": False}

    a = Cpio()
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "run", "etc", "root"):
        a.mkdir(d)
    a.copy("/bin/busybox", "/bin/busybox")
    applets = subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True, check=True).stdout.split()
    for applet in applets:
        if applet != "busybox":
            a.symlink(f"/bin/{applet}", "busybox")
    a.copy(os.path.join(HERE, "init.sh"), "/init")
    a.copy(os.path.join(HERE, "agent.sh"), "/bin/agent.sh")
    modules = []
    for path in module_files(version):
        rel = os.path.relpath(path, "/lib/modules")
        a.copy(path, f"/lib/modules/{rel}", 0o644)
        modules.append(rel)
    a.file("/etc/vsw-modules", ("\n".join(modules) + "\n").encode(), 0o644)
    for mod, loads in on_demand_modules(version).items():
        lines = []
        for path, options in loads:
            rel = os.path.relpath(path, "/lib/modules")
            a.copy(path, f"/lib/modules/{rel}", 0o644)
            lines.append(f"{rel} {options}".rstrip())
        a.file(f"/etc/vsw-modules.d/{mod}", ("\n".join(lines) + "\n").encode(), 0o644)
    for b in BINARIES:
        a.copy(b)
        for lib in shared_libraries(b):
            a.copy(os.path.realpath(lib), lib)
    a.file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n", 0o644)
    a.file("/etc/group", b"root:x:0:\n", 0o644)

    os.makedirs(outdir, exist_ok=True)
    tmp = image + ".tmp"
    with open(tmp, "wb") as f:
        f.write(a.finish())
    os.replace(tmp, image)
    with open(stamp, "w") as f:
        f.write(key)
    return result | {"rebuilt": True}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(json.dumps(build(sys.argv[1])))
