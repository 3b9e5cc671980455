/* SPDX-License-Identifier: MIT */
/* fuzzstats.c - a map-reading fuzz run's figures: progress, summary, JSON. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/escape.h"
#include "fuzz/finding.h"
#include "fuzz/fuzzstats.h"
#include "target/supervisor.h"

#define TTY_EVERY_MS 250
#define PLAIN_EVERY_MS 5000

static double per_s(const struct fuzz_stats *st)
{
	return st->ms > 0 ? (double)st->execs * 1000.0 / (double)st->ms : 0.0;
}

int stats_due(const struct fuzz_stats *st)
{
	int64_t every = isatty(STDERR_FILENO) ? TTY_EVERY_MS : PLAIN_EVERY_MS;
	return net_now_ms() - st->shown_ms >= every;
}

void stats_progress(struct fuzz_stats *st, int last)
{
	int tty = isatty(STDERR_FILENO);
	st->shown_ms = net_now_ms();
	fprintf(stderr, "%s%s: %ld execs (%.0f/s), corpus %zu, edges %zu/%zu, findings %d, %.0f s%s",
	        tty ? "\r" : "", st->mode, st->execs, per_s(st), st->corpus, st->edges,
	        st->map_size, st->findings, (double)st->ms / 1000.0, tty && !last ? " " : "\n");
}

void stats_summary(FILE *out, const struct fuzz_stats *st)
{
	fprintf(out, "%s: %zu of %zu edges reached, %ld inputs in %.1f s (%.0f/s)", st->mode,
	        st->edges, st->map_size, st->execs, (double)st->ms / 1000.0, per_s(st));
	if (strcmp(st->mode, "coverage") == 0)
		fprintf(out, ", corpus %zu entries (%zu favoured), %d findings", st->corpus,
		        st->favoured, st->findings);
	fprintf(out, "\n");
}

/* One finding of the "findings" array. */
static void json_finding(FILE *f, int n, const char *kind, const char *sig, long count,
                         long first, size_t bytes, const char *path)
{
	fprintf(f, "%s\n    {\"kind\": \"%s\", \"signature\": ", n ? "," : "", kind);
	esc_json(f, sig);
	fprintf(f, ", \"count\": %ld, \"first\": %ld, \"bytes\": %zu, \"reproducer\": ", count,
	        first, bytes);
	esc_json(f, path);
	fprintf(f, "}");
}

static void json_findings(FILE *f, const struct fuzz_run *fr, const struct findings *fs)
{
	int n = 0;
	fprintf(f, "  \"findings\": [");
	for (int k = 0; k < fr->nkinds; k++, n++)
		json_finding(f, n, "crash", fr->kinds[k].sig, fr->kinds[k].count, fr->kinds[k].first,
		             fr->kinds[k].min_len, fr->kinds[k].path);
	for (int k = 0; fs != NULL && k < fs->nkinds; k++, n++)
		json_finding(f, n, "wrong-answer", fs->kinds[k].sig, fs->kinds[k].count,
		             fs->kinds[k].first, fs->kinds[k].min_len, fs->kinds[k].path);
	fprintf(f, "%s]\n", n ? "\n  " : "");
}

int stats_write_json(const char *path, const struct fuzz_stats *st, const struct fuzz_run *fr,
                     const struct findings *fs)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "socks4-test: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"fuzz\": \"%s\",\n  \"target\": ", st->mode);
	esc_json(f, fr->r->o.exec_cmd != NULL ? fr->r->o.exec_cmd : fr->r->target_text);
	fprintf(f, ",\n  \"seed\": %llu,\n  \"execs\": %ld,\n  \"seconds\": %.3f,\n"
	           "  \"execs_per_s\": %.1f,\n  \"corpus\": %zu,\n  \"favoured\": %zu,\n"
	           "  \"edges\": %zu,\n  \"map_size\": %zu,\n  \"crashes\": %ld,\n"
	           "  \"failures\": %ld,\n  \"restarts\": %d,\n",
	        (unsigned long long)fr->seed, st->execs, (double)st->ms / 1000.0, per_s(st),
	        st->corpus, st->favoured, st->edges, st->map_size, st->crashes, st->failures,
	        fr->tp != NULL ? tp_restarts(fr->tp) : 0);
	json_findings(f, fr, fs);
	fprintf(f, "}\n");
	if (ferror(f) | (fclose(f) != 0)) {
		fprintf(stderr, "socks4-test: %s: cannot write the report\n", path);
		return -1;
	}
	return 0;
}

void stats_blind(struct fuzz_run *fr, const char *json, size_t edges, size_t map_size)
{
	struct fuzz_stats st = {.mode = "blind",
	                        .execs = fr->done,
	                        .ms = net_now_ms() - fr->t0,
	                        .edges = edges,
	                        .map_size = map_size,
	                        .crashes = fr->crashes,
	                        .failures = fr->failures,
	                        .findings = fr->nkinds};
	stats_summary(fr->out, &st);
	if (json != NULL)
		stats_write_json(json, &st, fr, NULL);
}
