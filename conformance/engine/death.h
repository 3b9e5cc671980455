/* SPDX-License-Identifier: MIT */
/* engine/: detection (runner.c), the scheduler (schedule.c), one case run
 * (casebody.h) and the one rule for a death (here). May use core/, target/
 * and services/; the jobs (cases/, client/, fuzz/) use it. */
/* death.h - the one rule for a target that died: who is blamed, who is not
 * judged, how the target comes back. Used by the suite's scheduler
 * (schedule.c) and by live fuzzing (fuzzcrash.c), each through its own sides.
 *
 * The rule: the target is brought back (restarted under --exec and for the
 * built-in server, waited for up to --timeout under --target); then each
 * suspect (what was in flight when it died) is sent again, alone. A culprit
 * is CONFIRMED only when the target dies again on its input alone. When the
 * target does not come back, or survives every replay, nobody is confirmed:
 * the death is the run's finding (target_died), naming the suspects, and no
 * suspect FAILs for it. */
#ifndef SOCKS4KIT_DEATH_H
#define SOCKS4KIT_DEATH_H

#include <stddef.h>

struct death_sides {
	size_t n; /* suspects, in the order they are sent again */
	void *arg;
	/* Brings the target back: 1 when it serves again, 0 (why set) when not. */
	int (*bring_back)(void *arg, char *why, size_t whylen);
	/* Sends suspect k again, alone, to the target brought back: 1 when the
	 * target died again (how says how), 0 when it survived. */
	int (*replay)(void *arg, size_t k, char *how, size_t howlen);
	/* Suspect k is the confirmed culprit; how: how the target died again. */
	void (*confirmed)(void *arg, size_t k, const char *how);
	/* Suspect k cannot be sent again (the target is gone); why says so. */
	void (*not_judged)(void *arg, size_t k, const char *why);
	/* No culprit confirmed: why is "not confirmed: ...". */
	void (*unconfirmed)(void *arg, const char *why);
};

/* Applies the rule. Returns 1 when the target serves at the end, 0 when it
 * is gone. */
int death_resolve(const struct death_sides *d);

#endif
