# SPDX-License-Identifier: MIT
"""socks4-server against hostile peers (issue 19): what a client, a name or an identd
sends stays data in the log; the server does not chain through itself; a BIND of a
4a name is checked against the rules on every address it accepts a peer from.

Names are given addresses through the sanitizer build's test hook
($SOCKS4KIT_TEST_HOSTS, a hosts file read by the server's resolver), so no test
touches /etc/hosts."""
import os
import socket
import threading
import time

import pytest

from conftest import recv_until_eof
from wire import BIND, CONNECT, GRANTED, NO_IDENTD, REJECTED, open_session, read_reply, request

LO = "127.0.0.1"
FORGED = b"\n2099-01-01T00:00:00Z 10.0.0.1:1234 user=\"admin\" CONNECT 10.0.0.2:22 reply=90"
TERMINAL = b"\x1b]0;title\x07\x1b[2J"


def hosts_env(tmp_path, text):
    path = tmp_path / "hosts"
    path.write_text(text)
    env = dict(os.environ)
    env["SOCKS4KIT_TEST_HOSTS"] = str(path)
    return env


def log_is_clean(srv, forged_marker="2099-01-01"):
    """No log line starts with the forged timestamp, no byte outside printable
    ASCII reached the log."""
    for line in srv.lines:
        assert not line.startswith(forged_marker), f"forged log line: {line!r}"
        assert all(0x20 <= ord(ch) < 0x7f for ch in line), f"raw control bytes: {line!r}"


def session_lines(srv):
    return [ln for ln in srv.lines if " CONNECT " in ln or " BIND " in ln]


def wait_log(srv, pattern):
    return srv.wait_line(pattern, timeout=30)


def log_count(srv, text, want, timeout=30, grace=0.5):
    """The number of log lines holding text, once want of them came (each session logs
    when it ends, in whatever order its thread finishes), and grace seconds more for one
    too many to show."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and sum(text in ln for ln in srv.lines) < want:
        time.sleep(0.05)
    time.sleep(grace)
    return sum(text in ln for ln in srv.lines)


# --- 1. the log -----------------------------------------------------------------

def test_log_4a_name_cannot_forge_a_line(start_server):
    """A 4a name with a newline, a fake session line and terminal escapes: the
    name is in the destination and in the resolver's error, both escaped."""
    srv = start_server("--resolve-timeout", "2")
    s, (_, cd, _, _) = open_session(srv, request(CONNECT, 80, b"\0\0\0\x01", b"u",
                                                 b"x" + FORGED + TERMINAL + b".invalid"))
    assert cd == REJECTED
    s.close()
    wait_log(srv, r"reply=91")
    log_is_clean(srv)
    text = srv.stderr
    assert "\\x0a2099-01-01" in text
    assert "\\x1b]0;title\\x07" in text


def test_log_resolved_name_escaped(start_server, echo, tmp_path):
    """A name that resolves: the destination "name(ip):port" is escaped too."""
    name = b"e\x1b[2Jvil"
    srv = start_server(env=hosts_env(tmp_path, f"{name.decode()} {LO}\n"))
    s, (_, cd, _, _) = open_session(srv, request(CONNECT, echo.port, b"\0\0\0\x01", b"u", name))
    assert cd == GRANTED
    s.close()
    wait_log(srv, r"reply=90")
    log_is_clean(srv)
    assert f"e\\x1b[2Jvil({LO}):{echo.port}" in srv.stderr


class HostileIdentd:
    """An identd whose every answer is `answer` (formatted with the query's ports)."""

    def __init__(self, answer):
        self.answer = answer
        self.sock = socket.create_server((LO, 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.settimeout(5)
            line = b""
            while not line.endswith(b"\n"):
                chunk = c.recv(100)
                if not chunk:
                    break
                line += chunk
            a, b = (int(x) for x in line.decode().strip().split(","))
            c.sendall(self.answer.replace(b"{a}", str(a).encode()).replace(b"{b}",
                                                                          str(b).encode()))
            c.close()

    def close(self):
        self.sock.close()


@pytest.mark.parametrize("answer,want", [
    (b"{a} , {b} : ERROR : X\x1b[2J" + TERMINAL + b"\r\n", NO_IDENTD),
    (b"{a} , {b} : USERID : UNIX : mallory\x1b]0;t\x07\r\n", 93),
])
def test_log_identd_tokens_escaped(start_server, echo, answer, want):
    ident = HostileIdentd(answer)
    srv = start_server("--identd", "strict", "--identd-port", str(ident.port),
                       "--identd-timeout", "5")
    s, (_, cd, _, _) = open_session(srv, request(CONNECT, echo.port, LO, b"bob"))
    s.close()
    ident.close()
    wait_log(srv, r"reply=9[123]")
    log_is_clean(srv)
    if cd == want:  # the identd's token reached the reason, escaped
        assert "\\x1b" in srv.stderr
    else:  # the parser refused the token: nothing of it in the log either
        assert cd == NO_IDENTD


# --- 2. no chaining through itself --------------------------------------------

def test_connect_to_itself_refused(start_server):
    srv = start_server()
    s, (_, cd, _, _) = open_session(srv, request(CONNECT, srv.port, LO, b"u"))
    assert cd == REJECTED
    assert recv_until_eof(s, 10) == (b"", True)
    s.close()
    wait_log(srv, r"no chaining through this server")
    assert "its own listening socket 127.0.0.1:%d" % srv.port in srv.stderr


def test_stacked_requests_do_not_fill_the_server(start_server, echo):
    """One packet of 60 stacked CONNECTs to the server itself: one session, one
    91; an ordinary client is still served."""
    srv = start_server("--max-sessions", "50")
    one = request(CONNECT, srv.port, LO, b"u")
    s, (_, cd, _, _) = open_session(srv, one * 60)
    assert cd == REJECTED
    s.close()
    ok, (_, cd, _, _) = open_session(srv, request(CONNECT, echo.port, LO, b"u"))
    assert cd == GRANTED
    ok.sendall(b"ping")
    assert ok.recv(4) == b"ping"
    ok.close()
    assert log_count(srv, "reply=", 2) == 2, srv.stderr


def test_4a_name_resolving_to_itself_refused(start_server, tmp_path):
    srv = start_server(env=hosts_env(tmp_path, "me.test 10.9.9.9 127.0.0.1\nself.test 127.0.0.1\n"))
    s, (_, cd, _, _) = open_session(srv, request(CONNECT, srv.port, b"\0\0\0\x01", b"u",
                                                 b"self.test"))
    assert cd == REJECTED
    s.close()
    # a BIND names its expected peer: any address of the name counts
    s, (_, cd, _, _) = open_session(srv, request(BIND, srv.port, b"\0\0\0\x01", b"u",
                                                 b"me.test"))
    assert cd == REJECTED
    s.close()
    assert log_count(srv, "no chaining through this server", 2) == 2, srv.stderr


def test_bind_to_itself_refused(start_server):
    srv = start_server()
    s, (_, cd, _, _) = open_session(srv, request(BIND, srv.port, LO, b"u"))
    assert cd == REJECTED
    s.close()
    wait_log(srv, r"no chaining through this server")


# --- "not confirmed": a BIND of a 4a name and the rules ----------------------------

def test_bind_4a_rules_checked_on_every_address(start_server, tmp_path):
    """The rules permit 127.0.0.1 and deny 127.0.0.3. A name resolving to both
    used to be checked by its first address only, while the inbound peer was
    accepted from any: a peer on 127.0.0.3 got through. Now the BIND is denied."""
    rules = tmp_path / "r.conf"
    rules.write_text("deny 0.0.0.0 0.0.0.0 127.0.0.3 255.255.255.255\n"
                     "permit 0.0.0.0 0.0.0.0\n")
    srv = start_server("--rules", str(rules), "--bind-timeout", "10",
                       env=hosts_env(tmp_path, "two.test 127.0.0.1 127.0.0.3\n"
                                               "one.test 127.0.0.1\n"))
    s, (_, cd, _, _) = open_session(srv, request(BIND, 4000, b"\0\0\0\x01", b"u", b"two.test"))
    assert cd == REJECTED
    s.close()
    wait_log(srv, r"for BIND address 127\.0\.0\.3")
    # a name whose every address is permitted still binds
    s, (_, cd, port, ip) = open_session(srv, request(BIND, 4000, b"\0\0\0\x01", b"u",
                                                     b"one.test"))
    assert cd == GRANTED
    peer = socket.create_connection((ip, port), timeout=10)
    assert read_reply(s)[1] == GRANTED
    peer.close()
    s.close()
