/* main.c - socks4-test: flags to runner options, then the run(s) and the
 * reports. The catalogue is in cases/, the machinery in runner.c/harness.c. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"
#include "clientmode.h"
#include "nsexec.h"
#include "report.h"
#include "runner.h"
#include "supervisor.h"

#define PROG "socks4-test"
#define VERSION "0.1"
#define MAX_TARGETS 8
#define MAX_CASES 512
#define MAX_REPORTS 8

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

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
        "  --crash-dir DIR      where the bytes that killed a target are saved (default\n"
        "                       socks4-test-crashes)\n"
        "  --exec-wait S        seconds an --exec target may take to accept connections\n"
        "                       (default 10)\n"
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
        "  --client-timeout S   each run of the client must end within S (default 10)\n"
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
        "                       minimized reproducer, once per signature (default\n"
        "                       ./socks4-test-crashes); fuzzing goes on after a restart, and\n"
        "                       the summary gives the crashes by signature\n"
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
        "2 for a usage error, a target that cannot be reached, or one that grants no CONNECT\n"
        "to the runner's destinations (preflight/destination: the run could not test).\n";

static void usage_error(const char *what, const char *arg)
{
	fprintf(stderr, PROG ": %s '%s'\nTry '" PROG " --help'.\n", what, arg);
	exit(EXIT_USAGE);
}

static int seconds_ms(const char *s, int allow_zero)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 3600 ||
	    (v == 0 && !allow_zero))
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

enum {
	OPT_TARGET = 256,
	OPT_DEST,
	OPT_ALT,
	OPT_NAME,
	OPT_FEATURES,
	OPT_IDENTD,
	OPT_IDENTD_PORT,
	OPT_DENY,
	OPT_DENY_PORT,
	OPT_USER,
	OPT_LIST,
	OPT_STRICT,
	OPT_TIMEOUT,
	OPT_STALL,
	OPT_TIMER,
	OPT_RELAY,
	OPT_FORMAT,
	OPT_OUTPUT,
	OPT_VERSION,
	OPT_FUZZ,
	OPT_SEED,
	OPT_FUZZ_FROM,
	OPT_EXEC,
	OPT_REPEAT,
	OPT_CRASH_DIR,
	OPT_BASELINE,
	OPT_WRITE_BASELINE,
	OPT_REPORT,
	OPT_CLIENT_CMD,
	OPT_CLIENT_4A,
	OPT_CLIENT_BIND,
	OPT_CLIENT_TIMEOUT,
	OPT_MAX_RESTARTS,
	OPT_EXEC_WAIT,
};

static const struct option options[] = {
        {"target", required_argument, NULL, OPT_TARGET},
        {"dest-addr", required_argument, NULL, OPT_DEST},
        {"alt-source", required_argument, NULL, OPT_ALT},
        {"dest-name", required_argument, NULL, OPT_NAME},
        {"features", required_argument, NULL, OPT_FEATURES},
        {"identd", required_argument, NULL, OPT_IDENTD},
        {"identd-port", required_argument, NULL, OPT_IDENTD_PORT},
        {"deny-user", required_argument, NULL, OPT_DENY},
        {"deny-port", required_argument, NULL, OPT_DENY_PORT},
        {"user", required_argument, NULL, OPT_USER},
        {"list", no_argument, NULL, OPT_LIST},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"jobs", required_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"stall-wait", required_argument, NULL, OPT_STALL},
        {"timer-wait", required_argument, NULL, OPT_TIMER},
        {"relay-bytes", required_argument, NULL, OPT_RELAY},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"fuzz", required_argument, NULL, OPT_FUZZ},
        {"seed", required_argument, NULL, OPT_SEED},
        {"fuzz-from", required_argument, NULL, OPT_FUZZ_FROM},
        {"exec", required_argument, NULL, OPT_EXEC},
        {"repeat", required_argument, NULL, OPT_REPEAT},
        {"crash-dir", required_argument, NULL, OPT_CRASH_DIR},
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"write-baseline", required_argument, NULL, OPT_WRITE_BASELINE},
        {"report", required_argument, NULL, OPT_REPORT},
        {"client-cmd", required_argument, NULL, OPT_CLIENT_CMD},
        {"client-4a", no_argument, NULL, OPT_CLIENT_4A},
        {"client-bind", no_argument, NULL, OPT_CLIENT_BIND},
        {"client-timeout", required_argument, NULL, OPT_CLIENT_TIMEOUT},
        {"max-restarts", required_argument, NULL, OPT_MAX_RESTARTS},
        {"exec-wait", required_argument, NULL, OPT_EXEC_WAIT},
        {NULL, 0, NULL, 0},
};

static enum format parse_format(const char *s)
{
	static const char *const names[] = {"human", "tap", "junit", "json", "html"};
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return (enum format)i;
	usage_error("--format must be human, tap, junit, json or html, not", s);
	return FMT_HUMAN;
}

/* --report FMT:FILE: the format before the colon. */
static enum format report_format(const char *s)
{
	char name[16];
	size_t n = strcspn(s, ":");
	if (s[n] != ':' || s[n + 1] == '\0' || n >= sizeof(name))
		usage_error("--report takes FORMAT:FILE, not", s);
	memcpy(name, s, n);
	name[n] = '\0';
	return parse_format(name);
}

struct stream {
	FILE *f;
	int color;
	int verbose;
	int header_done;
};

/* Called in catalogue order as results come in; the header goes first, once
 * detection has told what the target can do. */
static void on_result(struct runner *r, size_t i, void *arg)
{
	struct stream *s = arg;
	if (s->f == NULL)
		return;
	/* The header tells what the preflight found out: it goes out with the
	 * first case after the preflight (or the last one). */
	int preflight = strncmp(r->cases[i]->id, "preflight/", 10) == 0;
	if (preflight && i + 1 < r->ncases)
		return;
	if (!s->header_done) {
		human_header(s->f, r, s->color);
		for (size_t k = 0; k < i; k++)
			human_case(s->f, r, k, s->color, s->verbose);
		s->header_done = 1;
	}
	human_case(s->f, r, i, s->color, s->verbose);
	fflush(s->f);
}

/* --fuzz: set up the target and the services as for the cases, then fuzz. */
static int fuzz_main(const struct runner_opts *o, const char *target, const char *exec_cmd,
                     long n, long first, uint64_t seed)
{
	static struct runner r;
	char err[2048];
	r.o = *o;
	r.o.target = target;
	r.o.exec_cmd = exec_cmd;
	if (r.o.identd_port < 0)
		r.o.identd_port = target != NULL || exec_cmd != NULL ? 113 : 0;
	signal(SIGPIPE, SIG_IGN);
	if (runner_setup(&r, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		tp_stop(r.tp); /* an --exec target started before the failure */
		return EXIT_USAGE;
	}
	long failures = livefuzz_run(&r, first, n, seed, o->jobs, stdout);
	runner_teardown(&r);
	return failures < 0 ? EXIT_USAGE : failures > 0 ? EXIT_FAILED : EXIT_OK;
}

static int run_failed(const struct runner *r)
{
	if (r->death[0] != '\0')
		return 1; /* the target died and no case could be blamed */
	for (size_t i = 0; i < r->ncases; i++) {
		const struct result *res = &r->results[i];
		if (is_failure(res->v) && (r->cases[i]->level == LEVEL_MUST || r->o.strict) &&
		    baseline_mark(r, i) != BL_KNOWN)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], NSEXEC_FLAG) == 0)
		return nsexec_main(argc, argv); /* an --exec target's wrapper (nsexec.h) */
	struct runner_opts o = {.user = "socks4-test",
	                        .identd_port = -1,
	                        .jobs = 4,
	                        .timeout_ms = 5000,
	                        .stall_wait_ms = -1,
	                        .timer_wait_ms = -1,
	                        .relay_bytes = 1 << 20,
	                        .client_timeout_ms = 10000};
	const char *clients[MAX_TARGETS];
	size_t nclients = 0;
	const char *targets[MAX_TARGETS];
	int is_exec[MAX_TARGETS] = {0}; /* targets[i] is an --exec command */
	size_t ntargets = 0;
	int list = 0;
	enum format fmt = FMT_HUMAN;
	const char *output = NULL;
	long fuzz_n = 0, fuzz_from = 0;
	uint64_t seed = 0;
	int seed_given = 0;
	const char *baseline_in = NULL, *baseline_out = NULL;
	const char *reports[MAX_REPORTS]; /* --report FMT:FILE */
	size_t nreports = 0;
	static struct baseline baseline;
	int opt;

	while ((opt = getopt_long(argc, argv, "j:vh", options, NULL)) != -1) {
		switch (opt) {
		case OPT_TARGET:
		case OPT_EXEC:
			if (ntargets == MAX_TARGETS)
				usage_error("at most 8 targets (--target and --exec); not", optarg);
			is_exec[ntargets] = opt == OPT_EXEC;
			targets[ntargets++] = optarg;
			break;
		case OPT_REPEAT:
			o.repeat = (int)number(optarg, 0, 100);
			break;
		case OPT_MAX_RESTARTS:
			o.max_restarts = (int)number(optarg, 0, 100000);
			if (o.max_restarts == 0)
				o.max_restarts = -1; /* none (0 is "the default" in tp_opts) */
			break;
		case OPT_CRASH_DIR:
			o.crash_dir = optarg;
			break;
		case OPT_EXEC_WAIT:
			o.exec_wait_ms = seconds_ms(optarg, 0);
			break;
		case OPT_DEST:
			o.dest_addr = optarg;
			break;
		case OPT_ALT:
			o.alt_source = optarg;
			break;
		case OPT_NAME:
			o.dest_name = optarg;
			break;
		case OPT_FEATURES:
			o.features = optarg;
			break;
		case OPT_IDENTD:
			if (strcmp(optarg, "strict") != 0 && strcmp(optarg, "lenient") != 0)
				usage_error("--identd must be strict or lenient, not", optarg);
			o.identd_mode = optarg;
			break;
		case OPT_IDENTD_PORT:
			o.identd_port = (int)number(optarg, 1, 65535);
			break;
		case OPT_DENY:
			o.deny_user = optarg;
			break;
		case OPT_DENY_PORT:
			o.deny_port = (int)number(optarg, 1, 65535);
			break;
		case OPT_USER:
			o.user = optarg;
			break;
		case OPT_LIST:
			list = 1;
			break;
		case OPT_STRICT:
			o.strict = 1;
			break;
		case 'j':
			o.jobs = (int)number(optarg, 1, 64);
			break;
		case OPT_TIMEOUT:
			o.timeout_ms = seconds_ms(optarg, 0);
			break;
		case OPT_STALL:
			o.stall_wait_ms = seconds_ms(optarg, 0);
			break;
		case OPT_TIMER:
			o.timer_wait_ms = seconds_ms(optarg, 0);
			break;
		case OPT_RELAY:
			o.relay_bytes = (size_t)number(optarg, 1, 1L << 30);
			break;
		case OPT_FORMAT:
			fmt = parse_format(optarg);
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case OPT_FUZZ:
			fuzz_n = number(optarg, 1, 100000000);
			break;
		case OPT_SEED:
			seed = (uint64_t)number(optarg, 0, 0x7fffffffffffffffL);
			seed_given = 1;
			break;
		case OPT_FUZZ_FROM:
			fuzz_from = number(optarg, 0, 0x7fffffffffffffffL);
			break;
		case OPT_BASELINE:
			baseline_in = optarg;
			break;
		case OPT_WRITE_BASELINE:
			baseline_out = optarg;
			break;
		case OPT_REPORT:
			report_format(optarg);
			if (nreports == MAX_REPORTS)
				usage_error("at most 8 --report; not", optarg);
			reports[nreports++] = optarg;
			break;
		case OPT_CLIENT_CMD:
			if (nclients == MAX_TARGETS)
				usage_error("at most 8 client commands; not", optarg);
			clients[nclients++] = optarg;
			break;
		case OPT_CLIENT_4A:
			o.client_4a = 1;
			break;
		case OPT_CLIENT_BIND:
			o.client_bind = 1;
			break;
		case OPT_CLIENT_TIMEOUT:
			o.client_timeout_ms = seconds_ms(optarg, 0);
			break;
		case OPT_VERSION:
			printf(PROG " (socks4kit) " VERSION "\n");
			return EXIT_OK;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return EXIT_USAGE;
		}
	}

	if (nclients > 0 && (ntargets > 0 || fuzz_n > 0))
		usage_error("--client-cmd tests a client: no --target or --fuzz with it; not",
		            ntargets > 0 ? targets[0] : "--fuzz");
	if (fuzz_n > 0) {
		if (ntargets > 1)
			usage_error("--fuzz takes one target, not", targets[1]);
		return fuzz_main(&o, ntargets && !is_exec[0] ? targets[0] : NULL,
		                 ntargets && is_exec[0] ? targets[0] : NULL, fuzz_n, fuzz_from,
		                 seed_given ? seed : (uint64_t)time(NULL));
	}

	static const struct s4case *all[MAX_CASES];
	size_t nall = nclients > 0 ? client_catalogue(all, MAX_CASES) : catalogue(all, MAX_CASES);
	static const struct s4case *selected[MAX_CASES];
	size_t nsel = 0, matched = 0;
	for (size_t i = 0; i < nall && i < MAX_CASES; i++) {
		int hit = case_selected(all[i]->id, argv + optind, (size_t)(argc - optind));
		matched += (size_t)hit;
		/* The preflight always runs: it decides whether anything else can. */
		if (hit || strncmp(all[i]->id, "preflight/", 10) == 0)
			selected[nsel++] = all[i];
	}
	if (matched == 0)
		usage_error("no case matches", argc > optind ? argv[optind] : "");

	if (list) {
		for (size_t i = 0; i < nsel; i++) {
			const struct s4case *cs = selected[i];
			printf("%-36s %-6s %s\n", cs->id, level_str(cs->level), cs->title);
			if (o.verbose)
				printf("%-36s %-6s requirements: %s; expects: %s\n", "", "",
				       cs->reqs,
				       cs->expect != NULL ? cs->expect : "(see the case)");
		}
		printf("%zu cases\n", nsel);
		return EXIT_OK;
	}

	if (baseline_in != NULL) {
		char err[700];
		if (baseline_load(&baseline, baseline_in, stderr, err, sizeof(err)) < 0) {
			fprintf(stderr, PROG ": --baseline: %s\n", err);
			return EXIT_USAGE;
		}
		o.baseline = &baseline;
	}

	signal(SIGPIPE, SIG_IGN);
	int to_stdout = fmt == FMT_HUMAN || output != NULL;
	int color = to_stdout && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	struct stream stream = {to_stdout ? stdout : NULL, color, o.verbose, 0};
	static struct runner runs[MAX_TARGETS];
	struct runner *done[MAX_TARGETS];
	size_t ndone = 0;
	int status = EXIT_OK;

	size_t nruns = nclients > 0 ? nclients : ntargets > 0 ? ntargets : 1;
	for (size_t t = 0; t < nruns; t++) {
		struct runner *r = &runs[t];
		r->o = o;
		r->o.target = ntargets > 0 && !is_exec[t] ? targets[t] : NULL;
		r->o.exec_cmd = ntargets > 0 && is_exec[t] ? targets[t] : NULL;
		r->o.client_cmd = nclients > 0 ? clients[t] : NULL;
		if (r->o.identd_port < 0)
			r->o.identd_port = r->o.target != NULL || r->o.exec_cmd != NULL ? 113 : 0;
		if (r->o.target != NULL || r->o.exec_cmd != NULL) {
			r->o.stall_wait_ms = o.stall_wait_ms >= 0 ? o.stall_wait_ms : 35000;
			r->o.timer_wait_ms = o.timer_wait_ms >= 0 ? o.timer_wait_ms : 0;
		} else {
			r->o.stall_wait_ms = o.stall_wait_ms >= 0 ? o.stall_wait_ms : 0;
			r->o.timer_wait_ms = o.timer_wait_ms >= 0 ? o.timer_wait_ms : 0;
		}
		r->cases = selected;
		r->ncases = nsel;
		char err[512];
		if (stream.f != NULL && t > 0)
			fprintf(stream.f, "\n");
		stream.header_done = 0;
		int64_t t0 = net_now_ms();
		int rc = nclients > 0 ? client_mode_run(r, on_result, &stream, err, sizeof(err))
		                      : runner_run(r, on_result, &stream, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			status = EXIT_USAGE;
			continue;
		}
		r->elapsed_ms = net_now_ms() - t0;
		if (stream.f != NULL)
			human_summary(stream.f, r, color, r->elapsed_ms);
		if (run_failed(r) && status == EXIT_OK)
			status = EXIT_FAILED;
		if (r->unreachable[0] != '\0')
			status = EXIT_USAGE; /* the run could not test what it was asked to */
		done[ndone++] = r;
	}

	if (ndone > 1 && stream.f != NULL)
		matrix(stream.f, done, ndone, color);
	if (ndone > 0 && (fmt != FMT_HUMAN || output != NULL)) {
		FILE *f = output != NULL ? fopen(output, "w") : stdout;
		if (f == NULL) {
			fprintf(stderr, PROG ": %s: %s\n", output, strerror(errno));
			return EXIT_USAGE;
		}
		report_write(f, fmt, done, ndone);
		if (f != stdout)
			fclose(f);
	}
	for (size_t i = 0; ndone > 0 && i < nreports; i++) {
		const char *path = strchr(reports[i], ':') + 1;
		FILE *f = fopen(path, "w");
		if (f == NULL) {
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
			status = EXIT_USAGE;
			continue;
		}
		report_write(f, report_format(reports[i]), done, ndone);
		fclose(f);
	}
	if (ndone > 0 && baseline_out != NULL) {
		char err[700];
		if (baseline_write(baseline_out, done, ndone, err, sizeof(err)) < 0) {
			fprintf(stderr, PROG ": --write-baseline: %s\n", err);
			status = EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < ndone; i++)
		runner_free(done[i]);
	baseline_free(&baseline);
	return status;
}
