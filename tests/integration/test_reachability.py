# SPDX-License-Identifier: MIT
"""One cause, one verdict: a target that grants no CONNECT to the runner's
destinations (its policy refuses private addresses, as Tor's does, or the grant
never comes) fails preflight/destination once, with what to do; every case that
needs a grant is skipped with that cause, and the exit status (2) says the run
could not test what it was asked to."""
import json
import socket
import subprocess
import threading

from conftest import binary, free_port

# A policy server: socks4-server whose rules refuse every private (here:
# loopback) destination and permit the rest.
PRIVATE_DENIED = ("deny 0.0.0.0 0.0.0.0 127.0.0.0 255.0.0.0\n"
                  "deny 0.0.0.0 0.0.0.0 10.0.0.0 255.0.0.0\n"
                  "deny 0.0.0.0 0.0.0.0 172.16.0.0 255.240.0.0\n"
                  "deny 0.0.0.0 0.0.0.0 192.168.0.0 255.255.0.0\n"
                  "permit 0.0.0.0 0.0.0.0\n")

# Cases that need a grant to the runner's destinations (a sample of each area).
NEED_GRANT = {"connect/granted", "connect/one-reply", "reply/vn/granted",
              "request/userid/empty", "request/userid/high-bit", "delivery/payload/connect",
              "relay/both-ways", "relay/bulk", "robust/many-clients",
              "robust/close/after-request"}


def run_json(tmp_path, *args, timeout=300):
    out = tmp_path / "report.json"
    p = subprocess.run([binary("socks4-test"), "--format", "json", "--output", str(out),
                        "--crash-dir", str(tmp_path / "crashes"), "--identd-port",
                        str(free_port()), *args], capture_output=True, text=True,
                       timeout=timeout)
    return p, json.loads(out.read_text()) if out.exists() else None


def cases(report):
    return {c["id"]: c for c in report["cases"]}


def test_policy_refusing_private_destinations(start_server, tmp_path):
    rules = tmp_path / "rules"
    rules.write_text(PRIVATE_DENIED)
    srv = start_server("--rules", str(rules))
    p, report = run_json(tmp_path, "--target", f"127.0.0.1:{srv.port}")
    assert report is not None, p.stderr
    by = cases(report)
    failed = {i for i, c in by.items() if c["result"] == "fail"}
    assert failed == {"preflight/destination"}, failed
    actual = by["preflight/destination"]["actual"]
    assert "the target refuses CONNECTs to 127.0.0.1:" in actual, actual
    assert "which is listening" in actual and "--dest-addr" in actual, actual
    # The one cause, not a cascade: the cases that need a grant are skipped with it.
    for i in NEED_GRANT:
        assert by[i]["result"] == "skip", (i, by[i])
        assert "refuses CONNECTs" in by[i]["actual"], (i, by[i]["actual"])
    # 91 to every CONNECT says nothing about SOCKS4a or BIND: not "does not do".
    assert "cannot tell" in by["4a/unsupported"]["actual"], by["4a/unsupported"]
    # The cases that need no grant are still judged.
    assert by["request/vn/5"]["result"] == "pass"
    assert by["connect/refused"]["result"] == "pass"
    assert p.returncode == 2, (p.returncode, p.stderr)


def test_policy_control_same_server_without_the_rule(start_server, tmp_path):
    """The same server permitting loopback: preflight/destination passes, status 0."""
    rules = tmp_path / "rules"
    rules.write_text("permit 0.0.0.0 0.0.0.0\n")
    srv = start_server("--rules", str(rules))
    p, report = run_json(tmp_path, "--target", f"127.0.0.1:{srv.port}", "connect/granted")
    by = cases(report)
    assert by["preflight/destination"]["result"] == "pass", by["preflight/destination"]
    assert by["connect/granted"]["result"] == "pass"
    assert p.returncode == 0, p.stdout


class NoGrantTarget:
    """A SOCKS4 server whose CONNECTs to 127/8 never get an answer (a filter
    drops its SYNs there, so its connect hangs), while everything else (an
    unknown command, another destination) gets 91 at once, as any SOCKS4
    server's would. Every held connection ends when the runner closes it."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.held = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(c,), daemon=True).start()

    def _one(self, c):
        try:
            c.settimeout(30)
            buf = b""
            while len(buf) < 8 or b"\0" not in buf[8:]:
                b = c.recv(4096)
                if not b or len(buf) > 4096:
                    return
                buf += b
            if buf[0] != 4:
                return
            if buf[1] != 1 or buf[4] != 127:  # only the runner's (loopback) network drops
                c.sendall(b"\x00\x5b" + b"\0" * 6)
                return
            self.held.set()
            while c.recv(4096):  # hold until the runner lets go
                pass
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.sock.close()


def test_grant_that_never_comes(tmp_path):
    t = NoGrantTarget()
    try:
        p, report = run_json(tmp_path, "--target", f"127.0.0.1:{t.port}", "--timeout", "2",
                             "connect", "relay/both-ways", "request/vn/5", "request/cd")
    finally:
        t.close()
    assert report is not None, p.stderr
    by = cases(report)
    assert t.held.is_set()
    assert by["preflight/socks4-server"]["result"] == "pass", by["preflight/socks4-server"]
    assert "unknown command" in by["preflight/socks4-server"]["actual"]
    failed = {i for i, c in by.items() if c["result"] == "fail"}
    assert failed == {"preflight/destination"}, {i: by[i]["actual"] for i in failed}
    actual = by["preflight/destination"]["actual"]
    assert "did not answer a CONNECT to 127.0.0.1:" in actual, actual
    for i in ("connect/granted", "connect/one-reply", "relay/both-ways", "connect/refused"):
        assert by[i]["result"] == "skip" and "did not answer a CONNECT" in by[i]["actual"], by[i]
    assert by["request/cd/3"]["result"] == "pass", by["request/cd/3"]
    assert by["connect/dstip/broadcast"]["result"] == "pass", by["connect/dstip/broadcast"]
    assert p.returncode == 2, (p.returncode, p.stderr)
