/* SPDX-License-Identifier: MIT */
/* report/: every output of a run: human, TAP, JUnit, JSON (report.c), HTML,
 * baselines, requirements, checked writes (reportfile.h). It reads results
 * and runs nothing. May use core/. */
/* report.h - what a run looks like to people and to machines: the human
 * report (colour on a terminal unless NO_COLOR), TAP, JUnit XML, JSON, one
 * self-contained HTML page, and the side-by-side matrix for several targets. */
#ifndef SOCKS4KIT_REPORT_H
#define SOCKS4KIT_REPORT_H

#include <stdio.h>

#include "core/runner.h"

struct counts {
	int passed, failed, skipped, info, flaky;
	int level_passed[3], level_failed[3], level_skipped[3];
};

void count_results(const struct runner *r, struct counts *k);
/* Does this run fail (exit status 1)? A MUST failure (or SHOULD with
 * --strict) the baseline does not know, or a death of the target no culprit
 * was confirmed for. The exit status and every format ask this. */
int run_failed(const struct runner *r);

/* The human report, streamed: a header, one line per case as it finishes
 * (with Expected/Actual/trace under a failure), then the summary whose last
 * line is "N passed, N failed, N skipped". */
void human_header(FILE *f, const struct runner *r, int color);
void human_case(FILE *f, const struct runner *r, size_t i, int color, int verbose);
void human_summary(FILE *f, const struct runner *r, int color, int64_t elapsed_ms);

enum format { FMT_HUMAN, FMT_TAP, FMT_JUNIT, FMT_JSON, FMT_HTML };
/* A whole run in a machine format (FMT_HUMAN writes the full human report). */
void report_write(FILE *f, enum format fmt, struct runner *const *runs, size_t nruns);

/* Cases by targets, one column per run. */
void matrix(FILE *f, struct runner *const *runs, size_t nruns, int color);

const char *verdict_str(int v);
/* FAIL or FLAKY. */
int is_failure(int v);
const char *level_str(int level);

/* Pieces shared with report_html.c. */
const char *verdict_lower(int v); /* "pass", "fail", ... */
void xml_str(FILE *f, const char *s); /* escaped for XML and HTML text and attributes */
/* One trace event as a line: "+0.012 c1   > 04 01 00 50 ... (20 bytes)". */
void trace_line(const struct trace_ev *e, char *buf, size_t cap);
/* The requirement ids of a case, split into ids[] (pointing into buf). */
#define MAX_REQS 8
size_t split_reqs(const char *reqs, char *buf, size_t cap, const char **ids, size_t max);

/* report_html.c: the whole run as one self-contained HTML page. */
void html_report(FILE *f, struct runner *const *runs, size_t nruns);

#endif
