/* SPDX-License-Identifier: MIT */
/* cases/robust.c - hostile and careless clients: stalls, half requests,
 * floods, garbage, resets. Each case ends by checking that the target still
 * grants a valid CONNECT; the runner also watches for a target that died. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/suite.h"
#include "net.h"

#define STALLERS 3
#define MANY 32

/* A target notices a client's reset or close when its own thread gets to
 * it, which may be after our next CONNECT was served: it must still serve at
 * once, and again a moment later. */
#define SETTLE_MS 500

static enum verdict then_still_serves(struct ctx *c, const char *what)
{
	if (!t_target_serves(c))
		return fail(c, "%s; afterwards a valid CONNECT was not granted", what);
	t_sleep(c, SETTLE_MS);
	if (!t_target_serves(c))
		return fail(c, "%s; %d ms later a valid CONNECT was not granted", what, SETTLE_MS);
	return pass(c, "%s; the target still serves", what);
}

/* S4-ROBUST-3 (DER): "a client that connects and sends nothing, or a
 * partial request, is dropped after a bounded time" (wstunnel PR#515; the
 * CSTC sockd had no bound). */
static enum verdict stalled(struct ctx *c, const uint8_t *part, size_t n)
{
	expect(c, "closed (or 91 then close) within %d ms (--stall-wait)", stall_wait_ms(c));
	int fd = t_connect(c);
	if (fd < 0 || (n > 0 && t_send(c, fd, part, n) < 0))
		return V_FAIL;
	if (!t_sent_hostile(c))
		return V_FAIL; /* the target died on these bytes */
	struct got g;
	char what[128];
	t_read_reply(c, fd, stall_wait_ms(c), &g);
	/* A drop by a target that died is no handshake timeout. */
	if (g.kind == GOT_EOF || g.kind == GOT_RESET)
		return t_target_answers(c) ? pass(c, "dropped after %lld ms", (long long)g.at_ms)
		                         : V_FAIL;
	if (g.kind == GOT_REPLY && g.rep.cd == S4_REP_REJECTED &&
	    t_expect_close(c, fd, case_timeout_ms(c)))
		return t_target_answers(c)
		               ? pass(c, "91, then close, after %lld ms", (long long)g.at_ms)
		               : V_FAIL;
	if (g.kind == GOT_TIMEOUT)
		return fail(c, "still open after %d ms", stall_wait_ms(c));
	return fail(c, "%s", got_str(&g, what, sizeof(what)));
}

static enum verdict stall_silent(struct ctx *c)
{
	return stalled(c, NULL, 0);
}

static enum verdict stall_header(struct ctx *c)
{
	static const uint8_t part[] = {0x04, 0x01, 0x00}; /* VN CD and half a port */
	return stalled(c, part, sizeof(part));
}

static enum verdict stall_no_nul(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t n = req_connect_echo(c, req, sizeof(req));
	return stalled(c, req, n - 1); /* all but USERID's NUL */
}

/* B8: 0.0.0.1 and USERID, then nothing: a 4a server waits for a hostname
 * (bounded), a plain one refuses at once (S4A-9). Neither may hang. */
static enum verdict stall_marker(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	const char *u = default_user(c);
	size_t n =
	        req_build(req, sizeof(req), S4_CMD_CONNECT, echo_port(c), 1, u, strlen(u), NULL, 0);
	return stalled(c, req, n);
}

/* How long a CONNECT and a round trip take on a new connection, in ms; -1
 * when it was not served (Actual set). */
static int64_t served_in(struct ctx *c)
{
	int64_t t0 = net_now_ms();
	if (!t_target_serves(c))
		return -1;
	return net_now_ms() - t0;
}

/* 1 while fd is open: no end of file, no reset, nothing else pending. */
static int still_open(int fd)
{
	uint8_t b;
	ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* S4-ROBUST-3: "In a blocking, serial server, one stalled client must not
 * block everyone else."
 *
 * The rule, independent of the target's handshake timeout: a new client must
 * be served while the stalled ones are still connected. A target that serves
 * one client at a time answers the new client only after it has dropped the
 * stalled ones (at its handshake timeout, however short): then the new
 * client is served after the drops, and much later than it is alone. A
 * target that is merely slow (or drops stalled clients faster than it
 * answers) is served about as fast as alone, and passes. */
static enum verdict not_blocked(struct ctx *c)
{
	static const uint8_t part[] = {0x04, 0x01};
	int fds[STALLERS];
	expect(c, "with %d stalled clients connected, a new CONNECT is served while they are "
	          "still connected (or about as fast as alone)",
	          STALLERS);
	int64_t alone = served_in(c);
	if (alone < 0)
		return V_FAIL;
	for (int i = 0; i < STALLERS; i++) {
		fds[i] = t_connect(c);
		if (fds[i] < 0 || t_send(c, fds[i], part, i == 0 ? 0 : sizeof(part)) < 0)
			return V_FAIL;
	}
	int64_t with = served_in(c);
	if (with < 0)
		return fail(c, "a valid CONNECT was not served while %d clients stalled", STALLERS);
	int open = 0;
	for (int i = 0; i < STALLERS; i++)
		open += still_open(fds[i]);
	if (open > 0)
		return pass(c, "served in %lld ms while %d of %d stalled clients were connected",
		            (long long)with, open, STALLERS);
	int64_t bound = alone * 2 > alone + 250 ? alone * 2 : alone + 250;
	if (with <= bound)
		return pass(c, "served in %lld ms (%lld ms alone); the stalled clients were dropped "
		               "meanwhile",
		            (long long)with, (long long)alone);
	return fail(c, "served only after the target had dropped all %d stalled clients, in %lld "
	               "ms (%lld ms alone): the stalled clients held it up",
	            STALLERS, (long long)with, (long long)alone);
}

/* S4-ROBUST-4 (DER): "A client that closes mid-request, or right after the
 * request, leaves no leaked fd/process and no crash." */
static enum verdict close_mid_request(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t n = req_connect_echo(c, req, sizeof(req));
	const size_t cuts[] = {1, 2, 5, 8, n - 1};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		int fd = t_connect(c);
		if (fd < 0 || t_send(c, fd, req, cuts[i]) < 0)
			return V_FAIL;
		if (i % 2)
			t_reset(c, fd);
		else
			t_shutdown_write(c, fd);
	}
	expect(c, "the target goes on serving");
	return then_still_serves(c, "5 clients left mid-request");
}

static enum verdict close_after_request(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t n = req_connect_echo(c, req, sizeof(req));
	for (int i = 0; i < 4; i++) {
		int fd = t_connect(c);
		if (fd < 0 || t_send(c, fd, req, n) < 0)
			return V_FAIL;
		t_reset(c, fd);
	}
	expect(c, "the target goes on serving");
	return then_still_serves(c, "4 clients reset right after their request");
}

/* A client that resets in the middle of the relay. */
static enum verdict reset_mid_relay(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t len = 256 * 1024;
	uint8_t *data = t_alloc(c, len);
	struct got g;
	size_t n = req_connect_echo(c, req, sizeof(req));
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0 || expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	fill_pattern(data, len, 99);
	t_send(c, fd, data, len); /* the echo answers; nobody reads it */
	t_reset(c, fd);
	expect(c, "the target goes on serving");
	return then_still_serves(c, "a client reset in the middle of a relay");
}

/* S4-ROBUST-1 (DER): USERID without end: "Over the limit: 91 or close,
 * never a crash or an unbounded read."
 *
 * The rule, independent of the target's own timeouts: USERID octets are sent
 * as fast as the target takes them. A target with a limit stops taking them
 * near its limit and refuses (91 or close); one without a limit keeps
 * reading. Our send buffer is tiny, so once FLOOD_MAX octets are out the
 * target has read at least FLOOD_MAX less its own receive buffer (a kernel's
 * default is 64-128 KiB unless the program reads): far beyond any limit the
 * spec suggests (255, or 1024 for the whole request). A target that reads
 * that much has not bounded USERID, however it ends the connection later
 * (its handshake timeout closing it at 2 s does not make it a refusal). A
 * target that stops reading must react within --timeout of the last octet it
 * took. */
#define FLOOD_MAX (1024 * 1024)

static enum verdict flood(struct ctx *c)
{
	uint8_t head[S4_REQUEST_MAX];
	size_t n = req_build(head, sizeof(head), S4_CMD_CONNECT, echo_port(c), dest_ip(c), "", 0,
	                     NULL, 0);
	expect(c, "91 then close, or close, before the target has read 1 MiB of USERID; then "
	          "still serving");
	int fd = t_connect(c);
	if (fd < 0)
		return V_FAIL;
	size_t pushed;
	/* The header without its (empty) USERID's NUL, then 'x' without end. */
	int rc = t_flood(c, fd, head, n - 1, 'x', FLOOD_MAX, case_timeout_ms(c), &pushed);
	if (rc == 0)
		return fail(c, "took %zu octets of USERID without a NUL and neither refused nor "
		               "closed: USERID is not bounded",
		            pushed);
	struct got g;
	char what[128];
	t_read_reply(c, fd, case_timeout_ms(c), &g);
	int refused = g.kind == GOT_EOF || g.kind == GOT_RESET ||
	              (g.kind == GOT_REPLY && g.rep.cd == S4_REP_REJECTED);
	if (!refused)
		return fail(c, "after taking %zu octets of USERID and then no more: %s", pushed,
		            got_str(&g, what, sizeof(what)));
	char done[160];
	snprintf(done, sizeof(done), "refused (%s) after taking at most %zu octets",
	         got_str(&g, what, sizeof(what)), pushed);
	return then_still_serves(c, done);
}

/* S4-REQ-7: bytes that are no SOCKS4 request at all. */
static enum verdict tls_hello(struct ctx *c)
{
	uint8_t hello[517] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
	fill_pattern(hello + 11, sizeof(hello) - 11, 3);
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, hello, sizeof(hello)) < 0)
		return V_FAIL;
	return expect_refusal(c, fd);
}

static enum verdict http_request(struct ctx *c)
{
	static const char get[] = "GET / HTTP/1.1\r\nHost: example.invalid\r\n\r\n";
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, get, sizeof(get) - 1) < 0)
		return V_FAIL;
	return expect_refusal(c, fd);
}

/* A SOCKS5 greeting: a SOCKS4-only server refuses; a server that speaks both
 * answers SOCKS5. Reported. */
static enum verdict socks5_greeting(struct ctx *c)
{
	uint8_t buf[8];
	size_t n;
	int rc = t_socks5_greeting(c, buf, &n);
	if (rc < 0)
		return V_FAIL;
	if (rc == 0)
		return fail(c, "no answer and no close within %d ms", case_timeout_ms(c));
	if (n == 0)
		return info(c, "closed: SOCKS4 only");
	if (buf[0] == 0x05)
		return info(c, "answered as a SOCKS5 server too (05 %02x)", n > 1 ? buf[1] : 0);
	if (n >= 2 && buf[0] == 0 && buf[1] == S4_REP_REJECTED)
		return info(c, "91: SOCKS4 only");
	return fail(c, "answered with bytes that are neither SOCKS4 nor SOCKS5");
}

/* Many clients at once, all served. */
static enum verdict many(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t n = req_connect_echo(c, req, sizeof(req));
	int fds[MANY];
	expect(c, "%d concurrent CONNECTs all granted and relayed", MANY);
	if (target_is_serial(c))
		return skip(c, "the target serves one client at a time (preflight/capabilities); "
		               "robust/stall/not-blocking reports it");
	for (int i = 0; i < MANY; i++) {
		fds[i] = t_connect(c);
		if (fds[i] < 0 || t_send(c, fds[i], req, n) < 0)
			return V_FAIL;
	}
	for (int i = 0; i < MANY; i++) {
		struct got g;
		uint8_t back[2];
		if (expect_grant(c, fds[i], &g) != V_PASS)
			return V_FAIL;
		if (t_send(c, fds[i], "ok", 2) < 0 ||
		    t_read_exact(c, fds[i], back, 2, case_timeout_ms(c)) < 0)
			return V_FAIL;
	}
	return pass(c, "%d concurrent sessions served", MANY);
}

#define BOUNDED "closed (or 91 then close) within --stall-wait"

static const struct s4case cases[] = {
        {"robust/stall/silent", "S4-ROBUST-3", LEVEL_SHOULD,
         "a client that sends nothing is dropped in bounded time", BOUNDED, 0, F_SLOW | F_HOSTILE,
         stall_silent},
        {"robust/stall/header", "S4-ROBUST-3", LEVEL_SHOULD,
         "a client that stops after 3 bytes is dropped in bounded time", BOUNDED, 0, F_SLOW | F_HOSTILE,
         stall_header},
        {"robust/stall/no-nul", "S4-ROBUST-3", LEVEL_SHOULD,
         "a client that never sends USERID's NUL is dropped in bounded time", BOUNDED, 0, F_SLOW | F_HOSTILE,
         stall_no_nul},
        {"robust/stall/4a-marker", "S4-ROBUST-3 S4A-9", LEVEL_SHOULD,
         "0.0.0.1 without a hostname: refused or dropped in bounded time", BOUNDED, 0, F_SLOW | F_HOSTILE,
         stall_marker},
        {"robust/stall/not-blocking", "S4-ROBUST-3", LEVEL_MUST,
         "stalled clients do not keep others from being served", NULL, NEED_GRANT, F_DESTRUCTIVE,
         not_blocked},
        {"robust/close/mid-request", "S4-ROBUST-4", LEVEL_MUST,
         "clients leaving mid-request do not hurt the target", NULL, NEED_GRANT, F_DESTRUCTIVE,
         close_mid_request},
        {"robust/close/after-request", "S4-ROBUST-4", LEVEL_MUST,
         "clients resetting right after their request do not hurt the target", NULL, NEED_GRANT,
         F_DESTRUCTIVE, close_after_request},
        {"robust/reset/mid-relay", "S4-ROBUST-4", LEVEL_MUST,
         "a client resetting mid-relay does not hurt the target", NULL, NEED_GRANT, F_DESTRUCTIVE,
         reset_mid_relay},
        {"robust/flood/userid", "S4-ROBUST-1", LEVEL_MUST,
         "USERID without end is refused, not read without bound", NULL, NEED_GRANT, F_DESTRUCTIVE,
         flood},
        {"robust/garbage/tls", "S4-REQ-7", LEVEL_MUST, "a TLS ClientHello is refused",
         "close, or 91 then close; never 90, never a hang", 0, F_DESTRUCTIVE, tls_hello},
        {"robust/garbage/http", "S4-REQ-7", LEVEL_MUST, "an HTTP request is refused",
         "close, or 91 then close; never 90, never a hang", 0, F_DESTRUCTIVE, http_request},
        {"robust/socks5-greeting", "S4-REQ-2 S4-REQ-7", LEVEL_INFO, "what a SOCKS5 greeting gets",
         "close, 91, or a SOCKS5 answer; no hang", 0, F_DESTRUCTIVE, socks5_greeting},
        {"robust/many-clients", "S4-CONNECT-6", LEVEL_SHOULD, "32 clients at once are all served",
         NULL, NEED_GRANT, 0, many},
};

const struct case_table cases_robust = {cases, sizeof(cases) / sizeof(cases[0])};
