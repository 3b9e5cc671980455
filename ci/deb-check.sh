#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deb-check.sh - `make deb-check`: the Debian packages built, checked, installed and used.
#
#   1. copies the source tree (git's files, as they are in the work tree) into a
#      temporary directory and runs `dpkg-buildpackage -b -us -uc` there, so that
#      nothing is written into the tree or beside it (dpkg-buildpackage puts the
#      .debs in the parent directory);
#   2. lintian on the result: no error (warnings are printed);
#   3. installs the three packages: as root, with apt-get (the dependencies
#      resolved, ldconfig run) and removes them again at the end; otherwise with
#      dpkg -x into a temporary root;
#   4. the installed socks4-test against the installed socks4-server on loopback
#      (--strict: no MUST or SHOULD case may fail), the files of the man
#      pages and the library's example program built with pkg-config.
# Prints the time each step took.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
work=$(mktemp -d /tmp/socks4kit-deb.XXXXXX)
server_pid=
installed=0
cleanup() {
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
	if [ $installed -eq 1 ]; then
		apt-get -o DPkg::Lock::Timeout=600 purge -y -qq socks4kit libsocks4kit-dev \
			libsocks4kit1 >/dev/null || echo "deb-check: could not remove the packages"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
t0=$(date +%s)
step() { echo "deb-check: $* ($(($(date +%s) - t0)) s)"; }

version=$(dpkg-parsechangelog -l debian/changelog -S Version)
tree=$work/socks4kit-$version
mkdir -p "$tree"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" ls-files -z --cached --others --exclude-standard |
		(cd "$src" && xargs -0 cp --parents -t "$tree" 2>/dev/null || true)
else
	tar -C "$src" --exclude=./build --exclude=node_modules -cf - . | tar -C "$tree" -xf -
fi
[ -x "$tree/debian/rules" ] || { echo "deb-check: no debian/rules in the copy"; exit 1; }

(cd "$tree" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$work/build.log" 2>&1 ||
	{ tail -n 60 "$work/build.log"; echo "deb-check: dpkg-buildpackage FAILED"; exit 1; }
grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/build.log" | sed 's/^/deb-check: dh_auto_test: /'
changes=$(ls "$work"/*.changes)
debs=("$work"/socks4kit_*.deb "$work"/libsocks4kit1_*.deb "$work"/libsocks4kit-dev_*.deb)
step "built $(cd "$work" && ls ./*.deb | tr '\n' ' ')"

# lintian: errors fail; warnings are listed for a person to read.
lintian --fail-on error --tag-display-limit 0 -I "$changes" >"$work/lintian.log" 2>&1 ||
	{ cat "$work/lintian.log"; echo "deb-check: lintian reports errors"; exit 1; }
grep -v 'running with root privileges' "$work/lintian.log" | sed 's/^/deb-check: lintian: /' || true
step "lintian: $(grep -c '^E:' "$work/lintian.log" || true) errors," \
	"$(grep -c '^W:' "$work/lintian.log" || true) warnings," \
	"$(grep -c '^I:' "$work/lintian.log" || true) informational"

if [ "$(id -u)" -eq 0 ]; then
	installed=1
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
		"${debs[@]}" >"$work/install.log" 2>&1 ||
		{ cat "$work/install.log"; echo "deb-check: installing FAILED"; exit 1; }
	root=
	step "installed with apt-get"
else
	root=$work/root
	for d in "${debs[@]}"; do dpkg -x "$d" "$root"; done
	step "unpacked into $root (not root: no system-wide install)"
fi
bin=$root/usr/bin
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in usr/share/man/man1/socks4-test.1.gz usr/share/man/man1/socks4-client.1.gz \
	usr/share/man/man8/socks4-server.8.gz usr/share/man/man3/socks4kit.3.gz \
	usr/include/socks4kit/socks4.h usr/include/socks4kit/ident.h \
	"usr/lib/$multiarch/libsocks4kit.so.1" "usr/lib/$multiarch/libsocks4kit.a" \
	"usr/lib/$multiarch/pkgconfig/socks4kit.pc"; do
	[ -e "$root/$f" ] || { echo "deb-check: /$f is missing"; exit 1; }
done

# The installed server on a free loopback port, its port read from its
# "listening on" line (with a deadline), and the installed runner against it.
mkfifo "$work/server.fifo"
"$bin/socks4-server" --listen 127.0.0.1:0 --handshake-timeout 2 --bind-timeout 2 \
	2>"$work/server.fifo" &
server_pid=$!
exec 3<"$work/server.fifo"
port=
while [ -z "$port" ] && IFS= read -r -t 10 line <&3; do
	echo "$line" >>"$work/server.log"
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' <<<"$line")
done
cat <&3 >>"$work/server.log" & # the session log lines, read so the server never blocks
[ -n "$port" ] || { cat "$work/server.log"; echo "deb-check: the server did not start"; exit 1; }
identd_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
status=0
timeout 300 "$bin/socks4-test" --target "127.0.0.1:$port" --identd-port "$identd_port" \
	--stall-wait 4 --timer-wait 4 --strict --format json --output "$work/report.json" \
	>"$work/suite.log" 2>&1 || status=$?
tail -n 1 "$work/suite.log" | sed 's/^/deb-check: installed socks4-test: /'
[ $status -eq 0 ] && tail -n 1 "$work/suite.log" | grep -q ' 0 failed' ||
	{ cat "$work/suite.log"; echo "deb-check: the suite FAILED ($status)"; exit 1; }
kill "$server_pid"
wait "$server_pid" || true
server_pid=
step "installed socks4-test against the installed socks4-server"

# The library's example (socks4kit(3)) against the installed -dev package.
sed -n '/^\.SH EXAMPLE/,/^\.SH FILES/p' "$src/man/socks4kit.3" | sed -n '/^\.EX/,/^\.EE/p' |
	sed '1d;/^\.EE/,$d' | sed -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' >"$work/example.c"
if [ -n "$root" ]; then
	export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$root/usr/lib/$multiarch/pkgconfig
	export LD_LIBRARY_PATH=$root/usr/lib/$multiarch
fi
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror "$work/example.c" -o "$work/example" \
	$(pkg-config --cflags --libs socks4kit)
"$work/example" | sed 's/^/deb-check: example: /'
step "socks4kit(3)'s example built with pkg-config and run"
echo "deb-check: OK"
