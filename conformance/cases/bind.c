/* SPDX-License-Identifier: MIT */
/* cases/bind.c - the BIND command: the first reply's address, the inbound
 * connection, the DSTIP check, the second reply, the relay, the timer.
 * Peers connect from dest-addr (a match) or from --alt-source, e.g.
 * 127.0.0.2 on loopback (a mismatch). */
#include <stdio.h>
#include <string.h>

#include "core/suite.h"

/* A BIND expecting the inbound connection from `expect_ip`. On a 90 first
 * reply, *ip and *port are where to connect (0.0.0.0 replaced by the
 * target's address, S4-BIND-6). Returns the fd or -1 (Actual set). */
static int bind_first(struct ctx *c, uint32_t expect_ip, uint32_t *ip, uint16_t *port)
{
	uint8_t req[S4_REQUEST_MAX];
	const char *u = default_user(c);
	size_t n = req_build(req, sizeof(req), S4_CMD_BIND, echo_port(c), expect_ip, u, strlen(u),
	                     NULL, 0);
	struct got g;
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return -1;
	if (expect_grant(c, fd, &g) != V_PASS)
		return -1;
	*port = g.rep.dstport;
	*ip = g.rep.dstip;
	if (*ip == 0) {
		/* "the client should replace it by the IP address of the SOCKS
		 * server to which the cleint is connected" */
		*ip = target_ip(c);
		note(c, "first reply names 0.0.0.0: using the target's address");
	}
	return fd;
}

/* A BIND expecting dest-addr, and a peer connecting from `source` to the
 * first reply's address. Returns the client's fd with *peer set, or -1
 * (Actual set). *ip and *port (when not NULL) get the first reply's address. */
static int bind_with_peer(struct ctx *c, uint32_t source, int *peer, uint32_t *ip, uint16_t *port)
{
	uint32_t a;
	uint16_t p;
	int fd = bind_first(c, dest_ip(c), &a, &p);
	if (fd < 0)
		return -1;
	*peer = d_connect_from(c, source, a, p);
	if (*peer < 0) {
		fail(c, "cannot connect to the first reply's address");
		return -1;
	}
	if (ip != NULL)
		*ip = a;
	if (port != NULL)
		*port = p;
	return fd;
}

/* S4-BIND-5: "the DSTPORT and DSTIP fields are meaningful ... the port number
 * and the IP address of that socket"; S4-BIND-7: it must be listening. */
static enum verdict address_reachable(struct ctx *c)
{
	uint32_t ip;
	uint16_t port;
	int fd = bind_first(c, dest_ip(c), &ip, &port);
	if (fd < 0)
		return V_FAIL;
	expect(c, "a connection to the first reply's address and port is accepted");
	if (d_connect_from(c, dest_ip(c), ip, port) < 0)
		return fail(c, "cannot connect to %u.%u.%u.%u:%u from the first reply", ip >> 24,
		            (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, port);
	return pass(c, "%u.%u.%u.%u:%u accepts", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
	            ip & 255, port);
}

/* S4-BIND-8, S4-BIND-9, S4-BIND-11: the inbound connection from DSTIP gets a
 * second reply, 90. */
static enum verdict match(struct ctx *c)
{
	struct got g;
	int peer, fd = bind_with_peer(c, dest_ip(c), &peer, NULL, NULL);
	if (fd < 0)
		return V_FAIL;
	expect(c, "second reply 90 once the peer from DSTIP connects");
	return expect_grant(c, fd, &g) == V_PASS ? pass(c, "second reply 90") : V_FAIL;
}

/* S4-BIND-12: after the second 90, I/O "as if it were directly connected". */
static enum verdict relay(struct ctx *c)
{
	struct got g;
	uint8_t buf[16];
	int peer, fd = bind_with_peer(c, dest_ip(c), &peer, NULL, NULL);
	if (fd < 0)
		return V_FAIL;
	if (expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	expect(c, "bytes cross both ways between the client and the inbound peer");
	if (t_send(c, peer, "from-peer", 9) < 0 ||
	    t_read_exact(c, fd, buf, 9, case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(buf, "from-peer", 9) != 0)
		return fail(c, "the client got other bytes");
	if (t_send(c, fd, "to-peer", 7) < 0 ||
	    t_read_exact(c, peer, buf, 7, case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(buf, "to-peer", 7) != 0)
		return fail(c, "the peer got other bytes");
	return pass(c, "relayed both ways");
}

/* S4-BIND-9, S4-BIND-10: "If a mismatch is found, the CD field in the second
 * reply is set to 91" (B11: metasploit and SHORTENED_RBIND skip the check). */
static enum verdict mismatch(struct ctx *c)
{
	int peer, fd = bind_with_peer(c, alt_source(c), &peer, NULL, NULL);
	if (fd < 0)
		return V_FAIL;
	expect(c, "second reply 91 when the peer comes from another address");
	return expect_code(c, fd, only_91, 1);
}

/* S4-BIND-10: "... and the SOCKS server closes both connections." */
static enum verdict mismatch_close(struct ctx *c)
{
	int peer, fd = bind_with_peer(c, alt_source(c), &peer, NULL, NULL);
	if (fd < 0)
		return V_FAIL;
	expect(c, "91, then both the client's and the peer's connections closed");
	if (expect_code_close(c, fd, only_91, 1) != V_PASS)
		return V_FAIL;
	if (!t_expect_close(c, peer, case_timeout_ms(c)))
		return fail(c, "the client's connection closed, the inbound peer's did not");
	return pass(c, "91; both connections closed");
}

/* S4-BIND-15 (DER): the listening socket accepts one connection. */
static enum verdict one_accept(struct ctx *c)
{
	uint32_t ip;
	uint16_t port;
	struct got g;
	uint8_t buf[8];
	int peer, fd = bind_with_peer(c, dest_ip(c), &peer, &ip, &port);
	if (fd < 0 || expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	expect(c, "a second inbound connection is refused, or accepted and never relayed");
	int second = d_connect_from(c, dest_ip(c), ip, port);
	if (second < 0)
		return pass(c, "a second inbound connection is refused");
	/* Accepted (perhaps by a backlog): it must not reach the client. */
	if (t_send(c, second, "intruder", 8) < 0)
		return pass(c, "the second connection was dropped");
	size_t n;
	if (t_read_any(c, fd, buf, sizeof(buf), 500, &n) && n > 0)
		return fail(c, "bytes from a second inbound connection reached the client");
	return pass(c, "the second connection's bytes went nowhere");
}

/* S4-BIND-16 (DER): "Until the second reply, the client connection carries
 * no data in either direction." The peer speaks at once; its bytes must
 * come after the second reply. */
static enum verdict second_reply_first(struct ctx *c)
{
	struct got g;
	uint8_t buf[8];
	int peer, fd = bind_with_peer(c, dest_ip(c), &peer, NULL, NULL);
	if (fd < 0 || t_send(c, peer, "HELLO", 5) < 0)
		return V_FAIL;
	expect(c, "the second reply (90), then the peer's bytes");
	if (expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	if (t_read_exact(c, fd, buf, 5, case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(buf, "HELLO", 5) != 0)
		return fail(c, "after the second reply: other bytes than the peer's");
	return pass(c, "second reply first, then the peer's bytes");
}

/* S4-BIND-13 (DER): the second reply's fields are unspecified; the CSTC sockd
 * sends the peer's address and port. Reported. */
static enum verdict second_reply_fields(struct ctx *c)
{
	struct got g;
	int peer, fd = bind_with_peer(c, dest_ip(c), &peer, NULL, NULL);
	if (fd < 0 || expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	int is_peer = g.rep.dstip == dest_ip(c) && g.rep.dstport == local_port(peer);
	return info(c, "second reply carries %u.%u.%u.%u:%u (%s)", g.rep.dstip >> 24,
	            (g.rep.dstip >> 16) & 255, (g.rep.dstip >> 8) & 255, g.rep.dstip & 255,
	            g.rep.dstport,
	            is_peer ? "the peer's address, as the CSTC sockd" : "not the peer's");
}

/* S4-TIMER-1, S4-TIMER-2: no inbound connection within the time limit: the
 * server "closes its connection to the client and gives up" (91 first is
 * also fine). Waits --timer-wait for it. */
static enum verdict timer(struct ctx *c)
{
	uint32_t ip;
	uint16_t port;
	struct got g;
	char what[128];
	int fd = bind_first(c, dest_ip(c), &ip, &port);
	if (fd < 0)
		return V_FAIL;
	expect(c, "close, or 91 then close, within %d ms", timer_wait_ms(c));
	t_read_reply(c, fd, timer_wait_ms(c), &g);
	if (g.kind == GOT_EOF || g.kind == GOT_RESET)
		return pass(c, "closed at %lld ms", (long long)g.at_ms);
	if (g.kind == GOT_REPLY && g.rep.cd == S4_REP_REJECTED)
		return t_expect_close(c, fd, case_timeout_ms(c)) ? pass(c, "91 then close")
		                                                 : V_FAIL;
	return fail(c, "%s", got_str(&g, what, sizeof(what)));
}

/* S4A-3, S4A-11: 4a names work for BIND too, and the check compares the
 * peer with the name's resolved address (here an IP literal: dest-addr). */
static enum verdict bind_4a(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	char name[16];
	uint32_t d = dest_ip(c);
	struct got g;
	snprintf(name, sizeof(name), "%u.%u.%u.%u", d >> 24, (d >> 16) & 255, (d >> 8) & 255,
	         d & 255);
	const char *u = default_user(c);
	size_t n = req_build(req, sizeof(req), S4_CMD_BIND, echo_port(c), 1, u, strlen(u), name,
	                     strlen(name));
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0 || expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	uint32_t ip = g.rep.dstip != 0 ? g.rep.dstip : target_ip(c);
	if (d_connect_from(c, d, ip, g.rep.dstport) < 0)
		return fail(c, "cannot connect to the first reply's address");
	expect(c, "second reply 90: the peer's address is the name's address");
	return expect_grant(c, fd, &g) == V_PASS ? pass(c, "second reply 90") : V_FAIL;
}

/* S4-BIND-3: "The SOCKS server uses the client information to decide whether
 * the request is to be granted"; S4-BIND-4: the reply "has the same format as
 * the reply for CONNECT request": a server that does not do BIND refuses it
 * with a reply, 91, and closes (S4-CONNECT-4/5) - not a silent close, not a
 * short answer. */
static enum verdict unsupported(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	const char *u = default_user(c);
	size_t n = req_build(req, sizeof(req), S4_CMD_BIND, echo_port(c), dest_ip(c), u, strlen(u),
	                     NULL, 0);
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return V_FAIL;
	return expect_code_close(c, fd, only_91, 1);
}

static const struct s4case cases[] = {
        {"bind/address-reachable", "S4-BIND-5 S4-BIND-6 S4-BIND-7", LEVEL_MUST,
         "the first reply's address and port accept a connection", NULL, NEED_BIND, 0,
         address_reachable},
        {"bind/match", "S4-BIND-8 S4-BIND-9 S4-BIND-11", LEVEL_MUST,
         "an inbound connection from DSTIP gets a second 90", NULL, NEED_BIND, 0, match},
        {"bind/relay", "S4-BIND-11 S4-BIND-12", LEVEL_MUST,
         "after the second 90, bytes cross both ways", NULL, NEED_BIND, 0, relay},
        {"bind/mismatch", "S4-BIND-9 S4-BIND-10", LEVEL_MUST,
         "an inbound connection from another address gets a second 91", NULL,
         NEED_BIND | NEED_ALT_SOURCE, 0, mismatch},
        {"bind/mismatch/close", "S4-BIND-10", LEVEL_MUST,
         "after a mismatch both connections are closed", NULL, NEED_BIND | NEED_ALT_SOURCE, 0,
         mismatch_close},
        {"bind/one-accept", "S4-BIND-15", LEVEL_SHOULD,
         "the BIND socket takes one inbound connection only", NULL, NEED_BIND, 0, one_accept},
        {"bind/second-reply-first", "S4-BIND-16 S4-BIND-8", LEVEL_MUST,
         "the peer's early bytes come after the second reply", NULL, NEED_BIND, 0,
         second_reply_first},
        {"bind/second-reply-fields", "S4-BIND-13", LEVEL_INFO,
         "what address the second reply carries", "a 90; its fields are the target's choice",
         NEED_BIND, 0, second_reply_fields},
        {"bind/timer", "S4-TIMER-1 S4-TIMER-2", LEVEL_MUST,
         "with no inbound connection the target gives up within its time limit", NULL,
         NEED_BIND | NEED_TIMER, F_SLOW, timer},
        {"bind/4a", "S4A-3 S4A-11", LEVEL_SHOULD,
         "a SOCKS4a BIND checks the peer against the name's address", NULL, NEED_BIND | NEED_4A, 0,
         bind_4a},
        {"bind/unsupported", "S4-BIND-3 S4-BIND-4 S4-CONNECT-5", LEVEL_MUST,
         "a server without BIND answers a BIND with 91 and closes",
         "91 (VN=0, 8 bytes), then close; not a silent close", NEED_NO_BIND, 0, unsupported},
};

const struct case_table cases_bind = {cases, sizeof(cases) / sizeof(cases[0])};
