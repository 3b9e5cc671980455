/* SPDX-License-Identifier: MIT */
/* client-cases/reply.c - what the client does with the proxy's reply: data in
 * the same segment as the 90, a reply in eight writes, fields it must ignore,
 * each refusal code, a code that is none of them, VN=4, a reply cut short,
 * and no reply at all. */
#include <stdio.h>

#include "client/clientmode.h"

/* A CONNECT answered with this reply and, for a refusal, the destination's
 * bytes behind it (a client that ignores the code would relay them). */
static void answered(struct ctx *c, struct exchange *e, uint8_t vn, uint8_t cd, uint16_t port,
                     uint32_t ip)
{
	ex_init(c, e, HOST_LITERAL);
	ex_reply(e, vn, cd, port, ip);
	if (cd != S4_REP_GRANTED)
		e->s.action = PX_REFUSE;
	ex_run(c, e);
}

/* S4-REPLY-1, S4-CONNECT-6 (B7, B19): the reply is 8 octets and what follows
 * is the destination's. The proxy writes the 90 and the destination's first
 * bytes in one write, so they arrive in one segment; a client that reads
 * more than 8 bytes for the reply must keep the rest. */
static enum verdict data_same_segment(struct ctx *c)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	e.s.flow = PX_SERVER_FIRST;
	ex_run(c, &e);
	return ex_expect_success(c, &e);
}

/* S4-REPLY-1 (B18): a reply is 8 octets however TCP cuts them; here one per
 * write, 100 ms apart (a client that takes one read for the reply gets 1 byte). */
static enum verdict split(struct ctx *c)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	e.s.reply_gap_ms = 100;
	ex_run(c, &e);
	return ex_expect_success(c, &e);
}

/* S4-REPLY-8: "The remaining fields are ignored." (B10: clients that read
 * them at the wrong offsets or compare them with the request). */
static enum verdict fields_ignored(struct ctx *c)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	ex_reply(&e, S4_VN_REPLY, S4_REP_GRANTED, 0xdead, 0xcb00714du); /* 203.0.113.77 */
	ex_run(c, &e);
	return ex_expect_success(c, &e);
}

/* S4-REPLY-5: "91: request rejected or failed"; S4-CONNECT-5: the server
 * closes. The client must fail, relay nothing, and not hang. */
static enum verdict rejected_91(struct ctx *c)
{
	struct exchange e;
	answered(c, &e, S4_VN_REPLY, S4_REP_REJECTED, 0, 0);
	return ex_expect_failure(c, &e);
}

/* S4-REPLY-6: "92: request rejected becasue SOCKS server cannot connect to
 * identd on the client" */
static enum verdict rejected_92(struct ctx *c)
{
	struct exchange e;
	answered(c, &e, S4_VN_REPLY, S4_REP_NO_IDENTD, 0, 0);
	return ex_expect_failure(c, &e);
}

/* S4-REPLY-7: "93: request rejected because the client program and identd
 * report different user-ids" */
static enum verdict rejected_93(struct ctx *c)
{
	struct exchange e;
	answered(c, &e, S4_VN_REPLY, S4_REP_IDENT_MISMATCH, 0, 0);
	return ex_expect_failure(c, &e);
}

/* S4-REPLY-3: "CD is the result code with one of the following values";
 * S4-REPLY-4: only 90 grants. CD=0 is SOCKS5's "succeeded": a client that
 * mixes the two up, or checks only for 91-93, takes it as a grant. */
static enum verdict cd_unknown(struct ctx *c)
{
	struct exchange e;
	answered(c, &e, S4_VN_REPLY, 0, 0, 0);
	return ex_expect_failure(c, &e);
}

/* S4-REPLY-2: "VN is the version of the reply code and should be 0." Servers
 * send 4 (B1); a client may tolerate it or refuse it, but cleanly. */
static enum verdict vn_4(struct ctx *c)
{
	struct exchange e;
	char ending[96], first[200];
	answered(c, &e, S4_VN_REQUEST, S4_REP_GRANTED, 0, 0);
	if (!ex_got_request(c, &e))
		return V_FAIL;
	if (e.cl.timed_out || e.cl.signaled || !e.cl.started)
		return fail(c, "%s", ex_ending(&e, ending, sizeof(ending)));
	if (ex_reports_success(c, &e)) {
		if (ex_expect_success(c, &e) != V_PASS)
			return V_FAIL;
		return pass(c, "tolerated: X and Y intact, %s",
		            ex_ending(&e, ending, sizeof(ending)));
	}
	if (ex_expect_failure(c, &e) != V_PASS)
		return V_FAIL;
	if (ex_by_stdout(c))
		return pass(c, "refused: none of the destination's bytes on stdout, %s",
		            ex_ending(&e, ending, sizeof(ending)));
	return pass(c, "refused: %s; says: %s", ex_ending(&e, ending, sizeof(ending)),
	            client_first_line(&e.cl, first, sizeof(first)));
}

/* S4-REPLY-1: "A reply is exactly 8 octets": 7 and a close is no reply. */
static enum verdict short_close(struct ctx *c)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	e.s.action = PX_CLOSE;
	e.s.reply_len = S4_REPLY_LEN - 1;
	ex_run(c, &e);
	return ex_expect_failure(c, &e);
}

/* B13 (encode/httpcore PR#1055, SSH.NET PR#1342: clients that wait forever):
 * no reply at all. How long the client waits is its choice: reported. */
static enum verdict none(struct ctx *c)
{
	struct exchange e;
	char ending[96], first[200];
	ex_init(c, &e, HOST_LITERAL);
	e.s.action = PX_SILENT;
	ex_run(c, &e);
	if (!ex_got_request(c, &e))
		return V_FAIL;
	if (e.cl.timed_out)
		return pass(c, "still waiting after %.1f s: no limit of its own within that",
		            (double)e.cl.ms / 1000.0);
	if (!e.cl.started || e.cl.signaled)
		return fail(c, "%s", ex_ending(&e, ending, sizeof(ending)));
	if (e.cl.status == 0 && !ex_by_stdout(c))
		return fail(c, "exit 0 after %lld ms without any reply", (long long)e.cl.ms);
	if (ex_reports_success(c, &e))
		return fail(c, "the destination's bytes on stdout without any reply (%s)",
		            ex_ending(&e, ending, sizeof(ending)));
	return pass(c, "gave up: %s; says: %s", ex_ending(&e, ending, sizeof(ending)),
	            e.cl.err_len ? client_first_line(&e.cl, first, sizeof(first))
	                         : "(nothing on stderr)");
}

static const struct s4case cases[] = {
        {"reply/data-same-segment", "S4-REPLY-1 S4-CONNECT-6", LEVEL_MUST,
         "bytes in the reply's segment are the destination's", EXPECT_WORKS, CNEED_CONNECT, 0,
         data_same_segment},
        {"reply/split", "S4-REPLY-1", LEVEL_MUST, "a reply in eight writes is one reply",
         EXPECT_WORKS, CNEED_CONNECT, 0, split},
        {"reply/fields-ignored", "S4-REPLY-8", LEVEL_MUST, "a 90's DSTPORT and DSTIP are ignored",
         EXPECT_WORKS, CNEED_CONNECT, 0, fields_ignored},
        {"reply/91", "S4-REPLY-5 S4-CONNECT-5", LEVEL_MUST, "91 makes the client fail",
         EXPECT_FAILS, CNEED_CONNECT, 0, rejected_91},
        {"reply/92", "S4-REPLY-6", LEVEL_MUST, "92 makes the client fail", EXPECT_FAILS,
         CNEED_CONNECT, 0, rejected_92},
        {"reply/93", "S4-REPLY-7", LEVEL_MUST, "93 makes the client fail", EXPECT_FAILS,
         CNEED_CONNECT, 0, rejected_93},
        {"reply/cd-unknown", "S4-REPLY-3 S4-REPLY-4", LEVEL_MUST,
         "a code that is not 90 (here 0) is no grant", EXPECT_FAILS, CNEED_CONNECT, 0, cd_unknown},
        {"reply/vn-4", "S4-REPLY-2", LEVEL_INFO, "a 90 with VN=4: tolerated or refused",
         "the exchange works, or a clean failure (never a hang, a crash or half the data)",
         CNEED_CONNECT, 0, vn_4},
        {"reply/short-close", "S4-REPLY-1", LEVEL_MUST,
         "7 reply bytes and a close make the client fail", EXPECT_FAILS, CNEED_CONNECT, 0,
         short_close},
        {"reply/none", "S4-REPLY-1", LEVEL_INFO, "no reply at all: how long the client waits",
         "the client gives up by itself (or is still waiting at the runner's limit); never "
         "exit 0",
         CNEED_CONNECT, F_SLOW, none},
};

const struct case_table client_cases_reply = {cases, sizeof(cases) / sizeof(cases[0])};
