/* SPDX-License-Identifier: MIT */
/* client-cases/robust.c - the proxy goes away at the worst moments: before
 * any reply, in the middle of one, with a reset right after the request. The
 * client must fail cleanly: a non-zero exit, no data, no hang, no crash. */
#include "client/clientmode.h"

static enum verdict ends_badly(struct ctx *c, enum px_action action, size_t reply_bytes)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	e.s.action = action;
	e.s.reply_len = reply_bytes; /* the first bytes of a 90 */
	ex_run(c, &e);
	return ex_expect_failure(c, &e);
}

/* S4-CONNECT-4: "A reply packet is sent to the client when ... the request is
 * rejected or the operation fails": a close without one is a failure too. */
static enum verdict close_before_reply(struct ctx *c)
{
	return ends_badly(c, PX_CLOSE, 0);
}

/* S4-REPLY-1: the proxy closes after 4 of the 8 reply bytes ("00 5a 00 00"). */
static enum verdict close_mid_reply(struct ctx *c)
{
	return ends_badly(c, PX_CLOSE, 4);
}

/* S4-CONNECT-4: a reset right after the request. */
static enum verdict reset_after_request(struct ctx *c)
{
	return ends_badly(c, PX_RESET, 0);
}

static const struct s4case cases[] = {
        {"robust/close-before-reply", "S4-CONNECT-4", LEVEL_MUST,
         "a close instead of a reply makes the client fail", EXPECT_FAILS, CNEED_CONNECT, 0,
         close_before_reply},
        {"robust/close-mid-reply", "S4-REPLY-1", LEVEL_MUST,
         "a close after half a reply makes the client fail", EXPECT_FAILS, CNEED_CONNECT, 0,
         close_mid_reply},
        {"robust/reset-after-request", "S4-CONNECT-4", LEVEL_MUST,
         "a reset after the request makes the client fail", EXPECT_FAILS, CNEED_CONNECT, 0,
         reset_after_request},
};

const struct case_table client_cases_robust = {cases, sizeof(cases) / sizeof(cases[0])};
