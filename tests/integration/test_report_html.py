# SPDX-License-Identifier: MIT
"""The HTML report (issue 13) in a real browser: Debian's chromium, driven by
puppeteer-core (tests/integration/browser/, installed by ci/deps.sh with npm ci).

browser/check_report.js loads the page from file://, uses its controls as a person
would and reports what is visible; this file asserts on that. The screenshots stay in
the test's tmp_path (their paths are printed: pytest -s shows them).
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from conftest import (VN4_REJECTED_FAILS, binary, free_port, run_socks4_test,
                      vn4_rejected_server)

HERE = pathlib.Path(__file__).resolve().parent
BROWSER = HERE / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
sys.path.insert(0, str(HERE))

FAILING = VN4_REJECTED_FAILS
KNOWN = {"connect/refused", "connect/dstport/0"}
SELECT = ("connect/", "reply/", "bind/", "robust/stall/")


def need_browser():
    missing = [what for what, ok in (
        ("node", shutil.which("node")),
        (CHROMIUM, os.access(CHROMIUM, os.X_OK)),
        ("puppeteer-core (npm ci in tests/integration/browser)",
         (BROWSER / "node_modules" / "puppeteer-core").is_dir())) if not ok]
    if missing:
        msg = "missing " + ", ".join(missing) + ": run bash ci/deps.sh"
        if os.environ.get("CI"):
            pytest.fail(msg)  # CI installs them: never skip there
        pytest.skip(msg)


def browse(report, shots):
    p = subprocess.run(["node", str(BROWSER / "check_report.js"), str(report), str(shots)],
                       capture_output=True, text=True, timeout=120, cwd=BROWSER)
    assert p.returncode == 0, p.stderr
    for name in ("report-light.png", "report-dark.png"):
        shot = shots / name
        assert shot.stat().st_size > 10000, shot
        print(f"screenshot: {shot}")
    return json.loads(p.stdout)


def assert_self_contained(html):
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html)
    assert not re.search(r"\bsrc=", html)
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', html))


def visible_width_ok(w):
    return w["scroll"] <= w["client"] == 1280


@pytest.fixture(scope="module")
def two_targets(tmp_path_factory):
    """A report of two targets: the reference server and one with five known
    defects, under a baseline that knows two of them and lists a passing case."""
    need_browser()
    tmp = tmp_path_factory.mktemp("html")
    good = subprocess.Popen([binary("socks4-server"), "--listen", "127.0.0.1:0",
                             "--handshake-timeout", "1.5", "-q"], stderr=subprocess.PIPE,
                            text=True)
    try:
        line = good.stderr.readline()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)$", line.strip())
        assert m, line
        with vn4_rejected_server() as bad:
            bl = tmp / "baseline.txt"
            bl.write_text("\n".join(sorted(KNOWN)) + "\nconnect/granted\n")
            out, written = tmp / "report.html", tmp / "now.txt"
            p = run_socks4_test(
                "--target", f"127.0.0.1:{m.group(1)}", "--target",
                f"127.0.0.1:{bad.port}", "--identd-port", str(free_port()),
                "--stall-wait", "3", "--baseline", str(bl), "--write-baseline",
                str(written), "--format", "html", "--output", str(out), *SELECT, timeout=180)
            assert p.returncode == 1, p.stdout + p.stderr  # three NEW failures
    finally:
        good.terminate()
        good.wait(15)
    failing = {l.split("#")[0].strip() for l in written.read_text().splitlines()} - {""}
    assert failing == FAILING
    shots = tmp / "shots"
    shots.mkdir()
    return out, browse(out, shots)


def test_page_loads_cleanly(two_targets):
    out, seen = two_targets
    assert_self_contained(out.read_text())
    assert seen["console"] == [] and seen["pageErrors"] == []
    assert seen["requests"] == []  # nothing fetched but the file itself
    assert seen["total"] > 30 and seen["visible"] == seen["total"]
    assert seen["shownText"] == f"{seen['total']} of {seen['total']} cases shown"
    # failing cases start open, the others closed
    assert set(seen["openAtStart"]) == FAILING


def test_no_horizontal_scrolling_at_1280(two_targets):
    _, seen = two_targets
    assert visible_width_ok(seen["width"]), seen["width"]
    assert visible_width_ok(seen["widthAllOpen"]), seen["widthAllOpen"]


def test_matrix_links_every_cell_to_its_case(two_targets):
    _, seen = two_targets
    assert seen["matrixRows"] == seen["total"]
    assert len(seen["matrixLinks"]) == 3 * seen["total"]  # the id, and a cell per target
    assert all(l["ok"] for l in seen["matrixLinks"]), [l for l in seen["matrixLinks"]
                                                        if not l["ok"]]
    # a link to a case the filters hide shows it, opened
    assert seen["revealed"] in FAILING


def test_search_and_filters(two_targets):
    _, seen = two_targets
    assert seen["searchFocused"]  # "/" goes to the search box
    assert seen["afterSearch"] == ["reply/vn/granted"]  # on ids
    assert seen["matrixAfterSearch"] == ["reply/vn/granted"]  # the matrix follows
    assert seen["afterTitleSearch"] == ["connect/no-early-grant"]  # on titles
    assert set(seen["failedOnly"]) == FAILING
    assert set(seen["newOnly"]) == FAILING - KNOWN
    assert seen["shouldOnly"] and set(seen["shouldOnly"]) == {"SHOULD"}
    assert seen["bindOnly"] and all(i.startswith("bind/") for i in seen["bindOnly"])
    assert seen["noneShownWhenEmpty"]  # "no case matches" stays hidden while some do


def test_keyboard_print_and_dark_mode(two_targets):
    _, seen = two_targets
    assert seen["keyboardToggle"]  # Enter on a focused case opens it
    assert seen["printAllOpen"]  # printing shows every case's details

    def luminance(css):
        r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255

    assert luminance(seen["lightBg"]) > 0.9
    assert luminance(seen["darkBg"]) < 0.15 and luminance(seen["darkFg"]) > 0.8


def test_marks_in_the_page(two_targets):
    out, _ = two_targets
    html = out.read_text()
    # one baseline applies to each target: the reference server passes what it
    # lists (FIXED there), the broken one fails it (KNOWN) or fails more (NEW)
    for i in FAILING - KNOWN:
        assert re.search(rf'<details class="case" id="{re.escape(i)}"[^>]*data-m="new"', html)
    for i in KNOWN:
        assert re.search(rf'<details class="case" id="{re.escape(i)}"[^>]*'
                         r'data-m="fixed known"', html)
    # connect/granted passes on both targets: FIXED on both
    assert re.search(r'<details class="case" id="connect/granted"[^>]*data-m="fixed fixed"',
                     html)


def test_long_texts_wrap(tmp_path):
    """One target (no matrix), with an Actual and a trace line far wider than the
    window put into the page: still no horizontal scrolling."""
    need_browser()
    out = tmp_path / "one.html"
    p = run_socks4_test("--format", "html", "--output", str(out),
                        "connect/", "robust/socks5-greeting", timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    html = out.read_text()
    assert_self_contained(html)
    assert 'class="matrix"' not in html
    long_word = "x" * 700
    html = re.sub(r"(<dt>Actual</dt><dd>)", r"\g<1>" + long_word, html, count=1)
    html = html.replace("<pre>", "<pre>+0.000 c1   > " + "00" * 400 + "\n", 1)
    out.write_text(html)
    shots = tmp_path / "shots"
    shots.mkdir()
    seen = browse(out, shots)
    assert seen["console"] == [] and seen["pageErrors"] == []
    assert seen["matrixLinks"] == []
    assert visible_width_ok(seen["widthAllOpen"]), seen["widthAllOpen"]
    assert seen["afterSearch"] == []  # reply/ was not selected
