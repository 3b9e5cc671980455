# SPDX-License-Identifier: MIT
"""socks4-client end to end: against socks4-server, Dante's danted, and a scripted
server in this file that answers exactly what a test needs (wrong VN, short reply,
92/93, byte-by-byte replies, no reply at all...) and records the request bytes.

Every client run has a timeout; every server listens on loopback port 0.
"""
import hashlib
import os
import pwd
import select
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import SANITIZER_MARKS, FakeIdentd, binary, free_port, recv_exact, recv_until_eof
from wire import BIND, CONNECT, request

RUN_TIMEOUT = 10.0  # seconds for any one client run

# Exit statuses, as documented in socks4-client(1).
EX_OK, EX_LOCAL, EX_USAGE, EX_PROXY, EX_MALFORMED, EX_TIMEOUT, EX_RESOLVE = range(7)
EX_91, EX_92, EX_93 = 91, 92, 93

TEXT_91 = "91 request rejected or failed"
TEXT_92 = "92 request rejected because SOCKS server cannot connect to identd on the client"
TEXT_93 = ("93 request rejected because the client program and identd report different "
           "user-ids")


# --- running the client -----------------------------------------------------

def client_argv(proxy, *args):
    host = f"[{proxy[0]}]" if ":" in proxy[0] else proxy[0]
    return [binary("socks4-client"), "--proxy", f"{host}:{proxy[1]}", *map(str, args)]


def check_sanitizers(stderr):
    for mark in SANITIZER_MARKS:
        assert mark not in stderr, f"sanitizer report:\n{stderr}"


class Result:
    def __init__(self, rc, out, err, seconds):
        self.rc, self.out, self.err, self.seconds = rc, out, err, seconds

    def __repr__(self):
        return f"exit {self.rc}, stdout {self.out[:200]!r}, stderr:\n{self.err}"


def run(argv, input=b"", timeout=RUN_TIMEOUT, **kw):
    """Runs a program to its end with stdin = input; returns a Result."""
    t0 = time.monotonic()
    p = subprocess.run(argv, input=input, capture_output=True, timeout=timeout, **kw)
    err = p.stderr.decode(errors="replace")
    check_sanitizers(err)
    return Result(p.returncode, p.stdout, err, time.monotonic() - t0)


def run_client(proxy, *args, input=b"", timeout=RUN_TIMEOUT, **kw):
    return run(client_argv(proxy, *args), input=input, timeout=timeout, **kw)


def expect(res, rc, *texts):
    """Asserts the exit status and that stderr holds each text."""
    assert res.rc == rc, res
    for t in texts:
        assert t in res.err, f"{t!r} not in stderr: {res}"


# --- wire helpers (the test side's own oracle; requests come from wire.py) ------

def reply(cd=90, port=0, ip="0.0.0.0", vn=0):
    return struct.pack(">BBH4s", vn, cd, port, socket.inet_aton(ip))


def read_request(conn, limit=1024):
    """One request from the stream, one byte at a time after the header so no
    byte behind it is taken: up to the NUL after USERID and, after a 0.0.0.x
    (x != 0) DSTIP, the NUL after the hostname."""
    buf = recv_exact(conn, 8)
    if len(buf) < 8:
        return buf
    nuls = 2 if buf[4:7] == b"\0\0\0" and buf[7] != 0 else 1
    while buf[8:].count(0) < nuls and len(buf) < limit:
        b = conn.recv(1)
        if not b:
            break
        buf += b
    return buf


def echo_until_eof(conn):
    """Echoes until the client's end of file, then shuts down our side."""
    while True:
        data = conn.recv(65536)
        if not data:
            break
        conn.sendall(data)
    conn.shutdown(socket.SHUT_WR)


def drain(conn):
    """Waits for the client's end of file (bounded by the socket timeout)."""
    while conn.recv(65536):
        pass


class OneShotServer:
    """A server on 127.0.0.1 port 0 for one connection, handled by handle(conn)
    on a thread. close() stops it (also when nobody came) and re-raises what
    handle() raised, unless the client just went away."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.addr = self.sock.getsockname()
        self.port = self.addr[1]
        self.accepted = 0
        self.error = None
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._serve, daemon=True)
        self._t.start()

    def _serve(self):
        # select() with a short period: closing a listening socket does not
        # wake a thread blocked in accept().
        deadline = time.monotonic() + RUN_TIMEOUT
        while not self._stop.is_set() and time.monotonic() < deadline:
            if select.select([self.sock], [], [], 0.05)[0]:
                break
        else:
            return
        conn = self.sock.accept()[0]
        self.accepted += 1
        with conn:
            conn.settimeout(RUN_TIMEOUT)
            try:
                self.handle(conn)
            except Exception as e:  # reported by close()
                self.error = e

    def handle(self, conn):
        raise NotImplementedError

    def close(self):
        self._stop.set()
        self._t.join(RUN_TIMEOUT)
        self.sock.close()
        assert not self._t.is_alive(), f"{type(self).__name__} still running"
        if self.error is not None and not isinstance(self.error, (ConnectionError,
                                                                  BrokenPipeError)):
            raise self.error


class ScriptedProxy(OneShotServer):
    """A fake SOCKS4 server: it reads one request (kept in .request, bytes as
    received) and calls script(conn, request)."""

    def __init__(self, script):
        self.script = script
        self.request = None
        super().__init__()

    def handle(self, conn):
        self.request = read_request(conn)
        self.script(conn, self.request)


@pytest.fixture
def scripted():
    made = []

    def make(script):
        s = ScriptedProxy(script)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def grant_then_echo(conn, req):
    conn.sendall(reply(90))
    echo_until_eof(conn)


def answer(data, then=drain):
    """A script: send `data`, then `then(conn)` (by default wait for the client to go)."""
    def script(conn, req):
        conn.sendall(data)
        if then is not None:
            then(conn)
    return script


# --- destinations -------------------------------------------------------------

class DigestServer(OneShotServer):
    """Reads until end of file, then answers with the SHA-256 of what it read and
    closes: it can answer only if the client's half-close arrived."""

    def handle(self, conn):
        data, eof = recv_until_eof(conn, RUN_TIMEOUT)
        if eof:
            conn.sendall(hashlib.sha256(data).hexdigest().encode())


@pytest.fixture
def digest():
    d = DigestServer()
    yield d
    d.close()


def login_name():
    return pwd.getpwuid(os.geteuid()).pw_name


# --- usage ----------------------------------------------------------------------

USAGE_CASES = [
    ([], "--proxy HOST:PORT is required"),
    (["--proxy", "127.0.0.1"], "expected HOST:PORT"),
    (["--proxy", "127.0.0.1:1080"], "expected HOST PORT, got 0 arguments"),
    (["--proxy", "127.0.0.1:1080", "127.0.0.1"], "expected HOST PORT, got 1 argument"),
    (["--proxy", "127.0.0.1:1080", "127.0.0.1", "0"], "PORT 0: expected a number in 1..65535"),
    (["--proxy", "127.0.0.1:1080", "127.0.0.1", "65536"], "PORT 65536"),
    (["--proxy", "127.0.0.1:1080", "0.0.0.1", "80"], "HOST 0.0.0.1 is the SOCKS4a marker"),
    (["--proxy", "127.0.0.1:1080", "::1", "80"], "SOCKS4 carries IPv4 addresses only"),
    (["--proxy", "127.0.0.1:1080", "--user", "u" * 256, "127.0.0.1", "80"],
     "--user: at most 255 octets"),
    (["--proxy", "127.0.0.1:1080", "--4a", "h" * 256, "80"],
     "a SOCKS4a hostname holds at most 255 octets"),
    (["--proxy", "127.0.0.1:1080", "--raw", "0401zz"], "--raw: expected a pair of hex digits"),
    (["--proxy", "127.0.0.1:1080", "--raw", "040"], "--raw: expected a pair of hex digits"),
    (["--proxy", "127.0.0.1:1080", "--raw", "04", "127.0.0.1", "80"], "--raw takes no HOST PORT"),
    (["--proxy", "127.0.0.1:1080", "--raw", "04", "--user", "x"], "do not apply"),
    (["--proxy", "127.0.0.1:1080", "--raw-file", "/nonexistent/x"], "--raw-file /nonexistent/x"),
    (["--proxy", "127.0.0.1:1080", "--relay", "127.0.0.1", "80"], "--relay goes with --raw"),
    (["--proxy", "127.0.0.1:1080", "--timeout", "0", "127.0.0.1", "80"], "--timeout 0"),
    (["--proxy", "127.0.0.1:1080", "--timeout", "nan", "127.0.0.1", "80"], "--timeout nan"),
    (["--proxy", "127.0.0.1:1080", "--bind-info", "2", "127.0.0.1", "80"],
     "--bind-info goes with --bind"),
    (["--proxy", "127.0.0.1:1080", "--bind", "--bind-info", "99", "127.0.0.1", "80"],
     "--bind-info 99: not an open file descriptor"),
    (["--proxy", "127.0.0.1:1080", "--frobnicate"], "unknown option '--frobnicate'"),
    (["--proxy", "127.0.0.1:1080", "-vq"], "unknown option '-q'"),
    (["--proxy"], "--proxy needs a value"),
]


@pytest.mark.parametrize("args,text", USAGE_CASES, ids=[" ".join(a)[:60] or "no args"
                                                          for a, _ in USAGE_CASES])
def test_usage_errors(args, text):
    res = run([binary("socks4-client"), *args])
    expect(res, EX_USAGE, text, "Try 'socks4-client --help'")
    assert res.out == b""


def test_help_lists_every_exit_status():
    res = run([binary("socks4-client"), "--help"])
    assert res.rc == EX_OK, res
    out = res.out.decode()
    assert out.startswith("Usage: socks4-client --proxy HOST:PORT")
    for status in (0, 1, 2, 3, 4, 5, 6, 91, 92, 93):
        assert f"\n  {status:<3} " in out, f"exit status {status} missing from --help"
    assert f'here "{login_name()}"' in out


def test_version():
    res = run([binary("socks4-client"), "--version"])
    assert res.rc == EX_OK and res.out.startswith(b"socks4-client (socks4kit) "), res


# --- the request on the wire (scripted server) ------------------------------------

def test_socks4_request_bytes(scripted, echo):
    s = scripted(grant_then_echo)
    res = run_client(s.addr, "--user", "bob", "127.0.0.1", 80)
    assert res.rc == EX_OK, res
    # VN 4, CD 1, port 80, 127.0.0.1, "bob", and exactly one NUL.
    assert s.request == bytes.fromhex("04 01 0050 7f000001") + b"bob\0"


def test_default_user_is_login_name(scripted):
    s = scripted(grant_then_echo)
    res = run_client(s.addr, "10.1.2.3", 8080)
    assert res.rc == EX_OK, res
    assert s.request == request(CONNECT, 8080, "10.1.2.3", login_name().encode())


def test_empty_user_sends_one_nul(scripted):
    s = scripted(grant_then_echo)
    res = run_client(s.addr, "--user", "", "127.0.0.1", 80)
    assert res.rc == EX_OK, res
    assert s.request == bytes.fromhex("04 01 0050 7f000001 00")  # 9 bytes


def test_name_resolved_locally_without_4a(scripted):
    s = scripted(grant_then_echo)
    res = run_client(s.addr, "--user", "u", "localhost", 22)
    assert res.rc == EX_OK, res
    assert s.request == request(CONNECT, 22, "127.0.0.1", b"u")


@pytest.mark.parametrize("name", ["host.invalid", "localhost"])
def test_4a_sends_the_name_without_lookup(scripted, name):
    # host.invalid cannot resolve and localhost would: both must go out as names.
    s = scripted(grant_then_echo)
    res = run_client(s.addr, "--4a", "-v", "--user", "bob", name, 443)
    assert res.rc == EX_OK, res
    assert s.request == bytes.fromhex("04 01 01bb 00000001") + b"bob\0" + name.encode() + b"\0"
    assert "resolved" not in res.err, res
    assert f'HOST "{name}"' in res.err, res


def test_4a_with_an_address_sends_it_as_socks4(scripted):
    s = scripted(grant_then_echo)
    res = run_client(s.addr, "--4a", "--user", "", "127.0.0.1", 80)
    assert res.rc == EX_OK, res
    assert s.request == request(CONNECT, 80, "127.0.0.1")


def test_unresolvable_without_4a_fails_locally(scripted):
    s = scripted(grant_then_echo)
    res = run_client(s.addr, "host.invalid", 80)
    expect(res, EX_RESOLVE, "socks4-client: cannot resolve host.invalid: ",
           "--4a lets the proxy resolve the name")
    s.close()
    assert s.accepted == 0, "the proxy was contacted although HOST did not resolve"


def test_bind_request_bytes(scripted):
    def script(conn, req):
        conn.sendall(reply(90, 5000, "127.0.0.1") + reply(90, 1234, "127.0.0.1"))
        drain(conn)

    s = scripted(script)
    res = run_client(s.addr, "--bind", "--user", "", "127.0.0.1", 0)
    assert res.rc == EX_OK, res
    assert s.request == request(BIND, 0, "127.0.0.1")


def test_verbose_trace(scripted):
    s = scripted(answer(reply(90, 0x1234, "10.0.0.1") + b"x"))
    res = run_client(s.addr, "-v", "--user", "bob", "127.0.0.1", 80)
    assert res.rc == EX_OK, res
    assert res.out == b"x"
    err = res.err
    assert f"connected to proxy {s.addr[0]}:{s.addr[1]} ({s.addr[0]}:{s.addr[1]}) in " in err
    assert "request (12 bytes): 04 01 00 50 7f 00 00 01 62 6f 62 00" in err
    assert 'VN 4, CD 1 (CONNECT), DSTPORT 80, DSTIP 127.0.0.1, USERID "bob"' in err
    assert ("00 5a 12 34 0a 00 00 01: VN 0, CD 90 (request granted), DSTPORT 4660, "
            "DSTIP 10.0.0.1") in err
    assert "reply after " in err and " ms" in err
    assert "relay ended after " in err and "1 bytes received" in err


# --- replies (scripted server) ------------------------------------------------------

def test_reply_vn_4(scripted):
    s = scripted(answer(reply(90, vn=4)))
    res = run_client(s.addr, "127.0.0.1", 80)
    expect(res, EX_MALFORMED, f"CONNECT 127.0.0.1:80 via proxy {s.addr[0]}:{s.addr[1]}: "
           "reply VN=4, expected 0 (04 5a 00 00 00 00 00 00)")


def test_reply_vn_5_is_judged_at_byte_0(scripted):
    # A SOCKS5 server answers 2 bytes and waits: no need to wait for 8.
    # (a ratio, not a wall-clock limit: well before the client's own --timeout)
    s = scripted(answer(b"\x05\xff"))
    res = run_client(s.addr, "--timeout", "30", "127.0.0.1", 80)
    expect(res, EX_MALFORMED, "reply VN=5, expected 0")
    assert res.seconds < 30 / 3, res


def test_short_reply(scripted):
    s = scripted(answer(reply(90)[:3], then=None))
    res = run_client(s.addr, "127.0.0.1", 80)
    expect(res, EX_MALFORMED, "proxy closed after 3 of 8 reply bytes (00 5a 00)")


def test_no_reply_then_close(scripted):
    s = scripted(answer(b"", then=None))
    res = run_client(s.addr, "127.0.0.1", 80)
    expect(res, EX_MALFORMED, "proxy closed after 0 of 8 reply bytes")


@pytest.mark.parametrize("cd,rc,text", [(91, EX_91, TEXT_91), (92, EX_92, TEXT_92),
                                        (93, EX_93, TEXT_93)])
def test_rejections(scripted, cd, rc, text):
    s = scripted(answer(reply(cd), then=None))
    res = run_client(s.addr, "10.0.0.1", 80)
    expect(res, rc, f"socks4-client: proxy {s.addr[0]}:{s.addr[1]} rejected CONNECT "
           f"10.0.0.1:80: {text}")
    assert res.out == b""


def test_unknown_reply_code(scripted):
    s = scripted(answer(reply(95)))
    res = run_client(s.addr, "127.0.0.1", 80)
    expect(res, EX_MALFORMED, "reply CD=95 (unknown reply code), expected 90 to 93")


def test_reply_split_byte_by_byte(scripted):
    def script(conn, req):
        for b in reply(90):
            conn.sendall(bytes([b]))
            time.sleep(0.05)
        echo_until_eof(conn)

    s = scripted(script)
    res = run_client(s.addr, "127.0.0.1", 80, input=b"split reply, whole data")
    assert res.rc == EX_OK, res
    assert res.out == b"split reply, whole data"


def test_connect_reply_fields_are_ignored(scripted):
    s = scripted(lambda conn, req: (conn.sendall(reply(90, 0xbeef, "203.0.113.77")),
                                    echo_until_eof(conn)))
    res = run_client(s.addr, "127.0.0.1", 80, input=b"ping")
    assert res.rc == EX_OK, res
    assert res.out == b"ping"


def test_bytes_behind_the_reply_reach_stdout(scripted):
    # The reply and the first data bytes in one segment: none may be dropped.
    s = scripted(lambda conn, req: (conn.sendall(reply(90) + b"SSH-2.0-early\r\n"),
                                    echo_until_eof(conn)))
    res = run_client(s.addr, "127.0.0.1", 22, input=b"mine")
    assert res.rc == EX_OK, res
    assert res.out == b"SSH-2.0-early\r\nmine"


def test_no_reply_times_out(scripted):
    s = scripted(lambda conn, req: drain(conn))
    res = run_client(s.addr, "--timeout", "1", "127.0.0.1", 80)
    expect(res, EX_TIMEOUT, "CONNECT 127.0.0.1:80 via proxy", "no reply within 1 s (0 of 8 "
           "bytes)")
    assert res.seconds > 0.9, res  # at its --timeout, not before (RUN_TIMEOUT: not for ever)


def test_partial_reply_times_out(scripted):
    s = scripted(answer(reply(90)[:5]))
    res = run_client(s.addr, "--timeout", "0.5", "127.0.0.1", 80)
    expect(res, EX_TIMEOUT, "no reply within 0.5 s (5 of 8 bytes)")


def test_bind_reply_zero_address_is_replaced(scripted):
    def script(conn, req):
        conn.sendall(reply(90, 4242, "0.0.0.0"))
        time.sleep(0.1)
        conn.sendall(reply(90, 5555, "127.0.0.1") + b"from peer")
        echo_until_eof(conn)

    s = scripted(script)
    res = run_client(s.addr, "--bind", "127.0.0.1", 21, input=b"to peer")
    assert res.rc == EX_OK, res
    # The line comes first, then the relayed bytes.
    assert res.out == b"127.0.0.1 4242\nfrom peerto peer"


def test_bind_reply_address_is_printed_as_sent(scripted):
    s = scripted(answer(reply(90, 1, "192.0.2.9") + reply(90)))
    res = run_client(s.addr, "--bind", "127.0.0.1", 21)
    assert res.rc == EX_OK, res
    assert res.out == b"192.0.2.9 1\n"


def test_bind_info_fd(scripted):
    s = scripted(answer(reply(90, 4242, "0.0.0.0") + reply(90) + b"data"))
    r, w = os.pipe()
    try:
        res = run_client(s.addr, "--bind", "--bind-info", w, "127.0.0.1", 21, pass_fds=(w,))
        os.close(w)
        w = -1
        line = os.read(r, 100)
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
    assert res.rc == EX_OK, res
    assert line == b"127.0.0.1 4242\n"
    assert res.out == b"data"


def test_bind_second_reply_rejected(scripted):
    s = scripted(answer(reply(90, 4242, "127.0.0.1") + reply(91), then=None))
    res = run_client(s.addr, "--bind", "127.0.0.2", 21)
    expect(res, EX_91, f"proxy {s.addr[0]}:{s.addr[1]} rejected BIND 127.0.0.2:21 (second "
           f"reply, for the inbound connection): {TEXT_91}")
    assert res.out == b"127.0.0.1 4242\n"


def test_bind_wait_times_out(scripted):
    s = scripted(answer(reply(90, 4242, "127.0.0.1")))
    res = run_client(s.addr, "--bind", "--timeout", "1", "127.0.0.1", 21)
    expect(res, EX_TIMEOUT, "no inbound connection within 1 s")
    assert res.out == b"127.0.0.1 4242\n"


def test_exit_1_relay_reset(scripted):
    def script(conn, req):
        conn.sendall(reply(90))
        assert recv_exact(conn, 4) == b"ping"  # the client is relaying
        # Close with a reset (linger 0) instead of an orderly FIN.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    s = scripted(script)
    res = run_client(s.addr, "127.0.0.1", 80, input=b"ping")
    expect(res, EX_LOCAL, f"socks4-client: relay (a = stdin/stdout, b = proxy {s.addr[0]}:"
           f"{s.addr[1]}): relay b->a: Connection reset by peer")


def test_closed_stdin_is_not_taken_by_the_proxy_socket(scripted):
    # Started with fd 0 closed, the socket must not become "stdin".
    s = scripted(answer(reply(90) + b"x"))
    argv = ["sh", "-c", 'exec "$@" <&-', "sh", *client_argv(s.addr, "127.0.0.1", 80)]
    res = run(argv)
    assert res.rc == EX_OK, res
    assert res.out == b"x"


# --- --raw (scripted server) ------------------------------------------------------

def test_raw_sends_exactly_the_bytes(scripted):
    s = scripted(answer(reply(90, 8080, "10.1.2.3")))
    res = run_client(s.addr, "--raw", "04 01 1f:90 0a010203 71 00")
    assert res.rc == EX_OK, res
    assert s.request == bytes.fromhex("0401 1f90 0a010203 71 00")
    assert res.out.decode() == ("reply 00 5a 1f 90 0a 01 02 03\nVN 0\n"
                                "CD 90 request granted\nDSTPORT 8080\nDSTIP 10.1.2.3\n")


def test_raw_file(scripted, tmp_path):
    f = tmp_path / "req.bin"
    f.write_bytes(request(CONNECT, 80, "127.0.0.1", b"raw"))
    s = scripted(answer(reply(91), then=None))
    res = run_client(s.addr, "--raw-file", f)
    expect(res, EX_91, f"rejected the raw request (12 bytes): {TEXT_91}")
    assert s.request == f.read_bytes()
    assert b"CD 91 request rejected or failed\n" in res.out


def test_raw_short_reply_is_reported(scripted):
    s = scripted(answer(b"\x00\x5a\x00", then=None))
    res = run_client(s.addr, "--raw", "0401005008080808 00")
    expect(res, EX_MALFORMED, "proxy closed after 3 of 8 reply bytes")
    assert res.out == b"reply 00 5a 00 (3 of 8 bytes)\n"


def test_raw_wrong_vn_is_reported(scripted):
    s = scripted(answer(reply(90, vn=4)))
    res = run_client(s.addr, "--raw", "0401005008080808 00")
    expect(res, EX_MALFORMED, "reply VN=4, expected 0")
    assert res.out == b"reply 04 5a 00 00 00 00 00 00\nVN 4 (expected 0)\n"


def test_raw_relay(scripted):
    s = scripted(grant_then_echo)
    res = run_client(s.addr, "--raw", "04010050 7f000001 00", "--relay", input=b"relayed")
    assert res.rc == EX_OK, res
    assert res.out == b"relayed"
    assert "CD 90 request granted" in res.err


# --- against socks4-server -----------------------------------------------------------

def test_server_connect_relay_both_ways(server, echo):
    data = os.urandom(512 * 1024)
    res = run_client(server.addr, "127.0.0.1", echo.port, input=data)
    assert res.rc == EX_OK, res
    assert res.out == data


def test_server_half_close(server, digest):
    # The destination answers only after our end of file: stdin EOF must shut
    # down the sending side while the answer still comes back.
    data = os.urandom(100 * 1024)
    res = run_client(server.addr, "127.0.0.1", digest.port, input=data)
    assert res.rc == EX_OK, res
    assert res.out == hashlib.sha256(data).hexdigest().encode()


def test_server_4a_localhost(server, echo):
    res = run_client(server.addr, "--4a", "localhost", echo.port, input=b"via 4a")
    assert res.rc == EX_OK, res
    assert res.out == b"via 4a"


class Client:
    """The client running in the background, stdin and stdout on pipes unless
    given. As a context manager it kills a client still running at the end."""

    def __init__(self, proxy, *args, stdin=subprocess.PIPE, stdout=subprocess.PIPE):
        self.p = subprocess.Popen(client_argv(proxy, *args), stdin=stdin, stdout=stdout,
                                  stderr=subprocess.PIPE)

    def finish(self):
        """Closes stdin, waits for the exit; returns a Result with the rest of
        stdout and all of stderr."""
        if self.p.stdin is not None:
            self.p.stdin.close()
        rc = self.p.wait(RUN_TIMEOUT)
        out = self.p.stdout.read() if self.p.stdout is not None else b""
        err = self.p.stderr.read().decode(errors="replace")
        check_sanitizers(err)
        return Result(rc, out, err, 0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        for f in (self.p.stdin, self.p.stdout, self.p.stderr):
            if f is not None:
                f.close()


def test_server_over_ipv6(start_server, echo):
    # SOCKS4 carries IPv4 destinations, but the proxy may be reached over IPv6.
    s = start_server(listen="[::1]:0")
    res = run_client(s.addr, "127.0.0.1", echo.port, input=b"over ::1")
    assert res.rc == EX_OK, res
    assert res.out == b"over ::1"


def test_server_as_proxycommand_pipes(server, echo):
    """Exactly as ssh runs a ProxyCommand: pipes on stdin and stdout, a dialogue,
    then stdin closed and stdout read to its end."""
    with Client(server.addr, "127.0.0.1", echo.port) as c:
        for line in (b"SSH-2.0-OpenSSH_9.2\r\n", b"second line\n"):
            c.p.stdin.write(line)
            c.p.stdin.flush()
            assert c.p.stdout.read(len(line)) == line
        res = c.finish()
    assert res.rc == EX_OK and res.out == b"", res


def test_server_as_proxycommand_socketpair(server, echo):
    """Some programs hand a proxy command one end of a socketpair as both stdin
    and stdout: the relay then moves bytes socket to socket."""
    mine, theirs = socket.socketpair()
    with mine, Client(server.addr, "127.0.0.1", echo.port, stdin=theirs, stdout=theirs) as c:
        theirs.close()
        mine.sendall(b"over a socketpair")
        assert recv_exact(mine, 17) == b"over a socketpair"
        mine.shutdown(socket.SHUT_WR)
        assert recv_until_eof(mine) == (b"", True)
        res = c.finish()
    assert res.rc == EX_OK, res


def bind_address(c):
    """The "ADDR PORT" line a --bind client prints first."""
    host, port = c.p.stdout.readline().decode().split()
    return host, int(port)


def test_server_bind_peer_matches(server):
    with Client(server.addr, "--bind", "127.0.0.1", 21) as c:
        host, port = bind_address(c)
        assert host == "127.0.0.1" and port > 0
        with socket.create_connection((host, port), timeout=RUN_TIMEOUT,
                                      source_address=("127.0.0.1", 0)) as peer:
            peer.sendall(b"hello from the peer\n")
            assert c.p.stdout.readline() == b"hello from the peer\n"
            c.p.stdin.write(b"hello from the client\n")
            c.p.stdin.flush()
            assert recv_exact(peer, 22) == b"hello from the client\n"
            peer.shutdown(socket.SHUT_WR)
            res = c.finish()
            assert recv_until_eof(peer) == (b"", True)
    assert res.rc == EX_OK, res


def test_server_bind_peer_mismatch(server):
    with Client(server.addr, "--bind", "127.0.0.1", 21) as c:
        host, port = bind_address(c)
        with socket.create_connection((host, port), timeout=RUN_TIMEOUT,
                                      source_address=("127.0.0.2", 0)) as peer:
            res = c.finish()
            # "the SOCKS server closes both connections"
            assert recv_until_eof(peer, 5) == (b"", True)
    expect(res, EX_91, f"proxy {server.host}:{server.port} rejected BIND 127.0.0.1:21 "
           f"(second reply, for the inbound connection): {TEXT_91}")


def test_server_bind_wait_times_out(server):
    with Client(server.addr, "--bind", "--timeout", "1", "127.0.0.1", 21) as c:
        bind_address(c)
        res = c.finish()
    expect(res, EX_TIMEOUT, "BIND 127.0.0.1:21 (second reply, for the inbound connection) via "
           f"proxy {server.host}:{server.port}: no inbound connection within 1 s")


def test_server_exit_91_refused(server):
    port = free_port()
    res = run_client(server.addr, "127.0.0.1", port)
    expect(res, EX_91, f"socks4-client: proxy {server.host}:{server.port} rejected CONNECT "
           f"127.0.0.1:{port}: {TEXT_91}")


def test_server_exit_91_4a_unresolvable(server):
    res = run_client(server.addr, "--4a", "host.invalid", 80)
    expect(res, EX_91, f"rejected CONNECT host.invalid:80 (SOCKS4a): {TEXT_91}")


def test_server_exit_92_no_identd(start_server, echo):
    s = start_server("--identd", "strict", "--identd-port", str(free_port()))
    res = run_client(s.addr, "127.0.0.1", echo.port)
    expect(res, EX_92, f"rejected CONNECT 127.0.0.1:{echo.port}: {TEXT_92}")


def test_server_exit_93_identd_mismatch(start_server, echo):
    identd = FakeIdentd.naming("alice")
    try:
        s = start_server("--identd", "strict", "--identd-port", str(identd.port))
        res = run_client(s.addr, "--user", "bob", "127.0.0.1", echo.port)
    finally:
        identd.close()
    expect(res, EX_93, f"rejected CONNECT 127.0.0.1:{echo.port}: {TEXT_93}")


def test_exit_3_proxy_unreachable():
    port = free_port()
    res = run_client(("127.0.0.1", port), "127.0.0.1", 80)
    expect(res, EX_PROXY, f"socks4-client: cannot reach proxy 127.0.0.1:{port}: "
           "Connection refused")


def test_exit_3_proxy_name_unresolvable():
    res = run_client(("proxy.invalid", 1080), "127.0.0.1", 80)
    expect(res, EX_PROXY, "cannot reach proxy proxy.invalid:1080: cannot resolve proxy.invalid")


def test_exit_6_unresolvable_host():
    # Nothing listens at the proxy address: the lookup fails before any connect.
    res = run_client(("127.0.0.1", free_port()), "host.invalid", 80)
    expect(res, EX_RESOLVE, "socks4-client: cannot resolve host.invalid")


# Requests a server must answer with 91 or by closing (S4-REQ-7, S4-ROBUST-1,
# S4A-13), never with a grant or a hang.
MALFORMED_RAW = {
    "bad VN 5": "05 01 0050 7f000001 00",
    "bad CD 3": "04 03 0050 7f000001 00",
    "USERID 300 octets": "04 01 0050 7f000001" + "61" * 300 + "00",
    "4a empty hostname": "04 01 0050 00000001 00 00",
    "4a hostname 300 octets": "04 01 0050 00000001 00" + "68" * 300 + "00",
}


@pytest.mark.parametrize("hexreq", MALFORMED_RAW.values(), ids=MALFORMED_RAW.keys())
def test_server_raw_malformed(server, hexreq):
    # the server answers or closes: well before the client's own --timeout (a ratio)
    res = run_client(server.addr, "--raw", hexreq, "--timeout", "30")
    assert res.seconds < 30 / 3, res
    if res.rc == EX_91:
        assert b"CD 91 request rejected or failed\n" in res.out, res
    else:
        # closed without a reply; a reset while reading counts the same
        expect(res, EX_MALFORMED, "0 of 8")
        assert res.out == b"reply (none)\n", res


def test_server_raw_relay(server, echo):
    port = struct.pack(">H", echo.port).hex()
    res = run_client(server.addr, "--raw", f"04 01 {port} 7f000001 00", "--relay",
                     input=b"raw then relay")
    assert res.rc == EX_OK, res
    assert res.out == b"raw then relay"
    assert "CD 90 request granted" in res.err


# --- against Dante --------------------------------------------------------------------

def test_dante_connect(start_dante, echo):
    d = start_dante()
    data = os.urandom(64 * 1024)
    res = run_client(d.addr, "127.0.0.1", echo.port, input=data)
    assert res.rc == EX_OK, f"{res}\n{d.log()}"
    assert res.out == data


def test_dante_half_close(start_dante, digest):
    d = start_dante()
    res = run_client(d.addr, "-v", "127.0.0.1", digest.port, input=b"through dante")
    assert res.rc == EX_OK, f"{res}\n{d.log()}"
    assert res.out == hashlib.sha256(b"through dante").hexdigest().encode()


def test_dante_refused_is_91(start_dante):
    d = start_dante()
    port = free_port()
    res = run_client(d.addr, "127.0.0.1", port)
    expect(res, EX_91, f"rejected CONNECT 127.0.0.1:{port}: {TEXT_91}")


def test_dante_bind(start_dante):
    d = start_dante()
    with Client(d.addr, "--bind", "127.0.0.1", 21) as c:
        host, port = bind_address(c)
        with socket.create_connection((host, port), timeout=RUN_TIMEOUT) as peer:
            peer.sendall(b"from the peer\n")
            assert c.p.stdout.readline() == b"from the peer\n"
            c.p.stdin.write(b"from the client\n")
            peer.shutdown(socket.SHUT_WR)
            res = c.finish()
            assert recv_until_eof(peer) == (b"from the client\n", True)
    assert res.rc == EX_OK, f"{res}\n{d.log()}"
