/* SPDX-License-Identifier: MIT */
/* options.h - socks4-test's command line, read into one struct.
 *
 * main.c asks cli_parse() what the user wants and hands it to one mode (the
 * cases against servers, the cases against clients, live fuzzing, or --list).
 * Nothing here runs anything: it only reads flags, checks them and says what
 * is wrong with a usage error (exit 2). */
#ifndef SOCKS4KIT_OPTIONS_H
#define SOCKS4KIT_OPTIONS_H

/* --fuzz N's bound, and N when --duration alone decides */
#define FUZZ_N_MAX 100000000

#include <stddef.h>
#include <stdint.h>

#include "core/runner.h"
#include "report/report.h"

#define PROG "socks4-test"
#define CLI_MAX_TARGETS 8
#define CLI_MAX_REPORTS 8

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

struct cli {
	struct runner_opts o;                   /* what every run shares */
	const char *targets[CLI_MAX_TARGETS];   /* --target HOST:PORT or --exec CMD, in order */
	int is_exec[CLI_MAX_TARGETS];           /* targets[i] is an --exec command */
	size_t ntargets;
	const char *clients[CLI_MAX_TARGETS];   /* --client-cmd TEMPLATE */
	size_t nclients;
	int list;                               /* --list */
	enum format fmt;                        /* --format */
	const char *output;                     /* --output FILE */
	const char *reports[CLI_MAX_REPORTS];   /* --report FMT:FILE */
	size_t nreports;
	const char *baseline_in, *baseline_out; /* --baseline, --write-baseline */
	long fuzz_n, fuzz_from;                 /* --fuzz N, --fuzz-from I */
	int64_t duration_ms;                    /* --duration S (alone: fuzz_n is FUZZ_N_MAX) */
	int coverage, coverage_measure;         /* --coverage, --coverage-measure */
	int until_finding;                      /* --until-finding */
	const char *corpus_dir, *dict;          /* --corpus DIR, --dict FILE */
	uint64_t seed;                          /* --seed, or the clock's */
	char **select;                          /* the id prefixes and globs */
	size_t nselect;
};

/* Reads argv into *cli with the defaults filled in. --help and --version print
 * and exit 0; a usage error prints the cause and exits 2. */
void cli_parse(int argc, char **argv, struct cli *cli);

/* Prints "socks4-test: WHAT 'ARG'" and a hint, and exits 2. */
void usage_error(const char *what, const char *arg);

/* --report FMT:FILE: the format before the colon (a usage error if none). */
enum format report_format(const char *spec);

#endif
