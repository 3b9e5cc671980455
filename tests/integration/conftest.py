# SPDX-License-Identifier: MIT
"""Shared fixtures for the integration tests (run with /usr/bin/python3 -m pytest).

The binaries under test come from $S4KIT_BIN (`make integration` points it at the
ASan/UBSan builds), else from build/. Programs announce their port on stderr
("listening on ADDR:PORT") and the tests read it with a deadline: no fixed ports,
no sleeps.
"""
import os
import pathlib
import re
import select
import signal
import socket
import subprocess
import threading
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("S4KIT_BIN") or ROOT / "build")

# how long a program may take to start listening (a loaded machine: seconds)
START_TIMEOUT = 60.0

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "WARNING: ThreadSanitizer")


def binary(name):
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is not built (run make)")
    return str(path)


class Proc:
    """A program under test whose stderr is collected line by line."""

    def __init__(self, argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=None,
                 **kw):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                                  env=env, **kw)
        self.lines = []
        self._cv = threading.Condition()
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self):
        for raw in self.p.stderr:
            with self._cv:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._cv.notify_all()
        with self._cv:
            self._eof = True
            self._cv.notify_all()

    @property
    def stderr(self):
        with self._cv:
            return "\n".join(self.lines)

    def wait_line(self, pattern, timeout=10.0, start=0):
        """Waits for a stderr line matching pattern; returns the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cv:
            i = start
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or getattr(self, "_eof", False):
                    raise AssertionError(
                        f"no stderr line matching {pattern!r} within {timeout}s from "
                        f"{self.argv[0]}; stderr so far:\n{chr(10).join(self.lines)}")
                self._cv.wait(left)

    def stop(self, sig=signal.SIGTERM, timeout=15.0, expect_rc=0):
        """Signals the process, waits for it, checks its exit status and that no
        sanitizer complained. Returns the exit status."""
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError(f"{self.argv[0]} did not exit within {timeout}s of {sig!r}")
        self._reader.join(5)
        self.check_sanitizers()
        if expect_rc is not None:
            assert rc == expect_rc, f"exit status {rc}, stderr:\n{self.stderr}"
        return rc

    def check_sanitizers(self):
        text = self.stderr
        for mark in SANITIZER_MARKS:
            assert mark not in text, f"sanitizer report from {self.argv[0]}:\n{text}"

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


class Server(Proc):
    """socks4-server started with the given flags on a free loopback port."""

    def __init__(self, *args, listen="127.0.0.1:0", env=None):
        argv = [binary("socks4-server")]
        if listen is not None:
            argv += ["--listen", listen]
        argv += list(args)
        super().__init__(argv, env=env)
        m = self.wait_line(r"listening on (\S+):(\d+)$", START_TIMEOUT)
        self.host = m.group(1).strip("[]")
        self.port = int(m.group(2))
        self.addr = (self.host, self.port)


@pytest.fixture
def start_server():
    """start_server(*flags) -> Server; every server is stopped (SIGTERM, exit 0,
    no sanitizer report) at the end of the test."""
    started = []

    def start(*args, **kw):
        s = Server(*args, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        if s.p.poll() is None:
            s.stop()
        else:
            s.check_sanitizers()


@pytest.fixture
def server(start_server):
    """A default socks4-server on 127.0.0.1 (loopback clients permitted)."""
    return start_server()


class EchoServer:
    """Echoes every connection; on end of file from the peer it shuts its own
    write side after echoing everything (half-close aware)."""

    def __init__(self, host="127.0.0.1"):
        self.sock = socket.create_server((host, 0))
        self.port = self.sock.getsockname()[1]
        self.addr = (host, self.port)
        self.peers = []
        self._stop = False
        self._t = threading.Thread(target=self._serve, daemon=True)
        self._t.start()

    def _serve(self):
        while not self._stop:
            try:
                r, _, _ = select.select([self.sock], [], [], 0.2)
                if not r:
                    continue
                c, peer = self.sock.accept()
            except (OSError, ValueError):  # closed under us by close()
                return
            self.peers.append(peer)
            threading.Thread(target=self._echo, args=(c,), daemon=True).start()

    @staticmethod
    def _echo(c):
        c.settimeout(30)
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    c.shutdown(socket.SHUT_WR)
                    break
                c.sendall(data)
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self._stop = True
        self.sock.close()
        self._t.join(2)


@pytest.fixture
def echo():
    e = EchoServer()
    yield e
    e.close()


def free_port(host="127.0.0.1"):
    """A port nothing listens on, for refused connects or for a program to listen on.

    Chosen by the kernel and left in TIME_WAIT (a connection to itself, closed by the
    accepting side first): for about a minute the kernel hands that port to no other
    bind(port 0), in this process or any other (tests run side by side), while a
    program that sets SO_REUSEADDR (all of ours do) can still listen on it, and a
    connect to it is refused."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as lst:
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind((host, 0))
        lst.listen(1)
        addr = lst.getsockname()
        with socket.socket(family) as cli:
            cli.connect(addr)
            acc, _ = lst.accept()
            acc.close()
        return addr[1]


def recv_exact(sock, n, timeout=10.0):
    """Reads exactly n bytes or returns what arrived before EOF or the deadline."""
    sock.settimeout(timeout)
    buf = b""
    deadline = time.monotonic() + timeout
    while len(buf) < n and time.monotonic() < deadline:
        try:
            chunk = sock.recv(n - len(buf))
        except socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
    return buf


def recv_until_eof(sock, timeout=10.0, limit=1 << 26):
    """Reads until EOF (or the deadline / limit); returns (data, saw_eof)."""
    sock.settimeout(timeout)
    buf = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(buf) < limit:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return bytes(buf), False
        except ConnectionResetError:
            return bytes(buf), True
        if not chunk:
            return bytes(buf), True
        buf += chunk
    return bytes(buf), False


# --- Dante (appended with socks4-client, issue 4) ---------------------------
# Shared by the client tests, the conformance runner's interop checks and the
# benchmarks; the helper itself is tests/integration/dante.py.

@pytest.fixture
def start_dante():
    """start_dante(port=0, extra_config="", rules=None) -> dante.Dante, Dante's
    danted on loopback (see dante.py); every one is stopped at the end of the
    test. danted comes from ci/deps.sh: a missing one fails, it never skips."""
    import dante

    started = []

    def start(*args, **kw):
        try:
            d = dante.start_dante(*args, **kw)
        except dante.DanteError as e:
            pytest.fail(str(e))
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()


# --- reliability tests and valgrind (appended with issue 7) --------------------
# S4KIT_SERVER_WRAPPER runs every socks4-server a test starts under a wrapper
# command, e.g. "valgrind --error-exitcode=99 --leak-check=full --log-file=DIR/vg.%p"
# (tests/integration/test_reliability.py runs a subset of test_server.py that way).
# Unset, nothing changes. RELEASE_BIN is where the release build and bench/loadgen
# are (make integration builds them; S4KIT_RELEASE_BIN, else build/).
import shlex

RELEASE_BIN = pathlib.Path(os.environ.get("S4KIT_RELEASE_BIN") or ROOT / "build")
SERVER_WRAPPER = shlex.split(os.environ.get("S4KIT_SERVER_WRAPPER", ""))

if SERVER_WRAPPER:
    _proc_init = Proc.__init__

    def _wrapped_proc_init(self, argv, *args, **kw):
        if os.path.basename(argv[0]) == "socks4-server":
            argv = SERVER_WRAPPER + list(argv)
        _proc_init(self, argv, *args, **kw)

    Proc.__init__ = _wrapped_proc_init


# --- one runner for socks4-test, ports that cannot collide, longest first (issue 18) ---
# Tests may run side by side (make integration runs pytest-xdist workers), so nothing
# a test uses may be shared: every socks4-test run gets a --crash-dir of its own under
# the test's tmp_path, and free_port() hands out ports the kernel will not give anyone
# else for a minute.
import itertools
import tempfile

_crash_base = {"dir": None, "count": itertools.count(1)}


@pytest.fixture(autouse=True)
def _own_crash_dir(tmp_path):
    """The directory under which this test's socks4-test runs keep their crashes."""
    _crash_base["dir"] = tmp_path
    yield
    _crash_base["dir"] = None


def crash_dir():
    """A fresh, not yet existing --crash-dir under the current test's tmp_path (or
    under a private temporary directory outside a test, e.g. a module fixture)."""
    base = _crash_base["dir"]
    if base is None:
        base = pathlib.Path(tempfile.mkdtemp(prefix="s4kit-crashes-"))
    return base / f"crashes-{next(_crash_base['count'])}"


def scan_sanitizers(text, what):
    """Fails when text (a program's stderr) holds an ASan/UBSan/LSan report."""
    for mark in SANITIZER_MARKS + ("LeakSanitizer",):
        assert mark not in text, f"sanitizer report from {what}:\n{text}"


def run_socks4_test(*args, expect_rc=None, timeout=180, scan=True, **kw):
    """Runs socks4-test with args (a --crash-dir of its own unless args has one):
    checks that no sanitizer complained and, when expect_rc is given (an int or a
    collection of ints), its exit status. scan=False where a target's sanitizer report,
    passed on by socks4-test, is the finding. Returns the CompletedProcess (text)."""
    args = [str(a) for a in args]
    argv = [binary("socks4-test"), *args]
    if "--crash-dir" not in args:
        argv += ["--crash-dir", str(crash_dir())]
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("errors", "replace")
    p = subprocess.run(argv, timeout=timeout, **kw)
    if scan and kw["capture_output"] and p.stderr is not None:
        err = p.stderr if isinstance(p.stderr, str) else p.stderr.decode(errors="replace")
        scan_sanitizers(err, " ".join(argv))
    if expect_rc is not None:
        want = {expect_rc} if isinstance(expect_rc, int) else set(expect_rc)
        assert p.returncode in want, (f"socks4-test exit status {p.returncode}, want "
                                      f"{sorted(want)}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


@pytest.fixture
def socks4_test():
    """socks4_test(*args, expect_rc=None, timeout=180, **subprocess_kw): run_socks4_test
    as a fixture, for tests that prefer one."""
    return run_socks4_test


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "long(seconds): a test that takes about that long alone; make integration "
        "starts the longest first so that side by side runs end together")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(session, config, items):
    """Longest first (@pytest.mark.long(seconds)), the rest in their usual order: with
    --dist loadgroup each worker takes the next test when it is free, so the long ones
    overlap each other and the short ones fill the gaps.

    The tests of a module with a module-scoped fixture (a pool of runs started once,
    a server built once) stay on one worker (xdist_group named after the module):
    spread over workers, each would do that work again."""
    for item in items:
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        if (item.get_closest_marker("xdist_group") is None and
                any(d.scope in ("module", "class", "package")
                    for ds in defs.values() for d in ds)):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))

    def weight(item):
        m = item.get_closest_marker("long")
        return -(m.args[0] if m and m.args else 0)
    items.sort(key=weight)


def run_group(argv, timeout, **kw):
    """subprocess.run(argv, capture_output=True, text=True) in a process group of its
    own, which is killed whole when the run ends or is interrupted (a pytest-timeout,
    say): a pytest run inside a test leaves no servers behind when it is cut short."""
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace", start_new_session=True, **kw) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return subprocess.CompletedProcess(argv, proc.returncode, out, err)


# --- a network namespace of its own, for tests that need a fixed port ------------------
# Port 113 (identd) may be held on the host (an oidentd that a Debian host starts, say).
# A test that needs it runs again, alone, in a new network namespace with only lo up
# (unshare -n; CI runs as root), where no one else can hold it:
#
#     def test_x(...):
#         if run_in_own_netns(request):
#             return              # the run inside the namespace passed
#         ...                     # the test proper, inside it
NETNS_ENV = "S4KIT_IN_NETNS"


def run_in_own_netns(request, timeout=280):
    """Outside a namespace: runs this one test with pytest in a new network namespace,
    fails with its output if it fails there, returns True. Inside: returns False."""
    if os.environ.get(NETNS_ENV) == "1":
        return False
    if os.geteuid() != 0:
        pytest.fail(f"{request.node.nodeid} needs a network namespace of its own (a fixed "
                    "port such as identd's 113 may be held on the host): run as root (CI does)")
    env = dict(os.environ, **{NETNS_ENV: "1"})
    argv = ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
            "/usr/bin/python3", "-m", "pytest", "-q", "-p", "no:cacheprovider",
            f"--timeout={timeout}", f"{request.node.path}::{request.node.name}"]
    try:
        p = run_group(argv, timeout + 20, cwd=ROOT, env=env)
    except FileNotFoundError as e:
        pytest.fail(f"cannot make a network namespace for {request.node.nodeid}: {e}")
    assert p.returncode == 0, (f"{request.node.nodeid} in a network namespace of its own "
                               f"(exit {p.returncode}):\n{p.stdout[-6000:]}{p.stderr[-2000:]}")
    return True


def hold_free(port, host="127.0.0.1"):
    """Fails, naming the cause, when another program holds host:port."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, port))
    except OSError as e:
        pytest.fail(f"{host}:{port} is held by another program ({e}); this test needs it")
    finally:
        s.close()


# --- a target with known failures (reports, baselines, the GitHub Action) --------------
# broken_server.py answering every failed CONNECT with VN=4 (--misbehave vn4-rejected):
# with the cases connect/ and reply/ it fails exactly VN4_REJECTED_FAILS.
import contextlib

VN4_REJECTED_FAILS = frozenset({"connect/refused", "connect/refused/close", "connect/dstport/0",
                                "connect/dstip/broadcast", "reply/vn/rejected"})


@contextlib.contextmanager
def vn4_rejected_server():
    """A started broken_server.BrokenServer(misbehave=["vn4-rejected"]), stopped after."""
    import broken_server
    srv = broken_server.BrokenServer(misbehave=["vn4-rejected"], handshake_timeout=1.5)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


# --- a scripted identd (RFC 1413) ------------------------------------------------------

class FakeIdentd:
    """A scripted identd: answers every query with `answer` (a format with the
    query's two ports), or closes, or hangs; records the queries."""

    @classmethod
    def naming(cls, user):
        """One that names `user` for every query."""
        return cls("{} , {} : USERID : UNIX : " + user + "\r\n")

    def __init__(self, answer):
        self.answer = answer
        self.queries = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.settimeout(5)
            line = b""
            try:
                while not line.endswith(b"\n"):
                    chunk = c.recv(100)
                    if not chunk:
                        break
                    line += chunk
            except OSError:
                pass  # a timeout or a reset: what came is the query
            self.queries.append(line)
            try:
                ports = [int(x) for x in line.decode(errors="replace").strip().split(",")]
            except ValueError:
                ports = []
            if len(ports) != 2:  # no query (closed at once, or not RFC 1413): recorded only
                c.close()
                continue
            if self.answer == "hang":
                time.sleep(3)
            elif self.answer is not None:
                try:
                    c.sendall(self.answer.format(*ports).encode())
                except OSError:
                    pass  # the server gave up on it first
            c.close()

    def close(self):
        self.sock.close()
