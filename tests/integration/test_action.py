# SPDX-License-Identifier: MIT
"""The composite action (action.yml, issue 13): its steps are plain shell scripts
(ci/action/build.sh, ci/action/run.sh), run here as they stand with the variables
GitHub sets (GITHUB_ACTION_PATH, GITHUB_WORKSPACE, RUNNER_TEMP, GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY) and the INPUT_* ones action.yml passes, against
broken_server.py with five known defects (--misbehave vn4-rejected)."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import yaml

from conftest import VN4_REJECTED_FAILS, free_port, vn4_rejected_server

# its module fixture builds socks4-test (ci/action/build.sh): it starts first
pytestmark = pytest.mark.long(140)

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

FAILING = VN4_REJECTED_FAILS


def action():
    return yaml.safe_load((ROOT / "action.yml").read_text())


def test_action_yml():
    a = action()
    assert a["runs"]["using"] == "composite"
    assert {"target", "exec", "args", "baseline", "junit", "html", "json"} <= set(a["inputs"])
    scripts = []
    for step in a["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            m = re.fullmatch(r'bash "\$GITHUB_ACTION_PATH/(ci/action/[a-z]+\.sh)"', step["run"])
            assert m, step["run"]
            scripts.append(m.group(1))
            # composite actions get no INPUT_* of their own: each is passed explicitly
            for k, v in step.get("env", {}).items():
                name = k[len("INPUT_"):].lower()
                assert v == "${{ inputs.%s }}" % name, (k, v)
    assert scripts == ["ci/action/build.sh", "ci/action/run.sh"]
    run_env = next(s for s in a["runs"]["steps"] if s.get("id") == "run")["env"]
    assert {f"INPUT_{n.upper()}" for n in ("target", "exec", "args", "baseline", "junit",
                                           "html", "json")} == set(run_env)


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory):
    """RUNNER_TEMP after the action's build step."""
    tmp = tmp_path_factory.mktemp("runner")
    p = subprocess.run(["bash", str(ROOT / "ci/action/build.sh")], capture_output=True,
                       text=True, timeout=600,
                       env=dict(os.environ, GITHUB_ACTION_PATH=str(ROOT), RUNNER_TEMP=str(tmp)))
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.startswith("socks4-test (socks4kit) ")
    return tmp


@pytest.fixture(scope="module")
def target():
    with vn4_rejected_server() as srv:
        yield f"127.0.0.1:{srv.port}"


def run_step(runner_temp, workspace, **inputs):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "S4KIT_BIN"))}
    # what action.yml passes: every input, empty when not given
    for name, default in (("target", ""), ("exec", ""), ("args", ""), ("baseline", ""),
                          ("junit", "socks4-test/junit.xml"),
                          ("html", "socks4-test/report.html"),
                          ("json", "socks4-test/report.json")):
        env[f"INPUT_{name.upper()}"] = inputs.pop(name, default)
    env.update(GITHUB_ACTION_PATH=str(ROOT), GITHUB_WORKSPACE=str(workspace),
               RUNNER_TEMP=str(runner_temp), GITHUB_OUTPUT=str(workspace / "gh-output"),
               GITHUB_STEP_SUMMARY=str(workspace / "gh-summary"), **inputs)
    return subprocess.run(["bash", str(ROOT / "ci/action/run.sh")], cwd="/", env=env,
                          capture_output=True, text=True, timeout=300)


def outputs(workspace):
    return dict(l.split("=", 1) for l in (workspace / "gh-output").read_text().splitlines())


def test_new_failures_fail_the_step(runner_temp, target, tmp_path):
    args = f"--identd-port {free_port()} --stall-wait 3 connect/ reply/"
    p = run_step(runner_temp, tmp_path, target=target, args=args)
    assert p.returncode == 1, p.stdout + p.stderr
    out = outputs(tmp_path)
    assert out["exit-code"] == "1"
    assert re.fullmatch(r"\d+ passed, 5 failed, \d+ skipped", out["summary"])
    # the reports, where the inputs said, relative to the workspace
    suite = ET.parse(tmp_path / "socks4-test" / "junit.xml").getroot().find("testsuite")
    failed = {c.get("name") for c in suite.findall("testcase") if c.find("failure") is not None}
    assert failed == FAILING
    assert (tmp_path / "socks4-test" / "report.html").read_text().startswith("<!DOCTYPE html>")
    summary = (tmp_path / "gh-summary").read_text()
    assert summary.startswith("### socks4-test: " + out["summary"] + " (exit status 1)")
    for case in FAILING:
        assert f"- FAIL MUST   {case} " in summary


def test_baseline_from_an_earlier_report(runner_temp, target, tmp_path):
    """The JSON report of a run is the next run's baseline: the step passes."""
    args = f"--identd-port {free_port()} --stall-wait 3 connect/ reply/"
    p = run_step(runner_temp, tmp_path, target=target, args=args, json="old.json")
    assert p.returncode == 1
    shutil.rmtree(tmp_path / "socks4-test")
    p = run_step(runner_temp, tmp_path, target=target, args=args, baseline="old.json",
                 junit="out/j.xml", html="", json="")
    assert p.returncode == 0, p.stdout + p.stderr
    assert outputs(tmp_path)["exit-code"] == "0"
    suite = ET.parse(tmp_path / "out" / "j.xml").getroot().find("testsuite")
    assert suite.get("failures") == "0"
    known = {c.get("name") for c in suite.findall("testcase")
             if c.find("skipped") is not None
             and c.find("skipped").get("message") == "known failure (baseline)"}
    assert known == FAILING
    assert "- baseline old.json: 0 new, 5 known, 0 fixed" in (tmp_path / "gh-summary").read_text()
    assert not (tmp_path / "socks4-test").exists()  # html and json turned off


def test_inputs_become_arguments(runner_temp, tmp_path):
    """exec, several targets, args: passed to socks4-test as they are (a stand-in
    socks4-test records its arguments)."""
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin" / "socks4-test"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$GITHUB_WORKSPACE/argv"\n'
                    'echo "3 passed, 0 failed, 0 skipped"\n')
    fake.chmod(0o755)
    p = run_step(runner_temp, tmp_path, target="127.0.0.1:1 [::1]:2",
                 exec="./server --port {port} --quiet", args="--strict  bind/ '*vn*'",
                 baseline="known.txt", junit="a b/j.xml", S4KIT_TEST=str(fake))
    assert p.returncode == 0, p.stderr
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv == ["--target", "127.0.0.1:1", "--target", "[::1]:2",
                    "--exec", "./server --port {port} --quiet", "--baseline", "known.txt",
                    "--report", "junit:a b/j.xml", "--report", "html:socks4-test/report.html",
                    "--report", "json:socks4-test/report.json", "--strict", "bind/", "'*vn*'"]
    assert outputs(tmp_path) == {"exit-code": "0", "summary": "3 passed, 0 failed, 0 skipped"}
