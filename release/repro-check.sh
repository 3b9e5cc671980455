#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# repro-check.sh TARBALL - `make repro-check`: reproducible builds as Debian checks them.
# The release tarball is unpacked twice, in two folders of different names and depths,
# and built in each with the same SOURCE_DATE_EPOCH (debian/changelog's date) but a
# different time zone, umask and locale:
#   1. `make -j2 all`: the three programs, libsocks4kit.so.* and libsocks4kit.a must be
#      the same bytes (no build folder, no timestamp in them: -ffile-prefix-map);
#   2. `dpkg-buildpackage -b -us -uc` (DEB_BUILD_OPTIONS=nocheck: the suite is not what
#      is compared): every .deb and .ddeb must be the same bytes.
# On a difference, diffoscope shows it when installed; otherwise cmp's first byte.
# REPRO_DEB=0 skips step 2.
set -euo pipefail
tarball=$(realpath "$1")
base=$(basename "$tarball" .tar.gz)
work=$(mktemp -d /tmp/socks4kit-repro.XXXXXX)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
step() { echo "repro-check: $* ($(($(date +%s) - t0)) s)"; }
fail() { echo "repro-check: FAILED: $*"; exit 1; }

a=$work/a/$base
b=$work/second-build/deeper/src
mkdir -p "$work/a" "$(dirname "$b")"
tar -C "$work/a" -xzf "$tarball"
tar -C "$work" -xzf "$tarball" && mv "$work/$base" "$b"
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$a/debian/changelog" -S Timestamp)
export SOURCE_DATE_EPOCH
# build DIR LOG CMD...: in DIR, the second folder with another zone, umask and locale
build() {
	local dir=$1 log=$2
	shift 2
	if [ "$dir" = "$a" ]; then
		(cd "$dir" && umask 022 && TZ=UTC LC_ALL=C "$@") >"$log" 2>&1
	else
		(cd "$dir" && umask 002 && TZ=Asia/Tokyo LC_ALL=C.UTF-8 "$@") >"$log" 2>&1
	fi || { tail -n 60 "$log"; fail "$* in $dir"; }
}
same() { # same FILE...: each FILE (relative) is the same in both places
	local f bad=0
	for f in "$@"; do
		if ! cmp "$x/$f" "$y/$f"; then
			bad=1
			command -v diffoscope >/dev/null && diffoscope "$x/$f" "$y/$f" | head -n 80
		fi
	done
	return $bad
}

for d in "$a" "$b"; do build "$d" "$work/make-$(basename "$d").log" make -j2 all; done
x=$a/build y=$b/build
files=(socks4-test socks4-server socks4-client libsocks4kit.a)
files+=($(cd "$x" && ls libsocks4kit.so.*))
same "${files[@]}" || fail "two builds of the binaries differ"
step "binaries: the same bytes from two folders (${files[*]})"
[ "${REPRO_DEB:-1}" = 1 ] || exit 0

for d in "$a" "$b"; do
	build "$d" "$work/deb-$(basename "$d").log" env DEB_BUILD_OPTIONS=nocheck \
		dpkg-buildpackage -b -us -uc -j2
done
x=$work/a y=$work/second-build/deeper
debs=($(cd "$x" && find . -maxdepth 1 -name '*.deb' -o -maxdepth 1 -name '*.ddeb' |
	sed 's,^\./,,' | sort))
[ ${#debs[@]} -ge 3 ] || fail "dpkg-buildpackage made ${#debs[@]} packages"
same "${debs[@]}" || fail "two builds of the packages differ"
step "packages: the same bytes from two folders (${debs[*]})"
echo "repro-check: OK"
