"""Known flows for the flow export tests (IPFIX, NetFlow): guest a's UDP, a TCP connection closed
by FIN, ICMP echo, IPv6 UDP and a non-IP ethertype to guest b, and b's UDP answer."""
from scapy.all import ICMP, IP, IPv6, TCP, UDP, Ether, Raw  # noqa: F401


def a_flows(a, b):
    """Guest a's frames by flow: {"udp", "tcp", "icmp", "v6", "l2"} -> frames."""
    udp = [Ether(src=a, dst=b) / IP(src="10.0.0.1", dst="10.0.0.2", tos=0x20) / UDP(sport=1000, dport=2000) /
           Raw(b"u" * (50 + 40 * i)) for i in range(5)]
    tcp = [Ether(src=a, dst=b) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=40000, dport=80, flags=f, seq=i) /
           Raw(b"t" * n) for i, (f, n) in enumerate([("S", 0), ("A", 100), ("PA", 200), ("A", 300), ("FA", 0)])]
    icmp = [Ether(src=a, dst=b) / IP(src="10.0.0.1", dst="10.0.0.2") / ICMP(type=8, code=0, id=1, seq=i) /
            Raw(b"p" * 56) for i in range(3)]
    v6 = [Ether(src=a, dst=b) / IPv6(src="fd00::1", dst="fd00::2") / UDP(sport=3000, dport=4000) / Raw(b"6" * 80)
          for _ in range(4)]
    other = [Ether(src=a, dst=b, type=0x88b5) / Raw(b"x" * 60) for _ in range(2)]
    return {"udp": udp, "tcp": tcp, "icmp": icmp, "v6": v6, "l2": other}


def b_answer(b, a):
    """Guest b's UDP answer to a's UDP flow."""
    return [Ether(src=b, dst=a) / IP(src="10.0.0.2", dst="10.0.0.1") / UDP(sport=2000, dport=1000) /
            Raw(b"r" * 70) for _ in range(4)]
