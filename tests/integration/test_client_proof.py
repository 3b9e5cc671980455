# SPDX-License-Identifier: MIT
"""Proving the client cases (issue 12): every socks4-test --client-cmd case can fail,
and fails only on what the spec forbids.

broken_client.py is a second, independent SOCKS4/4a client. Correct, it must pass the
whole client catalogue in each of its modes (CONNECT, SOCKS4a, BIND): a FAIL there is a
case that judges a correct client wrongly. With one --misbehave NAME it breaks in one
way from ../shared/spec/BUG-CLASSES.md, and the catalogue, run in the modes where that
defect can show, must fail EXACTLY the case ids listed for it below: not fewer (a
defect slipping through), not more (a case failing on something it does not look for).
The union of the lists covers the whole client catalogue (test_every_case_is_proven).

Where a defect corrupts every exchange (crlf-output rewrites all relayed bytes; the
double NUL of a 4a request is an empty name), it fails every case that needs that
exchange, and the list says so. One run by hand:
    socks4-test --client-timeout 4 --client-cmd \\
        'tests/integration/broken_client.py --timeout 2 --misbehave reply-swallow \\
         --proxy {proxy} {host} {port}'
"""
import concurrent.futures
import json
import pathlib
import subprocess
import sys
import tempfile

import pytest

from conftest import SANITIZER_MARKS, binary, run_socks4_test

# one pool of runs on one worker: it starts early (make integration)
pytestmark = pytest.mark.long(120)

CLIENT = pathlib.Path(__file__).with_name("broken_client.py")
sys.path.insert(0, str(CLIENT.parent))
import broken_client  # noqa: E402  (for MISBEHAVIOURS)
import verdict_record  # noqa: E402

# The client's own reply timeout is shorter than the runner's limit, so reply/none
# ends by the client (INFO) and a hang is still told apart. A Python client that takes
# seconds to start on a loaded machine (xdist beside it) and is killed at the limit is
# run again with twice the time once the other cases are done (client/confirm.h): a
# hang costs 8 + 16 s, and slowness is no FAIL.
CLIENT_TIMEOUT = "2"
RUNNER = ("--client-timeout", "8", "-j", "6")
POOL = 4  # runs at once on this 2-core machine

# mode -> socks4-test flags, broken_client flags
MODES = {"connect": ((), ()), "4a": (("--client-4a",), ("--4a",)),
         "bind": (("--client-bind",), ("--bind",))}
# The cases each mode does not run (skipped with the reason).
BIND_CASES = {"bind/request", "bind/first-reply-address", "bind/first-reply-any",
              "bind/second-reply", "bind/second-reply-fields", "bind/one-segment", "bind/second-reply-91",
              "bind/first-reply-91"}
FOUR_A_CASES = {"request/4a/marker", "request/4a/hostname", "request/4a/no-local-lookup",
                "request/4a/no-dns-leak"}

ALL = tuple(MODES)
C, A, B = ("connect",), ("4a",), ("bind",)
C_B = ("connect", "bind")
C_A = ("connect", "4a")
REJECTIONS = {"reply/91", "reply/92", "reply/93"}

# misbehaviour -> (modes it runs in, the exact set of case ids failed over them)
PROOFS = {
    "socks5": (C, {"preflight/client"}),
    "vn-5": (C_B, {"request/vn", "bind/request"}),
    "cd-2": (C, {"request/cd"}),
    "port-little-endian": (C_B, {"request/dstport", "bind/request"}),
    # the 4a marker 0.0.0.1 is part of DSTIP too
    "ip-little-endian": (ALL, {"request/dstip", "request/4/local-name", "request/4a/marker",
                               "bind/request"}),
    # with a 4a name the second NUL makes the name empty (hyper-util PR#307)
    "double-nul": (C_A, {"request/userid/one-nul", "request/4a/hostname",
                         "request/4a/no-local-lookup"}),
    "early-data": (C, {"request/early-data"}),
    # the lookup fails, so no request at all: every 4a case; and the runner's name
    # service saw the lookup (request/4a/no-dns-leak)
    "4a-local-lookup": (A, FOUR_A_CASES),
    "4a-marker-zero": (A, {"request/4a/marker"}),
    "name-as-4a": (C, {"request/4/local-name"}),
    "ignore-cd": (C_B, REJECTIONS | {"reply/cd-unknown", "bind/second-reply-91"}),
    "rejection-exit-0": (C_B, REJECTIONS | {"bind/first-reply-91", "bind/second-reply-91"}),
    "reply-one-recv": (C, {"reply/split"}),
    "reply-swallow": (C_B, {"reply/data-same-segment", "bind/one-segment"}),
    "check-reply-fields": (C_B, {"reply/fields-ignored"}),
    "vn4-hang": (C, {"reply/vn-4"}),
    "short-reply-granted": (C, {"reply/short-close", "robust/close-before-reply",
                                "robust/close-mid-reply", "robust/reset-after-request"}),
    "timeout-exit-0": (C, {"reply/none"}),
    "no-half-close": (C, {"relay/half-close/client"}),
    "exit-on-remote-eof": (C, {"relay/half-close/destination"}),
    "stop-stdin-on-remote-eof": (C, {"relay/half-close/destination"}),
    "drop-nul-bytes": (C, {"relay/binary", "relay/large"}),
    "truncate-64k": (C, {"relay/large"}),
    # rewrites every relayed byte: every exchange that must come out intact
    "crlf-output": (ALL, {"relay/both-ways", "relay/binary", "relay/large",
                          "relay/half-close/client", "relay/half-close/destination",
                          "reply/data-same-segment", "reply/split", "reply/fields-ignored",
                          "request/4a/no-local-lookup", "bind/second-reply",
                          "bind/second-reply-fields", "bind/one-segment"}),
    "bind-any-literal": (B, {"bind/first-reply-any"}),
    "bind-proxy-address": (B, {"bind/first-reply-address"}),
    "bind-check-peer": (B, {"bind/second-reply-fields"}),
    "bind-one-reply": (B, {"bind/second-reply", "bind/second-reply-fields", "bind/one-segment",
                           "bind/second-reply-91"}),
}


def run(mode, misbehave=None):
    """socks4-test --client-cmd against broken_client.py in a mode; the JSON report."""
    runner_flags, client_flags = MODES[mode]
    cmd = [str(CLIENT), "--timeout", CLIENT_TIMEOUT, *client_flags]
    if misbehave:
        cmd += ["--misbehave", misbehave]
    template = " ".join(cmd) + " --proxy {proxy} {host} {port}"
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "report.json"
        p = run_socks4_test(*RUNNER, *runner_flags, "--client-cmd",
                            template, "--format", "json", "--output", str(out),
                           capture_output=True, text=True, errors="replace", timeout=300)
        report = json.loads(out.read_text()) if out.exists() else None
    for mark in SANITIZER_MARKS:
        assert mark not in p.stderr, f"sanitizer report from socks4-test:\n{p.stderr}"
    assert report is not None, f"no JSON report (exit {p.returncode}):\n{p.stdout}{p.stderr}"
    cases = {c["id"]: c for c in report["cases"]}
    must_failed = any(c["result"] == "fail" and c["level"] == "MUST" for c in cases.values())
    assert p.returncode == (1 if must_failed else 0), p.stdout[-3000:]
    return cases


@pytest.fixture(scope="module")
def runs():
    """Every run of this file, a few at a time: (misbehaviour or None, mode) -> future."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=POOL)
    futures = {(None, mode): pool.submit(run, mode) for mode in MODES}
    for name, (modes, _) in PROOFS.items():
        for mode in modes:
            futures[(name, mode)] = pool.submit(run, mode, name)
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def explain(cases, ids):
    out = []
    for i in sorted(ids):
        c = cases.get(i)
        if c is None:
            out.append(f"  {i}: not in the report")
            continue
        out.append(f"  {i} [{c['result']}] expected: {c['expected']}\n"
                   f"      actual: {c['actual']}\n      " +
                   "\n      ".join(c.get("trace", [])[-10:]))
    return "\n".join(out)


def applicable(mode):
    """The cases a mode runs: the rest is skipped with the reason."""
    every = set(catalogue())
    if mode == "bind":
        return (every & BIND_CASES) | {"preflight/client"}
    run_ = every - BIND_CASES
    return run_ - {"request/4/local-name"} if mode == "4a" else run_ - FOUR_A_CASES


@pytest.mark.parametrize("mode", list(MODES))
def test_correct_client_passes(mode, runs):
    cases = runs[(None, mode)].result(timeout=600)
    verdict_record.check(f"client/correct:{mode}", cases)
    failed = {i for i, c in cases.items() if c["result"] == "fail"}
    assert failed == set(), ("a correct, independent client fails these cases: a case that "
                             "judges wrongly, or a bug in broken_client.py\n" +
                             explain(cases, failed))
    ran = {i for i, c in cases.items() if c["result"] != "skip"}
    assert ran == applicable(mode), explain(cases, ran ^ applicable(mode))


@pytest.mark.parametrize("name", list(PROOFS))
def test_misbehaviour_fails_exactly(name, runs):
    modes, want = PROOFS[name]
    failed, reports = set(), {}
    for mode in modes:
        cases = runs[(name, mode)].result(timeout=600)
        verdict_record.check(f"client/{name}:{mode}", cases)
        reports.update(cases)
        failed |= {i for i, c in cases.items() if c["result"] == "fail"}
        if "preflight/client" in failed:  # the rest is skipped with its reason
            assert all(c["result"] == "skip" for i, c in cases.items()
                       if i != "preflight/client"), explain(cases, set(cases))
    assert failed == want, (
        f"{name} must fail exactly {sorted(want)}\n"
        f"missing (slipped through):\n{explain(reports, want - failed)}\n"
        f"extra (failed on something else):\n{explain(reports, failed - want)}")


_CATALOGUE = []


def catalogue():
    if not _CATALOGUE:
        p = run_socks4_test("--client-cmd", "true", "--list",
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        _CATALOGUE.extend(line.split()[0] for line in p.stdout.splitlines()
                          if "/" in line.split()[0])
    return _CATALOGUE


def test_every_case_is_proven():
    proven = set().union(*(want for _, want in PROOFS.values()))
    assert set(catalogue()) - proven == set(), "cases no misbehaviour fails"
    assert proven <= set(catalogue()), f"unknown ids: {sorted(proven - set(catalogue()))}"


def test_every_misbehaviour_is_used():
    assert set(PROOFS) == set(broken_client.MISBEHAVIOURS)
    assert len(PROOFS) >= 12
