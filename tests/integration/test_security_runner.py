# SPDX-License-Identifier: MIT
"""socks4-test against hostile targets and clients (issue 19): what they send stays
data in every output; crash files never go through a symlink, over an earlier run's
files, or into the current directory; an --exec target dies with the runner however
the runner ends; a report that cannot be written is an error."""
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time
import xml.dom.minidom

import pytest

from conftest import SANITIZER_MARKS, binary, free_port

ESCAPES = "\x1b]0;title\x07\x1b[2J"
CRASH_ENV = {"SOCKS4KIT_TEST_CRASH_USERID": "Mozilla"}  # the sanitizer build's crash hook
CULPRIT = "request/userid/printable"  # the one case whose USERID starts with that


def socks4_test(*args, env=None, cwd=None, timeout=240):
    p = subprocess.run([binary("socks4-test"), *args], capture_output=True, text=True,
                       errors="replace", timeout=timeout, env=env, cwd=cwd)
    for mark in SANITIZER_MARKS:
        assert mark not in p.stderr, p.stderr
    return p


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purpose
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pids, limit=60.0):
    """Waits (generously: an event, not a timing) until none of pids runs."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if not any(pid_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def no_control_bytes(text):
    bad = [ch for ch in text if (ord(ch) < 0x20 and ch not in "\n\t") or ord(ch) == 0x7f]
    return bad == []


# --- 3. terminal text: target output, client bytes, client stderr --------------------

def crashing_exec(tmp_path):
    """The ASan reference server with its crash hook, behind a shell script that prints
    hostile bytes (a terminal title, a screen clear, a fake report line) once the server
    has died."""
    script = tmp_path / "hostile_target.sh"
    script.write_text(f"{binary('socks4-server')} --listen \"$1\" --handshake-timeout 2\n"
                      "printf '\\033]0;title\\007\\033[2J\\n2099-01-01 FAKE REPORT LINE\\n' >&2\n"
                      "exit 1\n")
    return f"sh {script} {{addr}}"


def test_target_output_is_escaped_on_the_terminal(tmp_path):
    env = dict(os.environ, **CRASH_ENV)
    json_out = tmp_path / "r.json"
    html_out = tmp_path / "r.html"
    junit_out = tmp_path / "r.xml"
    p = socks4_test("--exec", crashing_exec(tmp_path), "--timeout", "3", "--crash-dir",
                    str(tmp_path / "crashes"), "--identd-port", str(free_port()),
                    "--report", f"json:{json_out}", "--report", f"html:{html_out}",
                    "--report", f"junit:{junit_out}", "request/userid/", env=env)
    if "test_hook_crash" not in p.stdout:
        pytest.fail("no crash: is S4KIT_BIN the sanitizer build (make integration)?\n"
                    + p.stdout[-3000:])
    assert "\x1b" not in p.stdout and "\x07" not in p.stdout, p.stdout
    assert no_control_bytes(p.stdout)
    assert not any(ln.startswith("2099-01-01") for ln in p.stdout.splitlines())
    assert "\\x1b]0;title\\x07\\x1b[2J" in p.stdout
    # the machine reports carry it as data, and stay valid
    case = {c["id"]: c for c in json.loads(json_out.read_text())["cases"]}[CULPRIT]
    assert ESCAPES in case["target_log"]
    xml.dom.minidom.parse(str(junit_out))
    html = html_out.read_text()
    assert "\x1b" not in html
    # 8. the HTML report shows why the target died, as JSON does
    assert 'class="target-exit"' in html and 'class="reproducer"' in html
    assert 'class="target-log"' in html and "test_hook_crash" in html
    assert case["reproducer"] in html


HOSTILE_CLIENT = r'''
import socket, struct, sys
sys.stderr.write("\x1b]0;title\x07\x1b[2J\n2099-01-01 FAKE\n")
sys.stderr.flush()
host, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((host, port), timeout=5)
name = b"evil\n2099-01-01 FAKE\x1b]0;t\x07\xff\xfe.invalid"
s.sendall(struct.pack("!BBH", 4, 1, 80) + b"\0\0\0\x01" + b"u\x1b[2J\xc3\x28" + b"\0"
          + name + b"\0")
try:
    s.recv(8)
except OSError:
    pass
sys.exit(3)
'''


def test_client_bytes_and_stderr_are_escaped(tmp_path):
    script = tmp_path / "hostile_client.py"
    script.write_text(HOSTILE_CLIENT)
    json_out = tmp_path / "r.json"
    junit_out = tmp_path / "r.xml"
    html_out = tmp_path / "r.html"
    p = socks4_test("--client-cmd", f"{sys.executable} {script} {{proxy_host}} {{proxy_port}}",
                    "--client-timeout", "5", "-v", "--report", f"json:{json_out}",
                    "--report", f"junit:{junit_out}", "--report", f"html:{html_out}",
                    "preflight/", "request/")
    assert no_control_bytes(p.stdout), repr(p.stdout[-2000:])
    assert not any(ln.startswith("2099-01-01") for ln in p.stdout.splitlines()), p.stdout
    assert "\\x1b" in p.stdout
    data = json.loads(json_out.read_text())  # valid JSON whatever the bytes
    text = json.dumps(data)
    assert "evil" in text
    xml.dom.minidom.parse(str(junit_out))
    assert "\x1b" not in html_out.read_text()


# --- 7. UTF-8 in reports -------------------------------------------------------------

def test_utf8_kept_invalid_replaced_in_reports(tmp_path):
    """A client's USERID in UTF-8 comes out as itself in JSON; invalid bytes keep
    the JSON valid."""
    script = tmp_path / "utf8_client.py"
    script.write_text(r'''
import socket, struct, sys
sys.stderr.buffer.write(b"gr\xc3\xbc\xc3\x9f\xe2\x82\xac \xff\xfe\n")
sys.stderr.flush()
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(struct.pack("!BBH", 4, 1, 80) + b"\x7f\0\0\x01" + "grüß€".encode() + b"\xff\0")
try:
    s.recv(8)
except OSError:
    pass
sys.exit(3)
''')
    out = tmp_path / "r.json"
    socks4_test("--client-cmd", f"{sys.executable} {script} {{proxy_host}} {{proxy_port}}",
                "--client-timeout", "5", "--format", "json", "--output", str(out),
                "preflight/")
    raw = out.read_bytes()
    data = json.loads(raw.decode("utf-8"))  # strict: any invalid byte would raise
    text = json.dumps(data, ensure_ascii=False)
    assert "\\u00c3" not in raw.decode() and "grüß€ \ufffd\ufffd" in text, text[:3000]


# --- 4. crash files -------------------------------------------------------------------

def crash_run(tmp_path, crash_dir=None, cwd=None, env_extra=None):
    env = dict(os.environ, **CRASH_ENV, **(env_extra or {}))
    out = tmp_path / f"r{time.monotonic_ns()}.json"
    args = ["--exec", f"{binary('socks4-server')} --listen {{addr}} --handshake-timeout 2",
            "--timeout", "3", "--identd-port", str(free_port()), "--format", "json",
            "--output", str(out), CULPRIT]
    if crash_dir is not None:
        args += ["--crash-dir", str(crash_dir)]
    p = socks4_test(*args, env=env, cwd=cwd)
    case = {c["id"]: c for c in json.loads(out.read_text())["cases"]}[CULPRIT]
    if case["target_exit"] is None:
        pytest.fail("no crash: is S4KIT_BIN the sanitizer build (make integration)?\n"
                    + p.stdout + p.stderr)
    return p, case


def test_reproducer_never_follows_a_symlink_nor_overwrites(tmp_path):
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("precious")
    name = CULPRIT.replace("/", "_") + "-c1.bin"
    (crashes / name).symlink_to(victim)
    p, case = crash_run(tmp_path, crashes)
    assert victim.read_text() == "precious"
    assert (crashes / name).is_symlink()
    first = pathlib.Path(case["reproducer"])
    assert first.parent == crashes and first.name != name and first.stat().st_size > 0
    before = first.read_bytes()
    # a second run keeps the first run's file and writes its own
    p, case2 = crash_run(tmp_path, crashes)
    second = pathlib.Path(case2["reproducer"])
    assert second != first and first.read_bytes() == before


def test_crash_dir_that_is_a_symlink_is_refused(tmp_path):
    real = tmp_path / "elsewhere"
    real.mkdir()
    link = tmp_path / "crashes"
    link.symlink_to(real)
    p, case = crash_run(tmp_path, link)
    assert list(real.iterdir()) == []
    assert "not a directory" in case["reproducer"], case["reproducer"]


def test_default_crash_dir_is_not_the_current_directory(tmp_path):
    work = tmp_path / "tree"
    work.mkdir()
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    p, case = crash_run(tmp_path, None, cwd=work, env_extra={"TMPDIR": str(tmpdir)})
    assert list(work.iterdir()) == []
    made = list(tmpdir.iterdir())
    assert len(made) == 1 and made[0].name.startswith("socks4-test-")
    assert case["reproducer"].startswith(str(made[0]) + "/")
    assert f"crash files of this run go to {made[0]}" in p.stderr


# --- 5. an --exec target dies with the runner ----------------------------------------------

def start_long_run(tmp_path, out):
    """socks4-test --exec on a target that records its pids and ignores SIGTERM, with
    a case that waits a long time (a stalled client the target never drops)."""
    pids = tmp_path / "pids"
    server = binary("socks4-server")
    cmd = (f"trap '' TERM; echo $$ >> {pids}; sleep 100000 & echo $! >> {pids}; "
           f"{server} --listen {{addr}} --handshake-timeout 100000 & echo $! >> {pids}; wait")
    p = subprocess.Popen([binary("socks4-test"), "--exec", cmd, "--stall-wait", "600",
                          "--timeout", "3", "--identd-port", str(free_port()), "--crash-dir",
                          str(tmp_path / "crashes"), "--format", "json", "--output", str(out),
                          "connect/granted", "robust/stall/silent"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         errors="replace")
    # connect/granted streams first; then the stall case waits
    lines = []
    for line in p.stdout:
        lines.append(line)
        if "connect/granted" in line:
            break
    assert any("PASS" in ln for ln in lines), "".join(lines)
    # Three processes of the command, three pids each: the run's target, the one the
    # runner starts and stops at once (can the command run twice?), and the stalled
    # case's own (a hostile case runs on a process of its own). Six stay running.
    recorded, live = [], []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        recorded = [int(x) for x in pids.read_text().split()] if pids.exists() else []
        live = [x for x in recorded if pid_alive(x)]
        if len(recorded) >= 9 and len(live) >= 6:
            break
        time.sleep(0.05)
    assert len(recorded) >= 9 and len(live) >= 6, (recorded, live)
    return p, live


@pytest.fixture
def reap():
    """Pids to kill at the end, should a test fail with them still running."""
    pids = []
    yield pids
    for pid in pids:
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_stops_target_and_writes_the_report(tmp_path, sig, reap):
    out = tmp_path / "r.json"
    p, pids = start_long_run(tmp_path, out)
    reap.extend(pids)
    assert all(pid_alive(x) for x in pids)
    p.send_signal(sig)
    rest, err = p.communicate(timeout=120)
    assert p.returncode == 128 + sig, err
    assert wait_gone(pids), f"left running: {[x for x in pids if pid_alive(x)]}"
    cases = {c["id"]: c for c in json.loads(out.read_text())["cases"]}
    assert cases["connect/granted"]["result"] == "pass"
    assert cases["robust/stall/silent"]["result"] == "skip"
    assert "interrupted" in cases["robust/stall/silent"]["actual"]


def test_sigkill_of_the_runner_leaves_nothing(tmp_path, reap):
    p, pids = start_long_run(tmp_path, tmp_path / "r.json")
    reap.extend(pids)
    p.kill()
    p.communicate(timeout=60)
    assert wait_gone(pids), f"left running: {[x for x in pids if pid_alive(x)]}"


# --- 6. report writes are checked ------------------------------------------------------------

@pytest.mark.parametrize("args", [["--format", "json", "--output", "/dev/full"],
                                  ["--report", "html:/dev/full"],
                                  ["--report", "junit:/nonexistent-dir/r.xml"]])
def test_failed_report_write_exits_2(args):
    p = socks4_test(*args, "connect/granted")
    assert p.returncode == 2, p.stderr
    path = args[-1].split(":")[-1]
    assert path in p.stderr
    assert re.search(r"No space left on device|No such file or directory", p.stderr), p.stderr
