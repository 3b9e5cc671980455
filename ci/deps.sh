#!/usr/bin/env bash
# Install, with apt-get, every package that `make check`, `make fuzz-smoke` and
# `make bench` need. Fast when everything is already present: apt-get runs only
# when a package is missing. Needs root (or sudo) only when something is missing.
set -euo pipefail

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
  python3-socks         # PySocks as a real SOCKS4 client
  curl                  # real SOCKS4/4a client
  socat                 # real SOCKS4/4A client
  ncat                  # real SOCKS4 client (socks4-test --client-cmd matrix)
  netcat-openbsd        # nc -X 4: real SOCKS4 client
  proxychains4          # real SOCKS4 client (LD_PRELOAD)
  dante-server          # Dante's sockd: interop target and bench baseline
  oidentd               # a real RFC 1413 identd
  afl++                 # AFL++ build check (afl-clang-fast)
  gcovr                 # `make coverage`
  valgrind
  hyperfine
  iproute2
  procps
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "ci/deps.sh: all ${#packages[@]} packages present"
  exit 0
fi

echo "ci/deps.sh: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Services shipped by these packages (danted, oidentd) must not start on install:
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
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
