/* SPDX-License-Identifier: MIT */
/* confirm.h - client mode: a FAIL that rests on the client's deadline is
 * judged again, once every other case is done.
 *
 * A client killed at --client-timeout may be hung, or only slow: a loaded
 * machine, -j clients starting at once, an interpreter's start. Only the
 * first is a defect. Such a FAIL is held (not reported) until every other
 * case has finished; then the case runs once more with twice the time,
 * beside the other held cases only (at most 16 at once; a hung client takes
 * no CPU from them). Its verdict is that run's, and the result says what
 * the first run saw. A client that is hung stays hung: the FAIL is then
 * confirmed - unless another client of that round finished in time, whose
 * start it may have waited on (a lock, a loaded machine): the killed ones
 * then run again, a round at a time, until a round ends with every client
 * killed or with none (each round settles at least one case). */
#ifndef SOCKS4KIT_CLIENT_CONFIRM_H
#define SOCKS4KIT_CLIENT_CONFIRM_H

#include <stddef.h>

#include "core/suite.h"

struct runner;

/* The client's time limit in this run of a case: --client-timeout, times
 * two in a confirming run. */
int confirm_client_ms(const struct runner *r);

/* Whether case i, judged v, waits for a confirming run (caller holds r->mu). */
int confirm_wanted(const struct runner *r, size_t i, enum verdict v);

/* Runs every held case again through judge(), which runs the case's body
 * and returns its verdict; then posts each. Called by the last worker out,
 * when no other case is in flight. */
void confirm_held(struct runner *r, enum verdict (*judge)(struct runner *, size_t));

#endif
