# SPDX-License-Identifier: MIT
"""socks4-test --exec: the runner starts the server under test, and --fuzz survives its
crashes: each is attributed to the iteration that caused it, minimized, saved with a
reproducer that replays it against a fresh target, deduplicated by signature, and the
fuzzing goes on to the requested count.

The targets crash on purpose: the sanitizer build of socks4-server with its test-only
crash hook (SOCKS4KIT_TEST_CRASH_USERID: a USERID with that prefix reads past a heap
block, a real AddressSanitizer report), and broken_server.py --die-on-userid, which
exits, aborts, segfaults or hangs. With seed 4 the fuzzer's first USERID starting with
"x" is iteration 68's; the prefix matches in about one iteration in 200."""
import os
import pathlib
import re
import subprocess

import pytest

from conftest import Proc, binary, free_port, run_socks4_test, START_TIMEOUT

BROKEN = str(pathlib.Path(__file__).resolve().parent / "broken_server.py")
SUMMARY = re.compile(r"^fuzz: (\d+) requests in [\d.]+ s \(\d+/s\), (\d+) failures, "
                     r"(\d+) crashes \((\d+) signatures\), (\d+) restarts")
HOOK = {"SOCKS4KIT_TEST_CRASH_USERID": "x"}
ASAN_SIG = ("killed by signal 6 (SIGABRT); AddressSanitizer: heap-buffer-overflow in "
            "test_hook_crash ref-server/session.c:")


def socks4_test(*args, env=None, timeout=240):
    full = dict(os.environ, **(env or {}))
    # scan=False: the fuzzed target's sanitizer reports are the findings here
    return run_socks4_test(*args, timeout=timeout, env=full, scan=False)


def summary(out):
    m = next((SUMMARY.match(l) for l in out.splitlines() if SUMMARY.match(l)), None)
    assert m, out
    return tuple(int(g) for g in m.groups())


def signatures(out):
    """{signature: count} from the summary's "crashes by signature" block."""
    block = out[out.index("crashes by signature:"):]
    return {m.group(2): int(m.group(1))
            for m in re.finditer(r"^  (\d+)x (.*)$", block, re.M)}


def reproducers(out):
    return re.findall(r"reproducer (\S+\.bin) \((\d+) bytes, from (\d+)\)", out)


def server_cmd():
    return f"{binary('socks4-server')} --listen {{addr}} -q --handshake-timeout 2"


def broken_cmd(how):
    return (f"/usr/bin/python3 {BROKEN} --listen {{addr}} --handshake-timeout 2 "
            f"--die-on-userid x --die-how {how}")


def test_asan_crash_found_minimized_and_replayed(tmp_path):
    crashes = tmp_path / "crashes"
    p = socks4_test("--exec", server_cmd(), "--identd-port", str(free_port()), "--fuzz",
                    "1500", "--seed", "4", "-j", "4", "--crash-dir", str(crashes), env=HOOK)
    assert p.returncode == 1, p.stdout + p.stderr
    n, failures, ncrashes, nsigs, restarts = summary(p.stdout)
    # the suite goes on to the requested count; every failure is a crash, no bystander
    assert n == 1500
    assert ncrashes >= 2 and failures == ncrashes
    assert nsigs == 1 and restarts >= ncrashes
    sigs = signatures(p.stdout)
    assert len(sigs) == 1
    sig, count = next(iter(sigs.items()))
    assert sig.startswith(ASAN_SIG) and count == ncrashes
    # the culprit: the same iteration on every run (seed 4), with the target's report
    assert f"CRASH iteration 68 (seed 4): {ASAN_SIG}" in p.stdout
    first = p.stdout[p.stdout.index("CRASH iteration 68"):]
    assert "ERROR: AddressSanitizer: heap-buffer-overflow" in first
    assert "in test_hook_crash ref-server/session.c" in first
    # later crashes of the same kind are counted, not minimized again
    assert p.stdout.count("(seen before:") == ncrashes - 1

    [(path, small, big)] = reproducers(p.stdout)
    assert int(small) < int(big)
    raw = pathlib.Path(path).read_bytes()
    assert len(raw) == int(small)
    report = pathlib.Path(path[:-4] + ".txt").read_text()
    assert f"signature: {sig}" in report
    assert "ERROR: AddressSanitizer" in report and "--fuzz-from 68" in report
    assert raw.hex() in report

    # the reproducer replays it: a fresh target dies of the same report
    target = Proc([binary("socks4-server"), "--listen", "127.0.0.1:0", "-q"],
                  env=dict(os.environ, **HOOK))
    m = target.wait_line(r"listening on \S+:(\d+)$", START_TIMEOUT)
    c = subprocess.run([binary("socks4-client"), "--proxy", f"127.0.0.1:{m.group(1)}",
                        "--timeout", "10", "--raw-file", path], capture_output=True,
                       text=True, timeout=60)
    assert c.returncode == 4, c.stdout + c.stderr  # closed with no reply: it died
    rc = target.p.wait(30)
    target._reader.join(5)
    assert rc == -6, target.stderr  # SIGABRT: ASAN_OPTIONS=abort_on_error=1
    assert "ERROR: AddressSanitizer: heap-buffer-overflow" in target.stderr
    assert re.search(r"#0 0x[0-9a-f]+ in test_hook_crash ref-server/session\.c:", target.stderr)


@pytest.mark.parametrize("how,want", [
    ("exit", "exited with status 3; Python SystemExit in die_if_asked"),
    ("abort", "killed by signal 6 (SIGABRT)"),
    ("segv", "killed by signal 11 (SIGSEGV)"),
    ("hang", "stopped serving (the process still runs)"),
])
def test_target_that_dies_on_an_input(tmp_path, how, want):
    """A Python server that ends (or hangs) on USERIDs starting with "x": the run
    goes on past it, names iteration 68, and says how the target ended."""
    crashes = tmp_path / "crashes"
    # a hang is seen when a reply does not come in time: a short time keeps the test short
    timeout = "0.5" if how == "hang" else "2"
    p = socks4_test("--exec", broken_cmd(how), "--identd-port", str(free_port()), "--fuzz",
                    "300", "--seed", "4", "-j", "2", "--timeout", timeout, "--crash-dir",
                    str(crashes))
    assert p.returncode == 1, p.stdout + p.stderr
    n, failures, ncrashes, nsigs, restarts = summary(p.stdout)
    assert (n, failures, ncrashes, nsigs) == (300, 1, 1, 1), p.stdout
    [(sig, count)] = signatures(p.stdout).items()
    assert sig.startswith(want) and count == 1, sig
    assert f"CRASH iteration 68 (seed 4): {want}" in p.stdout
    [(path, small, big)] = reproducers(p.stdout)
    report = pathlib.Path(path[:-4] + ".txt").read_text()
    assert f"dying ({how})" in report  # the target's own words, kept with the crash
    if how == "exit":  # its "report": the traceback, under the crash
        assert "  the target printed:\n    Traceback (most recent call last):" in p.stdout
    raw = pathlib.Path(path).read_bytes()
    assert int(small) <= int(big) and len(raw) == int(small)
    # what makes it die is a USERID starting with "x": the shrunk request keeps that
    assert raw[8:9] == b"x"


def test_target_that_never_listens():
    p = socks4_test("--exec", "echo about to wait; exec sleep 30", "--exec-wait", "1",
                    "--identd-port", str(free_port()), "--fuzz", "10")
    assert p.returncode == 2
    assert "did not accept connections on 127.0.0.1:" in p.stderr
    assert "within 1000 ms" in p.stderr and "about to wait" in p.stderr


def test_target_that_exits_at_once():
    p = socks4_test("--exec", "echo 'unknown flag --listen {addr}' >&2; exit 7",
                    "--identd-port", str(free_port()), "--fuzz", "10")
    assert p.returncode == 2
    assert "exited with status 7 before it accepted connections" in p.stderr
    assert "unknown flag --listen 127.0.0.1:" in p.stderr


def test_exec_target_passes_the_suite(tmp_path):
    """--exec is a --target the runner starts and stops: the reference server
    passes every case that applies, as it does under --target."""
    cmd = (f"{binary('socks4-server')} --listen {{addr}} -q --handshake-timeout 1 "
           "--bind-timeout 1")
    out = tmp_path / "report.json"
    p = socks4_test("--exec", cmd, "--identd-port", str(free_port()), "--stall-wait", "4",
                    "--timer-wait", "4", "-j", "8", "--format", "json", "--output", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    import json
    report = json.loads(out.read_text())
    assert not [c["id"] for c in report["cases"] if c["result"] == "fail"], p.stdout
    assert report["target"].startswith("127.0.0.1:")
