#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# afl-run.sh - AFL++ on one target, over every core: one main instance (-M)
# and a secondary (-S) per further core, sharing one output directory.
#
#   make fuzz-afl && bash fuzz/afl-run.sh TARGET [SECONDS] [BUILD]
#
# SECONDS (default: until Ctrl-C) stops every instance after that long.
# Seeds: corpus/TARGET/; dictionary: BUILD/fuzz-afl/fuzz_TARGET.dict;
# findings: BUILD/fuzz-afl/out-TARGET/*/{queue,crashes,hangs}/. To keep the
# new inputs, merge them with libFuzzer (see fuzz/README.md).
set -euo pipefail

target=$1 secs=${2:-0} build=${3:-build}
bin=$build/fuzz-afl/fuzz_$target
out=$build/fuzz-afl/out-$target
cores=$(nproc)
[ -x "$bin" ] || { echo "afl-run: $bin missing; run make fuzz-afl BUILD=$build" >&2; exit 2; }

# No UI in a log; a container may not let us set core_pattern or the CPU governor.
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
limit=()
[ "$secs" -gt 0 ] && limit=(-V "$secs")
max_len=$(sed -n 's/^max_len *= *//p' "fuzz/fuzz_$target.options")
common=(-i "corpus/$target" -o "$out" -x "$bin.dict" -G "${max_len:-4096}" "${limit[@]}")

mkdir -p "$out"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' INT TERM
afl-fuzz -M main "${common[@]}" -- "$bin" >"$out/main.log" 2>&1 &
pids+=($!)
for i in $(seq 2 "$cores"); do
	afl-fuzz -S "s$i" "${common[@]}" -- "$bin" >"$out/s$i.log" 2>&1 &
	pids+=($!)
done
echo "afl-run: $cores instances on fuzz_$target, logs in $out/*.log"
wait
TERM=dumb afl-whatsup -s -d "$out" 2>/dev/null | sed -n "/Summary/,\$p"
