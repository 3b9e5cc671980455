/* SPDX-License-Identifier: MIT */
/* main.c - socks4-test: the command line (options.c) handed to one mode: the
 * cases against one or more servers (engine/), against clients (client/), or
 * live fuzzing (fuzz/); then the reports (report/) and the exit status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/clientmode.h"
#include "core/runner.h"
#include "fuzz/covmap.h"
#include "interrupt.h"
#include "options.h"
#include "report/baseline.h"
#include "report/report.h"
#include "report/reportfile.h"
#include "services/nsexec.h"
#include "target/supervisor.h"

#define MAX_CASES 512

/* The human report as results come in, in catalogue order. */
struct stream {
	FILE *f;
	int color;
	int verbose;
	int header_done;
};

/* The header tells what the preflight found out: it goes out with the first
 * case after the preflight (or the last one). */
static void on_result(struct runner *r, size_t i, void *arg)
{
	struct stream *s = arg;
	if (s->f == NULL)
		return;
	if (case_is_preflight(r->cases[i]) && i + 1 < r->ncases)
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

/* Our identd's port: 113, where an outside target's identd client asks,
 * unless the target is the built-in server (which is told the port). */
static int identd_port_for(const struct runner_opts *o)
{
	if (o->identd_port >= 0)
		return o->identd_port;
	return o->target != NULL || o->exec_cmd != NULL ? 113 : 0;
}

/* Where --fuzz writes its figures as JSON: --report json:FILE, or --output
 * FILE with --format json (NULL: nowhere). */
static const char *fuzz_json(const struct cli *cli)
{
	for (size_t i = 0; i < cli->nreports; i++)
		if (report_format(cli->reports[i]) == FMT_JSON)
			return strchr(cli->reports[i], ':') + 1;
	return cli->fmt == FMT_JSON ? cli->output : NULL;
}

/* --fuzz: set up the target and the services as for the cases, then fuzz;
 * with --coverage or --coverage-measure, AFL++'s map first, so that the
 * target inherits its id. */
static int fuzz_main(const struct cli *cli)
{
	static struct runner r;
	static struct covmap map;
	char err[2048];
	r.o = cli->o;
	r.o.target = cli->ntargets && !cli->is_exec[0] ? cli->targets[0] : NULL;
	r.o.exec_cmd = cli->ntargets && cli->is_exec[0] ? cli->targets[0] : NULL;
	r.o.identd_port = identd_port_for(&r.o);
	struct fuzz_opts fo = {.first = cli->fuzz_from, .n = cli->fuzz_n, .seed = cli->seed,
	                       .jobs = cli->o.jobs, .duration_ms = cli->duration_ms,
	                       .corpus_dir = cli->corpus_dir, .dict = cli->dict,
	                       .json = fuzz_json(cli), .until_finding = cli->until_finding};
	if (cli->coverage || cli->coverage_measure) {
		if (covmap_create(&map, r.o.exec_cmd, COVMAP_PROBE_MS, err, sizeof(err)) < 0) {
			fprintf(stderr, PROG ": --coverage: %s\n", err);
			return EXIT_USAGE;
		}
		fo.map = &map;
	}
	signal(SIGPIPE, SIG_IGN);
	interrupt_start(NULL, NULL, NULL); /* a signal stops the target too */
	long failures = -1;
	if (runner_setup(&r, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		tp_stop(r.tp); /* an --exec target started before the failure */
	} else {
		failures = cli->coverage ? coverage_run(&r, &fo, stdout) : livefuzz_run(&r, &fo, stdout);
		runner_teardown(&r);
	}
	if (fo.map != NULL)
		covmap_free(&map);
	return failures < 0 ? EXIT_USAGE : failures > 0 ? EXIT_FAILED : EXIT_OK;
}

/* The cases the selection names, and always the preflight: it decides
 * whether anything else can run. */
static size_t select_cases(const struct cli *cli, const struct s4case **out, size_t cap)
{
	static const struct s4case *all[MAX_CASES];
	size_t nall = cli->nclients > 0 ? client_catalogue(all, MAX_CASES) : catalogue(all, MAX_CASES);
	size_t n = 0, matched = 0;
	for (size_t i = 0; i < nall && i < MAX_CASES && n < cap; i++) {
		int hit = case_selected(all[i]->id, cli->select, cli->nselect);
		matched += (size_t)hit;
		if (hit || case_is_preflight(all[i]))
			out[n++] = all[i];
	}
	if (matched == 0)
		usage_error("no case matches", cli->nselect > 0 ? cli->select[0] : "");
	return n;
}

static int list_cases(const struct s4case *const *cases, size_t n, int verbose)
{
	for (size_t i = 0; i < n; i++) {
		const struct s4case *cs = cases[i];
		printf("%-36s %-6s %s\n", cs->id, level_str(cs->level), cs->title);
		if (verbose)
			printf("%-36s %-6s requirements: %s; expects: %s\n", "", "", cs->reqs,
			       cs->expect != NULL ? cs->expect : "(see the case)");
	}
	printf("%zu cases\n", n);
	return EXIT_OK;
}

/* Run t of the matrix: its target (or client) and the waits that suit it. */
static void prepare_run(struct runner *r, const struct cli *cli, size_t t)
{
	r->o = cli->o;
	r->o.target = cli->ntargets > 0 && !cli->is_exec[t] ? cli->targets[t] : NULL;
	r->o.exec_cmd = cli->ntargets > 0 && cli->is_exec[t] ? cli->targets[t] : NULL;
	r->o.client_cmd = cli->nclients > 0 ? cli->clients[t] : NULL;
	r->o.identd_port = identd_port_for(&r->o);
	int outside = r->o.target != NULL || r->o.exec_cmd != NULL;
	if (cli->o.stall_wait_ms < 0)
		r->o.stall_wait_ms = outside ? 35000 : 0;
	if (cli->o.timer_wait_ms < 0)
		r->o.timer_wait_ms = 0;
}

/* Every run of the matrix, one after another; returns the worst status. */
static int run_all(const struct cli *cli, const struct s4case **cases, size_t ncases,
                   struct runner *runs, size_t *started, struct runner **done, size_t *ndone)
{
	int to_stdout = cli->fmt == FMT_HUMAN || cli->output != NULL;
	int color = to_stdout && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	struct stream stream = {to_stdout ? stdout : NULL, color, cli->o.verbose, 0};
	size_t nruns = cli->nclients > 0 ? cli->nclients : cli->ntargets > 0 ? cli->ntargets : 1;
	int status = EXIT_OK;
	for (size_t t = 0; t < nruns; t++) {
		struct runner *r = &runs[t];
		char err[512];
		*started = t + 1;
		prepare_run(r, cli, t);
		r->cases = cases;
		r->ncases = ncases;
		if (stream.f != NULL && t > 0)
			fprintf(stream.f, "\n");
		stream.header_done = 0;
		int64_t t0 = net_now_ms();
		int rc = cli->nclients > 0 ? client_mode_run(r, on_result, &stream, err, sizeof(err))
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
		done[(*ndone)++] = r;
	}
	if (*ndone > 1 && stream.f != NULL)
		matrix(stream.f, done, *ndone, color);
	/* Every write checked: a report not written whole is exit 2 with the cause. */
	if (stream.f != NULL && (fflush(stream.f) != 0 || ferror(stream.f))) {
		fprintf(stderr, PROG ": (standard output): cannot write the report: %s\n",
		        strerror(errno != 0 ? errno : EIO));
		status = EXIT_USAGE;
	}
	return status;
}

int main(int argc, char **argv)
{
	static struct cli cli;
	static const struct s4case *cases[MAX_CASES];
	static struct runner runs[CLI_MAX_TARGETS];
	static struct baseline baseline;
	static size_t started; /* runs begun, for interrupt.c */
	struct runner *done[CLI_MAX_TARGETS];
	size_t ndone = 0;

	if (argc >= 2 && strcmp(argv[1], NSEXEC_FLAG) == 0)
		return nsexec_main(argc, argv); /* an --exec target's wrapper (nsexec.h) */
	cli_parse(argc, argv, &cli);
	if (cli.fuzz_n > 0)
		return fuzz_main(&cli);
	size_t ncases = select_cases(&cli, cases, MAX_CASES);
	if (cli.list)
		return list_cases(cases, ncases, cli.o.verbose);
	if (cli.baseline_in != NULL) {
		char err[700];
		if (baseline_load(&baseline, cli.baseline_in, stderr, err, sizeof(err)) < 0) {
			fprintf(stderr, PROG ": --baseline: %s\n", err);
			return EXIT_USAGE;
		}
		cli.o.baseline = &baseline;
	}

	signal(SIGPIPE, SIG_IGN);
	struct report_plan plan = {cli.fmt, cli.output, cli.fmt != FMT_HUMAN || cli.output != NULL,
	                           cli.reports, cli.nreports, report_format};
	interrupt_start(runs, &started, &plan);
	int status = run_all(&cli, cases, ncases, runs, &started, done, &ndone);
	if (report_plan_write(&plan, done, ndone, stderr) < 0)
		status = EXIT_USAGE;
	if (ndone > 0 && cli.baseline_out != NULL) {
		char err[700];
		if (baseline_write(cli.baseline_out, done, ndone, err, sizeof(err)) < 0) {
			fprintf(stderr, PROG ": --write-baseline: %s\n", err);
			status = EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < ndone; i++)
		runner_free(done[i]);
	baseline_free(&baseline);
	return status;
}
