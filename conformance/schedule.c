/* schedule.c - running the selected cases, so that each verdict is about its
 * own case:
 *
 *   - the preflight cases run first and alone (they decide whether anything
 *     else can run, and find out what the target can do);
 *   - a hostile case (F_DESTRUCTIVE) runs with no other fast case in flight,
 *     and is followed by a health check: a target it kills is blamed on it
 *     alone, not on whatever ran beside it;
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

#include "runner.h"

enum { RAN, DIED };

static int is_preflight(const struct s4case *cs)
{
	return strncmp(cs->id, "preflight/", 10) == 0;
}

static const char *missing_reason(struct runner *r, unsigned missing)
{
	for (int bit = 0; bit < 16; bit++)
		if (missing & (1u << bit))
			return r->lacks[bit][0] ? r->lacks[bit] : "capability missing";
	return "capability missing";
}

/* Runs the case's function in a fresh context; *ran is 0 when it was skipped
 * without running. */
static enum verdict run_body(struct runner *r, size_t i, struct result *res, uint64_t mark,
                             int *ran)
{
	const struct s4case *cs = r->cases[i];
	struct ctx c;
	result_reset(res);
	res->log_mark = mark;
	ctx_init(&c, r, cs, res);
	pthread_mutex_lock(&r->mu);
	int dead = r->dead, not4 = r->not_socks4 && !is_preflight(cs);
	unsigned missing = cs->needs & ~r->have;
	pthread_mutex_unlock(&r->mu);
	enum verdict v;
	*ran = 0;
	if (not4) {
		v = skip(&c, "not a SOCKS4 server: %s", r->not_socks4_why);
	} else if (dead) {
		v = skip(&c, "the target stopped serving after %s", r->dead_after);
	} else if (missing) {
		v = skip(&c, "%s", missing_reason(r, missing));
	} else {
		*ran = 1;
		if (cs->expect != NULL)
			expect(&c, "%s", cs->expect);
		v = cs->run(&c);
		if (c.trouble && v == V_FAIL)
			v = V_SKIP; /* the runner's own side failed: Actual says so */
		if (v == V_FAIL && (cs->needs & NEED_4A) && names_case_inconclusive(&c))
			v = V_SKIP; /* the target's resolver, not the target (names.c) */
	}
	ctx_finish(&c);
	return v;
}

/* One run of case i into res: RAN with *v set, or DIED when the target was
 * found dead after it. */
static int run_one(struct runner *r, size_t i, struct result *res, enum verdict *v)
{
	const struct s4case *cs = r->cases[i];
	uint64_t mark = target_log_mark(r);
	int ran;
	*v = run_body(r, i, res, mark, &ran);
	if (!ran)
		return RAN;
	/* After hostile input, after any failure, and whenever the process is
	 * gone: is the target still there? */
	int check = *v == V_FAIL || (cs->flags & F_DESTRUCTIVE) || !target_process_alive(r);
	if (check && !r->dead) {
		char why[256];
		if (!target_alive(r, why, sizeof(why))) {
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

/* The culprit: FAIL, with how the target died, what it printed and the
 * bytes that killed it. */
static void blame(struct runner *r, size_t i, const char *how)
{
	struct result *res = &r->results[i];
	if (res->reproducer[0] != '\0')
		return; /* the case named the death itself (preflight/capabilities) */
	target_record_death(r, res, how);
	append_actual(res, "%s%s", "the target died during this case: ", res->target_exit);
	target_save_reproducer(r, r->cases[i], res);
}

/* Every suspect, in catalogue order, runs again alone on a target that is
 * back. The caller holds no lock; nothing else runs. */
static void resolve_death(struct runner *r, size_t detector)
{
	char why[256], how[256];
	snprintf(how, sizeof(how), "%s", r->results[detector].target_exit);
	size_t nsuspects = 0;
	for (size_t i = 0; i < r->ncases; i++)
		nsuspects += r->results[i].suspect != 0;
	const struct s4case *dcs = r->cases[detector];
	if (nsuspects == 1 && ((dcs->flags & F_DESTRUCTIVE) || r->results[detector].alone)) {
		/* It ran alone and the target died: it is named already, and a
		 * second run would only cost a restart. */
		blame(r, detector, how);
		if (!target_bring_back(r, why, sizeof(why))) {
			append_actual(&r->results[detector], "%s%s", "it was not brought back: ",
			              why);
			pthread_mutex_lock(&r->mu);
			r->dead = 1;
			snprintf(r->dead_after, sizeof(r->dead_after), "%s", dcs->id);
			pthread_mutex_unlock(&r->mu);
		}
		pthread_mutex_lock(&r->mu);
		post(r, detector, V_FAIL);
		pthread_mutex_unlock(&r->mu);
		return;
	}
	int back = target_bring_back(r, why, sizeof(why));

	if (!back) {
		/* No second chance. The culprit is known when one case alone was
		 * in flight, or when one was sending hostile bytes alone (a
		 * F_DESTRUCTIVE case, or a F_HOSTILE one before t_sent_hostile);
		 * otherwise nobody is blamed: the death is the run's finding and
		 * the cases in flight are not judged. */
		size_t culprit = r->ncases;
		char names[512] = "";
		for (size_t i = 0; i < r->ncases; i++) {
			if (!r->results[i].suspect)
				continue;
			size_t k = strlen(names);
			snprintf(names + k, sizeof(names) - k, "%s%s", k ? ", " : "", r->cases[i]->id);
			if (culprit == r->ncases && ((r->cases[i]->flags & F_DESTRUCTIVE) ||
			                             r->results[i].alone))
				culprit = i;
		}
		if (culprit == r->ncases && nsuspects == 1)
			culprit = detector;
		if (culprit == r->ncases) {
			pthread_mutex_lock(&r->mu);
			r->dead = 1;
			snprintf(r->dead_after, sizeof(r->dead_after), "%s", "its death");
			snprintf(r->death, sizeof(r->death),
			         "the target stopped serving (%.200s) while these cases ran: %.400s; it did not "
			         "come back, so which of them killed it is not known (run them alone, or "
			         "with --exec)",
			         how, names);
			for (size_t i = 0; i < r->ncases; i++) {
				if (!r->results[i].suspect)
					continue;
				snprintf(r->results[i].actual, sizeof(r->results[i].actual),
				         "not judged: the target stopped serving while it ran, beside %.400s",
				         names);
				post(r, i, V_SKIP);
			}
			pthread_mutex_unlock(&r->mu);
			return;
		}
		blame(r, culprit, how);
		append_actual(&r->results[culprit], "%s%s", "it did not come back: ", why);
		pthread_mutex_lock(&r->mu);
		r->dead = 1;
		snprintf(r->dead_after, sizeof(r->dead_after), "%s", r->cases[culprit]->id);
		for (size_t i = 0; i < r->ncases; i++) {
			if (!r->results[i].suspect)
				continue;
			if (i != culprit) {
				struct result *res = &r->results[i];
				snprintf(res->actual, sizeof(res->actual),
				         "not judged: the target stopped serving while this case ran "
				         "beside %s",
				         r->cases[culprit]->id);
				post(r, i, V_SKIP);
			} else {
				post(r, i, V_FAIL);
			}
		}
		pthread_mutex_unlock(&r->mu);
		return;
	}

	int culprits = 0;
	for (size_t i = 0; i < r->ncases; i++) {
		if (!r->results[i].suspect || r->results[i].done)
			continue;
		enum verdict v;
		if (r->dead) {
			v = V_SKIP;
			snprintf(r->results[i].actual, sizeof(r->results[i].actual),
			         "not judged: the target did not come back after %s", r->dead_after);
		} else if (run_one(r, i, &r->results[i], &v) == DIED) {
			culprits++;
			v = V_FAIL;
			blame(r, i, r->results[i].target_exit);
			if (!target_bring_back(r, why, sizeof(why))) {
				append_actual(&r->results[i], "%s%s", "it was not brought back: ", why);
				pthread_mutex_lock(&r->mu);
				r->dead = 1;
				snprintf(r->dead_after, sizeof(r->dead_after), "%s", r->cases[i]->id);
				pthread_mutex_unlock(&r->mu);
			}
		}
		pthread_mutex_lock(&r->mu);
		post(r, i, v);
		pthread_mutex_unlock(&r->mu);
	}
	if (culprits == 0) {
		/* It died once, beside other cases, and not again alone: the case
		 * that found the death carries the finding. */
		struct result *res = &r->results[detector];
		pthread_mutex_lock(&r->mu);
		res->v = V_FAIL;
		pthread_mutex_unlock(&r->mu);
		target_record_death(r, res, how);
		append_actual(res, "%s%s",
		              "the target died while this case ran beside others, and not when it "
		              "ran again alone: ",
		              res->target_exit);
	}
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
	if (r->dying) {
		/* In flight when the target died: judged again by the handler. */
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
		resolve_death(r, i);
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
		int alone = r->serial || (r->cases[i]->flags & F_DESTRUCTIVE);
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
	int hostile = (r->cases[sa->i]->flags & F_HOSTILE) != 0;
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

int schedule_run(struct runner *r, void (*on_result)(struct runner *, size_t, void *),
                 void *arg)
{
	/* The preflight: first, alone. */
	size_t first = 0;
	while (first < r->ncases && is_preflight(r->cases[first])) {
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
