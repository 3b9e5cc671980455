/* SPDX-License-Identifier: MIT */
/* cases/preflight.c - is there a SOCKS4 server at all? Runs first and alone;
 * when it fails, every other case is skipped with its reason instead of
 * failing one by one. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/suite.h"
#include "net.h"

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
	if (got_socks4_code(&g) &&
	    g.rep.cd >= S4_REP_GRANTED && g.rep.cd <= S4_REP_IDENT_MISMATCH)
		return pass(c, "a SOCKS4 reply: %s", what);

	/* Nothing at all: a SOCKS4 server whose grant never comes (it cannot
	 * reach the destination in time) answers a request it needs no network
	 * for: an unknown command (03, SOCKS5's UDP ASSOCIATE) gets 91 at once.
	 * preflight/destination then reports the destination. */
	if (g.kind == GOT_TIMEOUT && g.n == 0) {
		uint8_t bad[S4_REQUEST_MAX];
		const char *u = default_user(c);
		size_t k = req_build(bad, sizeof(bad), 3, echo_port(c), dest_ip(c), u, strlen(u),
		                     NULL, 0);
		struct got g3;
		char what3[128];
		int fd3 = t_connect(c);
		if (fd3 >= 0 && t_send(c, fd3, bad, k) == 0) {
			t_read_reply(c, fd3, case_timeout_ms(c), &g3);
			if (got_socks4_code(&g3) &&
			    g3.rep.cd >= S4_REP_REJECTED && g3.rep.cd <= S4_REP_IDENT_MISMATCH)
				return pass(c,
				            "a SOCKS4 reply to an unknown command: %s (the CONNECT got "
				            "%s: see preflight/destination)",
				            got_str(&g3, what3, sizeof(what3)), what);
		}
	}

	/* Not a SOCKS4 reply: does it speak SOCKS5? */
	uint8_t answer[8];
	size_t got = 0;
	int greeted = t_socks5_greeting(c, answer, &got);
	if (greeted < 0)
		/* It no longer takes a connection: a target going away (one that
		 * exits on a timer of its own), not one that answers as something
		 * else. Not marked: the scheduler asks whether it survived, and a
		 * death is judged by the rule of death.h. */
		return fail(c, "the target stopped taking connections during the preflight (a "
		            "SOCKS4 CONNECT got %s; then: %.200s)", what, c_actual(c));
	int socks5 = greeted == 1 && got > 0 && answer[0] == 0x05;
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

/* A listener on dest-addr whose port has equal bytes (0xC1C1 ...): -1 when
 * none is free. */
static int symmetric_listener(struct ctx *c, uint16_t *port)
{
	char ip[16], err[160];
	struct in_addr a = {.s_addr = htonl(dest_ip(c))};
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	for (unsigned b = 0xC1; b <= 0xFE; b++) {
		int fd;
		uint16_t got;
		if (net_listen(ip, (uint16_t)(b << 8 | b), 8, &fd, &got, err, sizeof(err)) == 0) {
			*port = got;
			return fd;
		}
	}
	return -1;
}

/* S4-CONNECT-2: "If the request is granted, the SOCKS server makes a
 * connection to the specified port of the destination host."
 * Every case that needs a grant sends the target to the runner's
 * destinations (on --dest-addr). A target that will not connect there (its
 * policy refuses private addresses, as Tor's does; its network cannot reach
 * the address; the grant never comes) can be tested for none of them: that is
 * one fact about its surroundings, reported here once, and those cases SKIP
 * with it. */
static enum verdict destination(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t n = req_connect_echo(c, req, sizeof(req));
	struct got g;
	char what[128], where[64], why[384];
	struct in_addr a = {.s_addr = htonl(dest_ip(c))};
	char ip[16];
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(where, sizeof(where), "%s:%u", ip, echo_port(c));

	int fd = t_connect(c);
	if (fd < 0)
		return target_down(c);
	if (t_send(c, fd, req, n) < 0)
		return V_FAIL;
	t_read_reply(c, fd, case_timeout_ms(c), &g);
	got_str(&g, what, sizeof(what));
	int socks4 = got_socks4_code(&g);
	if (socks4 && g.rep.cd == S4_REP_GRANTED)
		return pass(c, "%s: the target reaches %s", what, where);
	if (socks4 && g.rep.cd == S4_REP_REJECTED) {
		/* A defect can refuse too: a DSTPORT read in the wrong byte order
		 * sends the target to another port. A port that reads the same both
		 * ways tells the two apart. */
		uint16_t sym = 0;
		int granted = 0;
		int l = symmetric_listener(c, &sym);
		if (l >= 0) {
			uint8_t req2[S4_REQUEST_MAX];
			const char *u = default_user(c);
			size_t n2 = req_build(req2, sizeof(req2), S4_CMD_CONNECT, sym, dest_ip(c), u,
			                      strlen(u), NULL, 0);
			int fd2 = t_connect(c);
			struct got g2;
			if (fd2 >= 0 && t_send(c, fd2, req2, n2) == 0) {
				t_read_reply(c, fd2, case_timeout_ms(c), &g2);
				granted = got_socks4_code(&g2) &&
				          g2.rep.cd == S4_REP_GRANTED;
			}
			close(l);
		}
		if (granted)
			return pass(c,
			            "90 for port %u on the same address (the same in both byte "
			            "orders); %s got %s: the port's byte order, which "
			            "connect/dstport/byte-order judges",
			            sym, where, what);
		snprintf(why, sizeof(why),
		         "the target refuses CONNECTs to %s, which is listening (%s): its policy "
		         "or its network; give --dest-addr an address it may reach",
		         where, what);
		mark_unreachable(c, why, 0);
		return fail(c, "%s", why);
	}
	if (socks4 && g.rep.cd != S4_REP_GRANTED)
		return pass(c, "%s got %s: about identd, not the destination (the ident/ cases "
		               "judge it)",
		            where, what);
	if (g.kind == GOT_TIMEOUT && g.n == 0) {
		snprintf(why, sizeof(why),
		         "the target did not answer a CONNECT to %s, which is listening, within %d "
		         "ms: it cannot reach it in time (its network, or a filter that drops); "
		         "give --dest-addr an address it may reach, or a longer --timeout",
		         where, case_timeout_ms(c));
		mark_unreachable(c, why, 1);
		return fail(c, "%s", why);
	}
	/* A close or a malformed answer is no fact about the surroundings: the
	 * connect/ and reply/ cases judge it. */
	return skip(c, "not judged here: a CONNECT to %s got %s (connect/granted judges it)",
	            where, what);
}

static const struct s4case cases[] = {
        {"preflight/socks4-server", "S4-REPLY-1 S4-REPLY-2", LEVEL_MUST,
         "the target answers a SOCKS4 CONNECT with a SOCKS4 reply",
         "an 8-byte reply with a code of 90-93", 0, 0, socks4_server},
        {"preflight/destination", "S4-CONNECT-2", LEVEL_MUST,
         "the target grants a CONNECT to the runner's listening destination",
         "90: the target reaches --dest-addr (else every case that needs a grant is skipped)",
         0, 0, destination},
        /* S4-ROBUST-4, S4A-9: what the target can do is found by asking it
         * (a SOCKS4a CONNECT, a BIND, whether a second client is served while a
         * first is open); no such request may kill it. */
        {"preflight/capabilities", "S4-ROBUST-4 S4A-9", LEVEL_MUST,
         "the target survives the capability probes (SOCKS4a, BIND, two clients)",
         "each probe answered or refused; the target still serves after each", 0, 0,
         runner_detect},
};

const struct case_table cases_preflight = {cases, sizeof(cases) / sizeof(cases[0])};
