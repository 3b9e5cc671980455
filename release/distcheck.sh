#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# distcheck.sh TARBALL - `make distcheck`: what a distribution does with the release
# tarball, in a temporary folder, with nothing from this work tree:
#   1. unpacks it; the version inside is the tarball's;
#   2. builds it with clang, then with gcc (-j2: CI's two cores); each program's
#      --version is that version;
#   3. runs the suite against the built-in server (the gcc release build) and the
#      Check unit tests (`make unit`), both without sanitizers: `make check` runs
#      them under ASan/UBSan; here they show the tarball builds and passes (an ASan
#      build of the unit tests would cost 60 CPU seconds of the 9-minute CI budget);
#   4. installs into a DESTDIR, uninstalls, and fails on any file left behind;
#   5. fails on any file the steps left in the unpacked tree outside build/.
# Prints the seconds each step took.
set -euo pipefail
tarball=$(realpath "$1")
base=$(basename "$tarball" .tar.gz)
version=${base#socks4kit-}
work=$(mktemp -d /tmp/socks4kit-distcheck.XXXXXX)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
step() { echo "distcheck: $* ($(($(date +%s) - t0)) s)"; }
fail() { echo "distcheck: FAILED: $*"; exit 1; }
run() { # run LOG CMD...: quiet unless it fails
	local log=$work/$1.log
	shift
	"$@" >"$log" 2>&1 || { tail -n 60 "$log"; fail "$*"; }
}

tar -C "$work" -xzf "$tarball"
tree=$work/$base
[ -d "$tree" ] || fail "$tarball has no $base/"
[ "$(cat "$tree/VERSION")" = "$version" ] || fail "VERSION inside is $(cat "$tree/VERSION")"
[ ! -e "$tree/build" ] || fail "the tarball holds build/"
(cd "$tree" && find . -path ./build -prune -o -print | sort) >"$work/before"
step "unpacked $(wc -l <"$work/before") paths into $tree"

make_() { make -C "$tree" --no-print-directory -j2 "$@"; }
run clang make_ CC=clang all
step "built with clang"
run gcc make_ CC=gcc all
for p in socks4-test socks4-server socks4-client; do
	got=$("$tree/build/$p" --version)
	[ "$got" = "$p (socks4kit) $version" ] || fail "$p --version says '$got'"
done
step "built with gcc; --version: $version"

status=0
(cd "$tree" && build/socks4-test -j 2 --crash-dir "$work/crashes") >"$work/suite.log" 2>&1 ||
	status=$?
[ $status -eq 0 ] && tail -n 1 "$work/suite.log" | grep -q ' 0 failed' ||
	{ cat "$work/suite.log"; fail "the suite against the built-in server ($status)"; }
step "suite: $(tail -n 1 "$work/suite.log")"

run unit make_ CC=gcc SAN= SAN_ENV= unit
step "unit: $(grep -E '^[0-9]+%: Checks' "$work/unit.log" | tr '\n' ' ')"

dest=$work/dest
run install make_ CC=gcc install DESTDIR="$dest" PREFIX=/usr/local
n=$(find "$dest" -type f -o -type l | wc -l)
for f in bin/socks4-test bin/socks4-server bin/socks4-client lib/libsocks4kit.so.1 \
	lib/pkgconfig/socks4kit.pc include/socks4kit/socks4.h share/man/man1/socks4-test.1; do
	[ -e "$dest/usr/local/$f" ] || fail "make install did not install /usr/local/$f"
done
grep -qx "Version: $version" "$dest/usr/local/lib/pkgconfig/socks4kit.pc" ||
	fail "the installed socks4kit.pc does not say Version: $version"
run uninstall make_ CC=gcc uninstall DESTDIR="$dest" PREFIX=/usr/local
left=$(cd "$dest" && find . -type f -o -type l)
[ -z "$left" ] || { echo "$left"; fail "make uninstall left these files behind"; }
step "installed $n files into a DESTDIR, uninstalled, none left"

(cd "$tree" && find . -path ./build -prune -o -print | sort) >"$work/after"
new=$(comm -13 "$work/before" "$work/after")
[ -z "$new" ] || { echo "$new"; fail "the build and tests left files outside build/"; }
gone=$(comm -23 "$work/before" "$work/after")
[ -z "$gone" ] || { echo "$gone"; fail "the build and tests removed files of the tree"; }
step "nothing left in the tree outside build/"
times >"$work/times"
read -r user sys < <(tail -n 1 "$work/times")
echo "distcheck: OK ($base; the steps took $user user, $sys system CPU time)"
