# SPDX-License-Identifier: MIT
"""A target that dies (issue 17): a culprit is CONFIRMED only when the target,
brought back, dies again on that case's input alone. A death nobody is confirmed
for is the run's finding (target_died, exit 1, every format), naming the case(s)
in flight as suspects, with no FAIL for them.

(a) a server that exits on a timer of its own (no input causes it) under
    --target: target_died and no FAIL, at -j 1 and at the default -j, several runs;
(b) a server that dies on one input and is brought back (--exec; and a --target
    that a supervisor thread here restarts on the same port): that one case FAILs,
    confirmed;
(c) the run of (a) in every format: the exit status and every report say the run
    fails and show the death (one run_failed).
"""
import concurrent.futures
import json
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import Proc, binary, free_port
from supervise import Restarter

HERE = pathlib.Path(__file__).parent
SERVER = HERE / "broken_server.py"
CRASH_PREFIX = "Mozilla"  # only request/userid/printable sends a USERID starting so
CULPRIT = "request/userid/printable"

# A correct SOCKS4 server (broken_server.py with no misbehaviour) that exits on
# its own 1.5 s after it starts listening: no request causes it.
TIMER_SERVER = """
import os, sys, time
sys.path.insert(0, {here!r})
from broken_server import BrokenServer
srv = BrokenServer(port=0, handshake_timeout=1.0, bind_timeout=1.0).start()
print(f"timer-server: listening on 127.0.0.1:{{srv.port}}", file=sys.stderr, flush=True)
time.sleep(1.5)
print("timer-server: my time is up", file=sys.stderr, flush=True)
os._exit(0)
"""


def socks4_test(tmp_path, *args, timeout=180):
    out = tmp_path / "r.json"
    p = subprocess.run([binary("socks4-test"), "--crash-dir", str(tmp_path / "crashes"),
                        "--identd-port", str(free_port()), "--format", "json",
                        "--output", str(out), *args],
                       capture_output=True, text=True, errors="replace", timeout=timeout,
                       cwd=tmp_path)
    assert out.exists(), p.stdout + p.stderr
    assert "Sanitizer" not in p.stderr, p.stderr
    return p, json.loads(out.read_text())


def failed(report):
    return {c["id"] for c in report["cases"] if c["result"] == "fail"}


def timer_run(tmp_path, *args):
    script = tmp_path / "timer_server.py"
    script.write_text(TIMER_SERVER.format(here=str(HERE)))
    srv = Proc([sys.executable, str(script)])
    try:
        port = srv.wait_line(r"listening on 127\.0\.0\.1:(\d+)").group(1)
        p, report = socks4_test(tmp_path, "--target", f"127.0.0.1:{port}", "--timeout", "2",
                                "--stall-wait", "3", *args)
        srv.p.wait(30)
    finally:
        srv.kill()
    assert "my time is up" in srv.stderr, "the server did not die on its timer"
    return p, report


# --- (a) a death on a timer of its own ---------------------------------------------

@pytest.mark.parametrize("jobs", ["1", None], ids=["j1", "default-j"])
def test_timer_death_blames_no_case(tmp_path, jobs):
    extra = ("-j", jobs) if jobs else ()
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        runs = []
        for k in range(3):
            d = tmp_path / f"run{k}"
            d.mkdir()
            runs.append(pool.submit(timer_run, d, *extra))
        for fut in runs:
            p, report = fut.result()
            assert failed(report) == set(), p.stdout[-4000:]
            died = report["target_died"]
            assert died is not None, p.stdout[-4000:]
            assert "not confirmed: the target did not come back" in died, died
            assert "suspect" in died and "reproducer" in died, died
            assert p.returncode == 1
            assert "TARGET DIED" in p.stdout
            # the suspects are not judged (nothing else is blamed either)
            for c in report["cases"]:
                if c["result"] == "skip" and "a suspect" in c["actual"]:
                    assert c["id"] in died, (c["id"], died)


# A server that exits when the first request comes (connections without a byte, the
# runner's reachability probe, are closed): the preflight's CONNECT gets a close
# without a reply, and then the port takes no connection at all. (What a timer server
# does when its time runs out during the preflight on a loaded machine.) The target
# went away: a death, not "not a SOCKS4 server".
GONE_AFTER_ONE = """
import socket, sys
s = socket.create_server(("127.0.0.1", 0))
print(f"listening on 127.0.0.1:{s.getsockname()[1]}", file=sys.stderr, flush=True)
while True:
    c, _ = s.accept()
    if c.recv(64):
        print("gone: a request came", file=sys.stderr, flush=True)
        sys.exit(0)
    c.close()
"""


def test_target_gone_during_the_preflight_is_no_verdict(tmp_path):
    script = tmp_path / "gone.py"
    script.write_text(GONE_AFTER_ONE)
    srv = Proc([sys.executable, str(script)])
    try:
        port = srv.wait_line(r"listening on 127\.0\.0\.1:(\d+)").group(1)
        p, report = socks4_test(tmp_path, "--target", f"127.0.0.1:{port}", "--timeout", "1")
    finally:
        srv.kill()
    assert failed(report) == set(), p.stdout[-4000:]
    pre = next(c for c in report["cases"] if c["id"] == "preflight/socks4-server")
    assert pre["result"] == "skip" and "a suspect" in pre["actual"], pre
    assert "not a SOCKS4 server" not in p.stdout, p.stdout[-4000:]
    died = report["target_died"]
    assert died and "preflight/socks4-server" in died, died
    assert "not confirmed: the target did not come back" in died, died
    assert p.returncode == 1
    assert "gone: a request came" in srv.stderr


# --- (b) a death on one input, the target brought back: confirmed -------------------

def assert_confirmed(p, report):
    assert failed(report) == {CULPRIT}, p.stdout[-4000:]
    c = next(c for c in report["cases"] if c["id"] == CULPRIT)
    assert "the target died during this case" in c["actual"], c["actual"]
    assert "confirmed: it died again when this case ran again alone" in c["actual"]
    assert c["reproducer"]
    assert report["target_died"] is None, report["target_died"]
    assert p.returncode == 1


def test_input_death_under_exec_is_confirmed(tmp_path):
    cmd = (f"{sys.executable} {SERVER} --listen {{addr}} --handshake-timeout 1.5 "
           f"--bind-timeout 1.5 --die-on-userid {CRASH_PREFIX} --die-how exit")
    p, report = socks4_test(tmp_path, "--exec", cmd, "--timeout", "3", "--stall-wait", "3",
                            "request/", "connect/")
    assert_confirmed(p, report)
    c = next(c for c in report["cases"] if c["id"] == CULPRIT)
    assert c["target_exit"]["status"] == 3, c["target_exit"]


def test_input_death_under_supervised_target_is_confirmed(tmp_path):
    port = free_port()
    argv = [sys.executable, str(SERVER), "--listen", f"127.0.0.1:{port}",
            "--handshake-timeout", "1.5", "--bind-timeout", "1.5",
            "--die-on-userid", CRASH_PREFIX, "--die-how", "exit"]
    first = Proc(argv)
    first.wait_line(r"listening on")
    sup = Restarter(argv).start(first)
    try:
        # --timeout: how long it is waited for to come back (a Python start,
        # on a loaded machine, takes seconds)
        p, report = socks4_test(tmp_path, "--target", f"127.0.0.1:{port}", "--timeout", "15",
                                "--stall-wait", "3", "request/", "connect/")
    finally:
        sup.stop()
    assert_confirmed(p, report)
    # it died on the case's input, and again when the case ran again alone
    assert sup.starts >= 3, sup.starts


# --- (c) every format and the exit status agree ---------------------------------------

def test_unattributed_death_fails_the_run_in_every_format(tmp_path):
    html, junit, tap = tmp_path / "r.html", tmp_path / "r.xml", tmp_path / "r.tap"
    p, report = timer_run(tmp_path, "--report", f"html:{html}", "--report", f"junit:{junit}",
                          "--report", f"tap:{tap}")
    assert p.returncode == 1
    assert failed(report) == set()
    died = report["target_died"]
    assert died
    page = html.read_text()
    assert "Fails the run" in page and "Passes" not in page
    assert "The target died" in page
    assert "not confirmed: the target did not come back" in page
    suite = ET.parse(junit).getroot()
    assert "not confirmed: the target did not come back" in ET.tostring(suite, "unicode")
    text = tap.read_text()
    assert "not ok" in text and "not confirmed: the target did not come back" in text
