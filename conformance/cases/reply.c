/* SPDX-License-Identifier: MIT */
/* cases/reply.c - the reply itself: VN=0 and 8 bytes in every kind of reply,
 * and which code each failure gets. The codes of particular situations are
 * judged by their own cases; these judge only the reply's form, so one
 * defect shows up in one place. */
#include <stdio.h>
#include <string.h>

#include "core/suite.h"

/* Reads a reply and judges only its form: 8 bytes with VN=0. */
static enum verdict check_form(struct ctx *c, int fd)
{
	struct got g;
	char what[128];
	t_read_reply(c, fd, case_timeout_ms(c), &g);
	if (g.kind == GOT_REPLY)
		return pass(c, "VN=0, CD=%u, 8 bytes", g.rep.cd);
	return fail(c, "%s", got_str(&g, what, sizeof(what)));
}

static int send_request(struct ctx *c, int cd, uint32_t ip, uint16_t port, const char *user)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t n = req_build(req, sizeof(req), cd, port, ip, user, strlen(user), NULL, 0);
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return -1;
	return fd;
}

/* S4-REPLY-2: "VN is the version of the reply code and should be 0." Clients
 * (curl, reactphp-socks, socksio) reject anything else: a real bug class (B1). */
static enum verdict vn_granted(struct ctx *c)
{
	int fd = send_request(c, S4_CMD_CONNECT, dest_ip(c), echo_port(c), default_user(c));
	return fd < 0 ? V_FAIL : check_form(c, fd);
}

static enum verdict vn_rejected(struct ctx *c)
{
	int fd = send_request(c, S4_CMD_CONNECT, dest_ip(c), d_refused_port(c), default_user(c));
	return fd < 0 ? V_FAIL : check_form(c, fd);
}

static enum verdict vn_denied(struct ctx *c)
{
	int fd = send_denied(c);
	return fd < 0 ? V_FAIL : check_form(c, fd);
}

/* S4-BIND-4: the BIND replies have "the same format as the reply for CONNECT". */
static enum verdict vn_bind(struct ctx *c)
{
	int fd = send_request(c, S4_CMD_BIND, dest_ip(c), echo_port(c), default_user(c));
	if (fd < 0)
		return V_FAIL;
	struct got g;
	char what[128];
	t_read_reply(c, fd, case_timeout_ms(c), &g);
	if (g.kind != GOT_REPLY)
		return fail(c, "first reply: %s", got_str(&g, what, sizeof(what)));
	if (g.rep.cd != S4_REP_GRANTED)
		return fail(c, "first reply %u, so no second reply to look at", g.rep.cd);
	uint32_t ip = g.rep.dstip != 0 ? g.rep.dstip : dest_ip(c); /* S4-BIND-6 */
	int peer = d_connect_from(c, dest_ip(c), ip, g.rep.dstport);
	if (peer < 0)
		return fail(c, "could not connect to the first reply's address");
	t_read_reply(c, fd, case_timeout_ms(c), &g);
	if (g.kind != GOT_REPLY)
		return fail(c, "second reply: %s", got_str(&g, what, sizeof(what)));
	return pass(c, "both replies VN=0, 8 bytes");
}

/* S4-IDENT-8: 92/93 replies have VN=0 (the CSTC sockd sent them with VN=4). */
static enum verdict vn_ident(struct ctx *c, int strict, enum ident_answer kind, const char *arg)
{
	int fd = t_ident_request(c, strict, kind, arg);
	return fd < 0 ? V_FAIL : check_form(c, fd);
}

static enum verdict vn_92(struct ctx *c)
{
	return vn_ident(c, 1, IDENT_ANS_ERROR, "NO-USER");
}

static enum verdict vn_93(struct ctx *c)
{
	return vn_ident(c, 0, IDENT_ANS_USERID, "somebody-else");
}

/* S4-REPLY-3: "CD is the result code with one of the following values"
 * (90-93); B14: which code each failure produced is reported. */
static enum verdict failure_codes(struct ctx *c)
{
	struct {
		const char *what;
		uint32_t ip;
		uint16_t port;
	} tries[] = {
	        {"refused port", dest_ip(c), d_refused_port(c)},
	        {"port 0", dest_ip(c), 0},
	        {"broadcast address", 0xffffffffu, echo_port(c)},
	};
	char out[400] = "";
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		struct got g;
		char what[128];
		int fd = send_request(c, S4_CMD_CONNECT, tries[i].ip, tries[i].port,
		                      default_user(c));
		if (fd < 0)
			return V_FAIL;
		t_read_reply(c, fd, case_timeout_ms(c), &g);
		if (g.kind == GOT_REPLY &&
		    (g.rep.cd < S4_REP_GRANTED || g.rep.cd > S4_REP_IDENT_MISMATCH))
			return fail(c, "%s: code %u is none of 90-93", tries[i].what, g.rep.cd);
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s: %s", i ? "; " : "",
		         tries[i].what, got_str(&g, what, sizeof(what)));
	}
	return info(c, "%s", out);
}

static const struct s4case cases[] = {
        {"reply/vn/granted", "S4-REPLY-2 S4-REPLY-1", LEVEL_MUST,
         "a granted CONNECT's reply has VN=0 and 8 bytes", "VN=0, 8 bytes", NEED_GRANT, 0, vn_granted},
        {"reply/vn/rejected", "S4-REPLY-2 S4-REPLY-1", LEVEL_MUST,
         "a failed CONNECT's reply has VN=0 and 8 bytes", "VN=0, 8 bytes", NEED_REACH, 0, vn_rejected},
        {"reply/vn/denied", "S4-REPLY-2 S4-REPLY-1", LEVEL_MUST,
         "a denied request's reply has VN=0 and 8 bytes", "VN=0, 8 bytes", NEED_DENY, 0, vn_denied},
        {"reply/vn/bind", "S4-REPLY-2 S4-BIND-4", LEVEL_MUST,
         "both BIND replies have VN=0 and 8 bytes", "VN=0, 8 bytes, in both replies", NEED_BIND, 0,
         vn_bind},
        {"reply/vn/92", "S4-REPLY-2 S4-IDENT-8", LEVEL_MUST,
         "a 92 reply (identd unreachable) has VN=0", "VN=0, 8 bytes",
         NEED_IDENTD | NEED_IDENTD_STRICT, 0, vn_92},
        {"reply/vn/93", "S4-REPLY-2 S4-IDENT-8", LEVEL_MUST,
         "a 93 reply (identd user mismatch) has VN=0", "VN=0, 8 bytes", NEED_IDENTD, 0, vn_93},
        {"reply/codes/failures", "S4-REPLY-3 S4-REPLY-5", LEVEL_INFO,
         "which code each kind of failure gets", "codes within 90-93", NEED_REACH, 0, failure_codes},
};

const struct case_table cases_reply = {cases, sizeof(cases) / sizeof(cases[0])};
