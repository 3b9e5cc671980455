/* SPDX-License-Identifier: MIT */
/* coverage.c - socks4-test --fuzz --coverage: coverage-guided live fuzzing
 * of an --exec target built with AFL++'s instrumentation.
 *
 * One input at a time (the map cannot tell two connections' edges apart):
 * the map is cleared, the input sent and judged by live fuzzing's oracle
 * (fuzz_try: a wrong answer is a failure, a dead or silent target a crash),
 * and the map read in AFL's buckets. An input that sets a bucket no input
 * set before is trimmed (bytes cut while the map stays the same, AFL's
 * trim) and joins the corpus (corpus.h), on disk in --corpus DIR. Inputs
 * are made from entries the corpus picks (favoured first, with energy),
 * by mutate.h's byte-level and dictionary mutations under live fuzzing's
 * own. The seeds: the files of --corpus DIR, a CONNECT per --dict token (as
 * its USERID), and the first requests of live fuzzing's generator.
 *
 * Crashes go through fuzzcrash.c as with blind fuzzing (the input is kept
 * in fr->recent, where fuzz_generate() finds it for the replay); wrong
 * answers through finding.c. A "still serves" check follows every 8th
 * input, after the map is read, so its CONNECT is not the input's. */
#include <stdlib.h>
#include <string.h>

#include "fuzz/corpus.h"
#include "fuzz/covmap.h"
#include "fuzz/finding.h"
#include "fuzz/fuzzstats.h"
#include "fuzz/livefuzz.h"
#include "fuzz/mutate.h"
#include "target/supervisor.h"
#include "target/target.h"

#define RECENT 64         /* inputs kept for fuzzcrash.c's replays */
#define GENERATED_SEEDS 24 /* live fuzzing's first requests, as seeds */
#define TRIM_ATTEMPTS 16  /* sends to trim one new entry */
#define TRIM_MS 2000
#define SWEEP_CHAIN 16 /* entries swept one after the other, each found by the last */

struct cov_run {
	struct fuzz_run *fr;
	const struct fuzz_opts *o;
	struct covmap *map;
	struct corpus corpus;
	struct findings findings;
	struct fuzz_stats st;
	uint8_t *first, *calib; /* an input's bucketed map; its first run's */
	struct sample *swept;   /* sweep()'s input */
	uint32_t *hits; /* the edges of the last input that reached something new */
	size_t nhits;
	struct sample *s, *tmp;
	struct rng g;
	int unchecked;      /* inputs since the last "still serves" check */
	int checked;        /* one followed the last input, and passed */
	enum try_result last; /* of the last input */
	uint64_t hash;        /* its bucketed map's */
};

static int finished(struct cov_run *cr)
{
	struct fuzz_run *fr = cr->fr;
	return cr->st.execs >= fr->n || fr->stop ||
	       (fr->deadline != 0 && net_remaining_ms(fr->deadline) <= 0) ||
	       (cr->o->until_finding && fr->nkinds + cr->findings.nkinds > 0);
}

/* The input's end: a passing check covers it, a failed one is its crash. */
static enum try_result check(struct cov_run *cr, enum try_result t, char *why, size_t whylen)
{
	char health[256];
	cr->checked = t == TRY_FAIL; /* fuzz_try checked after the wrong answer */
	if (t != TRY_OK || ++cr->unchecked < CHECK_EVERY)
		return t;
	cr->unchecked = 0;
	cr->checked = target_serves(cr->fr->r, NULL, health, sizeof(health));
	if (cr->checked)
		return t;
	snprintf(why, whylen, "afterwards the target no longer grants a valid CONNECT (%s)", health);
	return TRY_DOWN;
}

/* A dead target: fuzzcrash.c finds the culprit among the inputs since the
 * last check, saves the crash and restarts the target. */
static void recover(struct fuzz_run *fr, long i, uint64_t mark)
{
	pthread_mutex_lock(&fr->r->mu);
	fr->halt = 1;
	fr->suspects[fr->nsuspects++] = (struct suspect){i, mark, 0};
	pthread_mutex_unlock(&fr->r->mu);
	fuzz_recover(fr);
	pthread_mutex_lock(&fr->r->mu);
	fr->halt = 0;
	fr->nsuspects = 0;
	pthread_mutex_unlock(&fr->r->mu);
}

/* Sends one input and judges it; the map is left bucketed, and cr->last
 * and cr->hash say how it went. */
static void send_one(struct cov_run *cr, const struct sample *s)
{
	struct fuzz_run *fr = cr->fr;
	char why[640] = "";
	long i = cr->st.execs++;
	fr->recent[i % fr->nrecent] = *s;
	uint64_t mark = fr->tp != NULL ? tp_log_mark(fr->tp) : 0;
	pthread_mutex_lock(&fr->r->mu);
	fr->pending++;
	uint64_t before = fr->done_seq;
	pthread_mutex_unlock(&fr->r->mu);
	covmap_clear(cr->map);
	enum try_result t = fuzz_try(fr, s, 0, why, sizeof(why));
	covmap_classify(cr->map);
	cr->hash = covmap_hash(cr->map);
	corpus_saw(&cr->corpus, cr->hash);
	memcpy(cr->first, cr->map->map, cr->map->size); /* before the check adds its own */
	t = check(cr, t, why, sizeof(why));
	cr->last = t;
	if (t == TRY_DOWN) {
		recover(fr, i, mark);
		return;
	}
	pthread_mutex_lock(&fr->r->mu);
	fr->pending--;
	fuzz_count(fr, i, s, t, why, cr->checked, before);
	pthread_mutex_unlock(&fr->r->mu);
	if (t == TRY_FAIL)
		finding_record(fr, &cr->findings, i, s, why);
}

/* Sends one input; when it looks new, sends it again (AFL's calibration):
 * edges that differ are variable, and what is new in both runs is learnt. */
static enum cov_news run_input(struct cov_run *cr, const struct sample *s)
{
	send_one(cr, s);
	memcpy(cr->map->map, cr->first, cr->map->size);
	if (cr->last != TRY_OK || covmap_news(cr->map, 0) == COV_NOTHING)
		return COV_NOTHING;
	memcpy(cr->calib, cr->first, cr->map->size);
	send_one(cr, s);
	if (cr->last != TRY_OK)
		return COV_NOTHING;
	memcpy(cr->map->map, cr->first, cr->map->size);
	covmap_calibrate(cr->map, cr->calib);
	memcpy(cr->map->map, cr->calib, cr->map->size);
	enum cov_news news = covmap_news(cr->map, 1);
	cr->hash = covmap_hash(cr->map);
	if (news != COV_NOTHING)
		cr->nhits = covmap_hits(cr->map, cr->hits, cr->map->size);
	return news;
}

struct trim {
	struct cov_run *cr;
	uint64_t want;
};

static int same_map(void *arg, const struct sample *cand)
{
	struct trim *tr = arg;
	if (finished(tr->cr))
		return -1;
	send_one(tr->cr, cand);
	return tr->cr->last == TRY_OK && tr->cr->hash == tr->want;
}

/* The input just run reached something new: trimmed, it joins the corpus. */
static void keep(struct cov_run *cr, const struct sample *s, long parent, const char *op,
                 const char *name)
{
	size_t nhits = cr->nhits;
	uint64_t path = cr->hash;
	struct sample *best = cr->tmp;
	*best = *s;
	if (name == NULL && best->len > S4_HEADER_LEN) {
		struct trim tr = {cr, cr->hash};
		fuzz_shrink(best, TRIM_ATTEMPTS, TRIM_MS, same_map, &tr);
	}
	if (corpus_add(&cr->corpus, best->bytes, best->len, cr->hits, nhits, path, parent, op,
	               name) < 0)
		fprintf(stderr, "socks4-test: out of memory: the corpus stops growing\n");
}

/* The first place from `from` on where entry k differs from its parent. */
static size_t differs(const struct corpus *c, size_t k, size_t from)
{
	const struct cov_entry *e = &c->e[k], *p = &c->e[e->parent];
	size_t at = from;
	while (at < e->len && at < p->len && e->bytes[at] == p->bytes[at])
		at++;
	return at;
}

/* Where entry k's sweep writes: the byte after the first one behind the
 * header where it differs from its parent (USERID, the hostname: where the
 * multi-byte checks are), else after the first one; -1 when it has no
 * parent, or the place is DSTIP. */
static long frontier(const struct corpus *c, size_t k)
{
	if (c->e[k].parent < 0)
		return -1;
	size_t at = differs(c, k, S4_HEADER_LEN);
	if (at >= c->e[k].len)
		at = differs(c, k, 0);
	at++;
	return at >= FUZZ_DSTIP_AT && at < S4_HEADER_LEN ? -1 : (long)at;
}

/* Entry k with value v at `at`: written over (v < 256), or inserted. 0 when
 * the place does not take it (an insert before DSTIP's end, a write past
 * the end). */
static int swept_input(struct cov_run *cr, size_t k, long at, int v)
{
	const struct cov_entry *e = &cr->corpus.e[k];
	struct sample *s = cr->swept;
	int insert = v >= 256;
	if ((insert && (at < S4_HEADER_LEN || (size_t)at > e->len || e->len >= FUZZ_MAX)) ||
	    (!insert && (size_t)at >= e->len))
		return 0;
	memset(s, 0, sizeof(*s));
	memcpy(s->bytes, e->bytes, (size_t)at);
	s->bytes[at] = (uint8_t)v;
	memcpy(s->bytes + at + insert, e->bytes + at + !insert, e->len - (size_t)at - !insert);
	s->len = e->len + (size_t)insert;
	snprintf(s->what, sizeof(s->what), "corpus entry %ld, byte %ld %s 0x%02x", e->id, at,
	         insert ? "inserted:" : "set to", v & 0xff);
	return 1;
}

/* AFL's deterministic stage, cut down to one place: where a prefix check
 * that just matched one more byte compares next (frontier()), every value,
 * written over and inserted; it stops at the first new edge, whose entry is
 * swept in turn. laf-intel splits a multi-byte comparison into one edge per
 * byte: this climbs it in at most 512 inputs a byte. */
static void sweep(struct cov_run *cr, size_t k)
{
	for (int round = 0; round < SWEEP_CHAIN && !finished(cr); round++) {
		long at = frontier(&cr->corpus, k);
		size_t found = 0;
		for (int v = 0; at >= 0 && v < 512 && !found && !finished(cr); v++) {
			if (!swept_input(cr, k, at, v))
				continue;
			enum cov_news news = run_input(cr, cr->swept);
			if (cr->last == TRY_DOWN)
				return; /* a crash: its neighbours would crash it again */
			if (news == COV_NOTHING || cr->last != TRY_OK)
				continue;
			keep(cr, cr->swept, (long)k, news == COV_NEW_EDGE ? "sweep,+edge" : "sweep", NULL);
			found = news == COV_NEW_EDGE ? cr->corpus.n : 0; /* its index + 1 */
		}
		if (!found)
			return;
		k = found - 1;
	}
}

/* A seed: kept when it reaches something new (or when nothing is kept yet). */
static void seed(struct cov_run *cr, struct sample *s, const char *op, const char *name)
{
	if (finished(cr))
		return;
	enum cov_news news = run_input(cr, s);
	if (cr->last == TRY_OK && (news != COV_NOTHING || cr->corpus.n == 0))
		keep(cr, s, -1, op, name);
}

static void seed_file(void *arg, const uint8_t *b, size_t len, const char *name)
{
	struct cov_run *cr = arg;
	struct sample *s = cr->s;
	memset(s, 0, sizeof(*s));
	memcpy(s->bytes, b, len);
	s->len = len;
	snprintf(s->what, sizeof(s->what), "seed %s", name);
	/* ours ("id:...") are sent as they are; others name port 80 (corpus/) */
	cov_tame(cr->fr, s, strncmp(name, "id:", 3) != 0);
	seed(cr, s, "seed", name);
}

static void seed_all(struct cov_run *cr)
{
	struct fuzz_run *fr = cr->fr;
	struct sample *s = cr->s;
	corpus_each_file(&cr->corpus, seed_file, cr);
	for (size_t k = 0; k < cr->corpus.ndict; k++) {
		const struct dict_token *t = &cr->corpus.dict[k];
		memset(s, 0, sizeof(*s));
		s->len = req_build(s->bytes, sizeof(s->bytes), S4_CMD_CONNECT, fr->r->echo_port,
		                   fr->r->dest_ip, (const char *)t->b, t->len, NULL, 0);
		snprintf(s->what, sizeof(s->what), "seed: CONNECT with a dictionary token as USERID");
		seed(cr, s, "dict", NULL);
	}
	for (long j = 0; j < GENERATED_SEEDS; j++) {
		struct rng g = fuzz_rng(fr->seed, j);
		fuzz_make(fr, &g, NULL, s);
		seed(cr, s, "gen", NULL);
	}
}

static void update_stats(struct cov_run *cr)
{
	struct fuzz_stats *st = &cr->st;
	st->ms = net_now_ms() - cr->fr->t0;
	st->corpus = cr->corpus.n;
	st->favoured = cr->corpus.nfav;
	st->edges = covmap_reached(cr->map);
	st->crashes = cr->fr->crashes;
	st->failures = cr->fr->failures;
	st->findings = cr->fr->nkinds + cr->findings.nkinds;
}

/* One input mutated from entry k; kept (and swept) when it reached something new. */
static void mutate_once(struct cov_run *cr, size_t k)
{
	cov_mutate(cr->fr, &cr->g, &cr->corpus, k, cr->s, cr->tmp);
	enum cov_news news = run_input(cr, cr->s);
	if (news == COV_NOTHING || cr->last != TRY_OK)
		return;
	keep(cr, cr->s, (long)k, news == COV_NEW_EDGE ? "mutate,+edge" : "mutate", NULL);
	if (news == COV_NEW_EDGE)
		sweep(cr, cr->corpus.n - 1);
}

static void fuzz_loop(struct cov_run *cr)
{
	while (!finished(cr) && cr->corpus.n > 0) {
		size_t k = corpus_pick(&cr->corpus, &cr->g);
		int energy = corpus_energy(&cr->corpus, k);
		for (int j = 0; j < energy && !finished(cr); j++) {
			mutate_once(cr, k);
			if (stats_due(&cr->st)) {
				update_stats(cr);
				stats_progress(&cr->st, 0);
			}
		}
	}
}

/* What the run needs besides fr: 0, or -1 with why on out. */
static int cov_open(struct cov_run *cr, const struct fuzz_opts *o)
{
	char err[600];
	struct fuzz_run *fr = cr->fr;
	fr->nrecent = RECENT;
	fr->recent = calloc(RECENT, sizeof(*fr->recent));
	cr->s = malloc(sizeof(*cr->s));
	cr->tmp = malloc(sizeof(*cr->tmp));
	cr->hits = malloc(cr->map->size * sizeof(*cr->hits));
	cr->first = malloc(cr->map->size);
	cr->calib = malloc(cr->map->size);
	cr->swept = malloc(sizeof(*cr->swept));
	if (fr->recent == NULL || cr->swept == NULL || cr->s == NULL || cr->tmp == NULL || cr->hits == NULL ||
	    cr->first == NULL || cr->calib == NULL) {
		fprintf(fr->out, "socks4-test: out of memory\n");
		return -1;
	}
	if (corpus_open(&cr->corpus, o->corpus_dir, cr->map->size, err, sizeof(err)) < 0 ||
	    (o->dict != NULL && corpus_load_dict(&cr->corpus, o->dict, err, sizeof(err)) < 0)) {
		fprintf(fr->out, "socks4-test: %s\n", err);
		return -1;
	}
	return 0;
}

static void cov_close(struct cov_run *cr)
{
	corpus_free(&cr->corpus);
	free(cr->fr->recent);
	cr->fr->recent = NULL;
	free(cr->s);
	free(cr->tmp);
	free(cr->hits);
	free(cr->first);
	free(cr->calib);
	free(cr->swept);
}

long coverage_run(struct runner *r, const struct fuzz_opts *o, FILE *out)
{
	struct cov_run cr = {.o = o, .map = o->map, .st = {.mode = "coverage"}};
	cr.fr = fuzz_open(r, 0, o->n, o->seed, o->duration_ms, out);
	if (cr.fr == NULL)
		return -1;
	struct fuzz_run *fr = cr.fr;
	fr->progress = 0; /* fuzzstats.c's line instead of live fuzzing's */
	cr.st.map_size = cr.map->size;
	cr.g = fuzz_rng(o->seed ^ 0x636f766572616765ull, -1); /* "coverage": draws apart */
	if (cov_open(&cr, o) < 0) {
		cov_close(&cr);
		fuzz_close(fr);
		return -1;
	}
	fprintf(out, "socks4-test: coverage-guided, one input at a time; map of %zu bytes; "
	             "corpus in %s\n",
	        cr.map->size, o->corpus_dir != NULL ? o->corpus_dir : "memory only (no --corpus)");
	fflush(out);
	seed_all(&cr);
	fuzz_loop(&cr);
	update_stats(&cr);
	stats_progress(&cr.st, 1);
	fuzz_summary(fr);
	finding_summary(fr, &cr.findings);
	stats_summary(out, &cr.st);
	if (o->json != NULL)
		stats_write_json(o->json, &cr.st, fr, &cr.findings);
	long failures = fr->failures;
	cov_close(&cr);
	fuzz_close(fr);
	return failures;
}
