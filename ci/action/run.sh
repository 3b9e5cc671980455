#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh - the action's second step: socks4-test with the action's inputs (the
# INPUT_* variables action.yml sets), one run writing the JUnit, HTML and JSON
# reports, the human report in the log, and for GitHub: the outputs exit-code and
# summary ($GITHUB_OUTPUT) and a job summary ($GITHUB_STEP_SUMMARY). Exits with
# socks4-test's status.
set -euo pipefail
bin=${S4KIT_TEST:-${RUNNER_TEMP:?RUNNER_TEMP is not set}/socks4kit-build/socks4-test}
cd "${GITHUB_WORKSPACE:-$PWD}"

argv=("$bin")
read -r -a targets <<<"${INPUT_TARGET:-}"
for t in "${targets[@]}"; do argv+=(--target "$t"); done
[ -z "${INPUT_EXEC:-}" ] || argv+=(--exec "$INPUT_EXEC")
[ -z "${INPUT_BASELINE:-}" ] || argv+=(--baseline "$INPUT_BASELINE")
for pair in "junit:${INPUT_JUNIT:-}" "html:${INPUT_HTML:-}" "json:${INPUT_JSON:-}"; do
	file=${pair#*:}
	[ -n "$file" ] || continue
	mkdir -p "$(dirname "$file")"
	argv+=(--report "${pair%%:*}:$file")
done
read -r -a extra <<<"${INPUT_ARGS:-}"
argv+=("${extra[@]}")

echo "socks4-test:$(printf ' %q' "${argv[@]:1}")"
log=$(mktemp)
status=0
"${argv[@]}" 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1 || true)

if [ -n "${GITHUB_OUTPUT:-}" ]; then
	{
		echo "exit-code=$status"
		echo "summary=$summary"
	} >>"$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	{
		echo "### socks4-test: ${summary:-no result} (exit status $status)"
		echo
		grep -E '^(baseline |NEW |FIXED )' "$log" | sed 's/^/- /' || true
		grep -E '^  FAIL ' "$log" | sed 's/^  /- /' || true
		[ -z "${INPUT_HTML:-}" ] || echo "- the HTML report: \`$INPUT_HTML\` (artifact socks4-test)"
	} >>"$GITHUB_STEP_SUMMARY"
fi
rm -f "$log"
exit "$status"
