/* SPDX-License-Identifier: MIT */
/* schedule.c - running the selected cases, so that each verdict is about its
 * own case:
 *
 *   - the preflight cases run first and alone (they decide whether anything
 *     else can run, and find out what the target can do);
 *   - a hostile case (F_DESTRUCTIVE, F_HOSTILE), when the runner owns the
 *     target (the built-in server; --exec unless --exec-shared or the command
 *     cannot run twice), gets a fresh target instance of its own (instance.h:
 *     a server in-process, or another process of the command) and runs
 *     beside everything else: nothing else talks to that instance, so a death
 *     of it is that case's alone (and is still confirmed on a fresh one);
 *   - otherwise a hostile case (F_DESTRUCTIVE) runs with no other fast case
 *     in flight, and is followed by a health check: a target it kills is
 *     blamed on it alone, not on whatever ran beside it;
 *   - cases that wait for a server-side timeout (F_SLOW) run beside the rest;
 *     against a target that serves one client at a time, everything runs one
 *     case at a time, in catalogue order;
 *   - when the target dies (its process is gone, or it no longer grants a valid
 *     CONNECT), no new case starts; the cases in flight finish and become
 *     suspects; the target is brought back (restarted under --exec, waited for
 *     otherwise), and each suspect runs again alone: the one after which the
 *     target is dead again is the culprit, and the others get the verdicts of
 *     their own runs. A target that does not come back: the culprit is the
 *     hostile suspect (or the case that found the death), the others SKIP;
 *   - --repeat N: every failed case runs again alone N times; a case whose
 *     verdict changes is FLAKY. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/runner.h"
#include "engine/casebody.h"
#include "engine/death.h"
#include "target/instance.h"
#include "target/target.h"

enum { RAN, DIED, DIED_OWN };

/* A hostile case gets a target instance of its own when the runner owns the
 * target (instance.h): it then runs beside every other case, and a death of
 * its instance can only be its own. */
static int gets_own_instance(struct runner *r, const struct s4case *cs)
{
	return runner_owns_target(r) && (cs->flags & (F_DESTRUCTIVE | F_HOSTILE));
}

/* Runs the case's function in a fresh context (casebody.c), or skips it when
 * the preflight found no SOCKS4 server, the target is gone or it lacks what
 * the case needs; *ran is 0 when it was skipped without running. */
static enum verdict run_body(struct runner *r, size_t i, struct result *res, uint64_t mark,
                             const struct instance *own, int *ran)
{
	const struct s4case *cs = r->cases[i];
	char why[512];
	const char *skip_why = NULL;
	result_reset(res);
	res->log_mark = mark;
	pthread_mutex_lock(&r->mu);
	unsigned missing = cs->needs & ~r->have;
	if (r->not_socks4) { /* set by a preflight case before */
		snprintf(why, sizeof(why), "not a SOCKS4 server: %s", r->not_socks4_why);
		skip_why = why;
	} else if (r->dead) {
		snprintf(why, sizeof(why), "the target stopped serving after %s", r->dead_after);
		skip_why = why;
	} else if (missing) {
		skip_why = case_missing_reason(r, missing);
	}
	pthread_mutex_unlock(&r->mu);
	return case_body(r, cs, res, own, skip_why, ran);
}

/* One run of case i on an instance of its own: RAN with *v set, or DIED_OWN
 * when the instance was found dead after it (res->target_exit says how). */
static int run_one_own(struct runner *r, size_t i, struct result *res, enum verdict *v)
{
	struct instance own;
	char why[256];
	int ran;
	if (instance_start(r, &own, why, sizeof(why)) < 0) {
		result_reset(res);
		snprintf(res->actual, sizeof(res->actual),
		         "the runner's own side failed: no target instance for this case: %s", why);
		*v = V_SKIP;
		return RAN;
	}
	*v = run_body(r, i, res, 0, &own, &ran);
	int outcome = RAN;
	if (ran && !target_survived(r, &own, why, sizeof(why))) {
		/* Recorded now, while its exit status and output are there. */
		target_record_death(r, &own, res, why);
		outcome = DIED_OWN;
	}
	instance_stop(&own);
	if (outcome == RAN && *v == V_PASS && r->cases[i]->level == LEVEL_INFO)
		*v = V_INFO;
	return outcome;
}

/* One run of case i into res: RAN with *v set, or DIED when the target was
 * found dead after it (res->target_exit says how). */
static int run_one(struct runner *r, size_t i, struct result *res, enum verdict *v)
{
	const struct s4case *cs = r->cases[i];
	if (gets_own_instance(r, cs))
		return run_one_own(r, i, res, v);
	uint64_t mark = target_log_mark(r);
	int ran;
	*v = run_body(r, i, res, mark, NULL, &ran);
	if (!ran)
		return RAN;
	/* After hostile input, after any failure, and whenever the process is
	 * gone: is the target still there? (Not when the preflight found no
	 * SOCKS4 server: it never answered as one, so it cannot stop.) */
	int check = *v == V_FAIL || (cs->flags & F_DESTRUCTIVE) || !target_process_running(r);
	pthread_mutex_lock(&r->mu);
	check = check && !r->dead && !r->not_socks4;
	pthread_mutex_unlock(&r->mu);
	if (check) {
		char why[256];
		if (!target_survived(r, NULL, why, sizeof(why))) {
			snprintf(res->target_exit, sizeof(res->target_exit), "%s", why);
			return DIED;
		}
	}
	if (*v == V_PASS && cs->level == LEVEL_INFO)
		*v = V_INFO;
	return RAN;
}

static void append_actual(struct result *res, const char *fmt, const char *a, const char *b)
{
	size_t k = strlen(res->actual);
	if (k + 3 >= sizeof(res->actual))
		return;
	if (k > 0) {
		memcpy(res->actual + k, "; ", 3);
		k += 2;
	}
	snprintf(res->actual + k, sizeof(res->actual) - k, fmt, a, b);
}

/* Posts a final verdict (the caller holds r->mu). */
static void post(struct runner *r, size_t i, enum verdict v)
{
	r->results[i].v = v;
	r->results[i].suspect = 0;
	r->results[i].done = 1;
	pthread_cond_broadcast(&r->cv);
}

/* The confirmed culprit: FAIL, with how the target died, what it printed
 * and the bytes that killed it. own: it ran on an instance of its own, whose
 * death run_one_own() recorded already. */
static void blame(struct runner *r, size_t i, const char *how, int own)
{
	struct result *res = &r->results[i];
	res->v = V_FAIL;
	if (res->reproducer[0] != '\0')
		return; /* the case named the death itself (preflight/capabilities) */
	if (!own)
		target_record_death(r, NULL, res, how);
	append_actual(res, "%s%s", "the target died during this case: ", res->target_exit);
	append_actual(res, "%s%s", "confirmed: ", "it died again when this case ran again alone");
	target_save_reproducer(r, r->cases[i], res);
}

/* ---- a death, the suite's sides of death.h ------------------------------- */

struct suite_death {
	struct runner *r;
	size_t sus[64]; /* the suspects, in catalogue order */
	size_t n;
	const char *how; /* how the target was found dead */
	int own;         /* the suspect had an instance of its own */
	char named[1200]; /* "CASE (reproducer PATH), ..." */
};

static int sd_bring_back(void *arg, char *why, size_t whylen)
{
	struct suite_death *sd = arg;
	struct runner *r = sd->r;
	if (sd->own || target_bring_back(r, why, whylen))
		return 1; /* an own instance: the replay starts a fresh one */
	pthread_mutex_lock(&r->mu);
	r->dead = 1;
	snprintf(r->dead_after, sizeof(r->dead_after), "%s", "a death no case is confirmed for");
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static int sd_replay(void *arg, size_t k, char *how, size_t howlen)
{
	struct suite_death *sd = arg;
	struct result *res = &sd->r->results[sd->sus[k]];
	enum verdict v;
	int outcome = run_one(sd->r, sd->sus[k], res, &v);
	res->v = v;
	if (outcome == RAN)
		return 0;
	snprintf(how, howlen, "%s", res->target_exit);
	return 1;
}

static void sd_confirmed(void *arg, size_t k, const char *how)
{
	struct suite_death *sd = arg;
	blame(sd->r, sd->sus[k], how, sd->own);
}

static void sd_not_judged(void *arg, size_t k, const char *why)
{
	struct suite_death *sd = arg;
	struct result *res = &sd->r->results[sd->sus[k]];
	res->v = V_SKIP;
	snprintf(res->actual, sizeof(res->actual),
	         "not judged: the target stopped serving while this case ran (a suspect; %.400s)",
	         why);
}

static void sd_unconfirmed(void *arg, const char *why)
{
	struct suite_death *sd = arg;
	target_note_unconfirmed(sd->r, sd->how, sd->named, why);
}

/* Names the suspects with the bytes each sent (saved before they run again). */
static void name_suspects(struct suite_death *sd)
{
	size_t o = 0;
	sd->named[0] = '\0';
	for (size_t k = 0; k < sd->n && o + 2 < sizeof(sd->named); k++) {
		struct result *res = &sd->r->results[sd->sus[k]];
		if (res->reproducer[0] == '\0')
			target_save_reproducer(sd->r, sd->r->cases[sd->sus[k]], res);
		int n = snprintf(sd->named + o, sizeof(sd->named) - o, "%s%s (reproducer %s)",
		                 k ? ", " : "", sd->r->cases[sd->sus[k]]->id,
		                 res->reproducer[0] ? res->reproducer : "none: it sent nothing");
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

/* The target died after case detector; the suspects (every case in flight)
 * finished. The rule of death.h decides; then every suspect is posted. The
 * caller holds no lock; nothing else runs on the run's target. */
static void resolve_death(struct runner *r, size_t detector, int own)
{
	struct suite_death sd = {.r = r, .own = own};
	char how[sizeof(r->results[0].target_exit)];
	snprintf(how, sizeof(how), "%s", r->results[detector].target_exit);
	sd.how = how;
	if (own) {
		sd.sus[sd.n++] = detector;
	} else {
		for (size_t i = 0; i < r->ncases && sd.n < 64; i++)
			if (r->results[i].suspect && !r->results[i].done)
				sd.sus[sd.n++] = i;
	}
	name_suspects(&sd);
	struct death_sides sides = {.n = sd.n,
	                            .arg = &sd,
	                            .bring_back = sd_bring_back,
	                            .replay = sd_replay,
	                            .confirmed = sd_confirmed,
	                            .not_judged = sd_not_judged,
	                            .unconfirmed = sd_unconfirmed};
	death_resolve(&sides);
	pthread_mutex_lock(&r->mu);
	for (size_t k = 0; k < sd.n; k++)
		post(r, sd.sus[k], r->results[sd.sus[k]].v);
	pthread_mutex_unlock(&r->mu);
}

/* A case is over: post its verdict, or handle the death it found. */
static void finish(struct runner *r, size_t i, int outcome, enum verdict v, int exclusive)
{
	struct result *res = &r->results[i];
	pthread_mutex_lock(&r->mu);
	if (r->cases[i]->flags & F_SLOW && !r->serial)
		r->slow_inflight--;
	else
		r->fast_inflight--;
	if (outcome == DIED_OWN) {
		/* Only this case talked to its instance: the rule needs no one
		 * else to stop. */
		res->v = v;
		pthread_mutex_unlock(&r->mu);
		resolve_death(r, i, 1);
		pthread_mutex_lock(&r->mu);
	} else if (r->dying && !gets_own_instance(r, r->cases[i])) {
		/* In flight when the target died: judged again by the handler. (A
		 * case on an instance of its own never talked to the target.) */
		res->suspect = 1;
		res->v = v;
		pthread_cond_broadcast(&r->cv);
	} else if (outcome == DIED) {
		/* The cases still in flight mark themselves suspects as they
		 * finish (the branch above). */
		r->dying = 1;
		res->suspect = 1;
		res->v = v;
		while (r->fast_inflight + r->slow_inflight > 0)
			pthread_cond_wait(&r->cv, &r->mu);
		pthread_mutex_unlock(&r->mu);
		resolve_death(r, i, 0);
		pthread_mutex_lock(&r->mu);
		r->dying = 0;
	} else {
		post(r, i, v);
	}
	if (exclusive || res->alone)
		r->exclusive = 0;
	res->alone = 0;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void run_and_finish(struct runner *r, size_t i, int exclusive)
{
	enum verdict v;
	int outcome = run_one(r, i, &r->results[i], &v);
	finish(r, i, outcome, v, exclusive);
}

/* The next fast case for a worker (r->mu held): waits while a death is
 * handled or a case runs alone; a hostile case waits until it can run
 * alone. Returns r->ncases when none is left. */
static size_t pick(struct runner *r, int *exclusive)
{
	for (;;) {
		size_t i = r->next_case;
		while (i < r->ncases && (r->cases[i]->flags & F_SLOW) && !r->serial)
			i++;
		if (i >= r->ncases)
			return r->ncases;
		int alone = r->serial || ((r->cases[i]->flags & F_DESTRUCTIVE) &&
		                          !gets_own_instance(r, r->cases[i]));
		if (!r->dying && !r->exclusive && (!alone || r->fast_inflight == 0)) {
			r->next_case = i + 1;
			*exclusive = alone;
			r->exclusive = alone;
			r->fast_inflight++;
			return i;
		}
		pthread_cond_wait(&r->cv, &r->mu);
	}
}

static void *worker_main(void *arg)
{
	struct runner *r = arg;
	for (;;) {
		int exclusive = 0;
		pthread_mutex_lock(&r->mu);
		size_t i = pick(r, &exclusive);
		pthread_mutex_unlock(&r->mu);
		if (i >= r->ncases)
			break;
		run_and_finish(r, i, exclusive);
	}
	return NULL;
}

struct slow_arg {
	struct runner *r;
	size_t i;
};

/* A slow case starts beside the others, but not while a case runs alone or
 * a death is handled. */
static void *slow_main(void *arg)
{
	struct slow_arg *sa = arg;
	struct runner *r = sa->r;
	int hostile = (r->cases[sa->i]->flags & F_HOSTILE) && !gets_own_instance(r, r->cases[sa->i]);
	pthread_mutex_lock(&r->mu);
	while (r->dying || r->exclusive || (hostile && r->fast_inflight > 0))
		pthread_cond_wait(&r->cv, &r->mu);
	r->slow_inflight++;
	if (hostile) {
		r->exclusive = 1; /* until t_sent_hostile(), or its end */
		r->results[sa->i].alone = 1;
	}
	pthread_mutex_unlock(&r->mu);
	run_and_finish(r, sa->i, 0);
	return NULL;
}

/* --repeat: case i failed; it runs again alone N times. */
static void repeat_case(struct runner *r, size_t i)
{
	struct result *res = &r->results[i];
	struct result tmp;
	struct trace_ev *trace = calloc(TRACE_MAX, sizeof(*trace));
	if (trace == NULL)
		return;
	memset(&tmp, 0, sizeof(tmp));
	tmp.trace = trace;
	res->runs = 1;
	res->failures = 1;
	for (int k = 0; k < r->o.repeat && !r->dead; k++) {
		enum verdict v;
		int outcome = run_one(r, i, &tmp, &v);
		res->runs++;
		if (outcome == DIED_OWN) {
			res->failures++; /* its instance died; the next run gets a fresh one */
			continue;
		}
		if (outcome == DIED) {
			char why[256];
			res->failures++;
					if (!target_bring_back(r, why, sizeof(why)))
				break;
			continue;
		}
		res->failures += v == V_FAIL;
	}
	result_reset(&tmp);
	free(trace);
	if (res->failures < res->runs) {
		res->v = V_FLAKY;
		char was[400];
		memcpy(was, res->actual, sizeof(was) - 1);
		was[sizeof(was) - 1] = '\0';
		snprintf(res->actual, sizeof(res->actual), "failed %d of %d runs; the first: %.380s",
		         res->failures, res->runs, was);
	}
}

int schedule_ran_alone(const struct runner *r, size_t i)
{
	const struct s4case *cs = r->cases[i];
	if (r->serial || case_is_preflight(cs))
		return 1;
	/* A F_HOSTILE case starts alone but runs beside the others once its
	 * hostile bytes are out: not counted. */
	return (cs->flags & F_DESTRUCTIVE) && !runner_owns_target(r);
}

int schedule_run(struct runner *r, void (*on_result)(struct runner *, size_t, void *),
                 void *arg)
{
	/* The preflight: first, alone. */
	size_t first = 0;
	while (first < r->ncases && case_is_preflight(r->cases[first])) {
		r->fast_inflight++;
		run_and_finish(r, first++, 1);
	}
	r->next_case = first;

	int jobs = r->o.jobs > 0 ? r->o.jobs : 1;
	if (r->serial)
		jobs = 1; /* and slow cases run in turn, by the worker */
	pthread_t slow[64];
	struct slow_arg sargs[64];
	size_t nslow = 0;
	for (size_t i = first; i < r->ncases && !r->serial; i++) {
		if ((r->cases[i]->flags & F_SLOW) && nslow < 64) {
			sargs[nslow] = (struct slow_arg){r, i};
			pthread_create(&slow[nslow], NULL, slow_main, &sargs[nslow]);
			nslow++;
		}
	}
	pthread_t workers[64];
	int nworkers = jobs < 64 ? jobs : 64;
	for (int k = 0; k < nworkers; k++)
		pthread_create(&workers[k], NULL, worker_main, r);

	/* Results go out in catalogue order as they come. With --repeat they
	 * wait until everything has run and every failed case has run again. */
	if (r->o.repeat > 0) {
		for (int k = 0; k < nworkers; k++)
			pthread_join(workers[k], NULL);
		for (size_t k = 0; k < nslow; k++)
			pthread_join(slow[k], NULL);
		nworkers = 0;
		nslow = 0;
		for (size_t i = 0; i < r->ncases; i++)
			if (r->results[i].v == V_FAIL)
				repeat_case(r, i);
	}
	runner_stream_results(r, on_result, arg);
	for (int k = 0; k < nworkers; k++)
		pthread_join(workers[k], NULL);
	for (size_t k = 0; k < nslow; k++)
		pthread_join(slow[k], NULL);
	return 0;
}
