# SPDX-License-Identifier: MIT
"""The browser rows of the real-client matrix (issue 22): Debian's chromium under
socks4-test --client-cmd, run by `make browser-check` (not by `make integration`: a
browser needs seconds per case, see docs/clients.md), which .ci/run calls.

The expected results are the rows of docs/clients.md (read by test_client_matrix.py's
documented()): the exact set of failing cases and what the client does with a VN=4 reply.
Each row runs RUNS times (S4KIT_BROWSER_RUNS, default 3), one after the other, and must
give the same verdicts every time. Chromium exits 0 from --dump-dom whatever happened
(an error page instead of the page), so its row is judged by stdout
(--client-judge stdout); it resolves names itself (no --client-4a).
"""
import json
import os
import shutil
import subprocess

import pytest

from conftest import SANITIZER_MARKS, binary
from test_client_matrix import documented

RUNS = int(os.environ.get("S4KIT_BROWSER_RUNS", "3"))
# A browser starts in seconds (more on a loaded 2-core machine) and gives up on a
# silent proxy after about 30 s: the client's limit leaves room for both.
RUNNER = ("--client-timeout", "120", "-j", "3")
CHROMIUM_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                  "--disable-background-networking --disable-component-update "
                  "--disable-sync")


def chromium(profiles):
    """The template of docs/clients.md, with the fresh profile folders under profiles
    (a run killed at the limit leaves its folder there, not in /tmp)."""
    return (f"d=$(mktemp -d {profiles}/profile.XXXXXX) && chromium {CHROMIUM_FLAGS} "
            "--user-data-dir=\"$d\" --proxy-server=socks4://{proxy_host}:{proxy_port} "
            "--proxy-bypass-list='<-loopback>' --dump-dom {url}; "
            "s=$?; rm -rf \"$d\"; exit $s")


# client id (as in docs/clients.md) -> (TEMPLATE for a profiles folder, flags)
BROWSERS = {
    "chromium": (chromium, ("--client-judge", "stdout")),
}


def run(template, flags, tmp):
    out = tmp / "report.json"
    p = subprocess.run([binary("socks4-test"), *RUNNER, *flags, "--client-cmd", template,
                        "--format", "json", "--output", str(out)],
                       capture_output=True, text=True, errors="replace", timeout=900)
    for mark in SANITIZER_MARKS:
        assert mark not in p.stderr, f"sanitizer report:\n{p.stderr}"
    assert out.exists(), f"no report (exit {p.returncode}):\n{p.stdout}{p.stderr}"
    report = json.loads(out.read_text())
    report = report[0] if isinstance(report, list) else report
    return {c["id"]: c for c in report["cases"]}, p.returncode


@pytest.mark.parametrize("cid", list(BROWSERS))
def test_browser_row(cid, tmp_path):
    if shutil.which("chromium") is None:
        pytest.fail("chromium is not installed (ci/deps.sh installs it)")
    make, flags = BROWSERS[cid]
    fails, vn4 = documented()[cid]
    verdicts = []
    for k in range(RUNS):
        tmp = tmp_path / f"run{k}"
        tmp.mkdir()
        cases, rc = run(make(tmp), flags, tmp)
        failed = {i for i, c in cases.items() if c["result"] == "fail"}
        detail = "\n".join(f"  {i}: {cases[i]['actual']}" for i in sorted(failed ^ fails)
                           if i in cases)
        assert failed == fails, f"{cid} run {k}: failing cases differ from docs/clients.md\n" \
                                f"{detail}"
        must_failed = any(cases[i]["level"] == "MUST" for i in failed)
        assert rc == (1 if must_failed else 0)
        skipped = {i for i, c in cases.items() if c["result"] == "skip"}
        assert "preflight/client" not in failed | skipped
        assert cases["reply/vn-4"]["actual"].startswith(vn4), cases["reply/vn-4"]["actual"]
        verdicts.append({i: c["result"] for i, c in cases.items()})
        # a browser preconnects: the preflight's trace shows it, never judged
        pre = "\n".join(cases["preflight/client"]["trace"])
        assert "closed without a byte: a preconnect, not judged" in pre, pre
    assert all(v == verdicts[0] for v in verdicts), verdicts
