# SPDX-License-Identifier: MIT
"""Stable verdicts (issue 10): the same target gives every case the same verdict,
run after run, at -j 1 and -j 8, with both cores kept busy by a CPU hog.

`make check` runs a small matrix (the reference server and three broken_server.py
variants, a few runs each). `make stability` runs the full one:
S4KIT_STABILITY_RUNS=5 and every variant of test_conformance_proof.py (the correct
modes, what TCP allows, every misbehaviour with its selection), each at -j 1 and
-j 8, with and without the hog.
"""
import concurrent.futures
import json
import multiprocessing
import os
import pathlib
import subprocess
import sys
import tempfile

import pytest

from conftest import Proc, binary, run_socks4_test, START_TIMEOUT
import test_conformance_proof as proof

RUNS = int(os.environ.get("S4KIT_STABILITY_RUNS", "2"))
FULL = os.environ.get("S4KIT_STABILITY_FULL") == "1"
# make check: the four runs of a variant all at once (the -j 1 runs are the long ones;
# two at a time they waited in two rounds); make stability: two at a time
POOL = int(os.environ.get("S4KIT_STABILITY_POOL", "2" if FULL else "4"))


def hog_main(stop):
    x = 0
    while not stop.is_set():
        for _ in range(100000):
            x = (x * 1103515245 + 12345) & 0xffffffff


class Hog:
    """Both cores busy (bounded: it stops with the test)."""

    def __enter__(self):
        self.stop = multiprocessing.Event()
        self.procs = [multiprocessing.Process(target=hog_main, args=(self.stop,), daemon=True)
                      for _ in range(os.cpu_count() or 2)]
        for p in self.procs:
            p.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for p in self.procs:
            p.join(10)
            if p.is_alive():
                p.kill()


def verdict(case):
    """A case's verdict; None when it was not judged because the target had died
    (against a target that died for good, what was still running or not yet run is
    skipped, and how far a run got depends on timing: that is not a verdict)."""
    if case["result"] == "skip" and ("stopped serving" in case["actual"] or
                                     "not judged" in case["actual"]):
        return None
    return case["result"]


def verdicts_builtin(jobs):
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "r.json"
        run_socks4_test("-j", str(jobs), "--format", "json", "--output", str(out),
                        timeout=120)
        return {c["id"]: verdict(c) for c in json.loads(out.read_text())["cases"]}


def verdicts_proof(pr, jobs):
    o = proof.run(pr.mode, pr.misbehave, pr.server, pr.select, pr.crash, jobs=jobs)
    assert o.report is not None, o.stdout[-2000:]
    return {i: verdict(c) for i, c in o.cases.items()}


def variants():
    # make check: the reference server (idle and loaded, -j 1 and -j 8, twice each);
    # make stability: every variant of the proof too
    small = set()
    out = [pytest.param(None, id="reference-server")]
    for pr in proof.PROOFS:
        if FULL or pr.name in small:
            out.append(pytest.param(pr, id=pr.name))
    if FULL:
        out += [pytest.param(proof.Proof(f"correct:{m}", set(), mode=m, misbehave=()),
                             id=f"correct:{m}") for m in proof.MODES]
    return out


# (weighted below the pools of the proof files: its CPU hog should not start with them)
@pytest.mark.long(50)
@pytest.mark.parametrize("hog", [False, True], ids=["idle", "cpu-hog"])
@pytest.mark.parametrize("pr", variants())
def test_same_verdicts(pr, hog):
    runs = [(jobs, k) for jobs in (1, 8) for k in range(RUNS)]
    with (Hog() if hog else _nothing()):
        # a few runs at once (each its own server and runner): more load, sooner done
        with concurrent.futures.ThreadPoolExecutor(max_workers=POOL) as pool:
            futs = {key: pool.submit(verdicts_builtin if pr is None else verdicts_proof,
                                     *(() if pr is None else (pr,)), key[0])
                    for key in runs}
            seen = {key: f.result(timeout=900) for key, f in futs.items()}
    first = seen[runs[0]]
    for key, got in seen.items():
        diff = {i: (first.get(i), got.get(i)) for i in set(first) | set(got)
                if first.get(i) != got.get(i) and None not in (first.get(i), got.get(i))}
        assert not diff, f"verdicts changed (-j {key[0]}, run {key[1] + 1}): {diff}"


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_repeat_reports_flaky(tmp_path):
    """--repeat: a case that fails in some runs and passes in others is FLAKY in
    every format, and still fails the run."""
    srv = Proc([sys.executable, str(proof.SERVER), "--listen", "127.0.0.1:0", "--deny-user",
                proof.DENY, "--misbehave", "alternate-no-close-after-deny"])
    try:
        m = srv.wait_line(r"broken-server: listening on 127\.0\.0\.1:(\d+)$", START_TIMEOUT)
        # one run writes every format (--report FMT:FILE), the human one on stdout
        fmts = ("json", "tap", "junit", "html")
        reports = [f"--report={fmt}:{tmp_path / ('r.' + fmt)}" for fmt in fmts]
        p = run_socks4_test("--target", f"127.0.0.1:{m.group(1)}", "--deny-user",
                            proof.DENY, "--identd-port", str(proof.identd_port()), "--timeout",
                            "2", "--repeat", "3", *reports, "connect/denied/close",
                            timeout=120)
        assert p.returncode == 1, p.stdout
        outs = {fmt: (tmp_path / f"r.{fmt}").read_text() for fmt in fmts}
        human = p.stdout
    finally:
        srv.stop()
    case = {c["id"]: c for c in json.loads(outs["json"])["cases"]}["connect/denied/close"]
    assert case["result"] == "flaky", case
    assert case["runs"] == 4 and 0 < case["failures"] < 4, case
    assert "FLAKY" in human and "are FLAKY" in human, human
    assert "flaky: true" in outs["tap"]
    assert "FLAKY" in outs["junit"]
    assert "flaky" in outs["html"]
