/* SPDX-License-Identifier: MIT */
/* interrupt.c - stopping cleanly on SIGINT/SIGTERM/SIGHUP (see interrupt.h). */
#include "interrupt.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/runner.h"
#include "target/lifeline.h"

#define GRACE_MS 1000 /* SIGTERM, then SIGKILL */

static struct runner *the_runs;
static const size_t *the_started;
static const struct report_plan *the_plan;

/* A copy of r fit to be reported while its workers may still run: the
 * cases judged so far, deep-copied under r->mu; the others SKIP. */
static struct runner *snapshot(struct runner *r, const char *why)
{
	struct runner *s = malloc(sizeof(*s));
	struct result *res = r->results != NULL ? calloc(r->ncases, sizeof(*res)) : NULL;
	if (s == NULL || res == NULL) {
		free(s);
		free(res);
		return NULL;
	}
	pthread_mutex_lock(&r->mu);
	memcpy(s, r, sizeof(*s));
	for (size_t i = 0; i < r->ncases; i++) {
		const struct result *from = &r->results[i];
		struct result *to = &res[i];
		if (!from->done) {
			to->v = V_SKIP;
			snprintf(to->actual, sizeof(to->actual), "not run: %s", why);
			to->exit_code = to->exit_signal = -1;
			continue;
		}
		*to = *from;
		to->nsent = 0;
		memset(to->sent, 0, sizeof(to->sent));
		to->trace = NULL;
		to->target_log = from->target_log != NULL ? strdup(from->target_log) : NULL;
		if (from->ntrace > 0) {
			to->trace = malloc(from->ntrace * sizeof(*to->trace));
			if (to->trace != NULL)
				memcpy(to->trace, from->trace, from->ntrace * sizeof(*to->trace));
			else
				to->ntrace = 0;
		}
	}
	pthread_mutex_unlock(&r->mu);
	s->results = res;
	return s;
}

static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	int sig = 0;
	while (sigwait(set, &sig) != 0)
		;
	const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
	char why[64];
	snprintf(why, sizeof(why), "socks4-test was interrupted (%s)", name);
	lifeline_stop_groups(GRACE_MS);
	fflush(stdout);

	size_t n = the_started != NULL ? *the_started : 0, judged = 0, total = 0;
	struct runner *snaps[16];
	size_t ns = 0;
	for (size_t t = 0; t < n && ns < 16; t++) {
		if (the_runs[t].results == NULL)
			continue;
		struct runner *s = snapshot(&the_runs[t], why);
		if (s == NULL)
			continue;
		for (size_t i = 0; i < s->ncases; i++)
			judged += the_runs[t].results[i].done != 0;
		total += s->ncases;
		snaps[ns++] = s;
	}
	fprintf(stderr, "\nsocks4-test: %s: targets stopped; %zu of %zu cases judged", name, judged,
	        total);
	if (the_plan != NULL && ns > 0 &&
	    (the_plan->main_report || the_plan->nreports > 0)) {
		fprintf(stderr, ", the reports have them\n");
		report_plan_write(the_plan, snaps, ns, stderr);
	} else {
		fprintf(stderr, "\n");
	}
	fflush(stdout);
	fflush(stderr);
	_exit(128 + sig);
	return NULL;
}

void interrupt_start(struct runner *runs, const size_t *nstarted, const struct report_plan *plan)
{
	static sigset_t set;
	the_runs = runs;
	the_started = nstarted;
	the_plan = plan;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	lifeline_fd();
	pthread_t tid;
	if (pthread_create(&tid, NULL, signal_thread, &set) == 0)
		pthread_detach(tid);
}
