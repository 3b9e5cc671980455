# SPDX-License-Identifier: MIT
"""The third-party SOCKS4 servers of thirdparty.py come up on loopback and serve a
CONNECT, so that socks4-test can be pointed at them. ci/deps.sh installs every one:
a missing server fails here, it never skips. (What socks4-test says about each is
not asserted here: several of them are wrong in ways the spec forbids.)"""
import socket

import pytest

import thirdparty
import wire
from conftest import recv_exact


@pytest.mark.parametrize("name", sorted(thirdparty.SERVERS))
def test_serves_a_connect(name, echo):
    try:
        s = thirdparty.start(name)
    except thirdparty.ThirdPartyError as e:
        pytest.fail(str(e))
    try:
        assert (s.host, s.port) == s.addr and s.host == "127.0.0.1"
        sock, (vn, cd, _, _) = wire.open_session(s, wire.request(wire.CONNECT, echo.port,
                                                                 "127.0.0.1", b"s4kit"))
        with sock:
            assert (vn, cd) == (0, wire.GRANTED), s.log()
            sock.sendall(b"through " + name.encode())
            assert recv_exact(sock, 8 + len(name)) == b"through " + name.encode(), s.log()
        assert s.alive(), f"{name} exited: {s.exit_status()}\n{s.log()}"
        assert s.version and "?" not in s.version, s.version
    finally:
        s.stop()
    assert not s.procs


def test_unknown_name():
    with pytest.raises(thirdparty.ThirdPartyError, match="unknown server"):
        thirdparty.start("no-such-server")


@pytest.mark.parametrize("name", sorted(thirdparty.SERVERS))
def test_a_port_held_by_another_program_is_no_start(name):
    """The start waits for the server's own listening socket: a connection that
    another program on the port accepts must not pass for the server being up."""
    with socket.create_server(("127.0.0.1", 0)) as other:
        with pytest.raises(thirdparty.ThirdPartyError, match="another program has the port"):
            thirdparty.start(name, other.getsockname()[1]).stop()
