# SPDX-License-Identifier: MIT
"""The verdict record (issue 17): the result of every case in the runs that prove the
catalogue, written once in verdicts.json before the runner's engine was rearranged.
A change of shape must not change a verdict, so each of those runs compares its cases
with its entry here, and a difference fails the test that made the run.

Runs recorded: the suite against the built-in server; against broken_server.py, correct
in each mode and with every misbehaviour (test_conformance_proof.py); client mode against
broken_client.py, correct and with every defect, in each mode (test_client_proof.py);
live fuzzing with a fixed seed (test_livefuzz.py).

A run whose target dies for good cannot say how far it got before: which later cases
were still judged (PASS) and which were skipped is timing (test_stability.py found it).
Such runs are compared with exact=False: only the cases judged in both, so a PASS against
a FAIL still counts and a PASS against a SKIP does not.

To change the record on purpose (a case whose semantics changed), run the tests with
S4KIT_VERDICT_RECORD=write, then read `git diff verdicts.json` and say in the commit why
each verdict changed. S4KIT_VERDICT_RECORD=add records only what is new (a new case in a
recorded run, a new run) and never changes a recorded verdict.
"""
import fcntl
import json
import os
import pathlib
import threading

PATH = pathlib.Path(__file__).with_name("verdicts.json")
JUDGED = {"pass", "fail"}
_lock = threading.Lock()
_cache = {}


def _writing():
    return os.environ.get("S4KIT_VERDICT_RECORD") in ("write", "add")


def _load():
    if "record" not in _cache:
        _cache["record"] = json.loads(PATH.read_text()) if PATH.exists() else {}
    return _cache["record"]


def results(cases):
    """{case id: result} from a JSON report's cases (a list or an id-keyed dict)."""
    items = cases.values() if isinstance(cases, dict) else cases
    return {c["id"]: c["result"] for c in items}


def differences(want, got, exact=True):
    """The lines that tell how `got` differs from the recorded `want`."""
    out = []
    for i in sorted(set(want) | set(got)):
        w, g = want.get(i, "absent"), got.get(i, "absent")
        if w == g:
            continue
        if not exact and not (w in JUDGED and g in JUDGED):
            continue
        out.append(f"  {i}: recorded {w}, now {g}")
    return out


def actuals(cases, diff):
    """What each differing case saw (its actual), for the failure message."""
    items = cases.values() if isinstance(cases, dict) else cases
    ids = {line.split(":")[0].strip() for line in diff}
    return "\n".join(f"  {c['id']} actual: {c.get('actual', '')}" for c in items
                     if c["id"] in ids)


def _write(key, got):
    """Merges one run's verdicts into the file under a lock: pytest-xdist workers
    write side by side, each must see the others' entries."""
    with open(PATH, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        text = f.read()
        record = json.loads(text) if text.strip() else {}
        if os.environ.get("S4KIT_VERDICT_RECORD") == "add":
            got = {**got, **record.get(key, {})}  # what was recorded stays
        record[key] = dict(sorted(got.items()))
        f.seek(0)
        f.truncate()
        f.write(json.dumps(dict(sorted(record.items())), indent=1) + "\n")


def check(key, cases, exact=True):
    """Compares a run's verdicts with the record's entry `key` (or records them)."""
    got = results(cases)
    if _writing():
        with _lock:
            _write(key, got)
        return
    with _lock:
        record = _load()
    assert key in record, (f"the run {key!r} has no entry in {PATH.name}; "
                           "S4KIT_VERDICT_RECORD=add adds it")
    diff = differences(record[key], got, exact)
    assert not diff, (f"verdicts differ from the record ({PATH.name}) in {key!r}:\n" +
                      "\n".join(diff) + "\n" + actuals(cases, diff))
