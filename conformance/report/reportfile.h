/* SPDX-License-Identifier: MIT */
/* reportfile.h - writing the machine reports of a run to their files
 * (--format with --output or stdout, each --report FMT:FILE), every write
 * checked: a report that could not be written whole is an error naming the
 * file and the cause, never a silent exit 0. */
#ifndef SOCKS4KIT_REPORTFILE_H
#define SOCKS4KIT_REPORTFILE_H

#include <stdio.h>

#include "report/report.h"

struct report_plan {
	enum format fmt;      /* --format */
	const char *output;   /* --output FILE, or NULL for stdout */
	int main_report;      /* write fmt to output/stdout (a machine format, or --output) */
	const char **reports; /* --report FMT:FILE, nreports of them */
	size_t nreports;
	enum format (*format_of)(const char *spec); /* "json:FILE" -> FMT_JSON */
};

/* Writes every report of plan for runs[0..n). Returns 0, or -1 after
 * printing "socks4-test: FILE: CAUSE" to errf for each one that failed. */
int report_plan_write(const struct report_plan *plan, struct runner *const *runs, size_t n,
                      FILE *errf);

#endif
