# SPDX-License-Identifier: MIT
"""SOCKS4 bytes for the integration tests, written from the spec independently of
lib/socks4.c on purpose: a test oracle must not share the code it checks."""
import socket
import struct

CONNECT, BIND = 1, 2
GRANTED, REJECTED, NO_IDENTD, IDENT_MISMATCH = 90, 91, 92, 93


def request(cd, port, ip, userid=b"", host=None, vn=4):
    """VN CD DSTPORT DSTIP USERID NUL [HOST NUL]; ip is dotted text or 4 bytes."""
    raw_ip = socket.inet_aton(ip) if isinstance(ip, str) else bytes(ip)
    out = struct.pack("!BBH", vn, cd, port) + raw_ip + userid + b"\0"
    if host is not None:
        out += host + b"\0"
    return out


def connect_req(port, userid=b"u", ip="127.0.0.1"):
    """A SOCKS4 CONNECT to ip:port (loopback by default)."""
    return request(CONNECT, port, ip, userid)


def connect_4a(port, host, userid=b""):
    return request(CONNECT, port, b"\0\0\0\x01", userid, host)


def parse_reply(b):
    """(vn, cd, port, ip-text) of an 8-byte reply."""
    assert len(b) == 8, f"reply of {len(b)} bytes: {b.hex()}"
    vn, cd, port = struct.unpack("!BBH", b[:4])
    return vn, cd, port, socket.inet_ntoa(b[4:])


def read_reply(sock, timeout=10.0):
    """Reads one 8-byte reply; fails the test on a short one."""
    from conftest import recv_exact
    b = recv_exact(sock, 8, timeout)
    return parse_reply(b)


def open_session(server, req, timeout=10.0):
    """Connects to the server, sends req in one write, returns (sock, reply)."""
    s = socket.create_connection(server.addr, timeout=timeout)
    s.sendall(req)
    return s, read_reply(s, timeout)
