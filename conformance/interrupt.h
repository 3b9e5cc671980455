/* SPDX-License-Identifier: MIT */
/* interrupt.h - socks4-test stopped from outside leaves nothing behind.
 * SIGINT, SIGTERM and SIGHUP (Ctrl-C, a CI timeout, a closed terminal) are
 * taken by one thread: it stops the process group of every --exec target
 * and --client-cmd client still running (lifeline.h: SIGTERM, then SIGKILL
 * after a short grace), writes the reports with the cases judged so far
 * (the others as SKIP "not run: socks4-test was interrupted"), and exits
 * 128+N. */
#ifndef SOCKS4KIT_INTERRUPT_H
#define SOCKS4KIT_INTERRUPT_H

#include <stddef.h>

#include "report/reportfile.h"

struct runner;

/* Blocks the three signals in the calling thread (call it in main before
 * any thread starts, so every thread inherits the mask) and starts the
 * thread that takes them. runs: main's runs, *nstarted of them begun (main
 * keeps it current); plan: the reports to write. */
void interrupt_start(struct runner *runs, const size_t *nstarted, const struct report_plan *plan);

#endif
