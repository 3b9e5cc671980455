/* SPDX-License-Identifier: MIT */
/* options.c - socks4-test's flags: the help text, one table of the options that
 * only set a field of the run's options, and the few that need more (targets,
 * formats, reports, modes). */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "options.h"

#define VERSION S4KIT_VERSION /* -D from the file VERSION (Makefile) */

static const char usage_text[] =
        "usage: " PROG " [--target HOST:PORT | --exec CMD]... [options] [ID-PREFIX|GLOB ...]\n"
        "       " PROG " --fuzz N [--target HOST:PORT | --exec CMD] [options]\n"
        "       " PROG " --client-cmd TEMPLATE... [--client-4a] [--client-bind] [ID-PREFIX|GLOB ...]\n"
        "\n"
        "Checks a SOCKS4/SOCKS4a server against the protocol, case by case. Without\n"
        "--target it starts the built-in socks4-server on a free loopback port and tests it.\n"
        "\n"
        "Target and environment:\n"
        "  --target HOST:PORT   the server to test (repeatable: a side-by-side matrix)\n"
        "  --exec 'CMD'         run the server to test: CMD goes to sh -c with {port} (a free\n"
        "                       loopback port) and {addr} (127.0.0.1:{port}) filled in; the\n"
        "                       runner waits until it listens, restarts it when it dies, runs\n"
        "                       the cases that were in flight again alone to name the one that\n"
        "                       killed it, and attaches what it printed (repeatable, mixes\n"
        "                       with --target in a matrix). Its resolver asks the runner's\n"
        "                       name service (a private mount namespace with its own\n"
        "                       /etc/resolv.conf, naming 127.53.x.y:53); where that is not\n"
        "                       allowed (no CAP_SYS_ADMIN nor user namespaces, or port 53\n"
        "                       not bindable) it uses the machine's resolver, and the\n"
        "                       report's \"names:\" line says so\n"
        "  --crash-dir DIR      where the bytes that killed a target are saved (a directory\n"
        "                       you own; default: a fresh $TMPDIR/socks4-test-XXXXXX per run,\n"
        "                       named on stderr when something is written there)\n"
        "  --exec-wait S        seconds an --exec target may take to accept connections\n"
        "                       (default 10)\n"
        "  --exec-shared        hostile cases (malformed and stalled requests) run alone on\n"
        "                       the one --exec process, as against --target; by default each\n"
        "                       gets a fresh process of the command on its own port and runs\n"
        "                       beside the others (for a command that cannot run twice at\n"
        "                       once; the runner also falls back to this by itself when a\n"
        "                       second process does not start, and the report's \"isolation:\"\n"
        "                       line says so)\n"
        "  --max-restarts N     restarts of an --exec target after it died (default 20)\n"
        "  --dest-addr ADDR     IPv4 address of this host the target can reach; the runner's\n"
        "                       destinations, BIND peers and identd live there (default: this\n"
        "                       host's address on the connection to the target)\n"
        "  --alt-source ADDR    a second local address for the BIND mismatch peer\n"
        "                       (default 127.0.0.2 when dest-addr is on loopback)\n"
        "  --dest-name NAME     a name the target resolves to dest-addr, for SOCKS4a\n"
        "                       (default localhost when dest-addr is 127.0.0.1)\n"
        "  --features LIST      do not detect: the target does exactly these of 4a,bind,identd\n"
        "  --identd MODE        the target consults identd in this mode: strict or lenient\n"
        "  --identd-port N      port of the runner's scripted identd (default 113)\n"
        "  --deny-user USER     a USERID the target's rules deny (for the 91-on-deny cases)\n"
        "  --deny-port PORT     or a port on dest-addr the target's rules deny connections to\n"
        "                       (the runner listens there while it tests)\n"
        "  --user USER          the USERID of ordinary requests (default socks4-test)\n"
        "\n"
        "Running:\n"
        "  --list               print the selected cases (id, level, title) and exit\n"
        "  --strict             SHOULD failures fail the run too\n"
        "  --repeat N           run every failed case again alone N times; one whose verdict\n"
        "                       changes is FLAKY (a failure, reported apart)\n"
        "  -j N                 cases in parallel (default 4)\n"
        "  --timeout S          seconds for each reply or close a case waits for (default 5)\n"
        "  --stall-wait S       seconds the target may take to drop a stalled client\n"
        "                       (default 35; 4 for the built-in server)\n"
        "  --timer-wait S       seconds to wait for the target's BIND timer (default: that case\n"
        "                       is skipped; 4 for the built-in server)\n"
        "  --relay-bytes N      bytes each way in the bulk relay case (default 1048576)\n"
        "\n"
        "Client mode (test a SOCKS4 CLIENT; the runner is the proxy):\n"
        "  --client-cmd TEMPLATE  the client's command, run with sh -c for each case after\n"
        "                       replacing {proxy_host} {proxy_port} {proxy} (host:port) {host}\n"
        "                       {port} and {url} (http://{host}:{port}/PATH). With {url} it is a\n"
        "                       URL fetcher (the destination answers HTTP/1.0, the body must\n"
        "                       come out on stdout); otherwise a stream client (stdin goes to\n"
        "                       the destination, its answer must come out on stdout).\n"
        "                       Repeatable: a matrix. Cases are the client catalogue.\n"
        "  --client-4a          the client lets the proxy resolve names: {host} may be a name\n"
        "                       only the proxy knows, which must go out as SOCKS4a\n"
        "  --client-bind        the command is a BIND client (socks4-client --bind): the bind/\n"
        "                       cases run instead of the CONNECT ones; it must print the\n"
        "                       address it got as \"ADDR PORT\" on stdout or stderr\n"
        "  --client-timeout S   each run of the client must end within S (default 10); a FAIL\n"
        "                       of a killed client is run again with 2S, the others done\n"
        "  --client-judge exit|stdout  how success and failure are told apart: by the exit\n"
        "                       status and stdout (exit, the default), or, for clients whose\n"
        "                       exit status says nothing (browsers with --dump-dom), by\n"
        "                       stdout alone: the destination's bytes shown, or none of them\n"
        "\n"
        "Live fuzzing (instead of the cases):\n"
        "  --fuzz N             send N mutated requests (fields and raw bytes, split across\n"
        "                       writes, with stalls); each must get a well-formed reply or a\n"
        "                       close within --timeout, and the target must still grant a\n"
        "                       valid CONNECT (checked after every 8th request of a thread and\n"
        "                       every failure; a failed check sends the suspects again alone)\n"
        "  --seed S             the run's seed (default: from the clock; printed), so that a\n"
        "                       failure can be repeated\n"
        "  --fuzz-from I        start at iteration I (with --fuzz 1: repeat one failure)\n"
        "  --crash-dir DIR      with --exec: each crash of the target is saved there with a\n"
        "                       minimized reproducer, once per signature (default: a fresh\n"
        "                       $TMPDIR/socks4-test-XXXXXX); fuzzing goes on after a restart, and\n"
        "                       the summary gives the crashes by signature\n"
        "  --duration S         fuzz for S seconds (with --fuzz N: whichever comes first)\n"
        "  --coverage           coverage-guided (--exec with a target built by AFL++'s\n"
        "                       afl-clang-fast): the runner makes AFL++'s map (__AFL_SHM_ID),\n"
        "                       inputs run ONE AT A TIME (so each one's edges are its own; -j\n"
        "                       is not used), and one that reaches a new edge or hit count\n"
        "                       joins the corpus, which the next inputs are mutated from;\n"
        "                       every input is judged as above, and a wrong answer is a\n"
        "                       finding like a crash: minimized, one per signature, saved to\n"
        "                       --crash-dir with its replay command\n"
        "  --corpus DIR         with --coverage: the corpus, one file per input (its bytes as\n"
        "                       sent); its files are the first seeds, new entries go there\n"
        "  --dict FILE          with --coverage: tokens (AFL++/libFuzzer dictionary form) for\n"
        "                       the mutations and, as USERIDs, for seeds\n"
        "  --until-finding      with --coverage: stop at the first finding (for tests and\n"
        "                       benchmarks: the time it took, as AFL++'s AFL_BENCH_UNTIL_CRASH)\n"
        "  --coverage-measure   blind fuzzing as without --coverage (-j workers) with AFL++'s\n"
        "                       map attached: reports the edges it reached, for comparisons\n"
        "                       (with --coverage or --coverage-measure, --report json:FILE or\n"
        "                       --output FILE --format json writes the figures as JSON)\n"
        "\n"
        "Output:\n"
        "  --format F           human (default), tap, junit, json or html\n"
        "  --output FILE        write that format to FILE (the human report still goes to stdout)\n"
        "  --report FMT:FILE    also write format FMT to FILE (repeatable: junit:r.xml html:r.html)\n"
        "  -v, --verbose        details and traces for every case, not only failures\n"
        "\n"
        "Baselines (gate CI on regressions, not on known deviations):\n"
        "  --baseline FILE      known failures: an earlier --format json report, or case ids\n"
        "                       one per line (# comments). Listed failures do not fail the run\n"
        "                       (KNOWN); others do (NEW); listed cases that pass are FIXED\n"
        "  --write-baseline FILE  write this run's failures as such a list\n"
        "  -h, --help           this text; --version: the version\n"
        "\n"
        "Exit status: 0 when no MUST case fails (nor a SHOULD case with --strict), 1 otherwise,\n"
        "2 for a usage error, a target that cannot be reached, one that grants no CONNECT\n"
        "to the runner's destinations (preflight/destination: the run could not test) or a\n"
        "report that cannot be written. SIGINT, SIGTERM or SIGHUP stop --exec targets and clients, write the\n"
        "reports with the cases judged so far and exit 128+N.\n";

void usage_error(const char *what, const char *arg)
{
	fprintf(stderr, PROG ": %s '%s'\nTry '" PROG " --help'.\n", what, arg);
	exit(EXIT_USAGE);
}

static int seconds_ms(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || v <= 0 || v > 3600)
		usage_error("bad number of seconds", s);
	return (int)(v * 1000);
}

static long number(const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		usage_error("bad number", s);
	return v;
}

/* The options that only set one field of struct runner_opts. */
enum field_kind { FK_TEXT, FK_SECONDS, FK_NUMBER, FK_FLAG };
#define FIELD(f) offsetof(struct runner_opts, f)
static const struct field_opt {
	const char *name;
	enum field_kind kind;
	size_t off;
	long min, max; /* FK_NUMBER */
} field_opts[] = {
        {"dest-addr", FK_TEXT, FIELD(dest_addr), 0, 0},
        {"alt-source", FK_TEXT, FIELD(alt_source), 0, 0},
        {"dest-name", FK_TEXT, FIELD(dest_name), 0, 0},
        {"features", FK_TEXT, FIELD(features), 0, 0},
        {"deny-user", FK_TEXT, FIELD(deny_user), 0, 0},
        {"user", FK_TEXT, FIELD(user), 0, 0},
        {"crash-dir", FK_TEXT, FIELD(crash_dir), 0, 0},
        {"identd-port", FK_NUMBER, FIELD(identd_port), 1, 65535},
        {"deny-port", FK_NUMBER, FIELD(deny_port), 1, 65535},
        {"repeat", FK_NUMBER, FIELD(repeat), 0, 100},
        {"jobs", FK_NUMBER, FIELD(jobs), 1, 64},
        {"timeout", FK_SECONDS, FIELD(timeout_ms), 0, 0},
        {"stall-wait", FK_SECONDS, FIELD(stall_wait_ms), 0, 0},
        {"timer-wait", FK_SECONDS, FIELD(timer_wait_ms), 0, 0},
        {"exec-wait", FK_SECONDS, FIELD(exec_wait_ms), 0, 0},
        {"exec-shared", FK_FLAG, FIELD(exec_shared), 0, 0},
        {"client-timeout", FK_SECONDS, FIELD(client_timeout_ms), 0, 0},
        {"strict", FK_FLAG, FIELD(strict), 0, 0},
        {"verbose", FK_FLAG, FIELD(verbose), 0, 0},
        {"client-4a", FK_FLAG, FIELD(client_4a), 0, 0},
        {"client-bind", FK_FLAG, FIELD(client_bind), 0, 0},
};
#define NFIELDS (sizeof(field_opts) / sizeof(field_opts[0]))
#define OPT_FIELD 1000 /* getopt value of field_opts[i]: OPT_FIELD + i */

/* The options that need more than a field. */
enum {
	OPT_TARGET = 256,
	OPT_EXEC,
	OPT_CLIENT_CMD,
	OPT_CLIENT_JUDGE,
	OPT_IDENTD,
	OPT_MAX_RESTARTS,
	OPT_RELAY,
	OPT_LIST,
	OPT_FORMAT,
	OPT_OUTPUT,
	OPT_REPORT,
	OPT_BASELINE,
	OPT_WRITE_BASELINE,
	OPT_FUZZ,
	OPT_SEED,
	OPT_FUZZ_FROM,
	OPT_DURATION,
	OPT_COVERAGE,
	OPT_COVERAGE_MEASURE,
	OPT_CORPUS,
	OPT_DICT,
	OPT_UNTIL_FINDING,
	OPT_VERSION,
};
static const struct option special_opts[] = {
        {"target", required_argument, NULL, OPT_TARGET},
        {"exec", required_argument, NULL, OPT_EXEC},
        {"client-cmd", required_argument, NULL, OPT_CLIENT_CMD},
        {"client-judge", required_argument, NULL, OPT_CLIENT_JUDGE},
        {"identd", required_argument, NULL, OPT_IDENTD},
        {"max-restarts", required_argument, NULL, OPT_MAX_RESTARTS},
        {"relay-bytes", required_argument, NULL, OPT_RELAY},
        {"list", no_argument, NULL, OPT_LIST},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"report", required_argument, NULL, OPT_REPORT},
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"write-baseline", required_argument, NULL, OPT_WRITE_BASELINE},
        {"fuzz", required_argument, NULL, OPT_FUZZ},
        {"seed", required_argument, NULL, OPT_SEED},
        {"fuzz-from", required_argument, NULL, OPT_FUZZ_FROM},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"coverage", no_argument, NULL, OPT_COVERAGE},
        {"coverage-measure", no_argument, NULL, OPT_COVERAGE_MEASURE},
        {"corpus", required_argument, NULL, OPT_CORPUS},
        {"dict", required_argument, NULL, OPT_DICT},
        {"until-finding", no_argument, NULL, OPT_UNTIL_FINDING},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
};
#define NSPECIAL (sizeof(special_opts) / sizeof(special_opts[0]))

/* The getopt value of the field option NAME (for its short form). */
static int field_id(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(field_opts[i].name, name) == 0)
			return OPT_FIELD + (int)i;
	return -1;
}

static void set_field(struct runner_opts *o, const struct field_opt *f, const char *arg)
{
	void *p = (char *)o + f->off;
	switch (f->kind) {
	case FK_TEXT:
		*(const char **)p = arg;
		break;
	case FK_SECONDS:
		*(int *)p = seconds_ms(arg);
		break;
	case FK_NUMBER:
		*(int *)p = (int)number(arg, f->min, f->max);
		break;
	case FK_FLAG:
		*(int *)p = 1;
		break;
	}
}

static enum format parse_format(const char *s)
{
	static const char *const names[] = {"human", "tap", "junit", "json", "html"};
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return (enum format)i;
	usage_error("--format must be human, tap, junit, json or html, not", s);
	return FMT_HUMAN;
}

enum format report_format(const char *s)
{
	char name[16];
	size_t n = strcspn(s, ":");
	if (s[n] != ':' || s[n + 1] == '\0' || n >= sizeof(name))
		usage_error("--report takes FORMAT:FILE, not", s);
	memcpy(name, s, n);
	name[n] = '\0';
	return parse_format(name);
}

static void add_target(struct cli *cli, const char *arg, int is_exec)
{
	if (cli->ntargets == CLI_MAX_TARGETS)
		usage_error("at most 8 targets (--target and --exec); not", arg);
	cli->is_exec[cli->ntargets] = is_exec;
	cli->targets[cli->ntargets++] = arg;
}

/* What the run does and where it comes from: targets, clients, identd. */
static int set_run_option(struct cli *cli, int id, const char *arg)
{
	switch (id) {
	case OPT_TARGET:
	case OPT_EXEC:
		add_target(cli, arg, id == OPT_EXEC);
		return 1;
	case OPT_CLIENT_CMD:
		if (cli->nclients == CLI_MAX_TARGETS)
			usage_error("at most 8 client commands; not", arg);
		cli->clients[cli->nclients++] = arg;
		return 1;
	case OPT_CLIENT_JUDGE:
		if (strcmp(arg, "stdout") != 0 && strcmp(arg, "exit") != 0)
			usage_error("--client-judge is exit or stdout; not", arg);
		cli->o.client_judge_stdout = strcmp(arg, "stdout") == 0;
		return 1;
	case OPT_IDENTD:
		if (strcmp(arg, "strict") != 0 && strcmp(arg, "lenient") != 0)
			usage_error("--identd must be strict or lenient, not", arg);
		cli->o.identd_mode = arg;
		return 1;
	case OPT_MAX_RESTARTS:
		cli->o.max_restarts = (int)number(arg, 0, 100000);
		if (cli->o.max_restarts == 0)
			cli->o.max_restarts = -1; /* none (0 is "the default" in tp_opts) */
		return 1;
	case OPT_RELAY:
		cli->o.relay_bytes = (size_t)number(arg, 1, 1L << 30);
		return 1;
	}
	return 0;
}

/* Coverage-guided fuzzing and --duration. */
static int set_coverage_option(struct cli *cli, int id, const char *arg)
{
	switch (id) {
	case OPT_DURATION:
		cli->duration_ms = seconds_ms(arg);
		return 1;
	case OPT_COVERAGE:
		cli->coverage = 1;
		return 1;
	case OPT_COVERAGE_MEASURE:
		cli->coverage_measure = 1;
		return 1;
	case OPT_CORPUS:
		cli->corpus_dir = arg;
		return 1;
	case OPT_DICT:
		cli->dict = arg;
		return 1;
	case OPT_UNTIL_FINDING:
		cli->until_finding = 1;
		return 1;
	}
	return 0;
}

/* The rules of --duration and --coverage, once every flag is read. */
static void check_fuzz_options(struct cli *cli)
{
	if (cli->duration_ms > 0 && cli->fuzz_n == 0)
		cli->fuzz_n = FUZZ_N_MAX; /* the time decides */
	if (cli->coverage && cli->coverage_measure)
		usage_error("--coverage and --coverage-measure are two ways to run, not both:",
		            "--coverage-measure");
	if ((cli->coverage || cli->coverage_measure) &&
	    (cli->fuzz_n == 0 || cli->ntargets != 1 || !cli->is_exec[0]))
		usage_error("--coverage needs --fuzz N or --duration S and one --exec target; not",
		            cli->ntargets > 0 ? cli->targets[0] : "(none)");
	if (!cli->coverage && (cli->corpus_dir != NULL || cli->dict != NULL || cli->until_finding))
		usage_error("--corpus, --dict and --until-finding go with --coverage; not",
		            cli->corpus_dir != NULL ? cli->corpus_dir
		            : cli->dict != NULL     ? cli->dict
		                                    : "--until-finding");
}

/* What comes out: the list, formats, reports, baselines, fuzzing. */
static int set_output_option(struct cli *cli, int id, const char *arg, int *seed_given)
{
	switch (id) {
	case OPT_LIST:
		cli->list = 1;
		return 1;
	case OPT_FORMAT:
		cli->fmt = parse_format(arg);
		return 1;
	case OPT_OUTPUT:
		cli->output = arg;
		return 1;
	case OPT_REPORT:
		report_format(arg);
		if (cli->nreports == CLI_MAX_REPORTS)
			usage_error("at most 8 --report; not", arg);
		cli->reports[cli->nreports++] = arg;
		return 1;
	case OPT_BASELINE:
		cli->baseline_in = arg;
		return 1;
	case OPT_WRITE_BASELINE:
		cli->baseline_out = arg;
		return 1;
	case OPT_FUZZ:
		cli->fuzz_n = number(arg, 1, FUZZ_N_MAX);
		return 1;
	case OPT_SEED:
		cli->seed = (uint64_t)number(arg, 0, 0x7fffffffffffffffL);
		*seed_given = 1;
		return 1;
	case OPT_FUZZ_FROM:
		cli->fuzz_from = number(arg, 0, 0x7fffffffffffffffL);
		return 1;
	}
	return set_coverage_option(cli, id, arg);
}

void cli_parse(int argc, char **argv, struct cli *cli)
{
	static struct option longopts[NFIELDS + NSPECIAL + 1];
	for (size_t i = 0; i < NFIELDS; i++)
		longopts[i] = (struct option){field_opts[i].name,
		                              field_opts[i].kind == FK_FLAG ? no_argument
		                                                            : required_argument,
		                              NULL, OPT_FIELD + (int)i};
	memcpy(longopts + NFIELDS, special_opts, sizeof(special_opts));
	memset(cli, 0, sizeof(*cli));
	cli->o = (struct runner_opts){.user = "socks4-test",
	                              .identd_port = -1,
	                              .jobs = 4,
	                              .timeout_ms = 5000,
	                              .stall_wait_ms = -1,
	                              .timer_wait_ms = -1,
	                              .relay_bytes = 1 << 20,
	                              .client_timeout_ms = 10000};
	int opt, seed_given = 0;
	while ((opt = getopt_long(argc, argv, "j:vh", longopts, NULL)) != -1) {
		if (opt == 'j' || opt == 'v')
			opt = field_id(opt == 'j' ? "jobs" : "verbose");
		if (opt >= OPT_FIELD && opt < OPT_FIELD + (int)NFIELDS)
			set_field(&cli->o, &field_opts[opt - OPT_FIELD], optarg);
		else if (set_run_option(cli, opt, optarg) || set_output_option(cli, opt, optarg,
		                                                                 &seed_given))
			continue;
		else if (opt == 'h' || opt == OPT_VERSION) {
			fputs(opt == 'h' ? usage_text : PROG " (socks4kit) " VERSION "\n", stdout);
			exit(EXIT_OK);
		} else {
			fprintf(stderr, "Try '" PROG " --help'.\n");
			exit(EXIT_USAGE);
		}
	}
	if (!seed_given)
		cli->seed = (uint64_t)time(NULL);
	cli->select = argv + optind;
	cli->nselect = (size_t)(argc - optind);
	if (cli->nclients > 0 && (cli->ntargets > 0 || cli->fuzz_n > 0))
		usage_error("--client-cmd tests a client: no --target or --fuzz with it; not",
		            cli->ntargets > 0 ? cli->targets[0] : "--fuzz");
	if (cli->fuzz_n > 0 && cli->ntargets > 1)
		usage_error("--fuzz takes one target, not", cli->targets[1]);
	check_fuzz_options(cli);
}
