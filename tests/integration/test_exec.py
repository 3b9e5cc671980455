# SPDX-License-Identifier: MIT
"""socks4-test --exec on the case runner (issue 11): the runner runs the target,
notices when it dies, names the one case that killed it (with the target's own
report and a reproducer that replays the crash), restarts it, and every other case
keeps the verdict it has without the crash.
"""
import json
import os
import pathlib
import signal
import subprocess
import sys

import pytest

from conftest import Proc, binary, free_port, run_socks4_test, START_TIMEOUT

SERVER = pathlib.Path(__file__).with_name("broken_server.py")
# Only request/userid/printable sends a USERID starting with this.
CRASH_PREFIX = "Mozilla"
CULPRIT = "request/userid/printable"


def run(tmp_path, exec_cmd, *args, env=None):
    out = tmp_path / "r.json"
    # scan=False: a target's sanitizer report may be what a case here is about
    p = run_socks4_test("--exec", exec_cmd, "--timeout", "3",
                        "--stall-wait", "3", "--crash-dir", str(tmp_path / "crashes"),
                        "--identd-port", str(free_port()), "--format", "json", "--output", str(out),
                        *args, timeout=240, env=env, cwd=tmp_path, scan=False)
    assert out.exists(), p.stdout + p.stderr
    cases = {c["id"]: c for c in json.loads(out.read_text())["cases"]}
    return p, cases


def failed(cases):
    return {i for i, c in cases.items() if c["result"] == "fail"}


def test_reference_server_passes_under_exec(tmp_path):
    p, cases = run(tmp_path, f"{binary('socks4-server')} --listen {{addr}} "
                             "--handshake-timeout 2 --bind-timeout 2")
    assert failed(cases) == set(), p.stdout
    assert p.returncode == 0
    assert all(c["target_exit"] is None for c in cases.values())


def test_asan_crash_is_named_with_its_report_and_replays(tmp_path):
    env = dict(os.environ, SOCKS4KIT_TEST_CRASH_USERID=CRASH_PREFIX)
    server = binary("socks4-server")  # the ASan build under make integration
    p, cases = run(tmp_path, f"{server} --listen {{addr}} --handshake-timeout 2", "request/",
                   "connect/", "robust/", env=env)
    if "test_hook_crash" not in json.dumps(cases):
        pytest.fail("no crash: is S4KIT_BIN the sanitizer build (make integration)?\n"
                    + p.stdout[-3000:])
    # one culprit, no bystander; the suite went on to the end
    assert failed(cases) == {CULPRIT}, p.stdout
    assert cases["robust/many-clients"]["result"] == "pass"
    c = cases[CULPRIT]
    assert c["target_exit"] is not None
    assert "AddressSanitizer: heap-buffer-overflow" in c["target_log"]
    assert "test_hook_crash" in c["target_log"]
    assert "the target died during this case" in c["actual"]
    repro = tmp_path / c["reproducer"]
    assert repro.exists() and CRASH_PREFIX.encode() in repro.read_bytes()
    assert "socks4-client" in c["replay"] and "--raw-file" in c["replay"]
    # the human report shows the same
    assert "The target printed:" in p.stdout and "Reproducer:" in p.stdout

    # the reproducer kills a fresh target with the same report
    srv = Proc([server, "--listen", "127.0.0.1:0"], env=env)
    try:
        m = srv.wait_line(r"listening on 127\.0\.0\.1:(\d+)", START_TIMEOUT)
        subprocess.run([binary("socks4-client"), "--proxy", f"127.0.0.1:{m.group(1)}",
                        "--timeout", "3", "--raw-file", str(repro)],
                       capture_output=True, timeout=30)
        srv.p.wait(15)
    finally:
        if srv.p.poll() is None:
            srv.p.send_signal(signal.SIGKILL)
            srv.p.wait(5)
    assert srv.p.returncode != 0
    assert "test_hook_crash" in srv.stderr


@pytest.mark.parametrize("how", ["exit", "abort", "hang"])
def test_target_dying_on_one_input(tmp_path, how):
    cmd = (f"{sys.executable} {SERVER} --listen {{addr}} --handshake-timeout 1.5 "
           f"--bind-timeout 1.5 --die-on-userid {CRASH_PREFIX} --die-how {how}")
    # the culprit, with hostile and slow cases beside it
    p, cases = run(tmp_path, cmd, "-j", "8", "request/", "connect/", "robust/stall/")
    assert failed(cases) == {CULPRIT}, p.stdout[-4000:]
    c = cases[CULPRIT]
    assert c["target_exit"] is not None, c
    if how == "abort":
        assert c["target_exit"]["signal"] == signal.SIGABRT, c["target_exit"]
    elif how == "exit":
        assert c["target_exit"]["status"] not in (-1, 0), c["target_exit"]
    else:  # the process runs on and answers nothing: the exact text, said once
        assert c["target_exit"]["text"] == (
            "stopped serving (the target no longer answers a CONNECT (no reply))"), c
        assert c["actual"].endswith(
            "the target died during this case: stopped serving (the target no longer "
            "answers a CONNECT (no reply)); confirmed: it died again when this case ran "
            "again alone"), c["actual"]
    assert "confirmed: it died again when this case ran again alone" in c["actual"]
    assert c["reproducer"]
    assert p.returncode == 1


# --- hostile cases on processes of their own --------------------------------------------

LONG_USERID_CULPRITS = {"request/userid/256", "request/userid/1023", "request/userid/4096",
                        "robust/flood/userid"}


@pytest.mark.parametrize("shared", [False, True], ids=["own-process", "exec-shared"])
def test_hostile_deaths_are_named_on_own_processes_and_shared(tmp_path, shared):
    """A hostile case runs on a fresh process of the command, beside the others (or,
    with --exec-shared, alone on the one process): either way the same cases fail,
    each confirmed, each with its exit status and what its process printed."""
    cmd = (f"{sys.executable} {SERVER} --listen {{addr}} --handshake-timeout 1.5 "
           "--bind-timeout 1.5 --misbehave crash-on-long-userid")
    p, cases = run(tmp_path, cmd, *(["--exec-shared"] if shared else []), "request/userid/",
                   "robust/flood/", "connect/")
    isolation = next(ln for ln in p.stdout.splitlines() if ln.startswith("isolation: "))
    if shared:
        assert "alone on the one process (--exec-shared)" in isolation, isolation
    else:
        assert "each hostile case on a fresh process of its own" in isolation, isolation
    assert failed(cases) == LONG_USERID_CULPRITS, p.stdout[-4000:]
    for cid in LONG_USERID_CULPRITS:
        c = cases[cid]
        assert c["target_exit"]["status"] == 70, c
        assert "USERID overflowed a 256-octet buffer" in c["target_log"], c["target_log"]
        assert c["actual"].endswith("confirmed: it died again when this case ran again alone")
        if cid.startswith("request/"):  # (the flood's bytes are not kept)
            assert c["reproducer"], c
    assert p.returncode == 1


def test_command_that_cannot_run_twice_runs_hostile_cases_alone(tmp_path):
    """flock -n: a second process of the command exits at once. The runner sees it
    before the cases, says so, and runs hostile cases alone on the one process."""
    lock = tmp_path / "lock"
    p, cases = run(tmp_path, f"flock -n {lock} {binary('socks4-server')} --listen {{addr}} "
                             "--handshake-timeout 2 --bind-timeout 2")
    assert ("isolation: hostile cases run alone on the one process (a second process of "
            "the command did not start: ") in p.stdout, p.stdout[:2000]
    assert "exited with status 1 before it accepted connections" in p.stdout
    assert failed(cases) == set(), p.stdout[-4000:]
    assert p.returncode == 0
