#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dist.sh VERSION OUT - `make dist`: OUT (build/socks4kit-VERSION.tar.gz) holds every file
# git tracks, as it is in the work tree, under socks4kit-VERSION/; nothing else (no build
# output, no crash file: a path through a socks4-test-crashes/ folder is left out).
# The archive is reproducible: names sorted, owner 0, mtimes SOURCE_DATE_EPOCH (default:
# the last commit's time), gzip without a name or time.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1
out=$2
name=socks4kit-$version
[ "$(cat VERSION)" = "$version" ] || { echo "dist: VERSION says $(cat VERSION), not $version"; exit 1; }
git rev-parse --git-dir >/dev/null 2>&1 ||
	{ echo "dist: not a git work tree (the tarball is made of git's tracked files)"; exit 1; }
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
list=$(mktemp)
trap 'rm -f "$list" "$out.tmp"' EXIT
git ls-files -z | while IFS= read -r -d '' f; do
	case "/$f" in */socks4-test-crashes/*) continue ;; esac
	[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
done >"$list"
mkdir -p "$(dirname "$out")"
tar --null -T "$list" --transform "s,^,$name/," --sort=name --format=posix \
	--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	--mtime="@$epoch" --owner=0 --group=0 --numeric-owner --mode=go-w -cf - |
	gzip -9 -n >"$out.tmp"
mv "$out.tmp" "$out"
inside=$(tar -xzOf "$out" "$name/VERSION")
[ "$inside" = "$version" ] || { echo "dist: $out holds VERSION $inside"; exit 1; }
echo "dist: $out ($(tr -cd '\0' <"$list" | wc -c) files, $(du -k "$out" | cut -f1) KiB)"
