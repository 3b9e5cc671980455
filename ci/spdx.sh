#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# spdx.sh - the licence line, `SPDX-License-Identifier: MIT`, at the top of every file
# the project wrote as source, header, script, test or build file (issue 23).
#
#   bash ci/spdx.sh            adds the line to every tracked file in scope that lacks it
#   bash ci/spdx.sh --check    changes nothing; names each file lacking it, exit status 1
#   bash ci/spdx.sh --list     prints the files in scope with their comment syntax
#
# In scope (git's tracked files, as they are in the work tree), by comment syntax:
#   /* */   *.c *.h
#   //      *.js
#   #       *.sh *.py *.mk Makefile *.yml *.yaml Dockerfile *.pc.in debian/rules, and a
#           file without an extension whose first line is a #! of sh, bash, python,
#           make or perl (.ci/run)
#   .\"     man pages (man/*.1 ... man/*.8)
# Out of scope: data and third-party files (corpus/, *.dict, fuzz/*.options, crash
# files, *.json and the npm lock files, bench/results/), documentation (*.md: prose,
# not code; LICENSE itself), Debian's metadata beside debian/rules (debian/copyright
# covers it) and dotfiles (.gitignore, .clang-format).
# "Has the line" means a comment line starting with SPDX-License-Identifier: within the
# first 5 lines. The line
# goes first, or after a #! line, a Python coding line, Dockerfile parser directives or
# a roff preprocessor line ('\"), which must stay first. Running it twice changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-add}
case "$mode" in add | --check | --list) ;; *)
	echo "usage: $0 [--check | --list]" >&2
	exit 2
	;;
esac
git rev-parse --git-dir >/dev/null 2>&1 || { echo "spdx: not a git work tree" >&2; exit 2; }

# style FILE: sets s to c, js, hash, roff, or nothing (out of scope). No forks: the
# check runs in make check over every tracked file.
style() {
	local f=$1 base=${1##*/} first=
	s=
	case "/$f" in
	/corpus/* | */socks4-test-crashes/* | */node_modules/* | /bench/results/*) return ;;
	esac
	case "$base" in
	*.c | *.h) s=c ;;
	*.js) s=js ;;
	*.sh | *.py | *.mk | Makefile | *.yml | *.yaml | Dockerfile | *.pc.in) s=hash ;;
	*.[1-8]) [[ "$f" == man/* ]] && s=roff ;;
	*.*) ;;
	*)
		IFS= read -r first <"$f" || true
		if [ "$f" = debian/rules ] ||
			[[ "$first" =~ ^\#!.*[/\ ](sh|bash|dash|python3?|make|perl)(\ |$) ]]; then
			s=hash
		fi
		;;
	esac
	return 0
}

# has_line FILE: a comment line starting with SPDX-License-Identifier: within the first
# 5 lines (a mention in a sentence, as in this file's second line, does not count)
spdx_re='^(/\*|//|#|\.\\")[[:space:]]*SPDX-License-Identifier:'
has_line() {
	local line n=0
	while [ $n -lt 5 ] && IFS= read -r line; do
		[[ "$line" =~ $spdx_re ]] && return 0
		n=$((n + 1))
	done <"$1"
	return 1
}

line_for() {
	case "$1" in
	c) echo '/* SPDX-License-Identifier: MIT */' ;;
	js) echo '// SPDX-License-Identifier: MIT' ;;
	hash) echo '# SPDX-License-Identifier: MIT' ;;
	roff) echo '.\" SPDX-License-Identifier: MIT' ;;
	esac
}

# after FILE: how many leading lines must stay before the licence line
after() {
	awk 'NR == 1 && /^#!/ { n = 1; next }
	     NR <= 2 && /^#.*coding[:=]/ { n = NR; next }
	     NR == 1 && /^'"'"'\\"/ { n = 1; next }
	     /^# *(syntax|escape|check) *=/ && NR == n + 1 { n = NR; next }
	     { exit }
	     END { print n + 0 }' "$1"
}

missing=0
while IFS= read -r -d '' f; do
	[ -f "$f" ] && [ ! -L "$f" ] || continue
	style "$f"
	[ -n "$s" ] || continue
	if [ "$mode" = --list ]; then
		printf '%-5s %s\n' "$s" "$f"
		continue
	fi
	has_line "$f" && continue
	if [ "$mode" = --check ]; then
		echo "spdx: $f: no SPDX-License-Identifier line (bash ci/spdx.sh adds it)"
		missing=$((missing + 1))
		continue
	fi
	l=$(line_for "$s")
	l=${l//\\/\\\\} # sed's a and i text: a backslash stands for itself only doubled
	n=$(after "$f")
	if [ ! -s "$f" ]; then
		printf '%s\n' "$l" >"$f"
	elif [ "$n" -eq 0 ]; then
		sed -i "1i\\$l" "$f"
	else
		sed -i "${n}a\\$l" "$f"
	fi
	echo "spdx: $f"
done < <(git ls-files -z)
if [ "$mode" = --check ] && [ $missing -gt 0 ]; then
	echo "spdx: $missing tracked source files lack the licence line"
	exit 1
fi
exit 0
