# SPDX-License-Identifier: MIT
"""socks4-test --fuzz --coverage: coverage-guided live fuzzing finds a crash hidden
behind a multi-byte comparison, and blind live fuzzing in the same time does not.

The target is tests/integration/coverage/magic_server.c, built here with AFL++'s
afl-clang-fast and laf-intel's comparison splitting (AFL_LLVM_LAF_ALL=1): it crashes
(SIGSEGV) when the USERID is "Zq7!x". Split into one comparison per byte, each byte
matched is a new edge, which the coverage-guided run keeps and climbs from; the blind
run would need the five bytes (and the NUL) at once.

Both runs are bounded by a number of inputs, not by time: a loaded machine (make check
runs four test workers on two cores) makes each input slower, not the search longer.
The coverage-guided run gets INPUTS and stops at its finding; the blind run then gets
the same number of inputs the guided one needed. The short form (make check) has one
seed; the long form (make coverage-check: S4KIT_COVERAGE_LONG=1) has five and a larger
bound."""
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, Proc, binary, free_port, run_socks4_test, START_TIMEOUT

FIXTURE = ROOT / "tests" / "integration" / "coverage" / "magic_server.c"
LONG = os.environ.get("S4KIT_COVERAGE_LONG") == "1"
INPUTS = 40000 if LONG else 12000  # seeds 1-5 needed 2300-10500 (docs/coverage-fuzzing.md)
SEEDS = [1, 2, 3, 4, 5] if LONG else [1]
MAGIC = b"Zq7!x"
SUMMARY = re.compile(r"^fuzz: (\d+) requests in [\d.]+ s \(\d+/s\), (\d+) failures, "
                     r"(\d+) crashes", re.M)


@pytest.fixture(scope="module")
def magic_server(tmp_path_factory):
    cc = shutil.which("afl-clang-fast")
    if cc is None:
        pytest.fail("afl-clang-fast is not installed (ci/deps.sh installs afl++)")
    out = tmp_path_factory.mktemp("afl") / "magic_server"
    env = dict(os.environ, AFL_LLVM_LAF_ALL="1", AFL_QUIET="1")
    subprocess.run([cc, "-O1", "-g", "-Wall", "-Wextra", "-Werror", str(FIXTURE), "-o",
                    str(out)], check=True, env=env, timeout=120)
    return out


def fuzz(server, tmp_path, name, inputs, *args):
    crashes = tmp_path / f"crashes-{name}"
    p = run_socks4_test("--exec", f"{server} --listen {{addr}}", "--identd-port",
                        free_port(), "--timeout", "1", "--fuzz", inputs,
                        "--crash-dir", crashes, *args, timeout=600)
    m = SUMMARY.search(p.stdout)
    assert m, p.stdout + p.stderr
    return p, int(m.group(3)), crashes


@pytest.mark.long(30)
@pytest.mark.parametrize("seed", SEEDS)
def test_coverage_finds_what_blind_fuzzing_does_not(magic_server, tmp_path, seed):
    report = tmp_path / "coverage.json"
    p, ncrashes, crashes = fuzz(magic_server, tmp_path, "coverage", INPUTS, "--coverage",
                                "--until-finding", "--seed", seed, "--report",
                                f"json:{report}")
    assert p.returncode == 1 and ncrashes >= 1, p.stdout + p.stderr
    assert "CRASH iteration" in p.stdout and "killed by signal 11 (SIGSEGV)" in p.stdout
    # the figures: in the JSON report and on the last progress line
    figures = json.loads(report.read_text())
    assert figures["fuzz"] == "coverage" and figures["crashes"] >= 1
    assert figures["edges"] > 0 and figures["corpus"] > 0 and figures["execs_per_s"] > 0
    assert 0 < figures["execs"] < INPUTS  # found within the bound
    [finding] = [f for f in figures["findings"] if f["kind"] == "crash"]
    assert re.search(r"^coverage: \d+ execs \(\d+/s\), corpus \d+, edges \d+/\d+, "
                     r"findings 1", p.stderr, re.M), p.stderr
    # minimized and saved: the reproducer is the request with the magic USERID
    raw = pathlib.Path(finding["reproducer"] + ".bin").read_bytes()
    assert raw[8:] == MAGIC + b"\0", raw.hex()
    replay(magic_server, finding["reproducer"] + ".bin")

    # blind: as many inputs as the guided run needed
    blind, blind_crashes, _ = fuzz(magic_server, tmp_path, "blind", figures["execs"],
                                   "--seed", seed)
    assert blind.returncode == 0 and blind_crashes == 0, blind.stdout


def replay(server, path):
    """The reproducer's replay command kills a fresh target."""
    target = Proc([str(server), "--listen", f"127.0.0.1:{free_port()}"])
    m = target.wait_line(r"listening on \S+:(\d+)$", START_TIMEOUT)
    c = subprocess.run([binary("socks4-client"), "--proxy", f"127.0.0.1:{m.group(1)}",
                        "--timeout", "10", "--raw-file", path], capture_output=True,
                       text=True, timeout=60)
    assert c.returncode == 4, c.stdout + c.stderr  # closed with no reply: it died
    assert target.p.wait(30) == -11


def test_coverage_needs_an_instrumented_target(tmp_path):
    """A target not built with AFL++ prints no map size: a usage error that says so."""
    p = run_socks4_test("--exec", f"{binary('socks4-server')} --listen {{addr}} -q",
                        "--fuzz", "10", "--coverage", expect_rc=2)
    assert "AFL_DUMP_MAP_SIZE" in p.stderr and "afl-clang-fast" in p.stderr, p.stderr
