/* SPDX-License-Identifier: MIT */
/* baseline.h - known failures, so that CI gates on regressions only
 * (web-platform-tests' expectations, in the simplest form).
 *
 * A baseline is a set of case ids, read from either
 *   - an earlier report of `socks4-test --format json` (one target or several):
 *     the ids whose "result" is "fail", in any of its runs; or
 *   - a plain list: one id per line, `#` starts a comment (to the end of the
 *     line), blank lines ignored; what --write-baseline writes.
 * With several targets, the one set applies to each of them.
 *
 * Each result is then classified:
 *   NEW    it fails and the baseline does not list it (a regression);
 *   KNOWN  it fails and the baseline lists it (does not fail the run);
 *   FIXED  the baseline lists it and it passes now (a hint to update it).
 * Skipped cases are never NEW, KNOWN or FIXED: nothing was learnt. */
#ifndef SOCKS4KIT_BASELINE_H
#define SOCKS4KIT_BASELINE_H

#include <stddef.h>
#include <stdio.h>

#include "core/runner.h"

/* Bounds on what a baseline file may hold: a larger one is an error, not
 * something to read to the end. */
#define BASELINE_FILE_MAX (64u << 20) /* bytes (a JSON report with traces) */
#define BASELINE_IDS_MAX 4096         /* ids (the catalogue has about a hundred) */
#define BASELINE_ID_MAX 127           /* octets of one id */
#define BASELINE_JSON_DEPTH 32        /* nesting of a JSON report */

struct baseline {
	char path[512];
	char **ids; /* sorted, unique */
	size_t n;
};

enum bl_mark { BL_NONE, BL_NEW, BL_KNOWN, BL_FIXED };

/* Reads path into b. Ids that name no case of the catalogue are kept, and a
 * warning naming each goes to warn (a typo, or a case that was renamed).
 * Returns 0, or -1 with the reason ("FILE:LINE: ...") in err. */
int baseline_load(struct baseline *b, const char *path, FILE *warn, char *err, size_t errlen);
void baseline_free(struct baseline *b);
int baseline_has(const struct baseline *b, const char *id);

/* The mark of result i of run r under r->o.baseline (BL_NONE without one). */
enum bl_mark baseline_mark(const struct runner *r, size_t i);
/* "NEW", "KNOWN", "FIXED" ("" for BL_NONE), and the lower-case forms. */
const char *bl_mark_str(enum bl_mark m);
const char *bl_mark_lower(enum bl_mark m);

struct bl_counts {
	int new_, known, fixed;
};
void baseline_count(const struct runner *r, struct bl_counts *k);
/* For the human report: "baseline FILE: N new, N known, N fixed", then the
 * NEW and FIXED ids on lines of their own. */
void baseline_summary(FILE *f, const struct runner *r);

/* Writes the failures of every run (each id once, in catalogue order) as a
 * list, each id followed by its level and title as a comment. Returns 0, or
 * -1 with "FILE: strerror" in err. */
int baseline_write(const char *path, struct runner *const *runs, size_t nruns, char *err,
                   size_t errlen);

#endif
