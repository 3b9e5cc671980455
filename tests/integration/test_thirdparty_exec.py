# SPDX-License-Identifier: MIT
"""A real third-party SOCKS4 server under socks4-test --exec (issue 11): npm's socks4
0.1.1 (pinned in thirdparty/package-lock.json) dies on several inputs. Each case that
kills it fails with its exit status, what node printed and a reproducer that kills a
fresh copy the same way; the cases that do not kill it keep their verdicts.
docs/thirdparty.md lists what was found.
"""
import json
import pathlib
import shutil
import socket
import subprocess
import time

import pytest

from conftest import Proc, binary, free_port, run_socks4_test

HERE = pathlib.Path(__file__).parent
SERVE = HERE / "thirdparty" / "serve.js"
NODE_MODULES = HERE / "thirdparty" / "node_modules" / "socks4"


@pytest.fixture(scope="module")
def node():
    path = shutil.which("node") or shutil.which("nodejs")
    if path is None or not NODE_MODULES.exists():
        pytest.fail("node and tests/integration/thirdparty/node_modules: run ci/deps.sh")
    return path


def test_npm_socks4_crashes_are_named(node, tmp_path):
    out = tmp_path / "r.json"
    p = run_socks4_test(
        "--exec", f"{node} {SERVE} socks4 {{port}}", "--timeout", "3",
        "--identd-port", str(free_port()), "--crash-dir", str(tmp_path / "crashes"),
        "--format", "json", "--output", str(out), "-j", "4", "connect/",
        "delivery/bytewise/connect", timeout=300, cwd=tmp_path)
    cases = {c["id"]: c for c in json.loads(out.read_text())["cases"]}
    failed = {i for i, c in cases.items() if c["result"] == "fail"}
    crashed = {i for i in failed if cases[i]["target_exit"] is not None}
    # each of these kills it: an outbound connect that fails, a 1-byte first segment
    assert {"connect/refused", "connect/refused/close", "connect/dstip/broadcast",
            "delivery/bytewise/connect"} <= crashed, p.stdout[-4000:]
    # and these do not: they keep their own verdicts
    for ok in ("connect/granted", "connect/one-reply", "connect/dstport/byte-order",
               "connect/no-early-grant"):
        assert cases[ok]["result"] == "pass", (ok, cases[ok]["actual"])
    c = cases["connect/refused"]
    assert c["target_exit"]["status"] == 1, c["target_exit"]
    assert "ECONNREFUSED" in c["target_log"], c["target_log"]
    assert p.returncode == 1

    # the reproducer kills a fresh server the same way
    srv = Proc([node, str(SERVE), "socks4", str(free_port())])
    port = int(srv.argv[-1])
    try:
        # serve.js prints nothing: wait until it accepts
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        subprocess.run([binary("socks4-client"), "--proxy", f"127.0.0.1:{port}", "--timeout",
                        "3", "--raw-file", str(tmp_path / c["reproducer"])],
                       capture_output=True, timeout=30)
        srv.p.wait(10)
    finally:
        if srv.p.poll() is None:
            srv.p.kill()
            srv.p.wait(5)
    assert srv.p.returncode == 1
    assert "ECONNREFUSED" in srv.stderr
