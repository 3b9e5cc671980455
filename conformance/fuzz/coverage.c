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

struct cov_run {
	struct fuzz_run *fr;
	const struct fuzz_opts *o;
	struct covmap *map;
	struct corpus corpus;
	struct findings findings;
	struct fuzz_stats st;
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
	       (fr->deadline != 0 && net_remaining_ms(fr->deadline) <= 0);
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

/* Sends one input and judges it; returns what the map got (learnt unless
 * trial: a trim's candidates only compare). */
static enum cov_news run_input(struct cov_run *cr, const struct sample *s, int trial)
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
	enum cov_news news = t == TRY_DOWN ? COV_NOTHING : covmap_news(cr->map, !trial);
	cr->hash = covmap_hash(cr->map);
	if (news != COV_NOTHING && !trial) /* before the check adds its own */
		cr->nhits = covmap_hits(cr->map, cr->hits, cr->map->size);
	t = check(cr, t, why, sizeof(why));
	cr->last = t;
	if (t == TRY_DOWN) {
		recover(fr, i, mark);
		return news;
	}
	pthread_mutex_lock(&fr->r->mu);
	fr->pending--;
	fuzz_count(fr, i, s, t, why, cr->checked, before);
	pthread_mutex_unlock(&fr->r->mu);
	if (t == TRY_FAIL)
		finding_record(fr, &cr->findings, i, s, why);
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
	run_input(tr->cr, cand, 1);
	return tr->cr->last == TRY_OK && tr->cr->hash == tr->want;
}

/* The input just run reached something new: trimmed, it joins the corpus. */
static void keep(struct cov_run *cr, const struct sample *s, long parent, const char *op,
                 const char *name)
{
	size_t nhits = cr->nhits;
	struct sample *best = cr->tmp;
	*best = *s;
	/* Trimmed only when sent in one write: the corpus keeps bytes, and a
	 * split input's map is the split's too. */
	if (name == NULL && best->len > S4_HEADER_LEN && best->ncuts == 0) {
		struct trim tr = {cr, cr->hash};
		fuzz_shrink(best, TRIM_ATTEMPTS, TRIM_MS, same_map, &tr);
	}
	if (corpus_add(&cr->corpus, best->bytes, best->len, cr->hits, nhits, parent, op, name) < 0)
		fprintf(stderr, "socks4-test: out of memory: the corpus stops growing\n");
}

/* A seed: kept when it reaches something new (or when nothing is kept yet). */
static void seed(struct cov_run *cr, struct sample *s, const char *op, const char *name)
{
	if (finished(cr))
		return;
	enum cov_news news = run_input(cr, s, 0);
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

static void fuzz_loop(struct cov_run *cr)
{
	while (!finished(cr) && cr->corpus.n > 0) {
		size_t k = corpus_pick(&cr->corpus, &cr->g);
		long parent = cr->corpus.e[k].id;
		int energy = corpus_energy(&cr->corpus, k);
		for (int j = 0; j < energy && !finished(cr); j++) {
			cov_mutate(cr->fr, &cr->g, &cr->corpus, k, cr->s, cr->tmp);
			enum cov_news news = run_input(cr, cr->s, 0);
			if (news != COV_NOTHING && cr->last == TRY_OK)
				keep(cr, cr->s, parent, news == COV_NEW_EDGE ? "mutate,+edge" : "mutate", NULL);
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
	if (fr->recent == NULL || cr->s == NULL || cr->tmp == NULL || cr->hits == NULL) {
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
