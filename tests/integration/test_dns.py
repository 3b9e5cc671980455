# SPDX-License-Identifier: MIT
"""The runner's name service (conformance/services/dnsd.c, lib/dns.c): the built-in
server and an --exec target resolve SOCKS4a names through it, so their
verdicts do not depend on the machine's resolver; socks4-server --resolver
asks a given DNS server (UDP, then TCP when truncated)."""
import json
import os
import shutil
import socket
import struct
import subprocess
import threading

import pytest

from conftest import binary, free_port, recv_exact


class StubDNS:
    """A DNS server on UDP and TCP (one port): A records from `names`,
    NXDOMAIN for the rest; names in `truncate` get TC over UDP and the
    answer over TCP; `silent` answers nothing. Every query is recorded as
    (proto, name)."""

    def __init__(self, names=None, truncate=(), silent=False, host="127.0.0.1", port=0):
        self.names = {k.lower(): v for k, v in (names or {}).items()}
        self.truncate = {t.lower() for t in truncate}
        self.silent = silent
        self.queries = []
        self.lock = threading.Lock()
        for attempt in range(20):  # port 0: the TCP port must be the UDP one's
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind((host, port))
            self.host, self.port = self.udp.getsockname()
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind((host, self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
                if port != 0 or attempt == 19:
                    raise
        self.tcp.listen(8)
        threading.Thread(target=self._udp, daemon=True).start()
        threading.Thread(target=self._tcp, daemon=True).start()

    @staticmethod
    def _question(msg):
        labels, off = [], 12
        while msg[off]:
            n = msg[off]
            labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
            off += 1 + n
        qtype, _ = struct.unpack(">HH", msg[off + 1:off + 5])
        return ".".join(labels), qtype, msg[12:off + 5]

    def _answer(self, msg, proto):
        qid, flags = struct.unpack(">HH", msg[:4])
        name, qtype, question = self._question(msg)
        with self.lock:
            self.queries.append((proto, name))
        if self.silent:
            return None
        ip = self.names.get(name.lower())
        if proto == "udp" and name.lower() in self.truncate:
            return struct.pack(">HHHHHH", qid, 0x8380 | (flags & 0x100), 1, 0, 0, 0) + question
        rcode = 0 if ip is not None else 3
        rr = b""
        if ip is not None and qtype == 1:
            rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 0, 4) + socket.inet_aton(ip)
        return struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x100) | rcode, 1,
                           1 if rr else 0, 0, 0) + question + rr

    def _udp(self):
        while True:
            try:
                msg, peer = self.udp.recvfrom(512)
            except OSError:
                return
            a = self._answer(msg, "udp")
            if a is not None:
                self.udp.sendto(a, peer)

    def _tcp(self):
        while True:
            try:
                c, _ = self.tcp.accept()
            except OSError:
                return
            try:
                c.settimeout(5)
                n = struct.unpack(">H", recv_exact(c, 2))[0]
                a = self._answer(recv_exact(c, n), "tcp")
                if a is not None:
                    c.sendall(struct.pack(">H", len(a)) + a)
            except (OSError, AssertionError):
                pass
            finally:
                c.close()

    def asked(self, name=None):
        with self.lock:
            return [q for q in self.queries if name is None or q[1].lower() == name.lower()]

    def close(self):
        self.udp.close()
        self.tcp.close()


def socks4a_connect(port, name, dport):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(struct.pack(">BBH", 4, 1, dport) + bytes([0, 0, 0, 1]) + b"u\0" +
              name.encode() + b"\0")
    return s, recv_exact(s, 8)


def test_socks4_server_resolver_option(start_server, echo):
    dns = StubDNS(names={"dest.socks4kit.test": "127.0.0.1"}, truncate={"big.socks4kit.test"})
    dns.names["big.socks4kit.test"] = "127.0.0.1"
    try:
        srv = start_server("--resolver", f"127.0.0.1:{dns.port}")
        s, rep = socks4a_connect(srv.port, "dest.socks4kit.test", echo.port)
        assert rep[:2] == b"\x00\x5a", rep
        s.sendall(b"ping")
        assert recv_exact(s, 4) == b"ping"
        s.close()
        assert dns.asked("dest.socks4kit.test")[0][0] == "udp"
        # NXDOMAIN from the given server: 91
        s, rep = socks4a_connect(srv.port, "nowhere.socks4kit.test", echo.port)
        assert rep[:2] == b"\x00\x5b", rep
        s.close()
        assert dns.asked("nowhere.socks4kit.test")
        # a truncated UDP answer: asked again over TCP
        s, rep = socks4a_connect(srv.port, "big.socks4kit.test", echo.port)
        assert rep[:2] == b"\x00\x5a", rep
        s.close()
        assert [p for p, _ in dns.asked("big.socks4kit.test")] == ["udp", "tcp"]
    finally:
        dns.close()


def test_socks4_server_resolver_silent(start_server, echo):
    dns = StubDNS(silent=True)
    try:
        srv = start_server("--resolver", f"127.0.0.1:{dns.port}", "--resolve-timeout", "1")
        s, rep = socks4a_connect(srv.port, "dest.socks4kit.test", echo.port)
        assert rep[:2] == b"\x00\x5b", rep
        s.close()
        assert dns.asked("dest.socks4kit.test")
    finally:
        dns.close()


def test_socks4_server_resolver_usage():
    for bad in ("nohost", "example.com:53", "127.0.0.1:0"):
        p = subprocess.run([binary("socks4-server"), "--resolver", bad], capture_output=True,
                           text=True, timeout=20)
        assert p.returncode == 2 and "--resolver" in p.stderr, (bad, p.stderr)


def run_report(tmp_path, *args, prefix=(), tag="r"):
    out = tmp_path / f"{tag}.json"
    p = subprocess.run([*prefix, binary("socks4-test"), "-v", "--format", "json", "--output",
                        str(out), "--crash-dir", str(tmp_path / f"crashes-{tag}"), *args],
                       capture_output=True, text=True, timeout=300)
    assert out.exists(), p.stderr
    return p, json.loads(out.read_text())


def verdicts(report):
    return {c["id"]: c["result"] for c in report["cases"]}


def traces(report, case):
    c = next(c for c in report["cases"] if c["id"] == case)
    return " ".join(c.get("trace", []))


def test_builtin_server_asks_the_runner(tmp_path):
    p, report = run_report(tmp_path, "4a")
    v = verdicts(report)
    assert v["4a/unresolvable"] == "pass" and v["4a/connect/name"] == "pass", v
    assert "name service: A? socks4-test.invalid" in traces(report, "4a/unresolvable")
    assert "name service: A? localhost" in traces(report, "4a/connect/name")


def can_private_namespace():
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


def need_private_namespace():
    """A local run without root or unshare -m skips; CI (CI=true, as root) must not."""
    if can_private_namespace():
        return
    why = "needs root and unshare -m (CI runs as root with SYS_ADMIN)"
    if os.environ.get("CI"):
        pytest.fail(f"{why}: not available here")
    pytest.skip(why)


SERVER = binary("socks4-server")


def test_same_verdicts_with_a_silent_machine_resolver(tmp_path):
    """The machine's resolver is a stub that never answers (its
    /etc/resolv.conf, in a mount namespace of the test's own): the built-in
    server and an --exec target give the verdicts they give normally, and
    ask the runner, not the machine. A standalone socks4-server in the same
    place does ask the silent resolver (the control)."""
    need_private_namespace()
    silent = None
    for last in range(2, 250):
        try:
            silent = StubDNS(silent=True, host=f"127.54.{os.getpid() % 250 + 1}.{last}", port=53)
            break
        except OSError:
            continue
    assert silent is not None
    try:
        conf = tmp_path / "resolv.conf"
        conf.write_text(f"nameserver {silent.host}\noptions timeout:1 attempts:1\n")
        wrap = ["unshare", "-m", "sh", "-c",
                f'mount --bind "{conf}" /etc/resolv.conf && exec "$@"', "sh"]
        sel = ["4a", "connect/granted", "delivery/payload/connect-4a"]
        exec_cmd = f"{SERVER} --listen {{addr}}"
        for tag, args in (("builtin", []), ("exec", ["--exec", exec_cmd])):
            _, normal = run_report(tmp_path, *args, *sel, tag=tag + "-normal")
            p, quiet = run_report(tmp_path, *args, *sel, prefix=wrap, tag=tag + "-silent")
            assert verdicts(quiet) == verdicts(normal), (tag, p.stdout[-3000:])
            assert verdicts(quiet)["4a/unresolvable"] == "pass"
            assert "name service: A? socks4-test.invalid" in traces(quiet, "4a/unresolvable"), tag
        assert not silent.asked("socks4-test.invalid"), silent.asked()

        # The control: socks4-server on its own asks the machine's (silent) resolver.
        ctl = subprocess.run(
            [*wrap, "sh", "-c",
             f'{SERVER} --listen 127.0.0.1:0 --resolve-timeout 2 2>"{tmp_path}/ctl.log" & '
             f'pid=$!; sleep 0.5; port=$(sed -n "s/.*listening on 127.0.0.1://p" '
             f'"{tmp_path}/ctl.log"); '
             f'{binary("socks4-client")} --proxy 127.0.0.1:$port --4a '
             f'control.invalid 80 </dev/null; kill $pid'],
            capture_output=True, text=True, timeout=60)
        assert silent.asked("control.invalid"), (ctl.stdout, ctl.stderr)
    finally:
        silent.close()


def test_live_fuzz_with_a_silent_resolver(tmp_path):
    """Issue 21's run, smaller: socks4-server on its own (the system's resolver),
    the machine's resolver silent. No failure; the runner saw the resolver is
    slow, and after its probe no request of the run sent a name to it (so the
    rate does not depend on it)."""
    need_private_namespace()
    silent = None
    for last in range(2, 250):
        try:
            silent = StubDNS(silent=True, host=f"127.55.{os.getpid() % 250 + 1}.{last}", port=53)
            break
        except OSError:
            continue
    assert silent is not None
    try:
        conf = tmp_path / "resolv.conf"
        conf.write_text(f"nameserver {silent.host}\n")
        log = tmp_path / "srv.log"
        script = (f'mount --bind "{conf}" /etc/resolv.conf || exit 97\n'
                  f'"{SERVER}" --listen 127.0.0.1:0 -q 2>"{log}" & pid=$!\n'
                  f'for i in $(seq 200); do port=$(sed -n "s/.*listening on 127.0.0.1://p" '
                  f'"{log}"); [ -n "$port" ] && break; sleep 0.05; done\n'
                  f'"{binary("socks4-test")}" --target 127.0.0.1:$port --fuzz 3000 --seed 9 '
                  f'-j 4 --crash-dir "{tmp_path}/crashes"; rc=$?\n'
                  'kill $pid; wait $pid; exit $rc\n')
        p = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                           text=True, timeout=600)
        assert "this host's resolver is slow" in p.stdout, p.stdout + p.stderr
        assert ", 0 failures" in p.stdout and p.returncode == 0, p.stdout[-3000:]
        others = [q for q in silent.asked() if not q[1].startswith("socks4-test-probe-")]
        assert silent.asked() and not others, others[:5]
    finally:
        silent.close()


def stub_on_53(net, **kw):
    for last in range(2, 250):
        try:
            return StubDNS(host=f"127.{net}.{os.getpid() % 250 + 1}.{last}", port=53, **kw)
        except OSError:
            continue
    raise AssertionError("no free 127.x address for port 53")


@pytest.mark.parametrize("runner_resolver,want", [("silent", "skip"), ("fast", "fail")])
def test_4a_without_an_answer_is_judged_fairly(start_server, tmp_path, runner_resolver, want):
    """A --target whose resolver never answers (socks4-server --resolver to a
    silent stub, an 8 s --resolve-timeout, beyond --timeout 2) leaves 4a/unresolvable unanswered.
    When this host cannot look the name up in time either, the case is an
    inconclusive SKIP; when this host's resolver answers at once, the target's
    silence is its own: FAIL."""
    need_private_namespace()
    target_dns = StubDNS(silent=True)
    mine = stub_on_53(56, silent=runner_resolver == "silent")
    try:
        srv = start_server("--resolver", f"127.0.0.1:{target_dns.port}", "--resolve-timeout",
                           "8")
        conf = tmp_path / "resolv.conf"
        conf.write_text(f"nameserver {mine.host}\n")
        wrap = ["unshare", "-m", "sh", "-c",
                f'mount --bind "{conf}" /etc/resolv.conf && exec "$@"', "sh"]
        p, report = run_report(tmp_path, "--target", f"127.0.0.1:{srv.port}", "--timeout", "2",
                               "--identd-port", str(free_port()), "4a/unresolvable",
                               prefix=wrap)
        case = next(c for c in report["cases"] if c["id"] == "4a/unresolvable")
        assert case["result"] == want, case
        assert mine.asked("socks4-test.invalid"), mine.asked()
        if want == "skip":
            assert case["actual"].startswith("inconclusive: this host's own lookup of "
                                             "socks4-test.invalid got no answer"), case
        else:
            assert case["actual"] == "no reply", case
            assert "this host's own lookup of socks4-test.invalid answered in" in \
                " ".join(case["trace"]), case["trace"]
    finally:
        target_dns.close()
        mine.close()
