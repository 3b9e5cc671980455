/* SPDX-License-Identifier: MIT */
/* casebody.h - one run of one case's body, the same for every mode: a fresh
 * context, the SKIP when the mode says the case cannot run, else the case's
 * Expected and its function, and a failure of the runner's own side
 * (runner_trouble) turned into a SKIP. The suite's scheduler (schedule.c)
 * and client mode (clientmode.c) both run their cases through it. */
#ifndef SOCKS4KIT_CASEBODY_H
#define SOCKS4KIT_CASEBODY_H

#include "core/runner.h"

struct instance; /* target/instance.h */

/* Runs case cs into res (the caller reset it), against own (an instance of
 * its own) or, when own is NULL, the run's target. skip_why != NULL: the case
 * is skipped with that reason and *ran is 0; otherwise *ran is 1. Returns the
 * verdict (an INFO case's PASS is left as V_PASS: the caller maps it). */
enum verdict case_body(struct runner *r, const struct s4case *cs, struct result *res,
                       const struct instance *own, const char *skip_why, int *ran);

/* The reason of the lowest missing capability bit (r->lacks), or
 * "capability missing" when none was written. */
const char *case_missing_reason(const struct runner *r, unsigned missing);

#endif
