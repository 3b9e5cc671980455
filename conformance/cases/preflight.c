/* cases/preflight.c - is there a SOCKS4 server at all? Runs first and alone;
 * when it fails, every other case is skipped with its reason instead of
 * failing one by one. */
#include <stdio.h>
#include <string.h>

#include "suite.h"

/* S4-REPLY-1, S4-REPLY-2: a SOCKS4 request gets an 8-octet reply,
 * "VN is the version of the reply code and should be 0." */
static enum verdict socks4_server(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t n = req_connect_echo(c, req, sizeof(req));
	struct got g;
	char what[128];

	int fd = t_connect(c);
	if (fd < 0)
		return target_down(c);
	if (t_send(c, fd, req, n) < 0)
		return V_FAIL;
	t_read_reply(c, fd, case_timeout_ms(c), &g);
	got_str(&g, what, sizeof(what));
	/* A reply with VN 4 is a SOCKS4 server with a known bug (the reply/vn
	 * cases report it); anything 8 bytes long with a SOCKS4 code is one. */
	if ((g.kind == GOT_REPLY || (g.kind == GOT_BAD_VN && g.rep.vn == S4_VN_REQUEST)) &&
	    g.rep.cd >= S4_REP_GRANTED && g.rep.cd <= S4_REP_IDENT_MISMATCH)
		return pass(c, "a SOCKS4 reply: %s", what);

	/* Not a SOCKS4 reply: does it speak SOCKS5? */
	uint8_t answer[8];
	size_t got = 0;
	int socks5 = t_socks5_greeting(c, answer, &got) == 1 && got > 0 && answer[0] == 0x05;
	char why[256];
	if (socks5)
		snprintf(why, sizeof(why),
		         "it answers SOCKS5 (a SOCKS5 greeting got 05 %02x) and a SOCKS4 CONNECT "
		         "got %s",
		         got > 1 ? answer[1] : 0, what);
	else
		snprintf(why, sizeof(why), "a SOCKS4 CONNECT got %s", what);
	mark_not_socks4(c, why);
	return fail(c, "not a SOCKS4 server: %s", why);
}

static const struct s4case cases[] = {
        {"preflight/socks4-server", "S4-REPLY-1 S4-REPLY-2", LEVEL_MUST,
         "the target answers a SOCKS4 CONNECT with a SOCKS4 reply",
         "an 8-byte reply with a code of 90-93", 0, 0, socks4_server},
        /* S4-ROBUST-4, S4A-9: what the target can do is found by asking it
         * (a SOCKS4a CONNECT, a BIND, whether a second client is served while a
         * first is open); no such request may kill it. */
        {"preflight/capabilities", "S4-ROBUST-4 S4A-9", LEVEL_MUST,
         "the target survives the capability probes (SOCKS4a, BIND, two clients)",
         "each probe answered or refused; the target still serves after each", 0, 0,
         runner_detect},
};

const struct case_table cases_preflight = {cases, sizeof(cases) / sizeof(cases[0])};
