/* SPDX-License-Identifier: MIT */
/* fuzzcrash.c - socks4-test --fuzz --exec: when the target dies.
 *
 * The workers stop taking iterations as soon as one sees the target's
 * process dead (or no longer serving); once none is running, the fuzzer's
 * main thread comes here:
 *   1. the target is restarted, and every iteration that was in flight (and
 *      the last few that finished just before) is sent again, alone, each
 *      followed by the "still serves" check: the one after which the target
 *      dies again is the culprit, the others get their own verdicts;
 *   2. the culprit's crash signature (crashsig.h: how the process ended, and
 *      a sanitizer report's kind and first frame in the target's own code)
 *      is looked up: a new one is minimized (bytes cut while the same
 *      signature comes back, each attempt against a restarted target) and
 *      saved to --crash-dir as NAME.bin (the bytes) and NAME.txt (signature,
 *      both requests, the replay commands, the target's output); a known one
 *      is only counted;
 *   3. the target is left serving, and fuzzing goes on.
 * A death that no suspect reproduces alone is counted under its signature
 * too, with the target's output saved, and said to be unattributed.
 *
 * The shrinking never moves DSTIP: bytes are cut only behind the 8-byte
 * header, or the request is cut short, so the target is never sent
 * somewhere else than the fuzzer sent it. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/escape.h"
#include "engine/death.h"
#include "fuzz/livefuzz.h"
#include "target/crashdir.h"
#include "target/crashsig.h"
#include "target/supervisor.h"
#include "target/target.h"

#define MINIMIZE_ATTEMPTS 64   /* sends of a shrunk request, per new signature */
#define MINIMIZE_MS 10000      /* and the time they may take */
#define DEATH_WAIT_MS 500      /* a target that failed the check: time to die before "hung" */
#define LOG_CAP (64 * 1024 + 128)
#define REPORT_LINES 24        /* lines of the target's report printed under a crash */

/* How the target's process ended, in words. A process still running after
 * DEATH_WAIT_MS stopped serving without dying (it is then killed by the
 * restart). */
static void how_it_ended(struct fuzz_run *fr, char *how, size_t cap)
{
	int64_t deadline = net_deadline(DEATH_WAIT_MS);
	while (tp_running(fr->tp) && net_remaining_ms(deadline) > 0)
		poll(NULL, 0, 10);
	if (tp_running(fr->tp))
		snprintf(how, cap, "stopped serving (the process still runs)");
	else
		tp_exit(fr->tp, how, cap);
}

static void stop_run(struct fuzz_run *fr, const char *why)
{
	pthread_mutex_lock(&fr->r->mu);
	fr->stop = 1;
	snprintf(fr->stop_why, sizeof(fr->stop_why), "%s", why);
	pthread_mutex_unlock(&fr->r->mu);
	fprintf(fr->out, "socks4-test: %s\n", why);
}

/* Restarts the target unless it is alive and serving. */
static int ensure_serving(struct fuzz_run *fr)
{
	char err[1024], why[256];
	if (tp_running(fr->tp) && target_serves(fr->r, NULL, why, sizeof(why)))
		return 0;
	if (tp_restart(fr->tp, err, sizeof(err)) < 0 || runner_retarget(fr->r, err, sizeof(err)) < 0) {
		stop_run(fr, err);
		return -1;
	}
	return 0;
}

/* The signature of a death that began at output offset mark; the output
 * goes to log when not NULL. */
static void death_signature(struct fuzz_run *fr, uint64_t mark, char *sig, size_t cap, char *log)
{
	char how[200];
	how_it_ended(fr, how, sizeof(how));
	char *buf = log != NULL ? log : malloc(LOG_CAP);
	if (buf != NULL)
		tp_log_since(fr->tp, mark, buf, LOG_CAP);
	crash_signature(how, buf, sig, cap);
	if (log == NULL)
		free(buf);
}

/* ---- minimizing ---------------------------------------------------------------- */

/* Sends cand alone to a serving target: 1 when it dies with signature sig,
 * 0 when not, -1 when the target cannot be restarted. */
static int same_crash(struct fuzz_run *fr, const struct sample *cand, const char *sig)
{
	char why[640], got[SIG_LEN];
	if (ensure_serving(fr) < 0)
		return -1;
	uint64_t mark = tp_log_mark(fr->tp);
	if (fuzz_try(fr, cand, 1, why, sizeof(why)) != TRY_DOWN)
		return 0;
	death_signature(fr, mark, got, sizeof(got), NULL);
	return strcmp(got, sig) == 0;
}

/* s without bytes [a, b); the writes' ends move with what follows. */
static void cut(const struct sample *s, size_t a, size_t b, struct sample *out)
{
	*out = *s;
	memmove(out->bytes + a, s->bytes + b, s->len - b);
	out->len = s->len - (b - a);
	out->ncuts = 0;
	for (size_t k = 0; k < s->ncuts; k++) {
		size_t c = s->cuts[k] >= b ? s->cuts[k] - (b - a) : s->cuts[k] > a ? a : s->cuts[k];
		if (c > 0 && c < out->len && (out->ncuts == 0 || out->cuts[out->ncuts - 1] != c))
			out->cuts[out->ncuts++] = c;
	}
	if (out->ncuts == 0)
		out->gap_ms = 0;
	fuzz_keep_names_local(out);
}

/* The shrinker's budget: attempts and time, and the predicate. */
struct shrink {
	struct sample *cand;
	int attempts, max_attempts, rc;
	int64_t deadline;
	int (*same)(void *arg, const struct sample *cand);
	void *arg;
};

static int budget_left(const struct shrink *sh)
{
	return sh->attempts < sh->max_attempts && net_remaining_ms(sh->deadline) > 0 &&
	       sh->rc >= 0;
}

/* Sends sh->cand once: 1 when it does the same. */
static int attempt(struct shrink *sh)
{
	sh->attempts++;
	sh->rc = sh->same(sh->arg, sh->cand);
	return sh->rc == 1;
}

int fuzz_shrink(struct sample *best, int attempts, int ms,
                int (*same)(void *arg, const struct sample *cand), void *arg)
{
	struct shrink sh = {.max_attempts = attempts, .deadline = net_deadline(ms),
	                    .same = same, .arg = arg};
	sh.cand = malloc(sizeof(*sh.cand));
	if (sh.cand == NULL)
		return 0;
	struct sample *cand = sh.cand;
	if (best->ncuts > 0) {
		*cand = *best;
		cand->ncuts = 0;
		cand->gap_ms = 0;
		if (budget_left(&sh) && attempt(&sh))
			*best = *cand;
	}
	if (best->gap_ms > 0) {
		*cand = *best;
		cand->gap_ms = 0;
		if (budget_left(&sh) && attempt(&sh))
			*best = *cand;
	}
	for (size_t chunk = best->len / 2; chunk >= 1 && budget_left(&sh);) {
		int shrunk = 0;
		/* from the end: a cut there never moves the bytes before it */
		for (size_t b = best->len; b > 0 && budget_left(&sh);) {
			size_t a = b > chunk ? b - chunk : 0;
			if (a >= S4_HEADER_LEN || b == best->len) {
				cut(best, a, b, cand);
				if (attempt(&sh)) {
					*best = *cand;
					shrunk = 1;
					b = a < best->len ? a : best->len;
					continue;
				}
			}
			b = a;
		}
		if (!shrunk)
			chunk /= 2;
	}
	free(cand);
	return sh.attempts;
}

struct crash_shrink {
	struct fuzz_run *fr;
	const char *sig;
};

static int same_crash_of(void *arg, const struct sample *cand)
{
	struct crash_shrink *cs = arg;
	return same_crash(cs->fr, cand, cs->sig);
}

/* Shrinks *best while the same crash comes back, each attempt against a
 * restarted target. */
static int minimize(struct fuzz_run *fr, struct sample *best, const char *sig)
{
	struct crash_shrink cs = {fr, sig};
	tp_allow_restarts(fr->tp, MINIMIZE_ATTEMPTS);
	return fuzz_shrink(best, MINIMIZE_ATTEMPTS, MINIMIZE_MS, same_crash_of, &cs);
}

/* ---- saving --------------------------------------------------------------------- */

void fuzz_hex(FILE *f, const struct sample *s)
{
	for (size_t k = 0; k < s->len; k++)
		fprintf(f, "%02x", s->bytes[k]);
}

/* A file name from a signature: "heap-buffer-overflow-in-test_hook_crash"
 * (a report's kind and function), "killed-by-signal-11-SIGSEGV". */
static void slug(const char *sig, char *out, size_t cap)
{
	const char *p = strstr(sig, "; ");
	p = p != NULL ? p + 2 : sig;
	const char *tool = strstr(p, "Sanitizer: ");
	if (tool != NULL)
		p = tool + 11;
	const char *in = strstr(p, " in ");
	const char *end = in != NULL ? in + 4 + strcspn(in + 4, " ") : p + strlen(p);
	size_t o = 0;
	for (; p < end && o + 1 < cap && o < 60; p++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		         c == '_';
		if (ok)
			out[o++] = c;
		else if (o > 0 && out[o - 1] != '-')
			out[o++] = '-';
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
}

void fuzz_describe(FILE *f, const char *label, const struct sample *s)
{
	char split[160];
	fuzz_split_str(s, split, sizeof(split));
	fprintf(f, "%s%zu bytes, %s, then end of file: ", label, s->len, split);
	fuzz_hex(f, s);
	fprintf(f, "\n");
}

FILE *fuzz_save_bin(struct fuzz_run *fr, const char *base, const struct sample *s, char *path,
                    size_t cap)
{
	static const char *const exts[] = {"bin", "txt"};
	FILE *files[2];
	char err[600];
	if (crashdir_create(fr->r->o.crash_dir, base, exts, 2, files, path, cap, err,
	                    sizeof(err)) < 0) {
		fprintf(fr->out, "socks4-test: cannot save the reproducer: %s\n", err);
		path[0] = '\0';
		return NULL;
	}
	fwrite(s->bytes, 1, s->len, files[0]);
	if (fclose(files[0]) != 0)
		fprintf(fr->out, "socks4-test: %s.bin: %s\n", path, strerror(errno));
	return files[1];
}

/* Writes NAME.bin and NAME.txt; k->path gets NAME. */
static void save(struct fuzz_run *fr, struct crash_kind *k, int n, long i,
                 const struct sample *orig, const struct sample *min, int attempts,
                 const char *log)
{
	struct runner *r = fr->r;
	char name[64], base[96];
	slug(k->sig, name, sizeof(name));
	snprintf(base, sizeof(base), "crash-%d-%s", n, name);
	FILE *f = fuzz_save_bin(fr, base, min, k->path, sizeof(k->path));
	if (f == NULL)
		return;
	fprintf(f, "socks4-test --fuzz: the target crashed\n\nsignature: %s\n", k->sig);
	fprintf(f, "target:    %s\n", r->o.exec_cmd);
	if (i >= 0) {
		fprintf(f, "iteration: %ld of seed %llu (%s)\n\n", i, (unsigned long long)fr->seed,
		        orig->what);
		fuzz_describe(f, "request:   ", orig);
		fuzz_describe(f, "minimized: ", min);
		fprintf(f, "           (%d attempts, each against a restarted target)\n\n",
		        attempts);
		fprintf(f, "Replay against a fresh target started as above ({addr}: where it "
		           "listens):\n  socks4-client --proxy {addr} --raw-file %s.bin\n"
		           "  socks4-client --proxy {addr} --raw '",
		        k->path);
		fuzz_hex(f, min);
		fprintf(f, "'\n");
		if (min->ncuts > 0)
			fprintf(f, "  (socks4-client sends it in one write; this crash needs the "
			           "writes above: use socks4-test)\n");
		if (fr->recent == NULL)
			fprintf(f, "The iteration itself, exactly:\n  socks4-test --exec '%s' --seed %llu "
			           "--fuzz-from %ld --fuzz 1\n",
			        r->o.exec_cmd, (unsigned long long)fr->seed, i);
		else /* coverage.c's inputs come from its corpus, not from (seed, i) */
			fprintf(f, "(input %ld of a coverage-guided run: mutated from the corpus, so "
			           "the bytes above are the reproducer)\n",
			        i);
	} else {
		fprintf(f, "\nNo iteration in flight killed the target again when sent alone: "
		           "a crash that needs several requests at once, or a flaky one.\n");
	}
	fprintf(f, "\nWhat the target printed%s:\n%s\n",
	        i >= 0 ? " since the iteration began" : "", log);
	if (ferror(f) | (fclose(f) != 0))
		fprintf(fr->out, "socks4-test: %s.txt: %s\n", k->path, strerror(errno));
}

/* Under a crash: the first lines of the target's report (or of its output). */
static void print_report(FILE *out, const char *log)
{
	const char *p = crash_report(log);
	if (p == NULL)
		p = log;
	fprintf(out, "  the target printed:\n");
	for (int n = 0; n < REPORT_LINES && p != NULL && *p != '\0'; n++) {
		size_t len = strcspn(p, "\n");
		char line[1024];
		fprintf(out, "    %s\n", esc_term_buf(line, sizeof(line), p, len));
		p = p[len] == '\n' ? p + len + 1 : NULL;
	}
}

/* Counts a crash under its signature; a new one is minimized (when it has
 * an iteration, i >= 0), saved and printed. Leaves the target serving; -1
 * when it cannot be. */
static int record_crash(struct fuzz_run *fr, long i, const struct sample *s, const char *sig,
                        const char *log)
{
	struct runner *r = fr->r;
	pthread_mutex_lock(&r->mu);
	fr->crashes++;
	fr->failures++;
	struct crash_kind *k = NULL;
	for (int n = 0; n < fr->nkinds && k == NULL; n++)
		if (strcmp(fr->kinds[n].sig, sig) == 0)
			k = &fr->kinds[n];
	int fresh = k == NULL && fr->nkinds < SIGS_MAX;
	if (fresh) {
		k = &fr->kinds[fr->nkinds++];
		memset(k, 0, sizeof(*k));
		snprintf(k->sig, sizeof(k->sig), "%s", sig);
		k->first = i;
		k->len = k->min_len = s->len;
	}
	if (k != NULL)
		k->count++;
	int n = k != NULL ? (int)(k - fr->kinds) + 1 : 0;
	pthread_mutex_unlock(&r->mu);

	if (!fresh) { /* seen before, or more signatures than SIGS_MAX: counted only */
		fprintf(fr->out, "\nCRASH iteration %ld (seed %llu): %s (%s%s)\n", i,
		        (unsigned long long)fr->seed, sig, k != NULL ? "seen before: " : "not kept",
		        k != NULL ? k->path : "");
		fflush(fr->out);
		return ensure_serving(fr);
	}
	struct sample *min = malloc(sizeof(*min));
	int attempts = 0;
	if (min != NULL) {
		*min = *s;
		if (i >= 0)
			attempts = minimize(fr, min, sig);
		k->min_len = min->len;
		save(fr, k, n, i, s, min, attempts, log);
	}

	FILE *out = fr->out;
	if (i >= 0) {
		fprintf(out, "\nCRASH iteration %ld (seed %llu): %s\n", i, (unsigned long long)fr->seed,
		        sig);
		fprintf(out, "  request: %s; %zu bytes, minimized to %zu in %d attempts\n", s->what,
		        s->len, k->min_len, attempts);
		if (min != NULL) {
			fprintf(out, "  bytes:   ");
			fuzz_hex(out, min);
			fprintf(out, "\n");
		}
	} else {
		fprintf(out, "\nCRASH (no iteration alone reproduces it): %s\n", sig);
	}
	if (k->path[0] != '\0' && i >= 0)
		fprintf(out, "  saved:   %s.bin and %s.txt (replay: socks4-client --proxy ADDR "
		             "--raw-file %s.bin)\n",
		        k->path, k->path, k->path);
	else if (k->path[0] != '\0')
		fprintf(out, "  saved:   %s.txt (what the target printed)\n", k->path);
	print_report(out, log);
	fflush(out);
	free(min);
	return ensure_serving(fr);
}

/* The crash of iteration i, whose target died after output offset mark. */
static int crash_found(struct fuzz_run *fr, long i, const struct sample *s, uint64_t mark)
{
	char sig[SIG_LEN];
	char *log = malloc(LOG_CAP);
	if (log == NULL)
		return ensure_serving(fr);
	death_signature(fr, mark, sig, sizeof(sig), log);
	int rc = record_crash(fr, i, s, sig, log);
	free(log);
	return rc;
}

/* ---- after a death ---------------------------------------------------------------- */

static int by_iteration(const void *a, const void *b)
{
	long x = ((const struct suspect *)a)->i, y = ((const struct suspect *)b)->i;
	return (x > y) - (x < y);
}

/* A target without --exec: waits (bounded) until it serves again. */
static int wait_serving(struct fuzz_run *fr)
{
	char why[256];
	int wait_ms = 2 * fr->r->o.timeout_ms > 2000 ? 2 * fr->r->o.timeout_ms : 2000;
	int64_t deadline = net_deadline(wait_ms);
	do {
		if (target_serves(fr->r, NULL, why, sizeof(why)))
			return 0;
	} while (net_remaining_ms(deadline) > 0 && poll(NULL, 0, 100) == 0);
	return -1;
}

/* The suspects, in iteration order: those that were running, and those
 * done since the last passing check. Returns the count. */
static int gather(struct fuzz_run *fr, struct suspect *sus)
{
	int n = 0;
	pthread_mutex_lock(&fr->r->mu);
	for (int k = 0; k < fr->nsuspects; k++)
		sus[n++] = fr->suspects[k];
	uint64_t from = fr->verified_seq;
	if (fr->done_seq - from > UNVERIFIED_MAX)
		from = fr->done_seq - UNVERIFIED_MAX;
	for (uint64_t q = from; q < fr->done_seq; q++)
		sus[n++] = (struct suspect){fr->unverified[q % UNVERIFIED_MAX], 0, 1};
	pthread_mutex_unlock(&fr->r->mu);
	qsort(sus, (size_t)n, sizeof(sus[0]), by_iteration);
	return n;
}

static void list_suspects(char *out, size_t cap, const struct suspect *sus, int n)
{
	size_t o = 0;
	out[0] = '\0';
	for (int k = 0; k < n && o + 24 < cap; k++)
		o += (size_t)snprintf(out + o, cap - o, "%s%ld", k ? ", " : "", sus[k].i);
}

/* Iteration i, sent alone, left the target not serving: its failure. */
static void blame(struct fuzz_run *fr, struct suspect *su, const struct sample *s, const char *why)
{
	pthread_mutex_lock(&fr->r->mu);
	if (!su->counted) {
		fr->pending--;
		fuzz_count(fr, su->i, s, TRY_DOWN, why, 1, fr->done_seq);
	} else if (fr->failures++ < REPORT_MAX) {
		fuzz_report(fr, su->i, s, why);
	}
	su->counted = 1;
	pthread_mutex_unlock(&fr->r->mu);
}

/* ---- the fuzzer's sides of death.h ---------------------------------------------- */

struct fuzz_death {
	struct fuzz_run *fr;
	struct suspect *sus;
	struct sample *s;
	char *log;
	char sig[SIG_LEN]; /* --exec: the death's signature */
	char list[400];    /* the suspects' iterations */
	uint64_t mark;     /* the target's output offset before the last replay */
	char why[640];     /* the last replay's failure */
};

static int fd_bring_back(void *arg, char *why, size_t whylen)
{
	struct fuzz_death *d = arg;
	snprintf(why, whylen, "%s", "it does not answer any more");
	pthread_mutex_lock(&d->fr->r->mu);
	int stopped = d->fr->stop;
	pthread_mutex_unlock(&d->fr->r->mu);
	if (stopped)
		return 0;
	return d->fr->tp != NULL ? ensure_serving(d->fr) == 0 : wait_serving(d->fr) == 0;
}

static int fd_replay(void *arg, size_t k, char *how, size_t howlen)
{
	struct fuzz_death *d = arg;
	struct fuzz_run *fr = d->fr;
	d->why[0] = '\0';
	fuzz_generate(fr, d->sus[k].i, d->s);
	d->mark = fr->tp != NULL ? tp_log_mark(fr->tp) : 0;
	enum try_result t = fuzz_try(fr, d->s, 1, d->why, sizeof(d->why));
	if (t == TRY_DOWN) {
		snprintf(how, howlen, "%s", d->why);
		return 1;
	}
	if (!d->sus[k].counted) {
		pthread_mutex_lock(&fr->r->mu);
		fr->pending--;
		fuzz_count(fr, d->sus[k].i, d->s, t, d->why, 1, fr->done_seq);
		d->sus[k].counted = 1;
		pthread_mutex_unlock(&fr->r->mu);
	}
	return 0;
}

static void fd_confirmed(void *arg, size_t k, const char *how)
{
	struct fuzz_death *d = arg;
	struct fuzz_run *fr = d->fr;
	if (fr->tp == NULL) {
		blame(fr, &d->sus[k], d->s, how);
		return;
	}
	if (!d->sus[k].counted) {
		pthread_mutex_lock(&fr->r->mu);
		fr->pending--;
		fr->done++;
		d->sus[k].counted = 1;
		pthread_mutex_unlock(&fr->r->mu);
	}
	crash_found(fr, d->sus[k].i, d->s, d->mark);
}

static void fd_not_judged(void *arg, size_t k, const char *why)
{
	(void)arg, (void)k, (void)why; /* they leave the count (fuzz_recover) */
}

static void fd_unconfirmed(void *arg, const char *why)
{
	struct fuzz_death *d = arg;
	struct fuzz_run *fr = d->fr;
	if (strstr(why, "did not come back") != NULL) {
		char text[800];
		snprintf(text, sizeof(text),
		         "the target no longer serves (it stopped after one of iterations %s, "
		         "which cannot be sent again alone: %s)",
		         d->list, why);
		pthread_mutex_lock(&fr->r->mu);
		fr->failures++;
		pthread_mutex_unlock(&fr->r->mu);
		stop_run(fr, text);
	} else if (fr->tp != NULL) { /* recorded, with no iteration to blame */
		d->s->len = d->s->ncuts = 0;
		snprintf(d->s->what, sizeof(d->s->what), "none");
		record_crash(fr, -1, d->s, d->sig, d->log);
	} else {
		pthread_mutex_lock(&fr->r->mu);
		fr->failures++;
		pthread_mutex_unlock(&fr->r->mu);
		fprintf(fr->out, "\nFAIL: the target stopped serving for a while after one of "
		                 "iterations %s; %s\n",
		        d->list, why);
	}
}

/* Says what happened and gets the death's signature (--exec). */
static void announce(struct fuzz_death *d)
{
	struct fuzz_run *fr = d->fr;
	if (fr->tp != NULL) {
		pthread_mutex_lock(&fr->r->mu);
		uint64_t since = fr->verified_mark; /* the suspects' output begins after it */
		pthread_mutex_unlock(&fr->r->mu);
		death_signature(fr, since, d->sig, sizeof(d->sig), d->log);
		fprintf(fr->out, "\nsocks4-test: the target died (%s); iterations %s, each again "
		                 "alone against a restarted target\n",
		        d->sig, d->list);
	} else {
		fprintf(fr->out, "\nsocks4-test: the target stopped serving; iterations %s, each "
		                 "again alone once it serves again\n",
		        d->list);
	}
	fflush(fr->out);
}

void fuzz_recover(struct fuzz_run *fr)
{
	struct runner *r = fr->r;
	struct fuzz_death d = {.fr = fr};
	d.sus = malloc((SUSPECTS_MAX + UNVERIFIED_MAX) * sizeof(*d.sus));
	d.s = malloc(sizeof(*d.s));
	d.log = malloc(LOG_CAP);
	if (d.sus == NULL || d.s == NULL || d.log == NULL) {
		stop_run(fr, "out of memory");
		free(d.sus);
		free(d.s);
		free(d.log);
		return;
	}
	int n = gather(fr, d.sus);
	list_suspects(d.list, sizeof(d.list), d.sus, n);
	announce(&d);
	struct death_sides sides = {.n = (size_t)n,
	                            .arg = &d,
	                            .bring_back = fd_bring_back,
	                            .replay = fd_replay,
	                            .confirmed = fd_confirmed,
	                            .not_judged = fd_not_judged,
	                            .unconfirmed = fd_unconfirmed};
	if (!death_resolve(&sides) && !fr->stop)
		stop_run(fr, "the target no longer serves");
	/* Suspects not judged (the target is gone) leave the count. */
	pthread_mutex_lock(&r->mu);
	for (int j = 0; j < n; j++)
		if (!d.sus[j].counted)
			fr->pending--;
	fr->verified_seq = fr->done_seq;
	fr->verified_mark = fr->tp != NULL ? tp_log_mark(fr->tp) : 0;
	pthread_mutex_unlock(&r->mu);
	free(d.sus);
	free(d.s);
	free(d.log);
}

void fuzz_crash_summary(struct fuzz_run *fr)
{
	if (fr->nkinds == 0)
		return;
	fprintf(fr->out, "crashes by signature:\n");
	for (int n = 0; n < fr->nkinds; n++) {
		const struct crash_kind *k = &fr->kinds[n];
		fprintf(fr->out, "  %ldx %s\n", k->count, k->sig);
		if (k->first >= 0)
			fprintf(fr->out, "      first at iteration %ld; reproducer %s.bin (%zu bytes, "
			                 "from %zu), report %s.txt\n",
			        k->first, k->path[0] ? k->path : "(not saved)", k->min_len, k->len,
			        k->path[0] ? k->path : "(not saved)");
		else
			fprintf(fr->out, "      no iteration alone reproduces it; the target's output: "
			                 "%s.txt\n",
			        k->path[0] ? k->path : "(not saved)");
	}
}
