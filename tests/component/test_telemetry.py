#!/usr/bin/python3
"""Telemetry endpoints: DPDK's own client (dpdk-telemetry.py) reads vsw's /vsw/* commands, and
a real Prometheus server scrapes vswd's /metrics; both report what vswctl reports for known
traffic (frames each way, a counted drop, a mirror whose output is down, IPFIX on). promtool
lints the exposition; bad HTTP requests get 400/404/405; a silent client does not stop scrapes."""
import json
import os
import socket
import subprocess
import time
import urllib.parse
import urllib.request

from vswtest import VSWCTL, FakeGuest, Vswd, check, frame, free_port, live_processes, log, wait_until

A, B = "02:00:00:00:0a:01", "02:00:00:00:0b:01"


def telemetry(prefix, *commands):
    """Runs DPDK's dpdk-telemetry.py against vswd's telemetry socket; returns {command: answer}."""
    r = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input="\n".join(commands) + "\n",
                       capture_output=True, text=True, timeout=30)
    out = {}
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.update(json.loads(line))
    return out


def http(port, raw):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(raw)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data.decode(errors="replace")


def prometheus_query(port, expr):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as r:
        result = json.load(r)["data"]["result"]
    return [float(x["value"][1]) for x in result]


def test(work):
    metrics_port = free_port()
    vswd = Vswd(work, extra=["--metrics-listen", f"127.0.0.1:{metrics_port}"]).start()
    vswd.ctl("add-port", "a", "--socket", work.file("a.sock"))
    vswd.ctl("add-port", "b", "--socket", work.file("b.sock"))
    vswd.ctl("add-port", "span", "--socket", work.file("nobody.sock"))
    vswd.ctl("mirror", "add", "m0", "sources=a", "direction=rx", "output=span")
    vswd.ctl("ipfix", "set", "--collector", "127.0.0.1:9")
    bad = frame("01:00:5e:00:00:01", B, "multicast source")  # dropped: invalid_src_mac
    b = FakeGuest(work, "b", work.file("b.sock"), True, [frame(B, A, f"b-{i}") for i in range(30)])
    a = FakeGuest(work, "a", work.file("a.sock"), True, [frame(A, B, f"a-{i}") for i in range(50)] + [bad])
    vswd.wait_port_state("a", "up")
    vswd.wait_port_state("b", "up")
    b.start()
    wait_until(lambda: vswd.port_stats("b")["rx_packets"] == 30, 30, "b's frames")
    a.start()
    wait_until(lambda: vswd.port_stats("a")["rx_packets"] == 51, 30, "a's frames")
    time.sleep(2)  # the snapshot is refreshed once a second
    stats = {n: vswd.port_stats(n) for n in ("a", "b")}
    log(f"vswctl: a rx {stats['a']['rx_packets']} tx {stats['a']['tx_packets']}, b rx {stats['b']['rx_packets']}")

    # DPDK telemetry.
    t = telemetry(vswd.prefix, "/", "/vsw/ports", "/vsw/port/stats,a", "/vsw/port/info,b", "/vsw/pmd", "/vsw/switch",
                  "/vsw/mirrors", "/vsw/mirror,m0", "/vsw/ipfix")
    check(all(c in t["/"] for c in ("/vsw/ports", "/vsw/port/stats", "/vsw/pmd")), "dpdk-telemetry.py lists vsw's commands")
    check(t["/vsw/ports"] == ["a", "b", "span"], f"/vsw/ports: {t['/vsw/ports']}")
    sa = t["/vsw/port/stats"]
    check(sa["rx_packets"] == 51 and sa["tx_packets"] == stats["a"]["tx_packets"] and sa["drops/invalid_src_mac"] == 1,
          f"/vsw/port/stats,a agrees with vswctl (rx 51, tx {sa['tx_packets']}, invalid_src_mac 1)")
    check(t["/vsw/port/info"]["state"] == "up" and t["/vsw/port/info"]["type"] == "vhost-user-client", "/vsw/port/info,b")
    check(t["/vsw/pmd"]["0/rx_packets"] >= 81 and "0/cycles_per_packet" in t["/vsw/pmd"], "/vsw/pmd has cycles per packet")
    check(t["/vsw/switch"]["fdb/entries"] == 2, "/vsw/switch: two MACs learned")
    check(t["/vsw/mirrors"] == ["m0"] and t["/vsw/mirror"]["counters/tx_dropped"] == 50,
          "/vsw/mirror,m0: the 50 copies to a down output counted")
    check(t["/vsw/ipfix"]["metered_packets"] >= 80, "/vsw/ipfix: frames metered")
    check(telemetry(vswd.prefix, "/vsw/port/stats,nosuch")["/vsw/port/stats"] is None, "an unknown port: no answer")

    # The exposition: promtool's lint, then a real Prometheus server scraping it every second.
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    check(lint.returncode == 0, f"promtool check metrics: clean {lint.stdout}{lint.stderr}")
    prom_port = free_port()
    with open(work.file("prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                f"  - job_name: vsw\n    static_configs:\n      - targets: ['127.0.0.1:{metrics_port}']\n")
    prom_log = open(work.file("prometheus.log"), "w")
    prom = subprocess.Popen(["prometheus", f"--config.file={work.file('prometheus.yml')}",
                             f"--storage.tsdb.path={work.file('tsdb')}", f"--web.listen-address=127.0.0.1:{prom_port}"],
                            stdout=prom_log, stderr=subprocess.STDOUT)
    live_processes.append(prom)

    def scraped(expr):
        try:
            return prometheus_query(prom_port, expr)
        except OSError:
            return []

    wait_until(lambda: scraped('up{job="vsw"}') == [1.0], 60, "Prometheus to scrape vswd")
    check(scraped('vsw_port_rx_packets_total{port="a"}') == [51.0] and
          scraped('vsw_port_tx_packets_total{port="b"}') == [float(stats["b"]["tx_packets"])],
          "Prometheus has a's and b's counters as vswctl shows them")
    check(scraped('vsw_port_drops_total{port="a",reason="invalid_src_mac"}') == [1.0], "and the drop, by reason")
    check(scraped('vsw_mirror_tx_dropped_total{mirror="m0"}') == [50.0], "and the mirror's counters")
    check(scraped('vsw_pmd_cycles_per_packet') and scraped('vsw_port_up{port="span"}') == [0.0],
          "and PMD cycles per packet, and the down port as down")

    # HTTP edge cases, and a client that never sends its request.
    check(http(metrics_port, b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").startswith("HTTP/1.1 404"), "unknown path: 404")
    check(http(metrics_port, b"POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n").startswith("HTTP/1.1 405"), "POST: 405")
    check(http(metrics_port, b"garbage\r\n\r\n").startswith("HTTP/1.1 400"), "garbage: 400")
    silent = socket.create_connection(("127.0.0.1", metrics_port))
    started = time.monotonic()
    body = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read()
    check(b"vsw_port_rx_packets_total" in body and time.monotonic() - started < 5,
          f"a silent client delays a scrape by at most its 2 s timeout ({time.monotonic() - started:.1f} s)")
    silent.close()

    # vswctl top: a guest floods frames to an unknown MAC; a and b (trunks of every VLAN) get the
    # flood, their guests do not take it all (counted drops). Rates show, busiest first.
    vswd.ctl("add-port", "f", "--socket", work.file("f.sock"), "vlan-mode=access", "tag=99")
    f = FakeGuest(work, "f", work.file("f.sock"), True, [frame("02:00:00:00:0f:01", "02:00:00:00:0f:02", "nobody")],
                  infinite=True)
    vswd.wait_port_state("f", "up")
    f.start()
    wait_until(lambda: vswd.port_stats("f")["rx_packets"] > 10000, 30, "f's flood")
    r = subprocess.run([VSWCTL, "--ctl", vswd.ctl_path, "top", "--iterations", "2", "--interval", "0.5"],
                       capture_output=True, text=True, timeout=30)
    log("vswctl top:\n" + r.stdout)
    screens = r.stdout.split("vswctl top - ")[1:]
    rows = [line.split() for line in screens[-1].splitlines() if line.split()[:1] in (["a"], ["b"], ["f"], ["span"])]
    check(r.returncode == 0 and len(screens) == 2 and "PORT" in screens[-1] and [x[0] for x in rows][0] == "f" and
          len(rows) == 4, "vswctl top: two screens, every port, the flooding one first")
    check(rows[0][1][-1] in "kMG" and any(x[5][-1] in "kMG" for x in rows),
          f"f's RX_PPS {rows[0][1]}; drops per second {[x[5] for x in rows]}")
    f.kill()  # an endless pcap replay takes long to stop politely
    prom.terminate()
    prom.wait(timeout=30)
    a.quit()
    b.quit()
    vswd.stop()


if __name__ == "__main__":
    from vswtest import run
    run(test, "telemetry")
