#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Writes docs/cases.md (the server catalogue) and docs/client-cases.md (the client
# catalogue, socks4-test --client-cmd) from the catalogue itself (socks4-test --list -v),
# so the published case lists cannot drift from the code: `make docs` runs it, and tests
# check that every case id is in the files.
set -euo pipefail
bin=${1:-build/socks4-test}

# The `--list -v` output as one table per area.
tables() {
	awk '
		/^[0-9]+ cases$/ { total = $1; next }
		/^ / { sub(/^ +requirements: /, ""); split($0, p, "; expects: ");
		       printf "| %s | %s | %s | %s | %s |\n", id, level, title, p[1], p[2]; next }
		{ id = $1; level = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); title = $0
		  area = id; sub(/\/.*/, "", area)
		  if (area != last) { printf "\n## %s\n\n| id | level | title | requirements | accepts |\n|---|---|---|---|---|\n", area; last = area } }
		END { printf "\n%d cases.\n", total }'
}

rules() {
	cat <<'RULES'

## What every case accepts, and why

A case fails only on what the spec forbids and TCP does not allow. These hold for
every case below; the "accepts" column adds what the case itself allows.

- **Segment boundaries anywhere.** Replies are read as a stream: a reply split into
  eight writes, or a 90 in the same segment as the destination's first bytes, is the
  same reply (TCP is a byte stream, RFC 9293 3.1). A case never reads past the 8
  reply octets, so relayed bytes that came with the reply stay for the relay.
- **A close may be a FIN or a reset.** After a refusal (91, 92, 93, or a close
  instead of a reply) the target may close either way; a reset after the reply
  octets arrived is a close (S4-CONNECT-5 asks for the close, not its kind).
- **A reset may flush queued data** (RFC 9293 3.10.7.3). `relay/close/*` test an
  orderly close (FIN, nothing left unread) and require every byte before it;
  `relay/reset/*` reset, and require only that the other side's connection ends
  (with, at most, a prefix of what was sent).
- **Slow but bounded servers.** Every wait is `--timeout` (5 s) per reply or close;
  a server 300 ms slow per reply passes everything (`tests/integration/
  test_conformance_proof.py`, `tcp-allows:reply-delay`).
- **Limits at 255.** A USERID or hostname of 256 octets or more may be refused (91 or
  close) or served intact; 255 and below must be served (S4-ROBUST-1).
- **Verdicts do not depend on the target's own timeouts.**
  `robust/flood/userid` judges by how much USERID the target takes (1 MiB taken
  without a refusal fails, even if the target closes at its handshake timeout);
  `robust/stall/not-blocking` requires the new client to be served while the
  stalled ones are still connected, or about as fast as alone.
- **The runner's own side is never the target's fault.** A destination the runner
  cannot open, an identd port another program holds (port 113 in use): the cases
  that need it SKIP with the cause, or, when asked for explicitly (`--identd`,
  `--deny-port`), the run stops with exit status 2 before any case. An ident case
  whose connection's query never reached the runner's identd SKIPs
  (`ident/query-format` is the case that reports a query that never came).
- **One defect, its own cases.** Hostile cases (those that send malformed or
  over-long input, or reset) run with no other case in flight and are followed by a
  health check (against the built-in server and under `--exec`, each runs beside the
  others on a fresh server instance or process of its own); when the target dies, the cases in flight are run again alone
  once it is back (restarted under `--exec`): one is blamed only when the target dies
  again on its input alone, and the others keep their own verdicts. A target that does
  not come back, or survives the replays, is the run's `target_died`, naming the
  suspects; none of them FAILs. A target that serves one client at a time is
  noticed by `preflight/capabilities`, reported by `robust/stall/not-blocking`, and
  every other case then runs alone. Early data (bytes right behind the request) is
  `delivery/`'s subject: the USERID cases send their data after the reply.
- **SOCKS4a names: the resolver is not the target.** The names the cases send are
  `localhost` (the name of `--dest-addr`) and names under `.invalid` (RFC 6761: they
  never resolve). The built-in server asks the runner's own name service (A records
  for its destination names, NXDOMAIN at once for the rest), and so does an `--exec`
  target where a private mount namespace with its own resolv.conf is allowed (the
  report's `names:` line says whether it is). A `--target` asks its own resolver, which
  may be slow: a 4a case that got no answer within `--timeout` is judged by the
  runner's own lookup of the same name, with the same timer. When that lookup gets no
  answer either, or only after half the time, the case is SKIPped as
  `inconclusive: ...` (counted apart in the summary); when it answers at once, the
  target's silence is its own and the case FAILs. `--fuzz` does the same per
  iteration (`N inconclusive`, not failures), and first asks this host's resolver 16
  lookups at once: when it is slow, made-up names become `localhost` or numeric forms
  resolvers read without DNS, so the fuzz rate does not depend on it.
  `socks4-server`'s default `--resolve-timeout` (4 s) is below `--timeout`'s 5 s, so its
  91 for a name that does not resolve in time arrives while the runner still waits.
- **A destination the target may not reach is one fact, not a cascade.**
  `preflight/destination` asks for a CONNECT to the runner's listening echo
  destination. A 91 (policy, as Tor's for private addresses, or network) or no answer
  in time fails it once with what to do (`--dest-addr`); every case that needs a grant
  (or an answer in time) is then SKIPped with that cause, SOCKS4a and BIND detection
  say "cannot tell", and the exit status is 2: the run could not test what it was
  asked to.
- **Stable verdicts.** `--repeat N` runs every failed case again alone N times; a
  case whose verdict changes is FLAKY (a failure, reported apart in every format).
  `make stability` runs the whole suite many times against the reference server and
  every `broken_server.py` variant, at -j 1 and -j 8, with and without a CPU hog,
  and requires the same verdict every time.
RULES
}

legend() {
	echo "Requirement ids are defined in ../shared/spec/REQUIREMENTS.md (quoted in"
	echo "conformance/report/requirements.c). Levels: MUST fails the run, SHOULD fails it with"
	echo "\`--strict\`, INFO reports an observation (and fails only on what the spec forbids)."
}

{
	echo "# socks4-test: the case catalogue"
	echo
	echo "Generated by \`make docs\` from \`socks4-test --list -v\`; do not edit by hand."
	legend
	rules
	"$bin" --list -v | tables
} > docs/cases.md
echo "docs/cases.md: $(grep -c '^| [a-z0-9]*/' docs/cases.md) cases"

{
	echo "# socks4-test --client-cmd: the client catalogue"
	echo
	echo "Generated by \`make docs\` from \`socks4-test --client-cmd CMD --list -v\`; do not"
	echo "edit by hand. The runner is the SOCKS4 proxy; each case runs the client's command"
	echo "once (see README.md, \"Testing a SOCKS4 client\", and docs/clients.md for real"
	echo "clients). Where no accepted outcome is given, a case expects the exchange to work"
	echo "(X from stdin or the GET of {url} reaches the destination, its answer Y comes out on"
	echo "stdout byte for byte, exit 0) or, for a refusal, a clean failure (a non-zero exit,"
	echo "none of the destination's bytes on stdout, within --client-timeout)."
	legend
	"$bin" --client-cmd true --list -v | tables
} > docs/client-cases.md
echo "docs/client-cases.md: $(grep -c '^| [a-z0-9]*/' docs/client-cases.md) cases"
