/* SPDX-License-Identifier: MIT */
/* confirm.c - a FAIL that rests on the client's deadline, judged again with
 * twice the time once every other case is done (confirm.h). */
#include "client/confirm.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/runner.h"

#define CONFIRM_SCALE 2
#define CONFIRM_AT_ONCE 16 /* held cases run again side by side, this many at once */

int confirm_client_ms(const struct runner *r)
{
	return r->o.client_timeout_ms * (r->deadline_scale > 1 ? r->deadline_scale : 1);
}

int confirm_wanted(const struct runner *r, size_t i, enum verdict v)
{
	/* the preflight runs alone anyway, and first: what it finds decides the rest */
	return v == V_FAIL && r->results[i].deadline_hit && r->deadline_scale <= 1 &&
	       !case_is_preflight(r->cases[i]);
}

/* The first run's result of each held case, kept across confirming rounds. */
typedef char first_words[sizeof(((struct result *)0)->actual)];

struct confirm_arg {
	struct runner *r;
	size_t i;
	enum verdict (*judge)(struct runner *, size_t);
	const char *first;
	int round; /* 1, or more when a round before killed it beside clients that finished */
	enum verdict v;
};

/* A confirming run of case i: its verdict in a->v, and its result, with the
 * first run's words after it, in actual (not posted). */
static void *run_again(void *arg)
{
	struct confirm_arg *a = arg;
	struct result *res = &a->r->results[a->i];
	char now[sizeof(res->actual)], secs[16], round[40] = "";
	a->v = a->judge(a->r, a->i);
	memcpy(now, res->actual, sizeof(now));
	snprintf(secs, sizeof(secs), "%.1f", confirm_client_ms(a->r) / 1000.0);
	if (a->round > 1)
		snprintf(round, sizeof(round), " (confirming round %d)", a->round);
	/* at most 9 + 15 + 2 + 39 + 33 + 180 + 30 + 180 bytes: all of it fits */
	snprintf(res->actual, sizeof(res->actual),
	         "%s with %.15s s%.39s once the other cases were done: %.180s; the first run, "
	         "beside them: %.180s",
	         a->v == V_FAIL ? "confirmed" : "again", secs, round, now, a->first);
	return NULL;
}

static void post(struct runner *r, size_t i, enum verdict v)
{
	pthread_mutex_lock(&r->mu);
	r->results[i].v = v;
	r->results[i].done = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* One round: the cases of held[0..n) run again side by side. A case whose
 * client was killed again stays held when another client of the round
 * finished in time (its start may have waited on theirs: a lock, a loaded
 * machine); the others are posted. Returns how many stay held, moved to
 * the front of held. */
static size_t round_of(struct runner *r, size_t *held, size_t n, first_words *first,
                       int *rounds, enum verdict (*judge)(struct runner *, size_t))
{
	struct confirm_arg args[CONFIRM_AT_ONCE];
	pthread_t tids[CONFIRM_AT_ONCE];
	int started[CONFIRM_AT_ONCE];
	for (size_t k = 0; k < n; k++) {
		args[k] = (struct confirm_arg){r, held[k], judge, first[held[k]],
		                               ++rounds[held[k]], V_FAIL};
		started[k] = pthread_create(&tids[k], NULL, run_again, &args[k]) == 0;
		if (!started[k])
			run_again(&args[k]);
	}
	int killed[CONFIRM_AT_ONCE];
	size_t nkilled = 0;
	for (size_t k = 0; k < n; k++) {
		if (started[k])
			pthread_join(tids[k], NULL);
		killed[k] = args[k].v == V_FAIL && r->results[held[k]].deadline_hit;
		nkilled += (size_t)killed[k];
	}
	int again = nkilled > 0 && nkilled < n; /* someone finished in time beside them */
	size_t keep = 0;
	for (size_t k = 0; k < n; k++) {
		if (again && killed[k])
			held[keep++] = held[k];
		else
			post(r, held[k], args[k].v);
	}
	return keep;
}

void confirm_held(struct runner *r, enum verdict (*judge)(struct runner *, size_t))
{
	size_t *held = calloc(r->ncases, sizeof(*held));
	int *rounds = calloc(r->ncases, sizeof(*rounds));
	first_words *first = calloc(r->ncases, sizeof(*first));
	size_t n = 0;
	for (size_t i = 0; i < r->ncases; i++) {
		pthread_mutex_lock(&r->mu);
		int waiting = !r->results[i].done; /* every other case is posted */
		pthread_mutex_unlock(&r->mu);
		if (!waiting)
			continue;
		if (held == NULL || rounds == NULL || first == NULL) { /* the first verdict stands */
			post(r, i, r->results[i].v);
			continue;
		}
		memcpy(first[i], r->results[i].actual, sizeof(first[i]));
		held[n++] = i;
	}
	r->deadline_scale = CONFIRM_SCALE;
	/* Rounds of at most CONFIRM_AT_ONCE; each posts at least one case. */
	while (n > 0) {
		size_t batch = n < CONFIRM_AT_ONCE ? n : CONFIRM_AT_ONCE;
		size_t keep = round_of(r, held, batch, first, rounds, judge);
		memmove(held + keep, held + batch, (n - batch) * sizeof(*held));
		n -= batch - keep;
	}
	r->deadline_scale = 1;
	free(held);
	free(rounds);
	free(first);
}
