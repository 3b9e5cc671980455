/* SPDX-License-Identifier: MIT */
/* client-cases/bind.c - a BIND client (--client-bind): its request, the two
 * replies, the first one's address (0.0.0.0 stands for the proxy's), the
 * relay after the second, and a refusal in either reply. The proxy answers
 * both replies itself and then plays the application server that connected;
 * a BIND client must print the address it was given, as "ADDR PORT" or
 * ADDR:PORT on a line of stdout or stderr (socks4-client --bind does). */
#include <stdio.h>

#include "client/clientmode.h"

#define LOOPBACK 0x7f000001u

static void ip_str(uint32_t ip, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* S4-REQ-4: "CD must be 2 to indicate BIND request"; S4-BIND-2: "the IP address
 * of the application server, the destination port used in the primary
 * connection, and the userid" (VN 4, S4-REQ-2). */
static enum verdict request(struct ctx *c)
{
	struct exchange e;
	char ip[16];
	ex_init(c, &e, HOST_LITERAL);
	ex_run(c, &e);
	if (!ex_got_request(c, &e))
		return V_FAIL;
	const struct s4_request *r = &e.rec.r;
	ip_str(r->dstip, ip, sizeof(ip));
	if (r->vn != S4_VN_REQUEST || r->cd != S4_CMD_BIND || r->dstip != LOOPBACK ||
	    r->dstport != e.v.port)
		return fail(c,
		            "VN=%u CD=%u DSTPORT=%u DSTIP=%s; wanted VN=4 CD=2 DSTPORT=%u "
		            "DSTIP=127.0.0.1",
		            r->vn, r->cd, r->dstport, ip, e.v.port);
	return pass(c, "VN=4 CD=2 DSTPORT=%u DSTIP=127.0.0.1", r->dstport);
}

/* Runs a BIND whose first reply names ip:port and checks what the client
 * says it got: want_ip (the proxy's own address for 0.0.0.0). */
static enum verdict announced(struct ctx *c, uint32_t ip, uint32_t want_ip)
{
	struct exchange e;
	char got[16], want[16], ending[96];
	uint32_t aip;
	uint16_t aport;
	ex_init(c, &e, HOST_LITERAL);
	ex_reply(&e, S4_VN_REPLY, S4_REP_GRANTED, e.bind_port, ip);
	ex_reply2(&e, S4_REP_GRANTED, 0x4e21, LOOPBACK);
	ex_run(c, &e);
	if (!ex_got_request(c, &e))
		return V_FAIL;
	ip_str(want_ip, want, sizeof(want));
	if (!ex_announced(&e, &aip, &aport))
		return fail(c, "no \"ADDR PORT\" line on stdout or stderr (%s)",
		            ex_ending(&e, ending, sizeof(ending)));
	ip_str(aip, got, sizeof(got));
	if (aip != want_ip || aport != e.bind_port)
		return fail(c, "the client says %s %u, the proxy listens on %s %u", got, aport,
		            want, e.bind_port);
	return pass(c, "%s %u", got, aport);
}

/* S4-BIND-5: "sends the port number and the IP address of that socket to the
 * client in DSTPORT and DSTIP". */
static enum verdict first_reply_address(struct ctx *c)
{
	return announced(c, 0x7f000009u, 0x7f000009u);
}

/* S4-BIND-6: "If the DSTIP in the reply is 0 ..., then the client should
 * replace it by the IP address of the SOCKS server to which the cleint is
 * connected." (B12) */
static enum verdict first_reply_any(struct ctx *c)
{
	return announced(c, 0, LOOPBACK);
}

/* S4-BIND-8: "The SOCKS server sends a second reply packet ... when the
 * anticipated connection from the application server is established";
 * S4-BIND-11/12: then the client does I/O "as if it were directly connected". */
static enum verdict second_reply(struct ctx *c)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	ex_run(c, &e);
	return ex_expect_success(c, &e);
}

/* S4-BIND-13: the second reply's fields are not specified (the CSTC sockd
 * sends the peer's address and port): whatever they hold, the relay goes on.
 * Here an address that is not the application server's. */
static enum verdict second_reply_fields(struct ctx *c)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	ex_reply2(&e, S4_REP_GRANTED, 0xdead, 0xcb00714du); /* 203.0.113.77 */
	ex_run(c, &e);
	return ex_expect_success(c, &e);
}

/* S4-BIND-8, S4-REPLY-1: both replies and the peer's first bytes in one
 * segment: TCP may coalesce them. */
static enum verdict one_segment(struct ctx *c)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	e.s.reply_cut = 0;
	e.s.flow = PX_SERVER_FIRST;
	ex_run(c, &e);
	return ex_expect_success(c, &e);
}

/* S4-BIND-10: "If a mismatch is found, the CD field in the second reply is set
 * to 91 and the SOCKS server closes both connections." */
static enum verdict second_reply_91(struct ctx *c)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	ex_reply2(&e, S4_REP_REJECTED, 0x4e21, 0x7f000002u);
	e.s.action = PX_REFUSE;
	ex_run(c, &e);
	return ex_expect_failure(c, &e);
}

/* S4-BIND-4: the first reply "has the same format as the reply for CONNECT":
 * a 91 there refuses the BIND. */
static enum verdict first_reply_91(struct ctx *c)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	ex_reply(&e, S4_VN_REPLY, S4_REP_REJECTED, 0, 0);
	e.s.action = PX_REFUSE;
	ex_run(c, &e);
	return ex_expect_failure(c, &e);
}

static const struct s4case cases[] = {
        {"bind/request", "S4-REQ-4 S4-BIND-2", LEVEL_MUST,
         "a BIND request: CD 2, the application server's address and port",
         "VN=4 CD=2 DSTPORT={port} DSTIP=127.0.0.1", NEED_BIND, 0, request},
        {"bind/first-reply-address", "S4-BIND-5", LEVEL_MUST,
         "the client uses the first reply's address",
         "the client says 127.0.0.9 and the reply's port", NEED_BIND, 0, first_reply_address},
        {"bind/first-reply-any", "S4-BIND-6", LEVEL_SHOULD,
         "0.0.0.0 in the first reply stands for the proxy's address",
         "the client says 127.0.0.1 (the proxy's address) and the reply's port", NEED_BIND, 0,
         first_reply_any},
        {"bind/second-reply", "S4-BIND-8 S4-BIND-11 S4-BIND-12", LEVEL_MUST,
         "after the second 90 the client talks to the peer", EXPECT_WORKS, NEED_BIND, 0,
         second_reply},
        {"bind/second-reply-fields", "S4-BIND-13 S4-BIND-11", LEVEL_MUST,
         "the second reply's DSTPORT and DSTIP do not stop the relay", EXPECT_WORKS, NEED_BIND, 0,
         second_reply_fields},
        {"bind/one-segment", "S4-BIND-8 S4-REPLY-1", LEVEL_MUST,
         "both replies and data in one segment", EXPECT_WORKS, NEED_BIND, 0, one_segment},
        {"bind/second-reply-91", "S4-BIND-10", LEVEL_MUST,
         "a 91 as the second reply makes the client fail", EXPECT_FAILS, NEED_BIND, 0,
         second_reply_91},
        {"bind/first-reply-91", "S4-BIND-4", LEVEL_MUST,
         "a 91 as the first reply makes the client fail", EXPECT_FAILS, NEED_BIND, 0,
         first_reply_91},
};

const struct case_table client_cases_bind = {cases, sizeof(cases) / sizeof(cases[0])};
