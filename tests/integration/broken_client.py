#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""broken_client.py - a small SOCKS4/SOCKS4a client that breaks on purpose.

Written from the protocol texts (../shared/spec) and nothing else: it shares no code
with client-cli/ or lib/, so running socks4-test --client-cmd against it cross-checks
the client catalogue against a second implementation. By default it is CORRECT; each
--misbehave NAME adds one defect from ../shared/spec/BUG-CLASSES.md (MISBEHAVIOURS lists
them with the requirement they break), so the tests can show that every client case
fails when it should, and only then.

    broken_client.py --proxy HOST:PORT [--4a] [--bind] [--user ID] [--timeout S]
                     [--misbehave NAME]... HOST PORT

A stream client like `nc -X 4`: it sends a CONNECT (or with --bind a BIND) for HOST
PORT, then copies stdin to the connection and the connection to stdout until both
directions end; the end of stdin is passed on as a half-close. --4a sends names to the
proxy (SOCKS4a); without it names are resolved here. --bind prints the address the
first reply gives (0.0.0.0 replaced by the proxy's) as "ADDR PORT" on stderr.
Exit status: 0 done, 1 local error, 3 proxy unreachable, 4 malformed reply,
5 timeout, 6 name not resolved, 91/92/93 the refusal's code.
"""
import argparse
import os
import select
import socket
import struct
import sys
import threading

MISBEHAVIOURS = {
    # the request (S4-REQ-*, B4, B9)
    "socks5": "speaks SOCKS5 (greeting 05 01 00) to a SOCKS4 proxy (B9, v2ray#1968)",
    "vn-5": "the request's VN is 5 (S4-REQ-2)",
    "cd-2": "a CONNECT goes out with CD=2 (S4-REQ-3)",
    "port-little-endian": "DSTPORT is written little-endian (S4-REQ-5)",
    "ip-little-endian": "DSTIP is written little-endian (S4-REQ-5)",
    "double-nul": "USERID is ended by two NULs (S4-REQ-6, B4: hyper-util PR#307)",
    "early-data": "stdin is sent right behind the request, before the reply (S4-CONNECT-5)",
    # SOCKS4a (S4A-1/2, B8, B9)
    "4a-local-lookup": "with --4a a name is still looked up here first; one only the proxy "
                       "knows ends the client (S4A-1, B9 DNS leak)",
    "4a-marker-zero": "the 4a marker is 0.0.0.0 (S4A-1, S4A-8, B8)",
    "name-as-4a": "without --4a names still go to the proxy as SOCKS4a (B9, "
                  "JoshGlazebrook/socks#8)",
    # the reply (S4-REPLY-*, B1, B7, B10, B13, B18)
    "ignore-cd": "any reply code is taken as a grant (S4-REPLY-3..7)",
    "rejection-exit-0": "a 91/92/93 is reported, with exit status 0 (S4-REPLY-5..7)",
    "reply-one-recv": "the reply is one recv(8): fewer bytes are a malformed reply "
                      "(S4-REPLY-1, B18)",
    "reply-swallow": "the reply is read with recv(4096) and what came behind it is dropped "
                     "(S4-CONNECT-6, B7)",
    "check-reply-fields": "a 90 whose DSTPORT/DSTIP are neither zero nor the request's is "
                          "refused (S4-REPLY-8, B10)",
    "vn4-hang": "a reply with VN != 0 makes the client wait for ever (S4-REPLY-2, B1)",
    "short-reply-granted": "a connection that ends (close or reset) before 8 reply bytes "
                           "counts as granted, its end as the end of the data (S4-REPLY-1)",
    "timeout-exit-0": "no reply within --timeout ends the client with exit status 0 (B13)",
    # the relay (S4-CONNECT-7, B19)
    "no-half-close": "the end of stdin is not passed on (B19 'local half close')",
    "exit-on-remote-eof": "the destination's end of file ends the client; later stdin is "
                          "dropped (B19 'remote half close')",
    "stop-stdin-on-remote-eof": "the destination's end of file stops the relay of stdin, "
                                "the client runs on until stdin ends (exit 0); its bytes "
                                "go out as they come (B19 'remote half close', as "
                                "connect-proxy does)",
    "drop-nul-bytes": "NUL bytes are dropped on the way to stdout (S4-CONNECT-7)",
    "truncate-64k": "stdout stops after 64 KiB (S4-CONNECT-7)",
    "crlf-output": "LF becomes CR LF on the way to stdout (S4-CONNECT-7)",
    # BIND (S4-BIND-*, B12)
    "bind-any-literal": "0.0.0.0 in the first BIND reply is used as it is (S4-BIND-6, B12)",
    "bind-proxy-address": "the first BIND reply's address is always replaced by the "
                          "proxy's (S4-BIND-5)",
    "bind-check-peer": "the second BIND reply must name the application server (the "
                       "request's DSTIP), or the client gives up (S4-BIND-13)",
    "bind-one-reply": "the relay starts after the first BIND reply: the second one is taken "
                      "as data (S4-BIND-8)",
}

GRANTED, REJECTED, NO_IDENTD, MISMATCH = 90, 91, 92, 93
EXIT_LOCAL, EXIT_PROXY, EXIT_MALFORMED, EXIT_TIMEOUT, EXIT_RESOLVE = 1, 3, 4, 5, 6


class Exit(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def say(msg):
    print(f"broken_client: {msg}", file=sys.stderr, flush=True)


def is_ipv4(text):
    try:
        socket.inet_aton(text)
        return text.count(".") == 3
    except OSError:
        return False


def resolve4(name):
    try:
        return socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    except socket.gaierror as e:
        raise Exit(EXIT_RESOLVE, f"{name}: {e}") from None


def request(args, mis):
    """VN CD DSTPORT DSTIP USERID NUL [NAME NUL] for args.host, args.port."""
    cd = 2 if args.bind else 1
    name = None
    if is_ipv4(args.host):
        ip = socket.inet_aton(args.host)
    elif args.socks4a and "4a-local-lookup" in mis:
        ip = socket.inet_aton(resolve4(args.host))
    elif args.socks4a or "name-as-4a" in mis:
        ip = bytes([0, 0, 0, 0 if "4a-marker-zero" in mis else 1])
        name = args.host.encode()
    else:
        ip = socket.inet_aton(resolve4(args.host))
    vn = 5 if "vn-5" in mis else 4
    if "cd-2" in mis and cd == 1:
        cd = 2
    port = struct.pack("<H" if "port-little-endian" in mis else "!H", args.port)
    if "ip-little-endian" in mis:
        ip = ip[::-1]
    out = bytes([vn, cd]) + port + ip + args.user.encode()
    out += b"\0\0" if "double-nul" in mis else b"\0"
    if name is not None:
        out += name + b"\0"
    return out


class Conn:
    """The connection to the proxy, with the bytes read past a reply kept."""

    def __init__(self, sock, args, mis):
        self.sock, self.args, self.mis = sock, args, mis
        self.pending = b""

    def reply(self, req):
        """Reads one reply and judges it. Returns its fields (port, ip) on a grant."""
        self.sock.settimeout(self.args.timeout)
        try:
            data = self._read8()
        except socket.timeout:
            if "timeout-exit-0" in self.mis:
                raise Exit(0, f"no reply within {self.args.timeout} s") from None
            raise Exit(EXIT_TIMEOUT, f"no reply within {self.args.timeout} s") from None
        except ConnectionResetError:
            data = None
        finally:
            self.sock.settimeout(None)
        if data is None or len(data) < 8:
            if "short-reply-granted" in self.mis:
                return 0, "0.0.0.0"
            got = 0 if data is None else len(data)
            raise Exit(EXIT_MALFORMED, f"the connection ended after {got} of 8 reply bytes")
        vn, cd, port = struct.unpack("!BBH", data[:4])
        ip = socket.inet_ntoa(data[4:8])
        if vn != 0:
            if "vn4-hang" in self.mis:
                threading.Event().wait()
            raise Exit(EXIT_MALFORMED, f"reply VN={vn}, expected 0 ({data.hex(' ')})")
        if cd == GRANTED or "ignore-cd" in self.mis:
            if ("check-reply-fields" in self.mis and not self.args.bind
                    and data[2:8] not in (b"\0" * 6, req[2:8])):
                raise Exit(EXIT_MALFORMED, f"a 90 for {port} {ip}, not what was asked")
            return port, ip
        if cd in (REJECTED, NO_IDENTD, MISMATCH):
            raise Exit(0 if "rejection-exit-0" in self.mis else cd, f"request refused: {cd}")
        raise Exit(EXIT_MALFORMED, f"reply code {cd} is none of 90-93")

    def _read8(self):
        if "reply-one-recv" in self.mis:
            return self.sock.recv(8)
        if "reply-swallow" in self.mis:
            data = b""
            while len(data) < 8:
                chunk = self.sock.recv(4096)
                if not chunk:
                    return data
                data += chunk
            return data[:8]
        while len(self.pending) < 8:
            chunk = self.sock.recv(65536)
            if not chunk:
                return self.pending
            self.pending += chunk
        data, self.pending = self.pending[:8], self.pending[8:]
        return data


def early_stdin(sock):
    """What stdin has within half a second, sent at once (the early-data defect)."""
    r, _, _ = select.select([sys.stdin.buffer], [], [], 0.5)
    if r:
        data = sys.stdin.buffer.read1(65536)
        if data:
            sock.sendall(data)


def relay(conn, mis):
    sock = conn.sock
    failed = []
    # exit-on-remote-eof: the destination's end of file is seen before its bytes go
    # out, and from then on nothing more is sent (so the defect shows the same way
    # whenever stdin's next bytes come)
    remote_eof = threading.Event()
    held = []

    def upstream():
        try:
            while True:
                chunk = sys.stdin.buffer.read1(65536)
                if not chunk:
                    if "no-half-close" not in mis:
                        sock.shutdown(socket.SHUT_WR)
                    return
                if remote_eof.is_set():
                    if "stop-stdin-on-remote-eof" in mis:
                        continue  # read and dropped until stdin ends
                    return
                sock.sendall(chunk)
        except OSError as e:
            failed.append(e)

    up = threading.Thread(target=upstream, daemon=True)
    up.start()
    out = sys.stdout.buffer
    written = 0
    data = conn.pending
    while True:
        if "drop-nul-bytes" in mis:
            data = data.replace(b"\0", b"")
        if "crlf-output" in mis:
            data = data.replace(b"\n", b"\r\n")
        if "truncate-64k" in mis:
            data = data[:max(0, 65536 - written)]
        if "exit-on-remote-eof" in mis:
            held.append(data)
        else:
            out.write(data)
            out.flush()
        written += len(data)
        try:
            data = sock.recv(65536)
        except ConnectionResetError as e:
            if "short-reply-granted" in mis:
                break
            raise Exit(EXIT_LOCAL, f"relay: {e}") from None
        if not data:
            if "stop-stdin-on-remote-eof" in mis:
                remote_eof.set()
            break
    if "exit-on-remote-eof" in mis:
        remote_eof.set()
        out.write(b"".join(held))
        out.flush()
        os._exit(0)  # at once, whatever stdin still has
    up.join()
    if failed and "short-reply-granted" not in mis:
        raise Exit(EXIT_LOCAL, f"relay: {failed[0]}")


def run(args):
    mis = set(args.misbehave)
    host, _, port = args.proxy.rpartition(":")
    try:
        sock = socket.create_connection((host, int(port)), timeout=args.timeout)
    except OSError as e:
        raise Exit(EXIT_PROXY, f"proxy {args.proxy}: {e}") from None
    sock.settimeout(None)
    if "socks5" in mis:
        sock.sendall(b"\x05\x01\x00")
        sock.settimeout(args.timeout)
        try:
            sock.recv(2)
        except socket.timeout:
            raise Exit(EXIT_TIMEOUT, "no SOCKS5 method selection") from None
        raise Exit(EXIT_MALFORMED, "not a SOCKS5 proxy")
    req = request(args, mis)
    sock.sendall(req)
    if "early-data" in mis:
        early_stdin(sock)
    conn = Conn(sock, args, mis)
    port_, ip = conn.reply(req)
    if args.bind:
        if ip == "0.0.0.0" and "bind-any-literal" not in mis or "bind-proxy-address" in mis:
            ip = sock.getpeername()[0]
        say(f"{ip} {port_}")
        if "bind-one-reply" not in mis:
            _, peer = conn.reply(req)
            if "bind-check-peer" in mis and socket.inet_aton(peer) != req[4:8]:
                raise Exit(EXIT_MALFORMED, f"the peer is {peer}, not {args.host}")
    relay(conn, mis)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--4a", dest="socks4a", action="store_true")
    ap.add_argument("--bind", action="store_true")
    ap.add_argument("--user", default="broken")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--misbehave", action="append", default=[], choices=sorted(MISBEHAVIOURS))
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    try:
        run(args)
    except Exit as e:
        say(str(e))
        sys.exit(e.status)
    except OSError as e:
        say(f"{type(e).__name__}: {e}")
        sys.exit(EXIT_LOCAL)
    sys.exit(0)


if __name__ == "__main__":
    main()
