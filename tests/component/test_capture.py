#!/usr/bin/python3
"""Packet capture: `vswctl capture PORT -w FILE` writes pcapng that tshark reads, with exactly the
frames the port received (inbound) and was sent (outbound), byte for byte and in order; the
snap length, directions, time limit, Ctrl-C, standard output into a pipe, a deleted port, a
vswctl that dies, and refused requests (no file left behind)."""
import os
import signal
import subprocess
import time
import urllib.request

from vswtest import VSWCTL, FakeGuest, Vswd, check, frame, free_port, live_processes, log, rdpcap, wait_until

A, B, C = "02:00:00:00:0a:01", "02:00:00:00:0b:01", "02:00:00:00:0c:01"


class Capture:
    """vswctl capture running in the background; stderr kept for its progress and summary."""

    def __init__(self, work, vswd, name, *args, stdout=None):
        self.err_path = work.file(f"capture-{name}.err")
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen([VSWCTL, "--ctl", vswd.ctl_path, "capture", *args], stdout=stdout,
                                     stderr=self.err)
        live_processes.append(self.proc)
        wait_until(lambda: "capturing port" in self.stderr() or self.proc.poll() is not None, 30,
                   f"vswctl capture {name} to start")
        check(self.proc.poll() is None, f"vswctl capture {' '.join(args)} started: {self.stderr().strip()}")

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def wait(self, timeout=30):
        return self.proc.wait(timeout=timeout)


def tshark_fields(path, *fields):
    """tshark's reading of a capture file: one tuple of the fields per frame."""
    args = ["tshark", "-r", path, "-T", "fields", "-E", "separator=|"]
    for f in fields:
        args += ["-e", f]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"tshark reads {os.path.basename(path)}" + (f": {r.stderr.strip()}" if r.returncode else ""))
    return [tuple(line.split("|")) for line in r.stdout.splitlines()]


def frame_count(path):
    """Frames in a capture file, as Wireshark's capinfos counts them (faster than dissecting)."""
    r = subprocess.run(["capinfos", "-M", "-c", "-T", "-r", path], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"capinfos reads {os.path.basename(path)}" + (f": {r.stderr.strip()}" if r.returncode else ""))
    return int(r.stdout.split()[-1])


def tshark_frames(work, path):
    """The frames tshark finds in a pcapng file, as bytes (tshark rewrites them as pcap)."""
    out = work.file(os.path.basename(path) + ".pcap")
    r = subprocess.run(["tshark", "-r", path, "-F", "pcap", "-w", out], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"tshark converts {os.path.basename(path)}" + (f": {r.stderr.strip()}" if r.returncode else ""))
    return [bytes(p) for p in rdpcap(out)]


def direction(flags):
    """pcapng's epb_flags as tshark prints them (0x00000001): 1 inbound, 2 outbound."""
    return int(flags, 0) & 3


def test(work):
    metrics_port = free_port()
    vswd = Vswd(work, extra=["--metrics-listen", f"127.0.0.1:{metrics_port}"]).start()

    def metrics():
        return urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()

    for name in ("a", "b", "c"):
        vswd.ctl("add-port", name, "--socket", work.file(f"{name}.sock"))
    to_a = [frame(B, A, f"b-{i}-" + "y" * (i * 7)) for i in range(30)]
    from_a = [frame(A, B, f"a-{i}-" + "x" * (i * 11)) for i in range(50)]
    b = FakeGuest(work, "b", work.file("b.sock"), True, to_a)
    a = FakeGuest(work, "a", work.file("a.sock"), True, from_a)
    c = FakeGuest(work, "c", work.file("c.sock"), True, [frame(C, B, "c" * 500)], infinite=True)
    for name in ("a", "b", "c"):
        vswd.wait_port_state(name, "up")

    # Refused requests: an error, and no file.
    for args, code, words in [(["nosuch", "-w", work.file("x.pcapng")], 1, "no port named 'nosuch'"),
                              (["a", "-w", work.file("x.pcapng"), "--snaplen", "10"], 2, "snaplen must be 64 to 65535"),
                              (["a", "-w", work.file("x.pcapng"), "--direction", "up"], 2, "rx, tx or both"),
                              (["a"], 2, "capture needs -w FILE")]:
        rc, err = vswd.ctl_fail("capture", *args)
        check(rc == code and words in err, f"capture {' '.join(args[:1] + args[2:])}: exit {rc}, '{err}'")
    check(not os.path.exists(work.file("x.pcapng")), "a refused capture leaves no file")

    # Both directions of port a until 80 frames: b's 30 frames reach a (tx), then a sends 50 (rx).
    path = work.file("a.pcapng")
    cap = Capture(work, vswd, "a", "a", "-w", path, "--count", "80")
    rc, err = vswd.ctl_fail("capture", "a", "-w", work.file("y.pcapng"))
    check(rc == 1 and "already being captured" in err, f"a second capture of a port is refused: '{err}'")
    check(len(vswd.ctl("show")["captures"]) == 1 and "Capturing a (both, snaplen 65535): 0 frames" in vswd.ctl_text("show"),
          "show lists the running capture")
    b.start()
    wait_until(lambda: vswd.port_stats("a")["tx_packets"] == 30, 30, "b's frames to reach a")
    a.start()
    check(cap.wait() == 0, "vswctl capture ends by itself at --count")
    summary = cap.stderr().strip().splitlines()[-1]
    log(summary)
    check("80 frames captured on port a, 0 lost (count reached)" in summary, f"summary: {summary}")
    check(oct(os.stat(path).st_mode & 0o777) == "0o600", "the capture file is readable by its owner only")
    fields = tshark_fields(path, "frame.interface_name", "frame.packet_flags_direction", "eth.src", "frame.len")
    got = tshark_frames(work, path)
    check(len(fields) == 80 and len(got) == 80, f"tshark reads 80 frames ({len(fields)})")
    check(all(f[0] == "a" for f in fields), "on an interface named after the port")
    inbound = [g for g, f in zip(got, fields) if direction(f[1]) == 1]
    outbound = [g for g, f in zip(got, fields) if direction(f[1]) == 2]
    check(len(inbound) == 50 and len(outbound) == 30, f"50 inbound, 30 outbound ({len(inbound)}, {len(outbound)}; "
          f"flags seen {sorted(set(f[1] for f in fields))})")
    check(inbound == [bytes(f) for f in from_a], "inbound: what a sent, byte for byte, in order")
    check(outbound == [bytes(f) for f in to_a], "outbound: what a was sent, byte for byte, in order")
    times = [float(t[0]) for t in tshark_fields(path, "frame.time_epoch")]
    check(times == sorted(times) and abs(times[-1] - time.time()) < 60, "timestamps are wall-clock time, in order")
    check(vswd.ctl("show")["captures"] == [], "the finished capture is gone from show")

    # Standard output into tshark: rx only, cut to 64 bytes, 2 seconds of c's flood.
    c.start()
    wait_until(lambda: vswd.port_stats("c")["rx_packets"] > 1000, 30, "c's flood")
    cap = subprocess.run(f"{VSWCTL} --ctl {vswd.ctl_path} capture c -w - --direction rx --snaplen 64 --seconds 2 "
                         f"| tshark -r - -T fields -e frame.len -e frame.cap_len -e frame.packet_flags_direction",
                         shell=True, capture_output=True, text=True, timeout=60)
    rows = [line.split("\t") for line in cap.stdout.splitlines()]
    summary = cap.stderr.strip().splitlines()[-1] if cap.stderr.strip() else ""
    log(f"{summary}; tshark saw {len(rows)} frames")
    check(cap.returncode == 0 and "(time limit reached)" in summary, f"a 2-second capture ends by itself: {summary}")
    check(len(rows) > 100 and f"{len(rows)} frames captured on port c" in summary,
          "tshark reads from the pipe every frame vswctl wrote")
    c_len = len(frame(C, B, "c" * 500))
    check(all(r[0] == str(c_len) and r[1] == "64" and direction(r[2]) == 1 for r in rows),
          f"each {c_len}-byte frame of c cut to 64 bytes, all inbound {rows[:1]}")

    # A filter (pcap-filter syntax, compiled to BPF in vswd) during c's flood to b.
    path = work.file("filtered.pcapng")
    cap = Capture(work, vswd, "filtered", "b", "-w", path, "--direction", "tx", "--count", "100",
                  "--filter", f"ether src {C} and udp")
    check(cap.wait() == 0 and "100 frames captured on port b" in cap.stderr(), "a filtered capture of b reaches its count")
    srcs = set(f[0] for f in tshark_fields(path, "eth.src"))
    check(srcs == {C}, f"every frame matches the filter ({srcs})")
    path = work.file("nothing.pcapng")
    before = vswd.port_stats("b")["tx_packets"]
    cap = Capture(work, vswd, "nothing", "b", "-w", path, "--seconds", "1", "--filter", f"ether src {A}")
    check(cap.wait() == 0 and "0 frames captured on port b, 0 lost" in cap.stderr() and frame_count(path) == 0,
          f"a filter nothing matches: no frame while b was sent {vswd.port_stats('b')['tx_packets'] - before}")
    rc, err = vswd.ctl_fail("capture", "b", "-w", work.file("x.pcapng"), "--filter", "udp prot 53")
    check(rc == 1 and "syntax error" in err and not os.path.exists(work.file("x.pcapng")),
          f"a filter that does not compile is refused: '{err}'")

    # Ctrl-C: vswd ends the capture and the file is complete.
    path = work.file("b.pcapng")
    cap = Capture(work, vswd, "b", "b", "-w", path, "--direction", "tx")
    wait_until(lambda: "vsw_captures_running 1\n" in metrics() and
               'vsw_capture_frames_total{port="b",direction="tx"}' in metrics(), 10,
               "the Prometheus endpoint to show the running capture")
    cap.proc.send_signal(signal.SIGINT)
    check(cap.wait() == 0 and "(stopped by the client)" in cap.stderr(), f"Ctrl-C stops it: {cap.stderr().strip()}")
    n = frame_count(path)
    check(n > 0 and f"{n} frames captured on port b" in cap.stderr(), f"and the file has every frame ({n})")

    # vswctl killed: vswd notices, ends the capture and frees it.
    cap = Capture(work, vswd, "b2", "b", "-w", work.file("killed.pcapng"))
    cap.proc.kill()
    cap.wait()
    wait_until(lambda: vswd.ctl("show")["captures"] == [], 10, "vswd to end the capture of a dead vswctl")

    # The captured port is deleted: the capture ends, the file is complete.
    path = work.file("c.pcapng")
    cap = Capture(work, vswd, "c", "c", "-w", path)
    time.sleep(0.5)
    vswd.ctl("del-port", "c")
    check(cap.wait() == 1 and "(the port was deleted)" in cap.stderr(), f"deleting the port ends it: {cap.stderr().strip()}")
    check(frame_count(path) > 0, "the file holds what was captured until then")
    check(vswd.ctl("show")["captures"] == [] and vswd.alive(), "vswd carries on")

    # Several ports at once, and the switch still forwards while they run.
    caps = [Capture(work, vswd, f"multi-{p}", p, "-w", work.file(f"multi-{p}.pcapng"), "--seconds", "1") for p in ("a", "b")]
    check(all(x.wait() == 0 for x in caps), "two captures at once")
    check(vswd.ctl("show")["captures"] == [] and vswd.mbufs_in_use() < 1024, "all captures gone, mbufs back")
    vswd.stop()


if __name__ == "__main__":
    from vswtest import run
    run(test, "capture")
