#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""preconnect_client.py - a stream SOCKS4 client that connects the way a browser does:
first a connection to the proxy closed without a byte (a preconnect), then a spare
connection that sends its request and then nothing (kept open until the end), then
the real request; a refused request is tried once more on a new connection.

    preconnect_client.py PROXY_HOST PROXY_PORT HOST PORT

Otherwise a correct client (written from ../shared/spec alone): a CONNECT for HOST
(an IPv4 address; a name is resolved here) PORT with USERID "pre", the 8-byte reply
read whole, stdin to the destination with its end passed on as a half-close, the
destination's bytes to stdout. Exit 0 when both directions ended, 91/92/93 for a
refusal (after the retry), 4 for a malformed or short reply, 1 for anything else.
"""
import socket
import struct
import sys
import threading


def request(host, port):
    ip = socket.inet_aton(socket.gethostbyname(host))
    return struct.pack(">BBH", 4, 1, port) + ip + b"pre\0"


def read_reply(s):
    got = b""
    while len(got) < 8:
        chunk = s.recv(8 - len(got))
        if not chunk:
            sys.stderr.write(f"short reply: {len(got)} bytes\n")
            sys.exit(4)
        got += chunk
    return got


def relay(s):
    failed = []

    def upstream():
        try:
            while True:
                chunk = sys.stdin.buffer.read1(65536)
                if not chunk:
                    s.shutdown(socket.SHUT_WR)
                    return
                s.sendall(chunk)
        except OSError as e:
            failed.append(e)

    t = threading.Thread(target=upstream, daemon=True)
    t.start()
    while True:
        data = s.recv(65536)
        if not data:
            break
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    t.join()
    if failed:
        raise failed[0]


def main(argv):
    proxy_host, proxy_port, host, port = argv[0], int(argv[1]), argv[2], int(argv[3])
    proxy = (proxy_host, proxy_port)
    socket.create_connection(proxy, timeout=10).close()  # the preconnect
    spare = socket.create_connection(proxy, timeout=10)
    spare.sendall(request(host, port))  # a request and nothing behind it
    code = 0
    for _ in range(2):
        s = socket.create_connection(proxy, timeout=10)
        s.settimeout(None)
        s.sendall(request(host, port))
        reply = read_reply(s)
        if reply[0] != 0:
            sys.stderr.write(f"reply VN={reply[0]}\n")
            return 4
        code = reply[1]
        if code == 90:
            relay(s)
            return 0
        s.close()
    sys.stderr.write(f"refused: {code}\n")
    return code if code in (91, 92, 93) else 4


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except OSError as e:
        sys.stderr.write(f"error: {e}\n")
        sys.exit(1)
