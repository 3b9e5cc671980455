#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# smoke.sh - one libFuzzer target for a fixed time: the smoke fuzz CI runs.
#
#   bash fuzz/smoke.sh BINARY CORPUS SECONDS WORKDIR
#
# BINARY.dict and BINARY.options (max_len) sit beside the binary, as `make fuzz`
# leaves them. The committed CORPUS is only read: new inputs go to WORKDIR/new.
# Prints one line of figures; on a crash, leak, timeout or broken property it
# prints the end of the log and the reproducer's path, and fails.
set -euo pipefail

bin=$1 corpus=$2 secs=$3 work=$4
name=$(basename "$bin")
max_len=$(sed -n 's/^max_len *= *//p' "$bin.options")

rm -rf "$work"
mkdir -p "$work/new"
log=$work/log
if ! "$bin" -max_total_time="$secs" -max_len="${max_len:-4096}" -dict="$bin.dict" \
	-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" \
	"$work/new" "$corpus" >"$log" 2>&1; then
	tail -n 40 "$log"
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -e "$f" ] || continue
		echo "fuzz-smoke: $name FAILED; reproducer: $f"
		echo "fuzz-smoke: replay it with: $bin $f"
		echo "fuzz-smoke: then fix it and add it to $corpus/ (see fuzz/README.md)"
	done
	echo "fuzz-smoke: $name FAILED (log: $log)"
	exit 1
fi

stat() { sed -n "s/^stat::$1: *//p" "$log"; }
last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.*corp: \([0-9]*\).*/\1/p' <<<"$last")
printf 'fuzz-smoke: %-22s %3s s, %9s runs, %7s exec/s, cov %s, ft %s, corpus %s\n' \
	"$name" "$secs" "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" \
	"$cov" "$ft" "$corp"
