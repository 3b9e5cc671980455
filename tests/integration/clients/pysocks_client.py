#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""pysocks_client.py - PySocks (python3-socks) as a stream client, the way a
library user writes one: stdin to the destination through a SOCKS4 proxy, the
destination's bytes to stdout, an end of file on stdin passed on as a half-close.

    pysocks_client.py [--4a] PROXY_HOST PROXY_PORT HOST PORT

--4a sets rdns=True (PySocks then sends the name: SOCKS4a). Exit 0 when both
directions ended cleanly, 1 with the exception on stderr otherwise.
"""
import socket
import sys
import threading

import socks


def main(argv):
    rdns = "--4a" in argv
    proxy_host, proxy_port, host, port = [a for a in argv if a != "--4a"]
    s = socks.socksocket()
    s.set_proxy(socks.SOCKS4, proxy_host, int(proxy_port), rdns=rdns, username="pysocks")
    s.connect((host, int(port)))
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
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as e:  # noqa: BLE001 - the client's whole error report
        print(f"pysocks_client: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
