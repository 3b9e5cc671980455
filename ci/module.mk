# SPDX-License-Identifier: MIT
# ci/: what CI runs beyond `make check` (.ci/run calls these).
#
#   make deb-check    the Debian packages built in a copy under /tmp, lintian, installed,
#                     and the installed socks4-test run against the installed socks4-server
#                     (ci/deb-check.sh; about a minute and a half)
.PHONY: deb-check
deb-check:
	bash ci/deb-check.sh
