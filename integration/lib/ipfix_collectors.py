"""Independent IPFIX collectors for tests and benchmarks: a loopback capture decoded by tshark,
and nfdump's nfcapd. Neither shares code with vsw's exporter.

Capture: a UDP socket that accepts the datagrams (so the kernel does not answer with ICMP
unreachable) while `tshark -i lo` writes them to a pcap; decode() reads the IPFIX messages back
with tshark's cflow dissector as plain dicts. Nfcapd: `nfcapd` writing into a directory, stopped
with SIGTERM (it then logs its sequence-error count), read back with `nfdump -o csv`.
"""
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time

from vswd_process import live_processes, log, wait_until


class TcpCollector:
    """A TCP collector that accepts one connection at a time and keeps the bytes of each."""

    def __init__(self, port):
        self.port = port
        self.sessions = []  # bytes received, per connection
        self.listener = None
        self.conn = None
        self.stopping = False
        self.thread = None
        self.listen()

    def listen(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(1)
        self.listener.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            self.conn = conn
            conn.settimeout(0.2)
            data = bytearray()
            self.sessions.append(data)
            while not self.stopping:
                try:
                    chunk = conn.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                data += chunk
            conn.close()

    def stop(self):
        """Closes the connection and stops listening (a collector going away)."""
        self.stopping = True
        self.thread.join()
        self.listener.close()


def split_messages(stream):
    """Cuts a TCP byte stream into IPFIX messages by their length fields; raises if it does not
    add up exactly."""
    out, at = [], 0
    while at < len(stream):
        version, length = struct.unpack_from("!HH", stream, at)
        if version != 10 or length < 16 or at + length > len(stream):
            raise AssertionError(f"bad IPFIX framing at byte {at}: version {version}, length {length}")
        out.append(bytes(stream[at:at + length]))
        at += length
    return out


class Capture:
    def __init__(self, work, port, name="ipfix", tcp=False):
        self.port = port
        self.proto = "tcp" if tcp else "udp"
        self.pcap = work.file(f"{name}-{port}.pcapng")
        self.log_path = work.file(f"{name}-{port}-tshark.log")
        self.datagrams = 0
        self.stopping = False
        self.sock = None
        if not tcp:  # a TCP capture sits beside a TcpCollector, which accepts the connection
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
            self.sock.bind(("127.0.0.1", port))
            self.sock.settimeout(0.2)
            self.reader = threading.Thread(target=self._drain, daemon=True)
            self.reader.start()
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(["tshark", "-i", "lo", "-f", f"{self.proto} port {port}", "-w", self.pcap],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        live_processes.append(self.proc)
        wait_until(lambda: "Capturing on" in open(self.log_path).read(), 30, "tshark to start capturing")

    def _drain(self):
        while not self.stopping:
            try:
                self.sock.recv(65535)
                self.datagrams += 1
            except socket.timeout:
                pass

    def stop(self):
        time.sleep(1)  # what is in flight reaches the capture
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
        self.stopping = True
        if self.sock:
            self.reader.join()
            self.sock.close()

    def decode(self):
        """Every IPFIX message as {"sequence", "domain", "length", "records": [...], "templates":
        [...]}; each record a dict of the cflow fields tshark gave it."""
        r = subprocess.run(["tshark", "-r", self.pcap, "-d", f"{self.proto}.port=={self.port},cflow",
                            "-o", "cflow.max_template_fields:200", "-T", "json", "--no-duplicate-keys"],
                           capture_output=True, text=True, check=True)
        messages = []
        for pkt in json.loads(r.stdout or "[]"):
            layers = pkt["_source"]["layers"]
            if layers.get("cflow") is None:
                continue
            transport = layers.get("udp") or layers.get("tcp") or {}
            for cflow in layers["cflow"] if isinstance(layers["cflow"], list) else [layers["cflow"]]:
                messages.append(self._message(cflow, transport))
        return messages

    @staticmethod
    def _message(cflow, transport):
        msg = {"sequence": int(cflow["cflow.sequence"]), "domain": int(cflow["cflow.od_id"]),
               "source_port": int(transport.get("udp.srcport") or transport.get("tcp.srcport") or 0),
               "length": int(cflow["cflow.len"]), "records": [], "templates": []}
        for key, sets in cflow.items():
            if not key.startswith("Set "):
                continue
            for flowset in sets if isinstance(sets, list) else [sets]:
                fs_id = int(flowset["cflow.flowset_id"])
                for k, items in flowset.items():
                    for v in items if isinstance(items, list) else [items]:
                        if not isinstance(v, dict):
                            continue
                        if "Template" in k and "cflow.template_id" in v:
                            msg["templates"].append(int(v["cflow.template_id"]))
                        elif k.startswith("Flow "):
                            msg["records"].append({"template": fs_id, **v})
        return msg

    def expert_warnings(self):
        r = subprocess.run(["tshark", "-r", self.pcap, "-d", f"{self.proto}.port=={self.port},cflow",
                            "-o", "cflow.max_template_fields:200", "-q", "-z", "expert,warn"],
                           capture_output=True, text=True, check=True)
        skip = ("Expert Information", "Group", "Errors (", "Warnings (", "Warns (")
        return [line.strip() for line in r.stdout.splitlines()
                if line.strip() and not line.startswith("=") and not any(s in line for s in skip)]


def check_sequence_numbers(messages):
    """RFC 7011: each message's sequence number = data records sent before it in the same
    transport session (here: UDP source port) and observation domain; the first one 0.
    Returns the list of problems (empty when right)."""
    problems = []
    expected = {}
    for i, m in enumerate(messages):
        session = (m["source_port"], m["domain"])
        want = expected.get(session, 0)
        if m["sequence"] != want:
            problems.append(f"message {i} (session {session}): sequence {m['sequence']}, expected {want}")
        expected[session] = (m["sequence"] + len(m["records"])) % (1 << 32)
    return problems


class Nfcapd:
    """nfdump's collector daemon: nfcapd (IPFIX, NetFlow) or, with program="sfcapd", sFlow's."""

    def __init__(self, work, port, name="nfcapd", program="nfcapd"):
        self.dir = work.file(f"{name}-{port}")
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = work.file(f"{name}-{port}.log")
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen([program, "-w", self.dir, "-p", str(port), "-b", "127.0.0.1", "-t", "60"],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        live_processes.append(self.proc)
        wait_until(lambda: self._bound(port), 30, "nfcapd to listen")

    @staticmethod
    def _bound(port):
        out = subprocess.run(["ss", "-uln"], capture_output=True, text=True).stdout
        return f"127.0.0.1:{port} " in out

    def stop(self):
        """Stops nfcapd (SIGTERM); returns the sequence errors it logged (one count per file)."""
        time.sleep(1)
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        text = open(self.log_path).read()
        log(f"nfcapd log tail: {text.strip().splitlines()[-6:]}")
        errors = [int(line.split("Sequence Errors:")[1].split()[0].rstrip(",")) for line in text.splitlines()
                  if "Sequence Errors:" in line]
        return errors

    def flow_counts(self):
        """nfdump's view: (src, dst, sport, dport, proto) -> (packets, bytes) (ICMP: ports 0)."""
        lines = self.flows()
        header = lines[0].split(",")
        out = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            if "sa" not in row or not row.get("ipkt", "").isdigit():
                continue
            proto = {"UDP": 17, "TCP": 6, "ICMP": 1}.get(row["pr"], row["pr"])
            ports = (0, 0) if proto == 1 else (int(float(row["sp"])), int(float(row["dp"])))
            key = (row["sa"], row["da"], *ports, int(proto) if str(proto).isdigit() else proto)
            pk, by = out.get(key, (0, 0))
            out[key] = (pk + int(row["ipkt"]), by + int(row["ibyt"]))
        return out

    def flows(self):
        """nfdump's flows: the CSV lines of `nfdump -R DIR -o csv` (header first), without its summary."""
        r = subprocess.run(["nfdump", "-R", self.dir, "-o", "csv"], capture_output=True, text=True, check=True)
        lines = []
        for line in r.stdout.splitlines():
            if line.startswith("Summary"):
                break
            if line.strip():
                lines.append(line)
        return lines


class Pmacct:
    """pmacct's collector daemon (nfacctd for NetFlow, sfacctd for sFlow, which renormalises:
    packets are scaled up by the sampling), printing the flows it aggregates as JSON lines.
    `key(j)`: a printed line's flow key; flows() sums the packets per key."""

    def __init__(self, work, port, daemon, aggregate, key, extra=""):
        self.key = key
        self.out = work.file(f"{daemon}-flows.json")
        conf = work.file(f"{daemon}.conf")
        with open(conf, "w") as f:
            f.write(f"daemonize: false\n{daemon}_ip: 127.0.0.1\n{daemon}_port: {port}\n{extra}plugins: print\n"
                    f"aggregate: {aggregate}\nprint_output: json\nprint_output_file: {self.out}\n"
                    f"print_refresh_time: 1\nprint_history: 1h\nprint_output_file_append: true\n")
        self.log_path = work.file(f"{daemon}.log")
        self.proc = subprocess.Popen([daemon, "-f", conf], stdout=open(self.log_path, "w"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        live_processes.append(self.proc)
        wait_until(lambda: f"127.0.0.1:{port} " in subprocess.run(["ss", "-uln"], capture_output=True,
                                                                  text=True).stdout, 30, f"{daemon} to listen")

    def flows(self):
        out = {}
        if os.path.exists(self.out):
            for line in open(self.out):
                if line.strip():
                    j = json.loads(line)
                    out[self.key(j)] = out.get(self.key(j), 0) + j["packets"]
        return out

    def stop(self):
        """Ends the daemon and its plugin process (what they printed is already read)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
