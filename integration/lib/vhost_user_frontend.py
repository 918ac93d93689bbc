"""A vhost-user frontend (the role QEMU plays) that can speak the protocol well or badly: the
hostile-guest tests use it to send vswd garbage, truncated messages, absurd ring sizes and
memory tables with bad regions (docs/interop/vhost-user.rst in QEMU: a 12-byte header -- request,
flags, payload size -- then the payload, file descriptors as SCM_RIGHTS)."""
import array
import os
import socket
import struct

GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE = 1, 2, 3, 4, 5
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL = 12, 13
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE = 15, 16, 17, 18
VERSION = 0x1
NEED_REPLY = 0x8
NOFD = 0x100  # in SET_VRING_KICK/CALL: no file descriptor follows

VIRTIO_F_VERSION_1 = 1 << 32
PROTOCOL_FEATURES = 1 << 30


def header(request, size, flags=VERSION):
    return struct.pack("<III", request, flags, size)


def message(request, payload=b"", flags=VERSION):
    return header(request, len(payload), flags) + payload


def region(gpa, size, uaddr, mmap_offset):
    return struct.pack("<QQQQ", gpa, size, uaddr, mmap_offset)


def mem_table(regions, count=None):
    """SET_MEM_TABLE payload: region count (may lie), padding, the regions."""
    return struct.pack("<II", len(regions) if count is None else count, 0) + b"".join(regions)


def vring_state(index, num):
    return struct.pack("<II", index, num)


def vring_addr(index, desc, used, avail, flags=0, log=0):
    return struct.pack("<IIQQQQ", index, flags, desc, used, avail, log)


class Frontend:
    """One connection. As a client it connects to vswd's vhost-user-server socket; `accept`
    listens for vswd's vhost-user-client port instead."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(5)
        self.requests = 0  # messages sent through request()

    @classmethod
    def connect(cls, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        return cls(s)

    def send(self, data, fds=()):
        if fds:
            self.sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
        else:
            self.sock.sendall(data)

    def request(self, request, payload=b"", fds=(), flags=VERSION):
        self.send(message(request, payload, flags), fds)
        self.requests += 1

    def reply(self):
        """Reads a reply: (request, flags, payload). Raises on EOF or timeout."""
        head = self._read(12)
        request, flags, size = struct.unpack("<III", head)
        return request, flags, self._read(size)

    def get_u64(self, request):
        self.request(request)
        _, _, payload = self.reply()
        return struct.unpack("<Q", payload[:8])[0]

    def closed_by_peer(self, timeout=5):
        """True if vswd closed the connection (EOF) within `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(4096)
                if not data:
                    return True
        except (socket.timeout, TimeoutError):
            return False
        except OSError:
            return True  # reset

    def close(self):
        self.sock.close()

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("vhost-user peer closed the connection")
            data += chunk
        return data


def guest_memory(size):
    """A memfd of `size` bytes standing in for guest RAM; returns its fd."""
    fd = os.memfd_create("vsw-hostile-guest", 0)
    os.ftruncate(fd, size)
    return fd
