/* SPDX-License-Identifier: MIT */
/* death.c - the one rule for a target that died (death.h). */
#include <stdio.h>

#include "engine/death.h"

static void none_judged(const struct death_sides *d, size_t from, const char *why)
{
	for (size_t k = from; k < d->n; k++)
		d->not_judged(d->arg, k, why);
}

int death_resolve(const struct death_sides *d)
{
	char why[256], how[256], text[400];
	if (!d->bring_back(d->arg, why, sizeof(why))) {
		snprintf(text, sizeof(text), "not confirmed: the target did not come back (%s)", why);
		none_judged(d, 0, text);
		d->unconfirmed(d->arg, text);
		return 0;
	}
	int confirmed = 0;
	for (size_t k = 0; k < d->n; k++) {
		if (!d->replay(d->arg, k, how, sizeof(how)))
			continue;
		confirmed++;
		d->confirmed(d->arg, k, how);
		if (!d->bring_back(d->arg, why, sizeof(why))) {
			snprintf(text, sizeof(text),
			         "not judged: the target did not come back after a confirmed death (%s)",
			         why);
			none_judged(d, k + 1, text);
			return 0;
		}
	}
	if (confirmed == 0)
		d->unconfirmed(d->arg, d->n == 1 ? "not confirmed: the target survived when the "
		                                   "suspect was sent again alone"
		                                 : "not confirmed: the target survived when each "
		                                   "suspect was sent again alone");
	return 1;
}
