/* SPDX-License-Identifier: MIT */
/* client-cases/preflight.c - does the client speak to the proxy at all? When
 * it never sends a complete SOCKS4 request (a wrong TEMPLATE, a SOCKS5-only
 * client, a client that cannot start), every other case would fail for that
 * one reason: they are skipped with it instead. */
#include <stdio.h>

#include "client/clientmode.h"

/* S4-REQ-1: "The request is an 8-octet header (VN, CD, DSTPORT, DSTIP), then
 * USERID (0..n octets), then one NULL octet." */
static enum verdict client_request(struct ctx *c)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	ex_run(c, &e);
	if (!ex_got_request(c, &e))
		return V_FAIL;
	return pass(c, "a %s request of %d bytes", s4_cmd_str(e.rec.r.cd), e.rec.parse_rc);
}

static const struct s4case cases[] = {
        {"preflight/client", "S4-REQ-1", LEVEL_MUST,
         "the client connects to the proxy and sends a complete SOCKS4 request",
         "a request lib/socks4 parses (header, USERID, NUL)", 0, 0, client_request},
};

const struct case_table client_cases_preflight = {cases, sizeof(cases) / sizeof(cases[0])};
