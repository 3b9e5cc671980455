#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install, with apt-get, every package that `make check`, `make fuzz-smoke` and
# `make bench` need, and with npm ci the npm packages of tests/integration/thirdparty.
# Fast when everything is already present: apt-get runs only when a package is
# missing, npm ci only when the lock file changed. Needs root (or sudo) only when
# something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential       # gcc, make
  clang                 # `make CC=clang all`, libFuzzer builds
  libclang-rt-14-dev    # libFuzzer and sanitizer runtimes for clang 14
  llvm                  # llvm-profdata / llvm-cov for coverage
  pkg-config
  check                 # Check unit-test framework
  python3               # Debian's /usr/bin/python3 for pytest
  python3-pytest
  python3-pytest-timeout # a hung test fails instead of hanging CI
  python3-pytest-xdist  # make integration runs tests side by side (-n, --dist loadgroup)
  python3-socks         # PySocks as a real SOCKS4 client
  curl                  # real SOCKS4/4a client
  socat                 # real SOCKS4/4A client
  ncat                  # real SOCKS4 client (socks4-test --client-cmd matrix)
  netcat-openbsd        # nc -X 4: real SOCKS4 client
  proxychains4          # real SOCKS4 client (LD_PRELOAD)
  connect-proxy         # real SOCKS4/4a client: leaks 4a names without -R remote
  dante-server          # Dante's sockd: interop target and bench baseline
  oidentd               # a real RFC 1413 identd
  afl++                 # AFL++ build check (afl-clang-fast); coverage-guided fuzzing
                        # (make afl-server, test_coverage_fuzz.py: LLVM mode, laf-intel)
  gcovr                 # `make coverage`
  valgrind
  hyperfine
  iproute2
  procps
  # Third-party SOCKS4 servers socks4-test is checked against
  # (tests/integration/thirdparty.py; npm ones from tests/integration/thirdparty)
  openssh-server        # sshd for ssh -D and plink -D
  openssh-client        # ssh -D: OpenSSH's SOCKS4/4a dynamic forwarding
  putty-tools           # plink -D: PuTTY's SOCKS4/4a dynamic forwarding
  python3-twisted       # twistd socks: Twisted's SOCKSv4 server
  libio-socket-socks-perl # IO::Socket::Socks and its examples/server4.pl
  v2ray                 # v2ray's socks inbound (SOCKS4/4a/5)
  nodejs                # node and npm: the npm servers, puppeteer-core
  python3-yaml          # tests/integration/test_action.py reads action.yml
  zip                   # fuzz/build.sh: the seed corpus zips (ClusterFuzzLite, OSS-Fuzz)
  chromium              # the HTML report in a real browser (test_report_html.py); the
                        # browser row of the client matrix (test_client_chromium.py)
  connect-proxy         # connect -4 -S: a real SOCKS4 client (test_client_browser.py)
  debhelper             # make deb-check: dpkg-buildpackage with debhelper-compat 13
  dpkg-dev
  fakeroot
  lintian
  git                   # test_licence.py, test_release.py: the tracked files (git ls-files)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# The npm servers, pinned by tests/integration/thirdparty/package-lock.json; npm ci
# runs again only when the lock file changed since the last install.
node_deps() {
  local dir lock stamp sum
  dir="$(dirname "$0")/../tests/integration/thirdparty"
  lock="$dir/package-lock.json"
  stamp="$dir/node_modules/.s4kit-lock.sha256"
  sum="$(sha256sum <"$lock")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    echo "ci/deps.sh: npm packages present"
    return
  fi
  if ! command -v npm >/dev/null; then
    # Debian's nodejs ships without npm (other builds of nodejs include it).
    $SUDO apt-get install -y -qq --no-install-recommends npm
  fi
  npm ci --prefix "$dir" --no-audit --no-fund
  echo "$sum" >"$stamp"
}

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# npm: nodejs ships it in some builds; Debian's own nodejs needs the npm package.
command -v npm >/dev/null 2>&1 || missing+=(npm)

# The browser tests' node packages, pinned by package-lock.json; offline when they
# are there already.
npm_ci() {
  local dir=tests/integration/browser
  if [ -d "$dir/node_modules/puppeteer-core" ] &&
    (cd "$dir" && npm ls --omit=dev >/dev/null 2>&1); then
    echo "ci/deps.sh: $dir/node_modules present"
  else
    (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "ci/deps.sh: all ${#packages[@]} packages present"
  node_deps
  npm_ci
  exit 0
fi

echo "ci/deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Services shipped by these packages (danted, oidentd, sshd) must not start on install:
# the tests start their own instances on loopback with their own configuration.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  made_policy=1
fi
trap '[ $made_policy -eq 1 ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
node_deps
npm_ci
