# SPDX-License-Identifier: MIT
"""socks4-test --baseline / --write-baseline (issue 13): CI gates on regressions, not
on known deviations.

The target with known failures is broken_server.py answering every failed CONNECT
with VN=4 (--misbehave vn4-rejected): with the cases connect/ and reply/ it fails
exactly five MUST cases (test_conformance_proof.py proves which) and passes the rest.
"""
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import (VN4_REJECTED_FAILS, binary, free_port, run_socks4_test,
                      vn4_rejected_server)

sys.path.insert(0, __import__("os").path.dirname(__file__))

FAILING = VN4_REJECTED_FAILS
SELECT = ("connect/", "reply/")


@pytest.fixture(scope="module")
def target():
    with vn4_rejected_server() as srv:
        yield f"127.0.0.1:{srv.port}"


def run(target, *args, timeout=120):
    argv = [binary("socks4-test"), "--target", target, "--identd-port", str(free_port()),
            "--stall-wait", "3", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def ids_of(path):
    """The ids of a baseline list, as a reader would take them."""
    return {l.split("#")[0].strip() for l in path.read_text().splitlines()} - {""}


def test_write_baseline_then_gate_on_it(target, tmp_path):
    bl = tmp_path / "known.txt"
    p = run(target, "--write-baseline", str(bl), *SELECT)
    assert p.returncode == 1, p.stdout  # five MUST failures, no baseline yet
    assert ids_of(bl) == FAILING
    text = bl.read_text()
    # each id with its level and title as a comment
    assert re.search(r"^connect/refused +# MUST: CONNECT to a refused port gets 91$", text,
                     re.M), text
    assert text.startswith("# socks4-test baseline")

    out = tmp_path / "r.json"
    p = run(target, "--baseline", str(bl), "--format", "json", "--output", str(out), *SELECT)
    assert p.returncode == 0, p.stdout + p.stderr  # every failure is known
    report = json.loads(out.read_text())
    assert report["summary"]["baseline"] == {"file": str(bl), "new": 0, "known": 5, "fixed": 0}
    marks = {c["id"]: c.get("baseline") for c in report["cases"]}
    assert {i for i, m in marks.items() if m == "known"} == FAILING
    assert not {i for i, m in marks.items() if m not in (None, "known")}
    assert "baseline " + str(bl) + ": 0 new, 5 known, 0 fixed" in p.stdout
    assert re.search(r"FAIL MUST +connect/refused .*\[KNOWN\]$", p.stdout, re.M), p.stdout


def test_new_and_fixed(target, tmp_path):
    """Two known failures left out (NEW: the run fails) and a passing case listed
    (FIXED: reported, does not fail the run); every format says so."""
    bl = tmp_path / "bl.txt"
    known = sorted(FAILING)[:3]
    new = FAILING - set(known)
    bl.write_text("# hand-written\n\n" + "\n".join(f"  {i}   # a comment" for i in known) +
                  "\nconnect/granted\n")
    for fmt in ("junit", "tap", "json"):
        out = tmp_path / f"r.{fmt}"
        p = run(target, "--baseline", str(bl), "--format", fmt, "--output", str(out), *SELECT)
        assert p.returncode == 1, (fmt, p.stdout)
        text = out.read_text()
        if fmt == "junit":
            suite = ET.fromstring(text).find("testsuite")
            cases = {c.get("name"): c for c in suite.findall("testcase")}
            failures = {n for n, c in cases.items() if c.find("failure") is not None}
            assert failures == new
            for n in new:
                assert cases[n].find("failure").get("message").startswith("NEW: ")
            for n in known:
                assert cases[n].find("skipped").get("message") == "known failure (baseline)"
            assert cases["connect/granted"].find("system-out").text.startswith("FIXED")
            assert suite.get("failures") == str(len(new))
            skipped = sum(c.find("skipped") is not None for c in cases.values())
            assert suite.get("skipped") == str(skipped)
        elif fmt == "tap":
            for n in known:
                assert re.search(rf"^not ok \d+ - {re.escape(n)} .*# TODO known failure "
                                 r"\(baseline\)$", text, re.M), text
            for n in new:
                assert re.search(rf"^not ok \d+ - {re.escape(n)} \[MUST\][^#]*$", text, re.M)
            assert "# FIXED: connect/granted is listed in the baseline" in text
        else:
            report = json.loads(text)
            assert report["summary"]["baseline"]["new"] == len(new)
            assert report["summary"]["baseline"]["fixed"] == 1
            marks = {c["id"]: c.get("baseline") for c in report["cases"]}
            assert {i for i, m in marks.items() if m == "new"} == new
            assert marks["connect/granted"] == "fixed"
    for n in new:
        assert f"NEW (a failure the baseline does not list): {n}" in p.stdout
        assert re.search(rf"FAIL MUST +{re.escape(n)} .*\[NEW\]$", p.stdout, re.M)
    assert "FIXED (listed in the baseline, passes now: delete its line): connect/granted" \
        in p.stdout
    assert re.search(r"PASS MUST +connect/granted .*\[FIXED\]$", p.stdout, re.M)


def test_json_report_as_baseline(target, tmp_path):
    old = tmp_path / "old.json"
    p = run(target, "--format", "json", "--output", str(old), *SELECT)
    assert p.returncode == 1
    p = run(target, "--baseline", str(old), *SELECT)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "0 new, 5 known, 0 fixed" in p.stdout
    # a report of several targets: the union of their failures
    both = tmp_path / "both.json"
    both.write_text(json.dumps([json.loads(old.read_text()),
                                {"target": "x", "cases": [{"id": "connect/granted",
                                                           "result": "fail"}]}]))
    p = run(target, "--baseline", str(both), *SELECT)
    assert p.returncode == 0 and "0 new, 5 known, 1 fixed" in p.stdout, p.stdout


def test_no_baseline_changes_nothing(start_server, tmp_path):
    """Against a correct server an empty baseline gives no marks; without
    --baseline no format has any."""
    srv = start_server("--handshake-timeout", "1")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing known\n")
    out = tmp_path / "r.json"
    p = run(f"127.0.0.1:{srv.port}", "--baseline", str(empty), "--format", "json",
            "--output", str(out), "connect/")
    assert p.returncode == 0, p.stdout
    report = json.loads(out.read_text())
    assert report["summary"]["baseline"]["new"] == 0
    assert all("baseline" not in c for c in report["cases"])
    p = run(f"127.0.0.1:{srv.port}", "--format", "json", "connect/granted")
    report = json.loads(p.stdout)
    assert "baseline" not in report["summary"]
    assert "[NEW]" not in p.stdout


@pytest.mark.parametrize("content,error", [
    (b"connect/granted extra words\n", r":1: not a case id .*'connect/granted extra words'"),
    (b"# ok\n\nconnect/\x01bad\n", r":3: not a case id"),
    (b"{\"cases\": [{\"id\": \"a\", \"result\": \"fail\"}\n", r":2: not a socks4-test JSON "
                                                          r"report: expected ',' or ']'"),
    (b"{\"target\": \"x\"}", r"a JSON file without cases"),
    (b"[" * 100, r"nested too deeply"),
    (b"\x00\x01\x02", r"a binary file"),
    (b"a" * 200 + b"\n", r"a case id longer than 127 octets"),
])
def test_bad_baseline_is_a_usage_error(tmp_path, content, error):
    bl = tmp_path / "bad"
    bl.write_bytes(content)
    p = run_socks4_test("--baseline", str(bl), "connect/granted",
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stdout + p.stderr
    assert re.search(r"socks4-test: --baseline: " + re.escape(str(bl)) + ".*" + error,
                     p.stderr), p.stderr


def test_missing_baseline_and_unwritable_output(tmp_path):
    p = run_socks4_test("--baseline", str(tmp_path / "none"),
                        "connect/granted", capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "No such file or directory" in p.stderr
    p = run_socks4_test("--write-baseline",
                        str(tmp_path / "no" / "dir"), "connect/granted",
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "--write-baseline: " in p.stderr, p.stderr


def test_unknown_id_is_a_warning(tmp_path):
    bl = tmp_path / "bl.txt"
    bl.write_text("connect/renamed-long-ago\nconnect/granted\n")
    p = run_socks4_test("--baseline", str(bl), "connect/granted",
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    assert "warning: no case 'connect/renamed-long-ago' in the catalogue" in p.stderr
    assert "[FIXED]" in p.stdout  # connect/granted passes on the built-in server
