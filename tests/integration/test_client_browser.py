# SPDX-License-Identifier: MIT
"""Client mode for clients that connect the way browsers do (issue 22), and the stable
verdict of relay/half-close/destination (issue 17).

- The scripted proxy takes every connection the client makes during a case: a client of
  this test's own (clients/preconnect_client.py) first closes a connection without a byte,
  then keeps a spare one with a request and no data, then requests (and retries a
  refusal once). It is a correct client: every case passes, the empty connection is
  noted and never judged, and every request of a 91 case is refused.
- --client-judge stdout: success and failure by what stdout shows, not the exit status.
- relay/half-close/destination gives the same verdict ten runs in a row for a client that
  exits at the destination's end (Debian's connect-proxy), one that stops relaying stdin
  there and runs on, and a correct one.
The Chromium row of the real-client matrix is in test_client_chromium.py (make
browser-check)."""
import concurrent.futures
import json
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import SANITIZER_MARKS, binary

HERE = pathlib.Path(__file__).parent
BROKEN = HERE / "broken_client.py"
PRECONNECT = (f"{HERE / 'clients' / 'preconnect_client.py'} "
              "{proxy_host} {proxy_port} {host} {port}")
RUNS = 10
POOL = 4


def socks4_test(tmp_path, name, *args, timeout=240):
    out = tmp_path / f"{name}.json"
    p = subprocess.run([binary("socks4-test"), *args, "--format", "json", "--output",
                        str(out)], capture_output=True, text=True, errors="replace",
                       timeout=timeout)
    for mark in SANITIZER_MARKS:
        assert mark not in p.stderr, p.stderr
    assert out.exists(), f"no report (exit {p.returncode}):\n{p.stdout}{p.stderr}"
    run = json.loads(out.read_text())
    run = run[0] if isinstance(run, list) else run
    return p, run, {c["id"]: c for c in run["cases"]}


def trace(case):
    return "\n".join(case["trace"])


def test_preconnect_is_never_judged(tmp_path):
    """A correct client that preconnects passes every case, as the plain correct client
    does; its empty connection is in each trace as a preconnect, and the judged
    connection is the one that carried the data, not the spare one."""
    p, _, cases = socks4_test(tmp_path, "pre", "--client-timeout", "10", "-j", "4",
                              "--client-cmd", PRECONNECT)
    failed = {i: c["actual"] for i, c in cases.items() if c["result"] == "fail"}
    assert failed == {} and p.returncode == 0, failed
    plain = f"{BROKEN} --timeout 2 --proxy {{proxy}} {{host}} {{port}}"
    _, _, ref = socks4_test(tmp_path, "plain", "--client-timeout", "10", "-j", "4",
                            "--client-cmd", plain)
    assert {i: c["result"] for i, c in cases.items()} == \
        {i: c["result"] for i, c in ref.items()}
    for i, c in cases.items():
        if c["result"] == "skip":
            continue
        t = trace(c)
        # c1 closed without a byte; c2 is the spare request; c3 the one that talked
        assert re.search(r"c1 +\* closed without a byte: a preconnect, not judged", t), (i, t)
        assert not re.search(r"c1 +< [0-9a-f]{2} ", t), (i, t)
    both = trace(cases["relay/both-ways"])
    assert re.search(r"3 connections to the proxy: 2 with a request \(each got this case's "
                     r"reply\), 1 closed without a byte \(preconnects\); judged: c3", both), both
    # every request of a refusal case is refused, each on its own connection
    refused = trace(cases["reply/91"])
    for conn in ("c2", "c3", "c4"):
        assert re.search(conn + r" +> 00 5b 00 00 00 00 00 00", refused), refused
    assert cases["reply/91"]["actual"].startswith("exit 91 after"), cases["reply/91"]


CONNECT = "socket.create_connection((\"{proxy_host}\", {proxy_port}))"


@pytest.mark.parametrize("n,client", [
    # two empty connections, one after the other
    (2, f"[{CONNECT}.close() for _ in range(2)]"),
    # twelve at once, then exit (the kernel closes them): each was made, so each
    # counts, also any the proxy had not accepted yet when the client was gone (they
    # wait in its listen queue; shutting the listener down would reset them unseen).
    # On an idle machine the proxy takes them all before the client exits; beside a
    # CPU hog, make check once counted 1 of the 2 above.
    (12, f"s = [{CONNECT} for _ in range(12)]; os._exit(0)")], ids=["two", "burst"])
def test_only_preconnects_is_no_request(tmp_path, n, client):
    """A client that only ever opens empty connections sent no request: the preflight
    fails with exactly that, how many, and how the client ended."""
    pre = f"/usr/bin/python3 -c 'import os, socket; {client}'"
    p, _, cases = socks4_test(tmp_path, "only", "--client-timeout", "10", "--client-cmd",
                              pre, "preflight/")
    case = cases["preflight/client"]
    assert p.returncode == 1 and case["result"] == "fail"
    assert re.fullmatch(rf"the client connected to the proxy {n} times and closed each "
                        r"connection without a byte \(exit 0 after \d+ ms\)",
                        case["actual"]), case


def test_judge_by_stdout(tmp_path):
    """A client that always exits 0 and prints what it got: by its exit status a
    refusal is not reported (FAIL); judged by stdout (--client-judge stdout) it shows
    none of the destination's bytes (PASS), and a grant shows them (PASS). The report
    names the mode; the byte-exact relay cases are skipped with the reason."""
    tmpl = f"{BROKEN} --timeout 2 --proxy {{proxy}} {{host}} {{port}}; exit 0"
    sel = ("reply/91", "relay/both-ways", "relay/binary")
    _, _, by_exit = socks4_test(tmp_path, "exit", "--client-cmd", tmpl, *sel)
    assert by_exit["reply/91"]["result"] == "fail"
    assert re.fullmatch(r"exit 0 after \d+ ms: the failure was not reported",
                        by_exit["reply/91"]["actual"]), by_exit["reply/91"]
    p, run, by_out = socks4_test(tmp_path, "stdout", "--client-judge", "stdout",
                                 "--client-cmd", tmpl, *sel)
    assert run["target"] == f"{tmpl}  [--client-judge stdout]"
    assert p.returncode == 0
    assert by_out["reply/91"]["result"] == "pass", by_out["reply/91"]
    assert re.fullmatch(r"none of the destination's bytes on stdout \(0 bytes\), "
                        r"exit 0 after \d+ ms", by_out["reply/91"]["actual"])
    assert "[--client-judge stdout" in by_out["reply/91"]["expected"]
    assert by_out["relay/both-ways"]["result"] == "pass", by_out["relay/both-ways"]
    assert by_out["relay/binary"]["result"] == "skip"
    assert by_out["relay/binary"]["actual"] == ("stdout is judged by what it shows "
                                                "(--client-judge stdout), not byte for byte")
    # a client whose stdout shows the destination's bytes after a refusal still fails
    leak = (f"{BROKEN} --timeout 2 --misbehave ignore-cd --proxy {{proxy}} {{host}} {{port}}"
            " < /dev/null")
    _, _, leaked = socks4_test(tmp_path, "leak", "--client-judge", "stdout",
                               "--client-cmd", leak, "reply/91")
    assert leaked["reply/91"]["result"] == "fail"
    assert leaked["reply/91"]["actual"].startswith("the destination's bytes reached stdout")
    bad = subprocess.run([binary("socks4-test"), "--client-judge", "page", "--client-cmd",
                          "true"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--client-judge is exit or stdout" in bad.stderr


HALF_CLOSE = {
    # the client, its socks4-test flags, the verdict, the exact Actual
    "connect-proxy": ("connect -4 -S {proxy_host}:{proxy_port} {host} {port}",
                      ("--client-4a",), "fail",
                      r"the destination got 30 of 61 bytes of X \(exit 0 after \d+ ms\)"),
    "stop-stdin-on-remote-eof": (
        f"{BROKEN} --timeout 2 --misbehave stop-stdin-on-remote-eof "
        "--proxy {proxy} {host} {port}", (), "fail",
        r"the destination got 30 of 61 bytes of X \(exit 0 after \d+ ms\)"),
    "correct": (f"{BROKEN} --timeout 2 --proxy {{proxy}} {{host}} {{port}}", (), "pass",
                r"X and Y intact, exit 0 after \d+ ms"),
}


@pytest.fixture(scope="module")
def half_close_runs(tmp_path_factory):
    if shutil.which("connect") is None:
        pytest.fail("connect (connect-proxy) is not installed (ci/deps.sh installs it)")
    tmp = tmp_path_factory.mktemp("half-close")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=POOL)
    futures = {(name, k): pool.submit(socks4_test, tmp, f"{name}-{k}", "--client-timeout",
                                      "10", *flags, "--client-cmd", tmpl,
                                      "relay/half-close/destination")
               for name, (tmpl, flags, _, _) in HALF_CLOSE.items() for k in range(RUNS)}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("name", list(HALF_CLOSE))
def test_half_close_destination_is_stable(name, half_close_runs):
    """The rest of X is written only once the client has acted on the destination's end
    (exited, or a bounded pause): the same verdict and text in every run."""
    _, _, want, actual = HALF_CLOSE[name]
    for k in range(RUNS):
        _, _, cases = half_close_runs[(name, k)].result(timeout=600)
        case = cases["relay/half-close/destination"]
        assert case["result"] == want, (name, k, case["actual"])
        assert re.fullmatch(actual, case["actual"]), (name, k, case["actual"])
