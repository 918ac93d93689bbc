#!/usr/bin/python3
"""A host on the physical side of an uplink, run inside a network namespace: sends the frames
given as hex on its interface, then captures for a while and prints received frames as hex
lines. Used by test_uplink.py."""
import socket
import sys
import time

iface, seconds = sys.argv[1], float(sys.argv[2])
frames = [bytes.fromhex(h) for h in sys.argv[3:]]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((iface, 0))
s.settimeout(0.1)
print("ready", flush=True)
for f in frames:
    s.send(f)
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        data, addr = s.recvfrom(65535)
    except socket.timeout:
        continue
    if addr[2] != socket.PACKET_OUTGOING:
        print(data.hex(), flush=True)
