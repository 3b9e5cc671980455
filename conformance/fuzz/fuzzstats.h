/* SPDX-License-Identifier: MIT */
/* fuzzstats.h - the figures of a fuzzing run that reads AFL++'s map
 * (--coverage, --coverage-measure): inputs sent and per second, corpus
 * size, edges reached, findings; shown as one line updated in place on a
 * terminal (plain lines every few seconds when stderr is not one), printed
 * at the end, and written as JSON (--report json:FILE, or --output FILE
 * with --format json). */
#ifndef SOCKS4KIT_FUZZSTATS_H
#define SOCKS4KIT_FUZZSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz/livefuzz.h"

struct findings;

struct fuzz_stats {
	const char *mode; /* "coverage" (guided) or "blind" (measured) */
	long execs;       /* inputs sent (coverage: seeds, mutations and trims) */
	int64_t ms;       /* since the first input */
	size_t corpus, favoured;
	size_t edges, map_size;
	long crashes, failures;
	int findings; /* distinct: crash signatures and wrong-answer signatures */
	int64_t shown_ms; /* the last progress line */
};

/* Is the progress line due: 250 ms after the last on a terminal, 5 s
 * otherwise? */
int stats_due(const struct fuzz_stats *st);
/* The progress line (stderr): updated in place on a terminal (last: the
 * final one, which ends the line), a plain line otherwise. */
void stats_progress(struct fuzz_stats *st, int last);
/* "coverage: ..." at the end of the run, to out. */
void stats_summary(FILE *out, const struct fuzz_stats *st);
/* The figures and the findings (crashes from fr, wrong answers from fs,
 * may be NULL) as one JSON object in path. 0, or -1 (said on stderr). */
int stats_write_json(const char *path, const struct fuzz_stats *st, const struct fuzz_run *fr,
                     const struct findings *fs);
/* --coverage-measure: a blind run's figures (livefuzz.c, at its end). */
void stats_blind(struct fuzz_run *fr, const char *json, size_t edges, size_t map_size);

#endif
