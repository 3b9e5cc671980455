#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make coverage-bench: the edges of socks4-server reached in the same time by
coverage-guided live fuzzing (socks4-test --fuzz --coverage) and by blind live fuzzing
(the same socks4-test without it, -j 4, measured with the same AFL++ map:
--coverage-measure), on socks4-server built with afl-clang-fast and laf-intel (make
afl-server) with the rules of bench/coverage-rules.conf. Both count every edge the server ran since it started (its start, the
inputs, the "still serves" checks). Prints the figures and the ratio; a benchmark,
never pass/fail.

  bench/coverage_bench.py --bin build [--seconds 60] [--reps 1] [--seed 1]"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = os.path.join(ROOT, "bench", "coverage-rules.conf")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(bindir, mode, seconds, seed, work):
    server = os.path.join(bindir, "afl", "socks4-server")
    report = os.path.join(work, f"{mode}-{seed}.json")
    identd = free_port()
    args = [os.path.join(bindir, "socks4-test"), "--exec",
            f"{server} --listen {{addr}} -q --handshake-timeout 2 --rules {RULES} "
            f"--identd-port {identd} --identd-timeout 1", "--identd-port", str(identd),
            "--duration", str(seconds), "--seed", str(seed),
            "--crash-dir", os.path.join(work, f"crashes-{mode}-{seed}"),
            "--report", f"json:{report}"]
    if mode == "coverage":
        args += ["--coverage", "--dict", os.path.join(ROOT, "corpus", "socks4.dict"),
                 "--corpus", os.path.join(work, f"corpus-{seed}")]
    else:
        args += ["--coverage-measure"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 300)
    if not os.path.exists(report):
        sys.exit(f"coverage_bench: {mode} run failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    with open(report) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    print(f"coverage-bench: socks4-server (afl-clang-fast, AFL_LLVM_LAF_ALL=1), "
          f"{a.seconds} s a run")
    print(f"{'seed':>5} {'mode':<9} {'edges':>6} {'of':>6} {'execs':>8} {'execs/s':>8} "
          f"{'corpus':>7} {'findings':>8}")
    ratios = []
    with tempfile.TemporaryDirectory(prefix="coverage-bench-") as work:
        for rep in range(a.reps):
            seed = a.seed + rep
            got = {m: run(a.bin, m, a.seconds, seed, work) for m in ("coverage", "blind")}
            for m, r in got.items():
                print(f"{seed:>5} {m:<9} {r['edges']:>6} {r['map_size']:>6} {r['execs']:>8} "
                      f"{r['execs_per_s']:>8.0f} {r['corpus']:>7} {len(r['findings']):>8}")
            ratios.append(got["coverage"]["edges"] / max(1, got["blind"]["edges"]))
    print("edges, coverage-guided / blind: " + ", ".join(f"{r:.3f}" for r in ratios) +
          (f" (mean {sum(ratios) / len(ratios):.3f})" if len(ratios) > 1 else ""))


if __name__ == "__main__":
    main()
