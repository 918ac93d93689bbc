"""A ping that runs in a test guest's background while the test does something else (a live
migration): every `interval_ms`, `count` times; afterwards the frames lost tell the outage."""
from vswd_process import wait_until


class BackgroundPing:
    def __init__(self, guest, ip, interval_ms=50, count=400, path="/tmp/ping.txt"):
        self.guest, self.ip = guest, ip
        self.interval_ms, self.count, self.path = interval_ms, count, path

    def start(self):
        self.guest.check(f"(ping -i {self.interval_ms / 1000} -c {self.count} -W 1 {self.ip} "
                         f"> {self.path} 2>&1 &) ; true")
        return self

    def wait(self, timeout=60):
        """Waits for the ping to end; returns (sent, received, summary line)."""
        wait_until(lambda: "packets transmitted" in self.guest.read(f"cat {self.path}"), timeout,
                   f"{self.guest.name}'s ping to finish")
        summary = next(line for line in self.guest.read(f"cat {self.path}").splitlines()
                       if "packets transmitted" in line)
        return int(summary.split()[0]), int(summary.split()[3]), summary

    def outage_ms(self, sent, received):
        return (sent - received) * self.interval_ms

