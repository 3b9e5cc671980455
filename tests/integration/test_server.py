# SPDX-License-Identifier: MIT
"""socks4-server end to end, with raw sockets: every behaviour of issue 3.

Each test starts its own server (conftest.start_server) on a free loopback port;
every server is stopped with SIGTERM at the end and must exit 0 with no sanitizer
report. Timeouts are shortened with flags so nothing waits long.
"""
import hashlib
import os
import select
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import (START_TIMEOUT, EchoServer, FakeIdentd, binary, free_port, recv_exact,
                      recv_until_eof)
from wire import (BIND, CONNECT, GRANTED, IDENT_MISMATCH, NO_IDENTD, REJECTED, connect_4a,
                  connect_req, open_session, read_reply, request)

LO = "127.0.0.1"


def expect_closed(sock, timeout=5.0):
    """The server must close: EOF (or a reset) within the timeout, no more data."""
    data, eof = recv_until_eof(sock, timeout)
    assert data == b"", f"unexpected bytes after the reply: {data[:64]!r}"
    assert eof, "the connection stayed open"


# --- CONNECT ---------------------------------------------------------------

def test_connect_relays_both_ways(server, echo):
    s, (vn, cd, _, _) = open_session(server, connect_req(echo.port, b"bob"))
    assert (vn, cd) == (0, GRANTED)
    s.sendall(b"ping")
    assert recv_exact(s, 4) == b"ping"
    s.close()


def test_connect_refused_gets_91_then_close(server):
    s, (vn, cd, _, _) = open_session(server, connect_req(free_port()))
    assert (vn, cd) == (0, REJECTED)
    expect_closed(s)


def test_request_one_byte_per_write(server, echo):
    req = connect_req(echo.port, b"slow-user")
    s = socket.create_connection(server.addr, timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for b in req:
        s.send(bytes([b]))
        time.sleep(0.01)
    assert read_reply(s)[1] == GRANTED
    s.sendall(b"x")
    assert recv_exact(s, 1) == b"x"
    s.close()


def test_request_and_payload_in_one_write(server, echo):
    """Bytes right behind the request are relayed, not lost (microsocks#105)."""
    s, (_, cd, _, _) = open_session(server, connect_req(echo.port) + b"early data")
    assert cd == GRANTED
    assert recv_exact(s, 10) == b"early data"
    s.close()


def test_half_close_client_first(server, echo):
    s, (_, cd, _, _) = open_session(server, connect_req(echo.port))
    assert cd == GRANTED
    s.sendall(b"last words")
    s.shutdown(socket.SHUT_WR)
    data, eof = recv_until_eof(s, 10)
    assert data == b"last words" and eof  # echo saw EOF, answered, then closed
    s.close()


def test_half_close_destination_first(server):
    """The destination sends, then shuts its write side; the client still sends
    afterwards and the destination still receives."""
    lsock = socket.create_server((LO, 0))
    got = {}

    def dest():
        c, _ = lsock.accept()
        c.sendall(b"hello")
        c.shutdown(socket.SHUT_WR)
        got["data"], got["eof"] = recv_until_eof(c, 10)
        c.close()

    t = threading.Thread(target=dest)
    t.start()
    s, (_, cd, _, _) = open_session(server, connect_req(lsock.getsockname()[1]))
    assert cd == GRANTED
    data, eof = recv_until_eof(s, 10)
    assert (data, eof) == (b"hello", True)
    s.sendall(b"after your EOF")
    s.shutdown(socket.SHUT_WR)
    t.join(10)
    assert got == {"data": b"after your EOF", "eof": True}
    s.close()
    lsock.close()


def test_8mib_random_both_ways(server, echo):
    payload = os.urandom(8 << 20)
    s, (_, cd, _, _) = open_session(server, connect_req(echo.port))
    assert cd == GRANTED
    received = bytearray()

    def reader():
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                return
            received.extend(chunk)

    t = threading.Thread(target=reader)
    t.start()
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    t.join(60)
    assert hashlib.sha256(received).hexdigest() == hashlib.sha256(payload).hexdigest()
    s.close()


def test_no_early_grant(start_server):
    """The 90 comes only once the destination accepted the TCP connection: while
    the destination's accept queue is full its SYNs are dropped, and no reply may
    arrive; once the queue drains, the server's SYN retransmit gets in."""
    srv = start_server("--connect-timeout", "20")
    lsock = socket.socket()
    lsock.bind((LO, 0))
    lsock.listen(0)
    port = lsock.getsockname()[1]
    fillers = []
    for _ in range(3):  # fill the accept queue (backlog 0 holds one)
        f = socket.socket()
        f.setblocking(False)
        f.connect_ex((LO, port))
        fillers.append(f)
    time.sleep(0.2)
    s = socket.create_connection(srv.addr, timeout=10)
    s.sendall(connect_req(port))
    s.settimeout(1.5)
    with pytest.raises(socket.timeout):
        s.recv(8)  # nothing yet: the connect has not completed
    accepted = []
    granted = threading.Event()

    def drain():  # until the reply came (15 s at most)
        lsock.settimeout(0.2)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not granted.is_set():
            try:
                accepted.append(lsock.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=drain)
    t.start()
    try:
        assert read_reply(s, 15)[1] == GRANTED
    finally:
        granted.set()
        t.join()
    for c in accepted + fillers:
        c.close()
    s.close()
    lsock.close()


def test_exactly_one_reply_then_relay(server, echo):
    s, (_, cd, _, _) = open_session(server, connect_req(echo.port))
    assert cd == GRANTED
    s.sendall(b"12345678")
    assert recv_exact(s, 8) == b"12345678"  # not a second reply
    s.close()


def test_reply_is_8_bytes_vn0_for_every_code(start_server):
    srv = start_server("--no-4a")
    for req in (connect_req(free_port()), request(CONNECT, 80, b"\0\0\0\x01", b"u")):
        s = socket.create_connection(srv.addr, timeout=5)
        s.sendall(req)
        data, eof = recv_until_eof(s, 5)
        assert len(data) == 8 and data[0] == 0 and eof, data.hex()


# --- malformed requests ----------------------------------------------------

@pytest.mark.parametrize("req,why", [
    (request(CONNECT, 80, LO, b"u", vn=5), "VN=5"),
    (request(CONNECT, 80, LO, b"u", vn=0), "VN=0"),
    (b"\x05\x01\x00", "SOCKS5 greeting"),
    (request(3, 80, LO, b"u"), "CD=3"),
    (request(0, 80, LO, b"u"), "CD=0"),
    (request(255, 80, LO, b"u"), "CD=255"),
    (request(CONNECT, 80, LO, b"x" * 256), "USERID of 256"),
    (request(CONNECT, 80, LO, b"x" * 4096), "USERID of 4096"),
    (request(CONNECT, 80, b"\0\0\0\x01", b"u", b"h" * 256), "hostname of 256"),
    (request(CONNECT, 80, b"\0\0\0\x01", b"u", b""), "empty hostname"),
    (request(CONNECT, 80, "0.0.0.0", b"u") + b"host\0", "DSTIP 0.0.0.0"),
    (request(BIND, 80, "0.0.0.0", b"u"), "BIND DSTIP 0.0.0.0"),
])
def test_malformed_gets_91_and_close(server, req, why):
    s = socket.create_connection(server.addr, timeout=5)
    s.sendall(req)
    data, eof = recv_until_eof(s, 5)
    assert data == bytes([0, REJECTED, 0, 0, 0, 0, 0, 0]), f"{why}: {data.hex()}"
    assert eof, why


def test_userid_at_limit_and_high_bytes(server, echo):
    for userid in (b"x" * 255, b"\x80\xff\xc3\xa9", b""):
        s, (_, cd, _, _) = open_session(server, connect_req(echo.port, userid) + b"tail")
        assert cd == GRANTED
        assert recv_exact(s, 4) == b"tail"  # USERID consumed exactly up to its NUL
        s.close()


def test_stalled_client_dropped_at_handshake_timeout(start_server, echo):
    srv = start_server("--handshake-timeout", "3")
    stalled = []
    for part in (b"", b"\x04\x01\x00", connect_req(echo.port)[:-1]):
        s = socket.create_connection(srv.addr, timeout=5)
        s.sendall(part)
        stalled.append(s)
    # meanwhile another client is served at once: before the stalled ones are dropped
    # (an event, not a wall-clock limit: a server that served them in turn would only
    # answer once their timeouts had passed)
    s, (_, cd, _, _) = open_session(srv, connect_req(echo.port))
    assert cd == GRANTED
    assert not select.select(stalled, [], [], 0)[0], "the stalled clients went first"
    s.close()
    for s in stalled:
        data, eof = recv_until_eof(s, 10)
        assert eof and data == b"", data
    srv.wait_line(r"handshake timeout after 3000 ms")


def test_client_closing_mid_request_leaves_server_healthy(server, echo):
    for part in (b"\x04", b"\x04\x01\x00\x50\x7f\x00", connect_req(echo.port)[:-1]):
        s = socket.create_connection(server.addr, timeout=5)
        s.sendall(part)
        s.close()
    s, (_, cd, _, _) = open_session(server, connect_req(echo.port))
    assert cd == GRANTED
    s.close()
    server.wait_line(r"client left after 9 bytes of request")


# --- SOCKS4a ---------------------------------------------------------------

def test_4a_localhost(server, echo):
    s, (_, cd, _, _) = open_session(server, connect_4a(echo.port, b"localhost") + b"hi")
    assert cd == GRANTED
    assert recv_exact(s, 2) == b"hi"
    s.close()
    server.wait_line(r'CONNECT localhost\(127\.0\.0\.1\):\d+ reply=90')


def test_4a_ip_literal_and_marker_255(server, echo):
    req = request(CONNECT, echo.port, b"\0\0\0\xff", b"", b"127.0.0.1")
    s, (_, cd, _, _) = open_session(server, req)
    assert cd == GRANTED
    s.close()


def test_4a_unresolvable_gets_91(server):
    s, (_, cd, _, _) = open_session(server, connect_4a(80, b"no-such-host.invalid"))
    assert cd == REJECTED
    expect_closed(s)


def test_4a_name_that_resolves_to_0000(server):
    s, (_, cd, _, _) = open_session(server, connect_4a(80, b"0.0.0.0"))
    assert cd == REJECTED


def test_no_4a_rejects_marker_and_never_relays_the_name(start_server):
    srv = start_server("--no-4a")
    lsock = socket.create_server((LO, 0))
    lsock.settimeout(0.5)
    s, (_, cd, _, _) = open_session(srv, connect_4a(lsock.getsockname()[1], b"localhost"))
    assert cd == REJECTED
    expect_closed(s)
    with pytest.raises(socket.timeout):
        lsock.accept()  # nobody connected anywhere
    lsock.close()


# --- BIND ------------------------------------------------------------------

def bind_session(srv, expect_ip, userid=b"u", ip_field=None, host=None):
    req = request(BIND, 21, ip_field or expect_ip, userid, host)
    s, (vn, cd, port, ip) = open_session(srv, req)
    assert (vn, cd) == (0, GRANTED)
    return s, port, ip


def test_bind_match_relays(server):
    s, port, ip = bind_session(server, LO)
    assert ip == LO  # the address the client reached the server on
    peer = socket.create_connection((ip, port), timeout=5)
    vn, cd, pport, pip = read_reply(s)
    assert (vn, cd) == (0, GRANTED)
    assert (pip, pport) == peer.getsockname()  # the inbound peer's address
    peer.sendall(b"from peer")
    assert recv_exact(s, 9) == b"from peer"
    s.sendall(b"to peer")
    assert recv_exact(peer, 7) == b"to peer"
    peer.close()
    s.close()


def test_bind_mismatch_91_and_both_closed(server):
    s, port, ip = bind_session(server, LO)
    peer = socket.socket()
    peer.bind(("127.0.0.2", 0))
    peer.settimeout(5)
    peer.connect((ip, port))
    vn, cd, _, _ = read_reply(s)
    assert (vn, cd) == (0, REJECTED)
    expect_closed(s)
    expect_closed(peer)
    server.wait_line(r"BIND: inbound from 127\.0\.0\.2:\d+, expected 127\.0\.0\.1")


def test_bind_accepts_exactly_one(server):
    s, port, ip = bind_session(server, LO)
    first = socket.create_connection((ip, port), timeout=5)
    assert read_reply(s)[1] == GRANTED
    with pytest.raises(ConnectionRefusedError):  # the listener closed after one accept
        socket.create_connection((ip, port), timeout=2)
    first.close()
    s.close()


def test_bind_timer(start_server):
    """The timer follows its setting: of two BINDs waiting at once, the one with
    the 0.5 s timer gets its 91 first, the 4 s one after it (an order of events in
    the same run, not a wall-clock limit)."""
    short, long_ = start_server("--bind-timeout", "0.5"), start_server("--bind-timeout", "4")
    s_long, _, _ = bind_session(long_, LO)
    s_short, _, _ = bind_session(short, LO)
    assert read_reply(s_short, 10)[:2] == (0, REJECTED)
    assert select.select([s_long], [], [], 0)[0] == [], "the 4 s timer ran out first"
    expect_closed(s_short)
    assert read_reply(s_long, 10)[:2] == (0, REJECTED)
    expect_closed(s_long)


def test_bind_client_leaves_while_waiting(server):
    s, _, _ = bind_session(server, LO)
    s.close()
    server.wait_line(r"BIND: client left while waiting")


def test_bind_4a_checks_resolved_address(server):
    s, port, ip = bind_session(server, LO, ip_field=b"\0\0\0\x01", host=b"localhost")
    peer = socket.create_connection((ip, port), timeout=5)
    assert read_reply(s)[1] == GRANTED  # localhost -> 127.0.0.1 matches
    peer.close()
    s.close()


# --- rules -----------------------------------------------------------------

def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_rules_outcomes(start_server, echo, tmp_path):
    users = write(tmp_path, "users", "carol dave\n")
    rules = write(tmp_path, "sockd.conf", f"""
# every outcome, first match wins
deny   *=mallory 0.0.0.0 0.0.0.0
permit *=alice 127.0.0.0 255.0.0.0 127.0.0.1 255.255.255.255 eq {echo.port}
permit *=bob,{users} 127.0.0.0 255.0.0.0 0.0.0.0 0.0.0.0 ge 1024
deny   0.0.0.0 0.0.0.0
""")
    srv = start_server("--rules", rules)
    cases = [(b"alice", echo.port, GRANTED), (b"alice", free_port(), REJECTED),
             (b"bob", echo.port, GRANTED), (b"carol", echo.port, GRANTED),
             (b"dave", echo.port, GRANTED), (b"mallory", echo.port, REJECTED),
             (b"eve", echo.port, REJECTED), (b"Alice", echo.port, REJECTED)]
    for user, port, want in cases:
        s, (vn, cd, _, _) = open_session(srv, connect_req(port, user))
        assert (vn, cd) == (0, want), (user, port)
        s.close()
    srv.wait_line(r'user="mallory" CONNECT .* reply=91 .*denied by .*sockd\.conf:3')
    srv.wait_line(r'user="eve" CONNECT .* reply=91 .*denied by .*sockd\.conf:6')


def test_rules_apply_to_4a_after_resolution(start_server, echo, tmp_path):
    rules = write(tmp_path, "r.conf", "deny 0.0.0.0 0.0.0.0 127.0.0.0 255.0.0.0\n"
                                      "permit 0.0.0.0 0.0.0.0\n")
    srv = start_server("--rules", rules)
    s, (_, cd, _, _) = open_session(srv, connect_4a(echo.port, b"localhost"))
    assert cd == REJECTED  # "localhost" is 127.0.0.1: the 127/8 deny catches it


def test_rules_no_match_denies(start_server, echo, tmp_path):
    srv = start_server("--rules", write(tmp_path, "r.conf", "permit 10.0.0.0 255.0.0.0\n"))
    s, (_, cd, _, _) = open_session(srv, connect_req(echo.port))
    assert cd == REJECTED
    srv.wait_line(r"denied: no rule matches")


def test_malformed_rules_file_is_an_error(tmp_path):
    rules = write(tmp_path, "bad.conf", "permit 127.0.0.0 255.0.0.0\npermit 127.0.0.0\n")
    p = subprocess.run([binary("socks4-server"), "--listen", "127.0.0.1:0", "--rules", rules],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1
    assert f"{rules}:2: expected src_addr src_mask" in p.stderr


def test_shell_command_is_never_run(start_server, echo, tmp_path):
    marker = tmp_path / "ran"
    rules = write(tmp_path, "r.conf", f"permit 0.0.0.0 0.0.0.0 : touch {marker}\n")
    srv = start_server("-v", "--rules", rules)
    s, (_, cd, _, _) = open_session(srv, connect_req(echo.port))
    assert cd == GRANTED
    s.close()
    srv.wait_line(r"r\.conf:1 matched; its shell command is not run: touch")
    assert not marker.exists()


@pytest.mark.parametrize("args,status,text", [
    (["alice", "127.0.0.1", "127.0.0.1", "8080"], 0, ":2: permit *=alice"),
    (["mallory", "127.0.0.1", "10.1.1.1", "80"], 1, ":1: deny *=mallory"),
    (["bob", "127.0.0.1", "10.1.1.1", "telnet"], 1, ":3: deny 0.0.0.0 0.0.0.0 eq telnet"),
    (["bob", "127.0.0.1", "10.1.1.1", "80"], 0, "permit (identd strict)"),
    (["bob", "10.0.0.1", "10.1.1.1", "80"], 1, "no rule matches: deny"),
    (["bob", "not-an-ip", "10.1.1.1", "80"], 2, "'not-an-ip' is not an IPv4 address"),
])
def test_check_rules(tmp_path, args, status, text):
    rules = write(tmp_path, "r.conf", "deny *=mallory 0.0.0.0 0.0.0.0\n"
                                      "permit *=alice 127.0.0.0 255.0.0.0 eq 8080\n"
                                      "deny 0.0.0.0 0.0.0.0 eq telnet\n"
                                      "permit ?=I 127.0.0.0 255.0.0.0 : logger hi\n")
    p = subprocess.run([binary("socks4-server"), "--check-rules", rules, *args],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == status, p.stdout + p.stderr
    assert text in p.stdout + p.stderr


def test_default_policy_denies_non_loopback_clients(server, echo):
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        own = probe.getsockname()[0]
    except OSError:
        pytest.fail("this host needs a non-loopback IPv4 address for this test")
    finally:
        probe.close()
    assert not own.startswith("127.")
    s = socket.socket()
    s.bind((own, 0))  # this host's own address: the packets stay on this host
    s.settimeout(5)
    s.connect(server.addr)
    s.sendall(connect_req(echo.port))
    assert read_reply(s)[1] == REJECTED
    server.wait_line(r"denied: not a loopback client and no rules file")


def test_listening_beyond_loopback_needs_rules_or_open():
    p = subprocess.run([binary("socks4-server"), "--listen", "0.0.0.0:0"],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1
    assert "refusing to listen on 0.0.0.0:0 without --rules" in p.stderr
    assert "--open" in p.stderr


# --- identd ----------------------------------------------------------------

@pytest.mark.parametrize("mode,answer,user,want", [
    ("strict", "{} , {} : USERID : UNIX : bob\r\n", b"bob", GRANTED),
    ("strict", "{} , {} : USERID : UNIX : alice\r\n", b"bob", IDENT_MISMATCH),
    ("strict", "{} , {} : ERROR : NO-USER\r\n", b"bob", NO_IDENTD),
    ("strict", None, b"bob", NO_IDENTD),
    ("strict", "hang", b"bob", NO_IDENTD),
    ("lenient", "{} , {} : USERID : UNIX : bob\r\n", b"bob", GRANTED),
    ("lenient", "{} , {} : USERID : UNIX : alice\r\n", b"bob", IDENT_MISMATCH),
    ("lenient", "{} , {} : ERROR : NO-USER\r\n", b"bob", GRANTED),
    ("lenient", None, b"bob", GRANTED),
    ("off", "{} , {} : USERID : UNIX : alice\r\n", b"bob", GRANTED),
])
def test_identd_scripted(start_server, echo, mode, answer, user, want):
    ident = FakeIdentd(answer)
    srv = start_server("--identd", mode, "--identd-port", str(ident.port),
                       "--identd-timeout", "1")
    s = socket.create_connection(srv.addr, timeout=10)
    s.sendall(connect_req(echo.port, user))
    vn, cd, _, _ = read_reply(s)
    assert (vn, cd) == (0, want)
    if want != GRANTED:
        expect_closed(s)
    if mode != "off":
        # RFC 1413 order: the client's port first, then the server's
        assert ident.queries[0] == f"{s.getsockname()[1]} , {srv.port}\r\n".encode()
    else:
        assert ident.queries == []
    s.close()
    ident.close()


def test_identd_unreachable_strict_92(start_server, echo):
    srv = start_server("--identd", "strict", "--identd-port", str(free_port()))
    s, (_, cd, _, _) = open_session(srv, connect_req(echo.port, b"bob"))
    assert cd == NO_IDENTD


def test_rule_identd_override(start_server, echo, tmp_path):
    ident = FakeIdentd("{} , {} : USERID : UNIX : alice\r\n")
    rules = write(tmp_path, "r.conf", "permit ?=n *=nocheck 0.0.0.0 0.0.0.0\n"
                                      "permit ?=I 0.0.0.0 0.0.0.0\n")
    srv = start_server("--rules", rules, "--identd-port", str(ident.port))
    for user, want in ((b"nocheck", GRANTED), (b"bob", IDENT_MISMATCH), (b"alice", GRANTED)):
        s, (_, cd, _, _) = open_session(srv, connect_req(echo.port, user))
        assert cd == want, user
        s.close()
    ident.close()


@pytest.fixture
def oidentd():
    port = free_port()
    p = subprocess.Popen(["/usr/sbin/oidentd", "-i", "-S", "-a", LO, "-p", str(port)],
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection((LO, port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        p.kill()
        pytest.fail("oidentd did not start: " + p.stderr.read().decode())
    yield port
    p.terminate()
    p.wait(10)


@pytest.mark.parametrize("mode,user,want", [
    ("strict", "self", GRANTED), ("strict", b"not-me", IDENT_MISMATCH),
    ("lenient", "self", GRANTED), ("lenient", b"not-me", IDENT_MISMATCH),
])
def test_identd_real_oidentd(start_server, echo, oidentd, mode, user, want):
    import pwd
    me = pwd.getpwuid(os.geteuid()).pw_name.encode()
    srv = start_server("--identd", mode, "--identd-port", str(oidentd))
    s, (_, cd, _, _) = open_session(srv, connect_req(echo.port, me if user == "self" else user))
    assert cd == want
    s.close()


# --- operation -------------------------------------------------------------

def test_sighup_reload_and_broken_file(start_server, echo, tmp_path):
    rules = tmp_path / "r.conf"
    rules.write_text("deny 0.0.0.0 0.0.0.0\n")
    srv = start_server("--rules", str(rules))
    s, (_, cd, _, _) = open_session(srv, connect_req(echo.port))
    assert cd == REJECTED
    rules.write_text("permit 0.0.0.0 0.0.0.0\n")
    srv.p.send_signal(signal.SIGHUP)
    srv.wait_line(r"reloaded .*r\.conf: 1 rules")
    s, (_, cd, _, _) = open_session(srv, connect_req(echo.port))
    assert cd == GRANTED
    s.close()
    rules.write_text("permit 0.0.0.0\n")  # broken: the old rules stay
    srv.p.send_signal(signal.SIGHUP)
    srv.wait_line(r"reload failed, keeping the old rules: .*r\.conf:1: expected src_addr")
    s, (_, cd, _, _) = open_session(srv, connect_req(echo.port))
    assert cd == GRANTED
    s.close()


def test_sigterm_closes_listener_and_gives_grace(start_server, echo):
    srv = start_server("--grace", "5")
    s, (_, cd, _, _) = open_session(srv, connect_req(echo.port))
    assert cd == GRANTED
    srv.p.send_signal(signal.SIGTERM)
    srv.wait_line(r"stopping \(grace 5000 ms\)")
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:  # the listener goes at once
        try:
            socket.create_connection(srv.addr, timeout=1).close()
            time.sleep(0.02)
        except (ConnectionRefusedError, ConnectionResetError):
            break  # refused, or reset in the backlog of the listener being closed
    else:
        pytest.fail("the listener still accepts after SIGTERM")
    s.sendall(b"still here")  # the session lives on in its grace period
    assert recv_exact(s, 10) == b"still here"
    s.close()  # its end lets the server exit before the grace is over
    assert srv.p.wait(4) == 0


def test_sigterm_grace_over_closes_sessions(start_server, echo):
    srv = start_server("--grace", "0.3")
    s, (_, cd, _, _) = open_session(srv, connect_req(echo.port))
    assert cd == GRANTED
    # the session stays open on the client's side: a server that waited for it
    # instead of cutting it at the end of the grace would not exit (stop() fails)
    t0 = time.monotonic()
    assert srv.stop() == 0
    assert time.monotonic() - t0 >= 0.3, "exited before the grace was over"
    data, eof = recv_until_eof(s, 5)
    assert eof
    srv.wait_line(r"grace period over: closing 1 session")


def test_max_sessions_refuses_at_once(start_server, echo):
    srv = start_server("--max-sessions", "2")
    held = [open_session(srv, connect_req(echo.port))[0] for _ in range(2)]
    # at once: while both sessions are still held (a server that queued the third
    # until one ended would not answer at all)
    s = socket.create_connection(srv.addr, timeout=5)
    s.sendall(connect_req(echo.port))
    assert read_reply(s, 10)[1] == REJECTED
    srv.wait_line(r"refused: 2 sessions is the limit")
    for h in held:
        h.close()
    deadline = time.monotonic() + 5
    while True:  # capacity comes back when the sessions end
        s, (_, cd, _, _) = open_session(srv, connect_req(echo.port))
        s.close()
        if cd == GRANTED or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert cd == GRANTED


def test_ipv6_listener(start_server, echo):
    if not socket.has_ipv6:
        pytest.fail("no IPv6 in this Python")
    srv = start_server(listen="[::1]:0")
    assert srv.host == "::1"
    s = socket.create_connection(("::1", srv.port), timeout=5)
    s.sendall(connect_req(echo.port) + b"v6")
    assert read_reply(s)[1] == GRANTED
    assert recv_exact(s, 2) == b"v6"
    s.close()
    s = socket.create_connection(("::1", srv.port), timeout=5)
    s.sendall(request(BIND, 21, LO, b"u"))
    assert read_reply(s)[1] == REJECTED  # a BIND reply cannot carry an IPv6 address


def test_two_listeners(start_server, echo):
    srv = start_server("--listen", "127.0.0.2:0")
    m = srv.wait_line(r"listening on 127\.0\.0\.2:(\d+)", START_TIMEOUT)
    s = socket.create_connection(("127.0.0.2", int(m.group(1))), timeout=5)
    s.sendall(connect_req(echo.port))
    assert read_reply(s)[1] == GRANTED
    s.close()


def test_log_line_fields(server, echo):
    s, _ = open_session(server, connect_req(echo.port, b'we"ird\x01'))
    s.sendall(b"abc")
    recv_exact(s, 3)
    s.close()
    m = server.wait_line(r'^\S+Z 127\.0\.0\.1:\d+ user="we\\x22ird\\x01" CONNECT '
                         r'127\.0\.0\.1:(\d+) reply=90 up=3 down=3 time=\d+\.\d{3}s$')
    assert int(m.group(1)) == echo.port


def test_usage_errors():
    for args, text in ((["--identd", "maybe"], "--identd must be off, lenient or strict"),
                       (["--handshake-timeout", "-1"], "bad number of seconds"),
                       (["--listen", "127.0.0.1"], "expected HOST:PORT"),
                       (["--bogus"], "Try 'socks4-server --help'"),
                       (["extra"], "unexpected argument 'extra'")):
        p = subprocess.run([binary("socks4-server"), *args], capture_output=True, text=True,
                           timeout=10)
        assert p.returncode in (1, 2), args
        assert text in p.stderr, (args, p.stderr)
    p = subprocess.run([binary("socks4-server"), "--help"], capture_output=True, text=True,
                       timeout=10)
    assert p.returncode == 0 and "--check-rules" in p.stdout
