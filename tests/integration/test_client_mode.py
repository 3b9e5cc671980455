# SPDX-License-Identifier: MIT
"""socks4-test --client-cmd itself (issue 12): options, the template, the bounds on a
client that hangs or leaves children behind, the preflight, and every report format
with a matrix of clients. The cases' judgement is proven in test_client_proof.py and
met with real clients in test_client_matrix.py."""
import json
import pathlib
import re
import subprocess
import time

import pytest

from conftest import ROOT, SANITIZER_MARKS, binary, run_socks4_test

BROKEN = pathlib.Path(__file__).with_name("broken_client.py")
GOOD = f"{BROKEN} --timeout 2 --proxy {{proxy}} {{host}} {{port}}"


def socks4_test(*args, timeout=60):
    p = run_socks4_test(*args, capture_output=True, text=True,
                       errors="replace", timeout=timeout)
    for mark in SANITIZER_MARKS:
        assert mark not in p.stderr, p.stderr
    return p


def report(tmp_path, *args, fmt="json"):
    out = tmp_path / f"report.{fmt}"
    p = socks4_test(*args, "--format", fmt, "--output", str(out))
    return p, out.read_text()


@pytest.mark.parametrize("args", [("--target", "127.0.0.1:1"), ("--fuzz", "3")])
def test_client_cmd_is_alone(args):
    p = socks4_test("--client-cmd", "true", *args)
    assert p.returncode == 2 and "--client-cmd tests a client" in p.stderr, p.stderr


def test_list_is_the_client_catalogue():
    p = socks4_test("--client-cmd", "true", "--list")
    ids = [line.split()[0] for line in p.stdout.splitlines()[:-1]]
    assert p.returncode == 0 and len(ids) >= 30 and p.stdout.endswith(f"{len(ids)} cases\n")
    assert {i.split("/")[0] for i in ids} == {"preflight", "request", "reply", "relay", "bind",
                                              "robust"}
    server = socks4_test("--list").stdout
    assert "request/early-data" not in server and "request/early-data" in p.stdout


def test_help_documents_client_mode():
    out = socks4_test("--help").stdout
    for opt in ("--client-cmd", "--client-4a", "--client-bind", "--client-timeout", "{proxy}",
                "{url}", "{proxy_host}", "{proxy_port}"):
        assert opt in out, opt
    man = (ROOT / "man" / "socks4-test.1").read_text()
    for opt in ("client\\-cmd", "client\\-4a", "client\\-bind", "client\\-timeout"):
        assert opt in man, opt


def test_template_substitution(tmp_path):
    """Every placeholder is filled in; the command runs under sh -c (a pipeline, a
    redirection); what the client wrote to stderr is in the report."""
    tmpl = ("echo proxy={proxy} host={proxy_host} port={proxy_port} dest={host}:{port} "
            "url={url} >&2; exit 3")
    p, text = report(tmp_path, "--client-cmd", tmpl, "preflight/")
    case = json.loads(text)["cases"][0]
    assert case["result"] == "fail" and p.returncode == 1
    trace = "\n".join(case["trace"])
    m = re.search(r"proxy=127\.0\.0\.1:(\d+) host=127\.0\.0\.1 port=(\d+) "
                  r"dest=127\.0\.0\.1:(\d+) url=http://127\.0\.0\.1:(\d+)/socks4-test/"
                  r"preflight/client", trace)
    assert m, trace
    assert m.group(1) == m.group(2) and m.group(3) == m.group(4)
    assert re.fullmatch(r"the client never connected to the proxy \(exit 3 after \d+ ms\)",
                        case["actual"]), case


def test_preflight_failure_skips_the_rest(tmp_path):
    """A client that never sends a request is reported once, not 35 times."""
    p, text = report(tmp_path, "--client-cmd", "exit 0")
    cases = json.loads(text)["cases"]
    assert cases[0]["id"] == "preflight/client" and cases[0]["result"] == "fail"
    assert all(c["result"] == "skip" and "the preflight failed" in c["actual"]
               for c in cases[1:])
    assert p.returncode == 1


def test_hanging_client_and_its_children_are_killed(tmp_path):
    """A client that never ends is stopped at --client-timeout, with every process of
    its group (a child it started in the background too)."""
    mark = f"{time.monotonic_ns() % 10**9}.5"
    # the sleeps last years: the run ending at all (socks4_test's 60 s) shows the kill,
    # the trace and pgrep below show what was killed
    p, text = report(tmp_path, "--client-timeout", "1", "--client-cmd",
                     f"sleep {mark} & sleep {mark}", "preflight/")
    case = json.loads(text)["cases"][0]
    assert case["result"] == "fail", case
    assert re.fullmatch(r"the client never connected to the proxy "
                        r"\(no exit within 1\.\d s \(killed\)\)", case["actual"]), case
    assert "no exit within 1.0 s (killed)" in "\n".join(case["trace"])
    left = subprocess.run(["pgrep", "-f", f"sleep {mark}"], capture_output=True, text=True)
    assert left.stdout == "", f"processes left behind: {left.stdout}"


def test_matrix_of_clients_in_every_format(tmp_path):
    """Two clients: the side-by-side matrix, and one run per client in each format."""
    broken = f"{BROKEN} --timeout 2 --misbehave reply-one-recv --proxy {{proxy}} {{host}} {{port}}"
    args = ("--client-timeout", "5", "--client-cmd", GOOD, "--client-cmd", broken, "reply/split",
            "reply/91")
    p, text = report(tmp_path, *args)
    runs = json.loads(text)
    assert [r["target"] for r in runs] == [GOOD, broken]
    assert runs[0]["summary"]["failed"] == 0
    failed = [c["id"] for c in runs[1]["cases"] if c["result"] == "fail"]
    assert failed == ["reply/split"], failed
    assert p.returncode == 1
    assert re.search(r"^reply/split\s+PASS\s+FAIL\s*$", p.stdout, re.M), p.stdout
    _, tap = report(tmp_path, *args, fmt="tap")
    assert tap.count("TAP version 13") == 2 and "not ok" in tap
    _, junit = report(tmp_path, *args, fmt="junit")
    assert junit.count("<testsuite ") == 2 and 'name="reply/split"' in junit
    _, html = report(tmp_path, *args, fmt="html")
    # one summary card per client, and the cases-by-clients matrix
    assert html.count('<div class="card"><h2>') == 2
    assert "Cases by target" in html


def test_docs_client_case_list_is_current():
    """docs/client-cases.md (make docs) lists exactly the client catalogue."""
    doc = (ROOT / "docs" / "client-cases.md").read_text()
    documented = set(re.findall(r"^\| ([a-z0-9]+/\S+) \|", doc, re.M))
    p = socks4_test("--client-cmd", "true", "--list")
    listed = {line.split()[0] for line in p.stdout.splitlines()[:-1]}
    assert documented == listed, "run `make docs`: " + str(documented ^ listed)


def test_a_client_slow_beside_others_is_judged_again(tmp_path):
    """A client killed at --client-timeout may only be slow: here each start waits its
    turn for a lock, as clients started at once wait for a loaded machine. Such a FAIL
    is held until the other cases are done, and the case runs again with twice the
    time: its verdict is that run's, and its result says what the first run saw."""
    # (the preflight runs alone and is not judged again: it gets no wait)
    slow = (f"if [ -e {tmp_path}/warm ]; then flock {tmp_path}/turn sleep 1.2; "
            f"else touch {tmp_path}/warm; fi; exec {GOOD}")
    p, text = report(tmp_path, "--client-timeout", "3", "-j", "6", "--client-cmd", slow,
                     "relay/")
    cases = json.loads(text)["cases"]
    assert [c["result"] for c in cases] == ["pass"] * len(cases), \
        [(c["id"], c["actual"]) for c in cases if c["result"] != "pass"]
    again = [c for c in cases
             if c["actual"].startswith("again with 6.0 s once the other cases were done: ")]
    assert again, [c["actual"] for c in cases]
    for c in again:
        assert re.search(r"; the first run, beside them: .*no exit within 3\.0 s",
                         c["actual"]), c
    assert p.returncode == 0, p.stdout + p.stderr


def test_clients_that_wait_on_each_other_get_more_rounds(tmp_path):
    """After the preflight (which runs alone, and is not judged again: it gets no
    wait), each client start holds a lock for 2 s and --client-timeout is 3 s: the
    first run passes about one case and kills the others. Side by side with 6 s, two or
    three of those finish and the rest are killed again, waiting on them: that is no
    hang (others of the round finished in time), so they run again in a second round,
    and pass."""
    slow = (f"if [ -e {tmp_path}/warm ]; then flock {tmp_path}/turn sleep 2; "
            f"else touch {tmp_path}/warm; fi; exec {GOOD}")
    p, text = report(tmp_path, "--client-timeout", "3", "-j", "5", "--client-cmd", slow,
                     "relay/both-ways", "relay/binary", "relay/large",
                     "relay/half-close/client", "relay/half-close/destination")
    cases = [c for c in json.loads(text)["cases"] if not c["id"].startswith("preflight/")]
    assert [c["result"] for c in cases] == ["pass"] * 5, \
        [(c["id"], c["actual"]) for c in cases if c["result"] != "pass"]
    second = [c for c in cases
              if c["actual"].startswith("again with 6.0 s (confirming round 2) once the "
                                        "other cases were done: ")]
    assert second, [c["actual"] for c in cases]
    for c in second:
        assert re.search(r"; the first run, beside them: .*no exit within 3\.0 s", c["actual"]), c
    assert p.returncode == 0, p.stdout + p.stderr


def test_a_hung_client_is_confirmed(tmp_path):
    """nc -X 4 never passes its input's end on (docs/clients.md): the case's client is
    killed at its deadline, again with twice the time once the other cases are done,
    and the FAIL says so."""
    p, text = report(tmp_path, "--strict", "--client-timeout", "2", "--client-cmd",
                     "nc -X 4 -x {proxy} {host} {port}", "relay/half-close/client")
    case = next(c for c in json.loads(text)["cases"] if c["id"] == "relay/half-close/client")
    assert case["result"] == "fail", case
    assert re.match(r"confirmed with 4\.0 s once the other cases were done: .*no exit within "
                    r"4\.0 s.*; the first run, beside them: .*no exit within 2\.0 s",
                    case["actual"]), case
    assert p.returncode == 1
