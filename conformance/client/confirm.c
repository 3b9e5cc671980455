/* SPDX-License-Identifier: MIT */
/* confirm.c - a FAIL that rests on the client's deadline, judged again alone
 * with twice the time (confirm.h). */
#include "client/confirm.h"

#include <stdio.h>
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

/* The confirming run of case i; the first run's words go first in actual. */
static void confirm_one(struct runner *r, size_t i,
                        enum verdict (*judge)(struct runner *, size_t))
{
	struct result *res = &r->results[i];
	char first[sizeof(res->actual)], now[sizeof(res->actual)];
	memcpy(first, res->actual, sizeof(first));
	enum verdict v = judge(r, i);
	memcpy(now, res->actual, sizeof(now));
	snprintf(res->actual, sizeof(res->actual),
	         "%s with %.1f s once the other cases were done: %.*s; the first run, beside "
	         "them: %.*s",
	         v == V_FAIL ? "confirmed" : "again", confirm_client_ms(r) / 1000.0, 200, now, 200,
	         first);
	pthread_mutex_lock(&r->mu);
	res->v = v;
	res->done = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

struct confirm_arg {
	struct runner *r;
	size_t i;
	enum verdict (*judge)(struct runner *, size_t);
};

static void *confirm_main(void *arg)
{
	struct confirm_arg *a = arg;
	confirm_one(a->r, a->i, a->judge);
	return NULL;
}

void confirm_held(struct runner *r, enum verdict (*judge)(struct runner *, size_t))
{
	struct confirm_arg args[CONFIRM_AT_ONCE];
	pthread_t tids[CONFIRM_AT_ONCE];
	int started[CONFIRM_AT_ONCE];
	size_t i = 0;
	r->deadline_scale = CONFIRM_SCALE;
	while (i < r->ncases) {
		int n = 0;
		for (; i < r->ncases && n < CONFIRM_AT_ONCE; i++) {
			pthread_mutex_lock(&r->mu);
			int held = !r->results[i].done; /* every other case is posted */
			pthread_mutex_unlock(&r->mu);
			if (!held)
				continue;
			args[n] = (struct confirm_arg){r, i, judge};
			started[n] = pthread_create(&tids[n], NULL, confirm_main, &args[n]) == 0;
			if (!started[n])
				confirm_one(r, i, judge);
			n++;
		}
		for (int k = 0; k < n; k++)
			if (started[k])
				pthread_join(tids[k], NULL);
	}
	r->deadline_scale = 1;
}
