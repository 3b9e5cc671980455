# SPDX-License-Identifier: MIT
"""socks4-test itself: its options, exit statuses and report formats, hostile
targets, the matrix, and the suite against the reference server run as a separate
program and against Dante's sockd. Which cases can fail, and on what, is proven
in test_conformance_proof.py."""
import json
import os
import re
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import binary, free_port, hold_free, run_in_own_netns, run_socks4_test
import verdict_record

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$")


def runner(*args, timeout=180):
    return run_socks4_test(*args, capture_output=True, text=True,
                          timeout=timeout)


def last_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1] if lines else ""


def run_json(tmp_path, *args, timeout=180):
    out = tmp_path / "report.json"
    p = runner("--format", "json", "--output", str(out), *args, timeout=timeout)
    report = json.loads(out.read_text()) if out.exists() else None
    return p, report


def by_result(report, result):
    return {c["id"] for c in report["cases"] if c["result"] == result}


# --- the built-in target ------------------------------------------------------

def test_builtin_target_passes_everything(tmp_path):
    t0 = time.monotonic()
    p, report = run_json(tmp_path)
    took = time.monotonic() - t0
    one_after_another = sum(c["duration_ms"] for c in report["cases"]) / 1000
    assert p.returncode == 0, p.stdout + p.stderr
    assert SUMMARY.match(last_line(p.stdout)), last_line(p.stdout)
    assert len(report["cases"]) >= 70
    assert by_result(report, "fail") == set()
    # only the case for servers WITHOUT 4a is skipped: the reference does 4a
    assert by_result(report, "skip") == {"4a/unsupported", "bind/unsupported"}
    assert report["summary"]["failed"] == 0
    verdict_record.check("builtin", report["cases"])
    # the cases overlap (a ratio in the same run, not a wall-clock limit a loaded
    # machine breaks): the run takes less than its cases one after another
    assert took < one_after_another, (f"the suite took {took:.1f} s, its cases "
                                      f"{one_after_another:.1f} s one after another")


def test_json_schema(tmp_path):
    p, report = run_json(tmp_path, "connect/", "reply/")
    assert p.returncode == 0
    assert set(report) >= {"target", "summary", "cases"}
    assert set(report["summary"]) >= {"passed", "failed", "skipped", "levels"}
    for lv in ("MUST", "SHOULD", "INFO"):
        assert set(report["summary"]["levels"][lv]) == {"passed", "failed", "skipped"}
    for c in report["cases"]:
        assert set(c) >= {"id", "level", "requirements", "result", "expected", "actual",
                          "duration_ms", "trace"}
        assert c["level"] in ("MUST", "SHOULD", "INFO")
        assert c["result"] in ("pass", "fail", "skip", "info")
        assert all(r.startswith("S4") for r in c["requirements"]), c["requirements"]
        assert isinstance(c["duration_ms"], int) and isinstance(c["trace"], list)
    granted = next(c for c in report["cases"] if c["id"] == "connect/granted")
    assert granted["requirements"] == ["S4-CONNECT-2", "S4-REPLY-4"]
    assert any(" > 04 01 " in line for line in granted["trace"]), granted["trace"]
    assert any(" < 00 5a " in line for line in granted["trace"]), granted["trace"]


def test_junit_tap_html(tmp_path):
    for fmt in ("junit", "tap", "html"):
        out = tmp_path / f"r.{fmt}"
        p = runner("--format", fmt, "--output", str(out), "connect/")
        assert p.returncode == 0, p.stderr
        text = out.read_text()
        n = len([l for l in runner("--list", "connect/").stdout.splitlines()
                 if re.match(r"^\S+/\S+\s+(MUST|SHOULD|INFO)", l)])
        if fmt == "junit":
            root = ET.fromstring(text)
            cases = root.findall(".//testcase")
            assert len(cases) == n
            assert root.find("testsuite").get("failures") == "0"
        elif fmt == "tap":
            lines = text.splitlines()
            assert lines[0] == "TAP version 13" and lines[1] == f"1..{n}"
            assert len([l for l in lines if l.startswith("ok ")]) == n
        else:
            assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
            assert "connect/no-early-grant" in text
            # one self-contained file: nothing loaded from elsewhere (its script is
            # inline, its links go to its own anchors; test_report_html.py has more)
            assert "src=" not in text and "http" not in text
            assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', text))
    # machine formats to stdout: nothing else there
    p = runner("--format", "json", "connect/refused")
    assert json.loads(p.stdout)["summary"]["failed"] == 0


def test_list_and_selection():
    p = runner("--list")
    rows = [l for l in p.stdout.splitlines() if re.match(r"^\S+\s+(MUST|SHOULD|INFO)\s", l)]
    assert p.returncode == 0 and len(rows) >= 70
    ids = [r.split()[0] for r in rows]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert p.stdout.splitlines()[-1] == f"{len(rows)} cases"
    for area in ("connect/", "reply/", "request/", "delivery/", "relay/", "bind/", "4a/",
                 "ident/", "robust/"):
        assert any(i.startswith(area) for i in ids), area

    p = runner("--list", "bind")
    sel = [l.split()[0] for l in p.stdout.splitlines()[:-1]]
    # the preflight always runs first: is it SOCKS4, does it reach us, what can it do
    assert sel[:3] == ["preflight/socks4-server", "preflight/destination",
                       "preflight/capabilities"]
    assert all(i.startswith("bind/") for i in sel[3:]) and len(sel) > 5
    p = runner("--list", "*vn*")
    sel = [l.split()[0] for l in p.stdout.splitlines()[3:-1]]
    assert sel and all("vn" in i for i in sel)
    p = runner("--list", "request/vn")
    assert "request/vn/5" in p.stdout and "reply/vn" not in p.stdout


def test_usage_errors():
    for args, text in ((["no/such/case"], "no case matches"),
                       (["--format", "xml"], "--format must be"),
                       (["-j", "0"], "bad number"),
                       (["--identd", "sometimes"], "--identd must be strict or lenient"),
                       (["--target", "nohostport"], "expected HOST:PORT"),
                       (["--bogus"], "Try 'socks4-test --help'")):
        p = runner(*args)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert text in p.stderr, (args, p.stderr)
    p = runner("--help")
    assert p.returncode == 0 and "--target HOST:PORT" in p.stdout and "Exit status" in p.stdout


def test_unreachable_target():
    p = runner("--target", f"127.0.0.1:{free_port()}", "--identd-port", str(free_port()))
    assert p.returncode == 2
    assert "cannot reach target 127.0.0.1:" in p.stderr and "refused" in p.stderr


def test_no_colour_when_not_a_terminal():
    p = runner("connect/granted")
    assert "\033[" not in p.stdout


# --- the reference server as an ordinary target ---------------------------------

def test_reference_server_as_external_target(start_server, tmp_path):
    """The same server, reached like any other: rules deny a user, identd strict
    for everyone through the runner's scripted identd on a test port."""
    rules = tmp_path / "r.conf"
    rules.write_text("deny *=nobody-allowed 0.0.0.0 0.0.0.0\npermit 0.0.0.0 0.0.0.0\n")
    ident_port = free_port()
    srv = start_server("--rules", str(rules), "--identd", "strict", "--identd-port",
                       str(ident_port), "--identd-timeout", "1", "--handshake-timeout", "1",
                       "--bind-timeout", "1", "-q")
    p, report = run_json(tmp_path, "--target", f"127.0.0.1:{srv.port}", "--identd", "strict",
                         "--identd-port", str(ident_port), "--deny-user", "nobody-allowed",
                         "--stall-wait", "4", "--timer-wait", "4", "-j", "8")
    assert p.returncode == 0, p.stdout
    assert by_result(report, "fail") == set(), p.stdout
    # strict for everyone: the lenient-mode cases cannot run, identd cannot confirm
    # an empty USERID, and */unsupported are for servers without 4a or BIND
    assert by_result(report, "skip") == {"4a/unsupported", "bind/unsupported",
                                         "ident/error/lenient",
                                         "ident/mismatch/lenient",
                                         "request/userid/empty"}, p.stdout


def test_matrix_of_two_targets(start_server):
    a = start_server("--handshake-timeout", "1")
    b = start_server("--no-4a", "--handshake-timeout", "1")
    p = runner("--target", f"127.0.0.1:{a.port}", "--target", f"127.0.0.1:{b.port}",
               "--identd-port", str(free_port()), "--stall-wait", "3", "4a/", "request/vn/")
    assert p.returncode == 0, p.stdout
    row = next(l for l in p.stdout.splitlines() if l.startswith("4a/unsupported"))
    assert row.split()[1:] == ["SKIP", "PASS"]  # a does 4a, b does not
    row = next(l for l in p.stdout.splitlines() if l.startswith("4a/marker/255"))
    assert row.split()[1:] == ["PASS", "SKIP"]
    assert SUMMARY.match(last_line(p.stdout))


def test_strict_counts_should_failures(start_server):
    """A server that drops stalled clients only after 30 s fails the SHOULD
    stall cases when the runner waits 1 s: exit 0, but 1 with --strict."""
    srv = start_server("--handshake-timeout", "30", "-q")
    args = ["--target", f"127.0.0.1:{srv.port}", "--identd-port", str(free_port()),
            "--stall-wait", "1", "robust/stall/silent"]
    p = runner(*args)
    assert "FAIL SHOULD robust/stall/silent" in p.stdout
    assert p.returncode == 0
    assert runner("--strict", *args).returncode == 1


# --- hostile targets ----------------------------------------------------------------

class ScriptedTarget:
    """Accepts connections and runs `behave(conn)` on each, on a thread."""

    def __init__(self, behave):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.behave = behave
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._one, args=(c,), daemon=True).start()

    def _one(self, c):
        try:
            self.behave(c)
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.sock.close()


def socks5_only(c):
    c.settimeout(5)
    first = c.recv(1)
    if first == b"\x05":
        c.recv(64)
        c.sendall(b"\x05\x00")
        c.recv(64)


def silent(c):
    time.sleep(8)


def garbage(c):
    c.settimeout(10)
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        c.sendall(b"\xff" * 65536)


# --timeout: the silent target's verdict comes only from waiting it out (1 s each
# for the preflight and the checks whether it still serves); the others answer.
@pytest.mark.parametrize("behave,want,timeout", [
    (socks5_only, "not a SOCKS4 server: it answers SOCKS5", "2"),
    (silent, "not a SOCKS4 server: a SOCKS4 CONNECT got no reply", "1"),
    (garbage, "not a SOCKS4 server: a SOCKS4 CONNECT got a reply with VN=255", "2"),
])
def test_not_a_socks4_server(behave, want, timeout, tmp_path):
    t = ScriptedTarget(behave)
    p, report = run_json(tmp_path, "--target", f"127.0.0.1:{t.port}", "--identd-port",
                         str(free_port()), "--timeout", timeout)
    t.close()
    assert p.returncode == 1
    assert want in p.stdout, p.stdout
    assert by_result(report, "fail") == {"preflight/socks4-server"}
    assert len(by_result(report, "skip")) == len(report["cases"]) - 1
    # no case waited on it: only the preflight and the checks whether it still serves
    # connected (6 to 13 connections; the whole suite makes well over a hundred)
    assert t.accepted <= 20, f"{t.accepted} connections to a hostile target"


def test_target_that_dies(start_server, tmp_path):
    """A target that stops serving midway is reported as such, not as a cascade."""
    srv = start_server("-q")
    killer = threading.Timer(1.0, srv.kill)
    killer.start()
    p, report = run_json(tmp_path, "--target", f"127.0.0.1:{srv.port}", "--identd-port",
                         str(free_port()), "--stall-wait", "2", "--timeout", "2", "-j", "2")
    killer.join()
    assert p.returncode == 1
    skipped = [c for c in report["cases"] if c["result"] == "skip"
               and "stopped serving" in c["actual"]]
    assert skipped, p.stdout
    assert len(by_result(report, "fail")) < 20, by_result(report, "fail")


def test_a_split_reply_is_read_to_its_end(tmp_path):
    """TCP may deliver a reply's 8 octets apart, and late: a server that writes them
    0.3 s apart is correct. A case that waits briefly for a reply to begin (the
    no-early-grant loop asks every 250 ms) must read one that began to its end,
    not judge the first octets ("only 1 of 8 reply bytes")."""
    import broken_server
    srv = broken_server.BrokenServer(split_replies=True, split_pause=0.3,
                                     handshake_timeout=3.0).start()
    try:
        # --features: fewer capability probes, each 2.1 s with such replies
        p, report = run_json(tmp_path, "--target", f"127.0.0.1:{srv.port}", "--identd-port",
                             str(free_port()), "--timeout", "5", "--features", "4a,bind",
                             "connect/no-early-grant", "connect/granted", "request/header-only")
    finally:
        srv.stop()
    assert by_result(report, "fail") == set(), p.stdout
    assert by_result(report, "pass") >= {"connect/no-early-grant", "connect/granted"}, p.stdout
    assert p.returncode == 0


# --- Dante ---------------------------------------------------------------------------

DANTE_RULES = """client pass {{
	from: 127.0.0.0/8 to: 127.0.0.0/8
	log: error
}}
socks block {{
	from: 127.0.0.0/8 to: 127.0.0.1/32 port = {deny}
	log: error
}}
socks pass {{
	from: 127.0.0.0/8 to: 127.0.0.0/8
	log: error
}}
"""

# Dante 1.4.2 has no SOCKS4a (it tries connect(2) to 0.0.0.1 and answers 91),
# no identd for SOCKS4 in this configuration, and the BIND timer is not waited for.
DANTE_SKIPS = {
    "delivery/bytewise/connect-4a", "delivery/fields/connect-4a",
    "delivery/payload/connect-4a", "bind/4a", "bind/timer",
    "4a/connect/ip-literal", "4a/marker/255", "4a/connect/name", "4a/unresolvable",
    "4a/hostname/empty", "4a/hostname/255", "4a/hostname/256", "4a/hostname/1024",
    "4a/hostname/no-nul", "reply/vn/92", "reply/vn/93", "ident/query-format", "ident/match",
    "ident/mismatch", "ident/mismatch/close", "ident/case-sensitive", "ident/blanks",
    "ident/error/strict", "ident/closed/strict", "ident/hang/strict", "ident/error/lenient",
    "ident/mismatch/lenient", "bind/unsupported",
}


def test_dante(start_dante, tmp_path):
    deny = free_port()
    d = start_dante(extra_config="timeout.negotiate: 3\n", rules=DANTE_RULES.format(deny=deny))
    p, report = run_json(tmp_path, "--target", f"127.0.0.1:{d.port}", "--deny-port", str(deny),
                         "--identd-port", str(free_port()), "--stall-wait", "6", "-j", "8")
    assert p.returncode == 0, p.stdout
    assert by_result(report, "fail") == set(), p.stdout
    assert by_result(report, "skip") == DANTE_SKIPS, p.stdout
    info = {c["id"]: c["actual"] for c in report["cases"] if c["result"] == "info"}
    assert "answered as a SOCKS5 server too" in info["robust/socks5-greeting"]


# With rfc931 Dante consults identd, but "v4 is not very specific": every
# failure is 91, never 92 or 93 (docs/dante.md).
DANTE_RFC931_FAILS = {"ident/mismatch", "ident/mismatch/close", "ident/case-sensitive",
                      "ident/error/strict", "ident/closed/strict", "ident/hang/strict"}


def test_dante_rfc931(start_dante, tmp_path, request):
    # Dante asks identd on port 113, which the host may hold (an oidentd): the test
    # runs in a network namespace of its own.
    if run_in_own_netns(request):
        return
    hold_free(113)
    rules = ("client pass {\n\tfrom: 127.0.0.0/8 to: 127.0.0.0/8\n}\n"
             "socks pass {\n\tfrom: 127.0.0.0/8 to: 127.0.0.0/8\n\tsocksmethod: rfc931\n}\n")
    d = start_dante(extra_config="socksmethod: rfc931\n", rules=rules)
    p, report = run_json(tmp_path, "--target", f"127.0.0.1:{d.port}", "--user", "root",
                         "--identd", "strict", "--identd-port", "113", "--stall-wait", "3",
                         "-j", "8", "ident/", "reply/vn/92", "reply/vn/93")
    assert report is not None, f"no report (exit {p.returncode}):\n{p.stdout}{p.stderr}"
    assert by_result(report, "fail") == DANTE_RFC931_FAILS, p.stdout
    codes = {c["id"]: c["actual"] for c in report["cases"] if c["result"] == "fail"}
    assert codes["ident/mismatch"] == "91 (request rejected or failed)"
    assert p.returncode == 1


def test_docs_case_list_is_current():
    """docs/cases.md (make docs) lists exactly the cases of the catalogue."""
    import pathlib
    doc = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "cases.md").read_text()
    documented = set(re.findall(r"^\| ([a-z0-9]+/\S+) \|", doc, re.M))
    listed = {l.split()[0] for l in runner("--list").stdout.splitlines()[:-1]}
    assert documented == listed, "run `make docs`: " + str(documented ^ listed)


# --- the runner's own services failing are never verdicts (issue 10) ---------------

def held_port():
    """A port another program (here: this test) listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


def test_identd_port_in_use_stops_an_identd_run(start_server, tmp_path):
    """--identd given and its port held by another program (an oidentd, say): exit 2
    before any case, with the cause; it used to run the ident cases against the other
    identd and fail them."""
    srv = start_server()
    held = held_port()
    try:
        p = runner("--target", f"127.0.0.1:{srv.port}", "--identd", "strict",
                   "--identd-port", str(held.getsockname()[1]), "ident/")
    finally:
        held.close()
    assert p.returncode == 2, p.stdout
    assert "is in use by another program" in p.stderr, p.stderr
    assert "PASS" not in p.stdout and "FAIL" not in p.stdout


def test_identd_port_in_use_skips_ident_cases(start_server, tmp_path):
    """Without --identd the ident cases need the runner's identd: they skip, saying
    why, instead of failing."""
    srv = start_server()
    held = held_port()
    try:
        p, report = run_json(tmp_path, "--target", f"127.0.0.1:{srv.port}", "--identd-port",
                             str(held.getsockname()[1]), "ident/")
    finally:
        held.close()
    assert p.returncode == 0, p.stdout
    ident = [c for c in report["cases"] if c["id"].startswith("ident/")]
    assert ident and all(c["result"] == "skip" for c in ident), p.stdout
    assert all("in use by another program" in c["actual"] for c in ident), p.stdout


def test_deny_port_in_use_stops_the_run(start_server):
    srv = start_server()
    held = held_port()
    try:
        p = runner("--target", f"127.0.0.1:{srv.port}", "--identd-port", str(free_port()),
                   "--deny-port", str(held.getsockname()[1]), "connect/denied")
    finally:
        held.close()
    assert p.returncode == 2
    assert "--deny-port destination cannot listen" in p.stderr, p.stderr
