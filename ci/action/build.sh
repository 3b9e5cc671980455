#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# build.sh - the action's first step: socks4-test built from the action's own
# checkout ($GITHUB_ACTION_PATH) into $RUNNER_TEMP, release flags, C compiler and
# make only (both on GitHub's runners).
set -euo pipefail
src=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${RUNNER_TEMP:?RUNNER_TEMP is not set}/socks4kit-build
make -C "$src" --no-print-directory -j"$(nproc)" BUILD="$build" "$build/socks4-test" \
	>"$build.log" 2>&1 || { cat "$build.log"; echo "socks4-test: the build FAILED"; exit 1; }
"$build/socks4-test" --version
