# SPDX-License-Identifier: MIT
"""Real SOCKS4 clients under socks4-test --client-cmd (issue 12): curl, socat, PySocks,
ncat, nc -X 4 (netcat-openbsd), proxychains4 and socks4-client, all from ci/deps.sh (a
missing one fails, it never skips).

The expected results are not kept here: they are the matrix in docs/clients.md, which
this test reads (the table under "## The matrix"): for every client row, the exact set
of failing cases and what it does with a VN=4 reply. A client that changes, or a case
that changes, makes the document wrong and this test fail, so it cannot go stale.
"""
import concurrent.futures
import json
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import ROOT, SANITIZER_MARKS, binary, run_socks4_test

# one pool of runs on one worker: it starts early (make integration)
pytestmark = pytest.mark.long(90)

DOC = ROOT / "docs" / "clients.md"
HERE = pathlib.Path(__file__).parent
PYSOCKS = HERE / "clients" / "pysocks_client.py"
RUNNER = ("--client-timeout", "6", "-j", "6")
POOL = 4


def proxychains(conf_dir, proxy_dns):
    """proxychains4 around nc -N, with a config file per case (its proxy port)."""
    conf = f"{conf_dir}/pc-{{proxy_port}}.conf"
    lines = "strict_chain\\nquiet_mode\\n" + ("proxy_dns\\n" if proxy_dns else "")
    lines += "[ProxyList]\\nsocks4 {proxy_host} {proxy_port}\\n"
    return (f"printf '{lines}' > {conf} && "
            f"exec proxychains4 -q -f {conf} nc -N {{host}} {{port}}")


def templates(conf_dir):
    """client id (as in docs/clients.md) -> (TEMPLATE, socks4-test flags)."""
    s4c = f"{binary('socks4-client')} --proxy {{proxy}} --timeout 3"
    socat = "socat -t 5 - {kind}:{{proxy_host}}:{{host}}:{{port}},socksport={{proxy_port}}"
    ncat = "ncat --proxy {proxy} --proxy-type socks4 {host} {port}"
    return {
        "socks4-client": (f"{s4c} {{host}} {{port}}", ()),
        "socks4-client --4a": (f"{s4c} --4a {{host}} {{port}}", ("--client-4a",)),
        "socks4-client --bind": (f"{s4c} --bind --bind-info 2 {{host}} {{port}}",
                                 ("--client-bind",)),
        "curl --socks4": ("curl -sS --max-time 10 --socks4 {proxy} {url}", ()),
        "curl --socks4a": ("curl -sS --max-time 10 --socks4a {proxy} {url}", ("--client-4a",)),
        "socat SOCKS4": (socat.format(kind="SOCKS4"), ()),
        "socat SOCKS4A": (socat.format(kind="SOCKS4A"), ("--client-4a",)),
        "PySocks": (f"{PYSOCKS} {{proxy_host}} {{proxy_port}} {{host}} {{port}}", ()),
        "PySocks rdns": (f"{PYSOCKS} --4a {{proxy_host}} {{proxy_port}} {{host}} {{port}}",
                         ("--client-4a",)),
        "ncat socks4": (ncat, ()),
        "ncat socks4, as 4a": (ncat, ("--client-4a",)),
        "nc -X 4": ("nc -X 4 -x {proxy} {host} {port}", ()),
        "nc -N -X 4": ("nc -N -X 4 -x {proxy} {host} {port}", ()),
        "proxychains4": (proxychains(conf_dir, False), ()),
        "proxychains4 proxy_dns": (proxychains(conf_dir, True), ("--client-4a",)),
        # issue 21: the name leak (request/4a/no-dns-leak); the request cases only
        "connect-proxy -4": ("connect-proxy -4 -S {proxy} {host} {port}",
                             ("--client-4a", "request/", "reply/vn-4")),
        "connect-proxy -4 -R remote": ("connect-proxy -4 -R remote -S {proxy} {host} {port}",
                                       ("--client-4a", "request/", "reply/vn-4")),
    }


def documented():
    """The matrix rows of docs/clients.md: id -> (failing case ids, VN=4 behaviour)."""
    rows = {}
    in_matrix = False
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            in_matrix = line.strip() == "## The matrix"
            continue
        m = re.match(r"^\| `([^`]+)` \|[^|]*\|[^|]*\| ([^|]*) \| (tolerated|refused|-) \|", line)
        if in_matrix and m:
            fails = set(re.findall(r"`([a-z0-9/-]+/[a-z0-9/-]+)`", m.group(2)))
            rows[m.group(1)] = (fails, m.group(3))
    return rows


def run(template, flags):
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "report.json"
        p = run_socks4_test(*RUNNER, *flags, "--client-cmd", template,
                            "--format", "json", "--output", str(out),
                           capture_output=True, text=True, errors="replace", timeout=150)
        report = json.loads(out.read_text()) if out.exists() else None
    for mark in SANITIZER_MARKS:
        assert mark not in p.stderr, f"sanitizer report:\n{p.stderr}"
    assert report is not None, f"no report (exit {p.returncode}):\n{p.stdout}{p.stderr}"
    return {c["id"]: c for c in report["cases"]}, p.returncode


@pytest.fixture(scope="module")
def conf_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("proxychains")


@pytest.fixture(scope="module")
def runs(conf_dir):
    for tool in ("curl", "socat", "ncat", "nc", "proxychains4", "connect-proxy"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (ci/deps.sh installs it)")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=POOL)
    futures = {cid: pool.submit(run, *t) for cid, t in templates(conf_dir).items()}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def test_document_has_every_client(conf_dir):
    from test_client_chromium import BROWSERS  # the browser rows: make browser-check
    assert set(documented()) == set(templates(conf_dir)) | set(BROWSERS)


@pytest.mark.parametrize("cid", list(templates("DIR")))
def test_client_matrix(cid, runs):
    cases, rc = runs[cid].result(timeout=300)
    fails, vn4 = documented()[cid]
    failed = {i for i, c in cases.items() if c["result"] == "fail"}
    detail = "\n".join(f"  {i}: {cases[i]['actual']}" for i in sorted(failed ^ fails)
                       if i in cases)
    assert failed == fails, f"{cid}: failing cases differ from docs/clients.md\n{detail}"
    must_failed = any(cases[i]["level"] == "MUST" for i in failed)
    assert rc == (1 if must_failed else 0)
    skipped = {i for i, c in cases.items() if c["result"] == "skip"}
    assert "preflight/client" not in failed | skipped
    if "reply/vn-4" not in skipped:
        assert cases["reply/vn-4"]["actual"].startswith(vn4), cases["reply/vn-4"]["actual"]
