# SPDX-License-Identifier: MIT
"""A relay verdict tells the destination's side (issue 17): each case that asks for the
echo destination gets one of its own, so its trace shows where the target connected
from, the bytes that came in and went back, and how each connection ended, and a
"N of M bytes" failure says what the destination saw. A reader can then tell a target
that lost the bytes on the way back from one that never forwarded them."""
import json
import pathlib
import re
import subprocess

from conftest import SANITIZER_MARKS, Proc, binary, free_port

BROKEN = str(pathlib.Path(__file__).resolve().parent / "broken_server.py")


def run_case(tmp_path, port, *select):
    out = tmp_path / "report.json"
    p = subprocess.run([binary("socks4-test"), "--target", f"127.0.0.1:{port}",
                        "--identd-port", str(free_port()), "--crash-dir", str(tmp_path),
                        "--timeout", "2", "--format", "json", "--output", str(out), *select],
                       capture_output=True, text=True, errors="replace", timeout=120)
    for mark in SANITIZER_MARKS:
        assert mark not in p.stderr, p.stderr
    return p, {c["id"]: c for c in json.loads(out.read_text())["cases"]}


def broken(*misbehave):
    argv = ["/usr/bin/python3", BROKEN, "--handshake-timeout", "2"]
    for m in misbehave:
        argv += ["--misbehave", m]
    p = Proc(argv)
    p.port = int(p.wait_line(r"listening on 127\.0\.0\.1:(\d+)").group(1))
    return p


def test_lost_on_the_way_back(tmp_path):
    """The target forwards the client's bytes but nothing comes back: the destination got
    every byte and echoed it, and the verdict says so."""
    srv = broken("one-way-relay")
    try:
        p, cases = run_case(tmp_path, srv.port, "request/userid/printable")
    finally:
        srv.kill()
    case = cases["request/userid/printable"]
    assert case["result"] == "fail", case
    m = re.search(r"(\d+) of (\d+) bytes, then \w+ \(e1: (\d+) bytes in, (\d+) back", case["actual"])
    assert m, case["actual"]
    got, want, came_in, went_back = map(int, m.groups())
    assert got == 0 and came_in == want and went_back == want, case["actual"]
    trace = "\n".join(case["trace"])
    assert re.search(r"e1 +\* echo destination accepted 127\.0\.0\.1:\d+", trace), trace
    assert re.search(r"e1 +< ", trace) and re.search(r"e1 +> ", trace), trace


def test_correct_server_every_case_its_own_destination(tmp_path, start_server):
    """Against the reference server every case passes with destinations of their own, and
    two cases never share one, not even one after the other (each trace names its own
    port; the kernel hands a closed listener's port out again, and a late connection
    for an earlier case must not reach a later one)."""
    srv = start_server()
    p, cases = run_case(tmp_path, srv.port, "request/", "connect/", "relay/", "reply/")
    assert p.returncode == 0, p.stdout
    ports = {}
    for cid, case in cases.items():
        m = re.search(r"echo destination listening on [\d.]+:(\d+)", "\n".join(case["trace"]))
        if m:
            assert m.group(1) not in ports, (cid, ports[m.group(1)])
            ports[m.group(1)] = cid
    assert len(ports) >= 25, ports
