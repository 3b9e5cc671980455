/* SPDX-License-Identifier: MIT */
/* harness.c - what cases call (suite.h) and the services the runner hosts for
 * them: an echo destination and a scripted identd. Every wait has a deadline,
 * every buffer a bound: a hostile target ends in a verdict, never a hang. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/runner.h"
#include "ident.h"

#define SERVICE_IDLE_MS 30000 /* an echo or identd peer silent this long is dropped */
#define IDENT_HANG_MAX_MS 30000

/* ---- the trace ---------------------------------------------------------- */

static int64_t since(struct ctx *c)
{
	return net_now_ms() - c->t0;
}

void trace_add(struct ctx *c, const char *who, char dir, const void *bytes, size_t len,
               const char *text)
{
	pthread_mutex_lock(&c->trace_mu);
	trace_add_locked(c, who, dir, bytes, len, text);
	pthread_mutex_unlock(&c->trace_mu);
}

void trace_add_locked(struct ctx *c, const char *who, char dir, const void *bytes, size_t len,
                      const char *text)
{
	struct result *res = c->res;
	if (res->ntrace == TRACE_MAX) {
		res->dropped++;
		return;
	}
	struct trace_ev *e = &res->trace[res->ntrace++];
	memset(e, 0, sizeof(*e));
	e->t_ms = since(c);
	snprintf(e->who, sizeof(e->who), "%s", who);
	e->dir = dir;
	e->len = len;
	if (bytes != NULL)
		memcpy(e->bytes, bytes, len < TRACE_BYTES ? len : TRACE_BYTES);
	if (text != NULL)
		snprintf(e->text, sizeof(e->text), "%s", text);
}

void note(struct ctx *c, const char *fmt, ...)
{
	char text[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	trace_add(c, "*", '*', NULL, 0, text);
}

static const char *fd_name(struct ctx *c, int fd)
{
	for (int i = 0; i < CTX_FDS; i++)
		if (c->fds[i] == fd)
			return c->names[i];
	return "?";
}

static void track(struct ctx *c, int fd, const char *prefix, int n)
{
	for (int i = 0; i < CTX_FDS; i++) {
		if (c->fds[i] < 0) {
			c->fds[i] = fd;
			snprintf(c->names[i], sizeof(c->names[i]), "%s%d", prefix, n % 1000);
			return;
		}
	}
	/* More sockets than any case needs: keep going without a name. */
}

/* ---- verdicts ----------------------------------------------------------- */

void expect(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->res->expected, sizeof(c->res->expected), fmt, ap);
	va_end(ap);
}

#define VERDICT_FN(name, value)                                                                    \
	enum verdict name(struct ctx *c, const char *fmt, ...)                                     \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vsnprintf(c->res->actual, sizeof(c->res->actual), fmt, ap);                        \
		va_end(ap);                                                                        \
		return value;                                                                      \
	}
VERDICT_FN(pass, V_PASS)
VERDICT_FN(fail, V_FAIL)
VERDICT_FN(skip, V_SKIP)
VERDICT_FN(info, V_INFO)

enum verdict target_down(struct ctx *c)
{
	(void)c;
	return V_FAIL; /* Actual was set by t_connect */
}

const char *c_actual(struct ctx *c)
{
	return c->res->actual;
}

enum verdict runner_trouble(struct ctx *c, const char *what)
{
	note(c, "runner: %s", what);
	c->trouble = 1;
	return skip(c, "the runner's own side failed: %s (not the target's fault)", what);
}

void mark_not_socks4(struct ctx *c, const char *why)
{
	runner_mark_not_socks4(c->r, why);
}

/* ---- what the runner tells a case -------------------------------------- */

uint32_t dest_ip(struct ctx *c)
{
	return c->r->dest_ip;
}

uint32_t target_ip(struct ctx *c)
{
	const struct sockaddr_storage *ss = &c->target;
	if (ss->ss_family == AF_INET)
		return ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr);
	return INADDR_LOOPBACK;
}

uint16_t echo_port(struct ctx *c)
{
	return case_dest_port(c); /* the case's own, so its trace tells the destination's side */
}

const char *default_user(struct ctx *c)
{
	return c->r->o.user;
}

int send_denied(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	const char *user = c->r->o.deny_user != NULL ? c->r->o.deny_user : c->r->o.user;
	uint16_t port = c->r->echo_port;
	if (c->r->o.deny_user == NULL) {
		port = (uint16_t)c->r->o.deny_port; /* the runner echoes there */
		note(c, "to port %u, where the target's policy denies requests", port);
	}
	size_t n = req_build(req, sizeof(req), S4_CMD_CONNECT, port, c->r->dest_ip, user,
	                     strlen(user), NULL, 0);
	int fd = t_connect(c);
	if (fd < 0)
		return -1;
	/* A target may ask identd before its rules (S4-CONNECT-1 sets no order):
	 * identd confirms the USERID, so only the policy can refuse (not 93). */
	ident_script(c, fd, IDENT_ANS_USERID, user);
	if (t_send(c, fd, req, n) < 0)
		return -1;
	return fd;
}

int identd_checks_all(struct ctx *c)
{
	return !c->r->in_process && (c->r->have & NEED_IDENTD);
}

const char *ident_user(struct ctx *c, int strict)
{
	/* In-process, rules give these two users their identd modes; against
	 * another target the declared mode applies to every user. */
	if (c->r->in_process)
		return strict ? "ident-strict" : "ident-lenient";
	return c->r->o.user;
}

int target_is_serial(struct ctx *c)
{
	return c->r->serial;
}

uint32_t alt_source(struct ctx *c)
{
	return c->r->alt_ip;
}

const char *dest_name(struct ctx *c)
{
	return c->r->dest_name;
}

int stall_wait_ms(struct ctx *c)
{
	return c->r->o.stall_wait_ms;
}

int timer_wait_ms(struct ctx *c)
{
	return c->r->o.timer_wait_ms;
}

size_t relay_bytes(struct ctx *c)
{
	return c->r->o.relay_bytes;
}

int case_timeout_ms(struct ctx *c)
{
	return c->r->o.timeout_ms;
}

uint16_t target_port(struct ctx *c)
{
	return c->target_port;
}

uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

void *t_alloc(struct ctx *c, size_t n)
{
	void *p = calloc(1, n);
	if (p == NULL || c->nallocs == (int)(sizeof(c->allocs) / sizeof(c->allocs[0]))) {
		fprintf(stderr, "socks4-test: out of memory in case %s\n", c->cs->id);
		abort();
	}
	c->allocs[c->nallocs++] = p;
	return p;
}

void fill_pattern(uint8_t *buf, size_t n, uint32_t seed)
{
	uint32_t x = seed ? seed : 0x9e3779b9u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13; /* xorshift32 */
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

/* ---- connections to the target ------------------------------------------ */

int t_connect(struct ctx *c)
{
	char err[160];
	int fd;
	if (net_connect((struct sockaddr *)&c->target, c->target_len, NULL,
	                net_deadline(c->r->o.timeout_ms), &fd, err, sizeof(err)) < 0) {
		note(c, "%s", err);
		fail(c, "cannot connect to the target: %s", err);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	track(c, fd, "c", ++c->nconn);
	char text[64];
	snprintf(text, sizeof(text), "connected from port %u", local_port(fd));
	trace_add(c, fd_name(c, fd), '*', NULL, 0, text);
	return fd;
}

/* Keeps what a case sends on each connection, so that the bytes that killed
 * a target can be replayed (bounded: SENT_MAX per connection). */
static void record_sent(struct ctx *c, const char *who, const void *buf, size_t n)
{
	struct sent_log *l = NULL;
	if (n == 0)
		return;
	for (size_t i = 0; i < c->nsent; i++)
		if (strcmp(c->sent[i].who, who) == 0)
			l = &c->sent[i];
	if (l == NULL) {
		if (c->nsent == SENT_CONNS || who[0] != 'c')
			return;
		l = &c->sent[c->nsent++];
		memset(l, 0, sizeof(*l));
		snprintf(l->who, sizeof(l->who), "%s", who);
	}
	size_t room = SENT_MAX - l->len, k = n < room ? n : room;
	if (l->len + k > l->cap) {
		size_t cap = l->cap ? l->cap : 256;
		while (cap < l->len + k)
			cap *= 2;
		uint8_t *p = realloc(l->bytes, cap < SENT_MAX ? cap : SENT_MAX);
		if (p == NULL)
			return;
		l->bytes = p;
		l->cap = cap < SENT_MAX ? cap : SENT_MAX;
	}
	memcpy(l->bytes + l->len, buf, k);
	l->len += k;
	l->truncated |= k < n;
}

static void sent_free(struct sent_log *v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free(v[i].bytes);
	*n = 0;
}

void result_reset(struct result *res)
{
	sent_free(res->sent, &res->nsent);
	free(res->target_log);
	/* What the scheduler keeps across runs of the case survives. */
	struct result keep = *res;
	memset(res, 0, sizeof(*res));
	res->trace = keep.trace;
	res->runs = keep.runs;
	res->failures = keep.failures;
	res->suspect = keep.suspect;
	res->alone = keep.alone;
	res->exit_code = res->exit_signal = -1;
}

int t_send(struct ctx *c, int fd, const void *buf, size_t n)
{
	char err[160];
	trace_add(c, fd_name(c, fd), '>', buf, n, NULL);
	record_sent(c, fd_name(c, fd), buf, n);
	if (net_write_all(fd, buf, n, net_deadline(c->r->o.timeout_ms), err, sizeof(err)) < 0) {
		note(c, "%s", err);
		fail(c, "sending %zu bytes failed: %s", n, err);
		return -1;
	}
	return 0;
}

int t_send_split(struct ctx *c, int fd, const void *buf, size_t n, const size_t *cuts, size_t ncuts,
                 int gap_ms)
{
	size_t at = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		if (end > n)
			end = n;
		if (end <= at)
			continue;
		if (at > 0 && gap_ms > 0)
			poll(NULL, 0, gap_ms);
		if (t_send(c, fd, (const uint8_t *)buf + at, end - at) < 0)
			return -1;
		at = end;
	}
	return 0;
}

int t_send_bytewise(struct ctx *c, int fd, const void *buf, size_t n, int gap_ms)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && gap_ms > 0)
			poll(NULL, 0, gap_ms);
		if (t_send(c, fd, (const uint8_t *)buf + i, 1) < 0)
			return -1;
	}
	return 0;
}

#define FLOOD_SNDBUF 4096 /* the kernel doubles it */
#define FLOOD_CHUNK 4096

int t_flood(struct ctx *c, int fd, const void *prefix, size_t plen, uint8_t fill, size_t max,
            int timeout_ms, size_t *pushed)
{
	uint8_t chunk[FLOOD_CHUNK];
	int sndbuf = FLOOD_SNDBUF;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	memset(chunk, fill, sizeof(chunk));
	*pushed = 0;
	int64_t quiet_until = net_deadline(timeout_ms);
	int rc = -1;
	while (*pushed < max) {
		struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
		int left = net_remaining_ms(quiet_until);
		if (left == 0 || poll(&p, 1, left) <= 0)
			break; /* nothing moved for timeout_ms */
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			rc = 1;
			break;
		}
		const uint8_t *from = chunk;
		size_t n = sizeof(chunk);
		if (*pushed < plen) {
			from = (const uint8_t *)prefix + *pushed;
			n = plen - *pushed;
		}
		if (n > max - *pushed)
			n = max - *pushed;
		ssize_t k = send(fd, from, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (k < 0) {
			rc = 1; /* reset: the target reacted */
			break;
		}
		*pushed += (size_t)k;
		quiet_until = net_deadline(timeout_ms);
	}
	if (*pushed >= max && rc < 0)
		rc = 0;
	char text[128];
	snprintf(text, sizeof(text), "flood: %zu bytes sent (%zu prefix, then 0x%02x), %s", *pushed,
	         plen, fill,
	         rc == 1   ? "then the target reacted"
	         : rc == 0 ? "all of them, no reaction"
	                   : "then nothing moved");
	trace_add(c, fd_name(c, fd), '>', NULL, 0, text);
	return rc;
}

/* A new connection, a CONNECT to the echo service and its reply: the fd, or
 * -1 when the request could not be sent (Actual set). */
static int echo_request(struct ctx *c, const char *question, struct got *g)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t n = req_connect_echo(c, req, sizeof(req));
	note(c, "%s", question);
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return -1;
	t_read_reply(c, fd, c->r->o.timeout_ms, g);
	return fd;
}

int t_target_answers(struct ctx *c)
{
	struct got g;
	char what[128];
	int fd;
	if (c->r->unreachable_late) {
		/* Its CONNECTs are never answered (preflight/destination): an
		 * unknown command (03) is, at once, by a live SOCKS4 server. */
		uint8_t req[S4_REQUEST_MAX];
		const char *u = default_user(c);
		size_t n = req_build(req, sizeof(req), 3, echo_port(c), dest_ip(c), u, strlen(u),
		                     NULL, 0);
		note(c, "is the target alive? (an unknown command: it grants no CONNECT in time)");
		fd = t_connect(c);
		if (fd >= 0 && t_send(c, fd, req, n) == 0)
			t_read_reply(c, fd, c->r->o.timeout_ms, &g);
		else
			fd = -1;
	} else {
		fd = echo_request(c, "is the target alive?", &g);
	}
	if (fd < 0)
		return 0;
	t_close(c, fd);
	if (got_socks4_code(&g) &&
	    g.rep.cd >= S4_REP_GRANTED && g.rep.cd <= S4_REP_IDENT_MISMATCH)
		return 1;
	fail(c, "the target no longer answers a CONNECT (%s)", got_str(&g, what, sizeof(what)));
	return 0;
}

int t_sent_hostile(struct ctx *c)
{
	struct runner *r = c->r;
	/* A target serving one client at a time is busy with ours: no check. */
	int alive = r->serial || t_target_answers(c);
	if (!alive) {
		char was[256];
		memcpy(was, c->res->actual, sizeof(was) - 1);
		was[sizeof(was) - 1] = '\0';
		fail(c, "the target died on the bytes this case sent: %s", was);
	}
	pthread_mutex_lock(&r->mu);
	if (c->res->alone) {
		c->res->alone = 0;
		r->exclusive = 0;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return alive;
}

void t_shutdown_write(struct ctx *c, int fd)
{
	shutdown(fd, SHUT_WR);
	trace_add(c, fd_name(c, fd), '>', NULL, 0, "end of file (shutdown write)");
}

void t_reset(struct ctx *c, int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	trace_add(c, fd_name(c, fd), '>', NULL, 0, "reset");
	for (int i = 0; i < CTX_FDS; i++)
		if (c->fds[i] == fd)
			c->fds[i] = -1;
	close(fd);
}

void t_close(struct ctx *c, int fd)
{
	trace_add(c, fd_name(c, fd), '>', NULL, 0, "close");
	for (int i = 0; i < CTX_FDS; i++)
		if (c->fds[i] == fd)
			c->fds[i] = -1;
	close(fd);
}

int t_peek_byte(struct ctx *c, int fd, int timeout_ms)
{
	char err[64];
	uint8_t b;
	(void)c;
	if (net_wait_readable(fd, net_deadline(timeout_ms), err, sizeof(err)) < 0)
		return -1;
	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1 ? b : -1;
}

void t_sleep(struct ctx *c, int ms)
{
	note(c, "waiting %d ms", ms);
	poll(NULL, 0, ms);
}

size_t req_build(uint8_t *out, size_t cap, int cd, uint16_t port, uint32_t ip, const char *userid,
                 size_t userid_len, const char *host, size_t host_len)
{
	struct s4_request req = {.vn = S4_VN_REQUEST,
	                         .cd = (uint8_t)cd,
	                         .dstport = port,
	                         .dstip = ip,
	                         .userid = userid,
	                         .userid_len = userid_len,
	                         .host = host,
	                         .host_len = host_len};
	int n = s4_write_request(out, cap, &req);
	return n > 0 && (size_t)n <= cap ? (size_t)n : 0;
}

size_t req_connect_echo(struct ctx *c, uint8_t *out, size_t cap)
{
	const char *u = default_user(c);
	return req_build(out, cap, S4_CMD_CONNECT, echo_port(c), dest_ip(c), u, strlen(u), NULL, 0);
}

/* Reads what arrives until n bytes, end of file, reset or the deadline. */
static size_t read_upto(struct ctx *c, int fd, uint8_t *buf, size_t n, int timeout_ms, int *end)
{
	int64_t deadline = net_deadline(timeout_ms);
	size_t got = 0;
	*end = 0; /* 0 timeout, 1 eof, 2 reset */
	while (got < n) {
		char err[128];
		ssize_t r = net_read_some(fd, buf + got, n - got, deadline, err, sizeof(err));
		if (r > 0) {
			trace_add(c, fd_name(c, fd), '<', buf + got, (size_t)r, NULL);
			got += (size_t)r;
			continue;
		}
		if (r == 0) {
			*end = 1;
			trace_add(c, fd_name(c, fd), '<', NULL, 0, "end of file");
		} else if (errno != ETIMEDOUT) {
			*end = 2;
			trace_add(c, fd_name(c, fd), '<', NULL, 0, err);
		}
		break;
	}
	return got;
}

void t_read_reply(struct ctx *c, int fd, int timeout_ms, struct got *g)
{
	int end;
	memset(g, 0, sizeof(*g));
	g->n = read_upto(c, fd, g->raw, S4_REPLY_LEN, timeout_ms, &end);
	/* timeout_ms bounds the wait for the reply to begin: TCP may deliver
	 * its 8 bytes apart (and late, on a loaded machine), so one that has
	 * begun gets the run's --timeout for the rest, however short the wait
	 * for its first byte was. */
	if (end == 0 && g->n > 0 && g->n < S4_REPLY_LEN)
		g->n += read_upto(c, fd, g->raw + g->n, S4_REPLY_LEN - g->n, c->r->o.timeout_ms,
		                  &end);
	g->at_ms = since(c);
	if (g->n == S4_REPLY_LEN) {
		int rc = s4_parse_reply(g->raw, g->n, &g->rep);
		g->kind = rc == S4_EVERSION ? GOT_BAD_VN : GOT_REPLY;
		if (g->kind == GOT_BAD_VN) {
			/* lib/socks4 stops at a bad VN; the other fields, for the
			 * report only, are the same bytes with VN set to 0. */
			uint8_t copy[S4_REPLY_LEN];
			memcpy(copy, g->raw, sizeof(copy));
			copy[0] = S4_VN_REPLY;
			s4_parse_reply(copy, sizeof(copy), &g->rep);
			g->rep.vn = g->raw[0];
		}
	} else if (end == 1) {
		g->kind = g->n == 0 ? GOT_EOF : GOT_SHORT;
	} else if (end == 2) {
		g->kind = GOT_RESET;
	} else {
		g->kind = GOT_TIMEOUT;
	}
}

int got_socks4_code(const struct got *g)
{
	return g->kind == GOT_REPLY || (g->kind == GOT_BAD_VN && g->rep.vn == S4_VN_REQUEST);
}

const char *got_str(const struct got *g, char *buf, size_t cap)
{
	switch (g->kind) {
	case GOT_REPLY:
		snprintf(buf, cap, "%u (%s)", g->rep.cd, s4_reply_str(g->rep.cd));
		break;
	case GOT_BAD_VN:
		snprintf(buf, cap, "a reply with VN=%u (expected 0), CD=%u", g->rep.vn, g->rep.cd);
		break;
	case GOT_SHORT:
		snprintf(buf, cap, "end of file after %zu of 8 reply bytes", g->n);
		break;
	case GOT_EOF:
		snprintf(buf, cap, "close without a reply");
		break;
	case GOT_RESET:
		snprintf(buf, cap, "reset after %zu reply bytes", g->n);
		break;
	case GOT_TIMEOUT:
		snprintf(buf, cap, g->n ? "only %zu of 8 reply bytes, then nothing" : "no reply",
		         g->n);
		break;
	}
	return buf;
}

int t_expect_close(struct ctx *c, int fd, int timeout_ms)
{
	uint8_t buf[64];
	int end;
	size_t n = read_upto(c, fd, buf, sizeof(buf), timeout_ms, &end);
	if (n == 0 && end != 0)
		return 1;
	if (n > 0) {
		char hex[3 * 16 + 1] = "";
		for (size_t i = 0; i < n && i < 16; i++)
			snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", buf[i]);
		fail(c, "%zu more byte(s) instead of a close: %s", n, hex);
	} else {
		fail(c, "the connection was still open %d ms later", timeout_ms);
	}
	return 0;
}

int t_read_exact(struct ctx *c, int fd, void *buf, size_t n, int timeout_ms)
{
	int end;
	size_t got = read_upto(c, fd, buf, n, timeout_ms, &end);
	if (got == n)
		return 0;
	char story[256];
	case_dest_story(c, story, sizeof(story));
	fail(c, "%zu of %zu bytes, then %s%s%s%s", got, n,
	     end == 1   ? "end of file"
	     : end == 2 ? "a reset"
	                : "nothing",
	     story[0] ? " (" : "", story, story[0] ? ")" : "");
	return -1;
}

int t_read_any(struct ctx *c, int fd, void *buf, size_t cap, int timeout_ms, size_t *n)
{
	char err[128];
	ssize_t r = net_read_some(fd, buf, cap, net_deadline(timeout_ms), err, sizeof(err));
	*n = 0;
	if (r > 0) {
		*n = (size_t)r;
		trace_add(c, fd_name(c, fd), '<', buf, (size_t)r, NULL);
		return 1;
	}
	if (r == 0 || errno != ETIMEDOUT) {
		trace_add(c, fd_name(c, fd), '<', NULL, 0, r == 0 ? "end of file" : err);
		return 1;
	}
	return 0;
}

/* ---- verifiers ----------------------------------------------------------- */

enum verdict expect_grant(struct ctx *c, int fd, struct got *g)
{
	char what[128];
	if (c->res->expected[0] == '\0')
		expect(c, "90 (request granted), VN=0, 8 bytes");
	t_read_reply(c, fd, c->r->o.timeout_ms, g);
	if (g->kind == GOT_REPLY && g->rep.cd == S4_REP_GRANTED)
		return pass(c, "90");
	return fail(c, "%s", got_str(g, what, sizeof(what)));
}

const int only_91[1] = {S4_REP_REJECTED};

static enum verdict check_code(struct ctx *c, int fd, const int *codes, size_t ncodes,
                               int then_close)
{
	char what[128], list[64] = "";
	for (size_t i = 0; i < ncodes; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d", i ? " or " : "",
		         codes[i]);
	if (c->res->expected[0] == '\0')
		expect(c, "%s (VN=0, 8 bytes)%s", list, then_close ? ", then close" : "");
	struct got g;
	t_read_reply(c, fd, c->r->o.timeout_ms, &g);
	int ok = 0;
	for (size_t i = 0; g.kind == GOT_REPLY && i < ncodes; i++)
		ok |= g.rep.cd == codes[i];
	if (!ok)
		return fail(c, "%s", got_str(&g, what, sizeof(what)));
	if (then_close && !t_expect_close(c, fd, c->r->o.timeout_ms))
		return V_FAIL; /* Actual says what came instead */
	return pass(c, "%d%s", g.rep.cd, then_close ? ", then close" : "");
}

enum verdict expect_code(struct ctx *c, int fd, const int *codes, size_t ncodes)
{
	return check_code(c, fd, codes, ncodes, 0);
}

enum verdict expect_code_close(struct ctx *c, int fd, const int *codes, size_t ncodes)
{
	return check_code(c, fd, codes, ncodes, 1);
}

enum verdict expect_refusal(struct ctx *c, int fd)
{
	char what[128];
	if (c->res->expected[0] == '\0')
		expect(c, "close, or 91 then close (never 90, never a hang)");
	struct got g;
	t_read_reply(c, fd, c->r->o.timeout_ms, &g);
	if (g.kind == GOT_EOF || g.kind == GOT_RESET)
		return pass(c, "%s", g.kind == GOT_EOF ? "close" : "reset");
	if (g.kind == GOT_REPLY && g.rep.cd == S4_REP_REJECTED) {
		if (!t_expect_close(c, fd, c->r->o.timeout_ms))
			return V_FAIL;
		return pass(c, "91, then close");
	}
	return fail(c, "%s", got_str(&g, what, sizeof(what)));
}

/* ---- the runner's services ------------------------------------------------ */

int d_listen(struct ctx *c, int backlog, uint16_t *port)
{
	char ip[16], err[160];
	struct in_addr a = {.s_addr = htonl(c->r->dest_ip)};
	int fd;
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (net_listen(ip, 0, backlog, &fd, port, err, sizeof(err)) < 0) {
		note(c, "%s", err);
		return -1;
	}
	track(c, fd, "L", ++c->ndest);
	note(c, "destination listening on %s:%u", ip, *port);
	return fd;
}

int d_accept(struct ctx *c, int lfd, int timeout_ms)
{
	char err[128], peer[NET_ADDRSTR_MAX], text[128];
	if (net_wait_readable(lfd, net_deadline(timeout_ms), err, sizeof(err)) < 0)
		return -1;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	track(c, fd, "d", ++c->ndest);
	snprintf(text, sizeof(text), "destination accepted %s",
	         net_addr_str((struct sockaddr *)&ss, peer, sizeof(peer)));
	trace_add(c, fd_name(c, fd), '*', NULL, 0, text);
	return fd;
}

int d_connect_from(struct ctx *c, uint32_t source, uint32_t ip, uint16_t port)
{
	struct sockaddr_storage src, dst;
	socklen_t slen, dlen;
	char err[160], text[320], from[NET_ADDRSTR_MAX];
	int fd;
	net_sockaddr4(&src, &slen, source, 0);
	net_sockaddr4(&dst, &dlen, ip, port);
	net_addr_str((struct sockaddr *)&src, from, sizeof(from));
	if (net_connect((struct sockaddr *)&dst, dlen, (struct sockaddr *)&src,
	                net_deadline(c->r->o.timeout_ms), &fd, err, sizeof(err)) < 0) {
		snprintf(text, sizeof(text), "peer from %s: %s", from, err);
		trace_add(c, "peer", '*', NULL, 0, text);
		return -1;
	}
	track(c, fd, "p", ++c->ndest);
	snprintf(text, sizeof(text), "peer connected from %s (port %u)", from, local_port(fd));
	trace_add(c, fd_name(c, fd), '*', NULL, 0, text);
	return fd;
}

int d_connect_nowait(struct ctx *c, uint32_t ip, uint16_t port)
{
	struct sockaddr_storage src, dst;
	socklen_t slen, dlen;
	net_sockaddr4(&src, &slen, c->r->dest_ip, 0);
	net_sockaddr4(&dst, &dlen, ip, port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&src, slen) < 0 ||
	    (connect(fd, (struct sockaddr *)&dst, dlen) < 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	track(c, fd, "f", ++c->ndest);
	note(c, "filler connection started to port %u", port);
	return fd;
}

/* A port on dest-addr where connections are refused, and that stays so while
 * the case runs: a socket bound there but not listening answers a SYN with a
 * reset, and holds the port (no SO_REUSEADDR) so that no other listener of
 * this run, or of anything else on the host, can be given it meanwhile. A
 * port merely closed could be handed to the next bind(0) at once. */
uint16_t d_refused_port(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	net_sockaddr4(&ss, &len, c->r->dest_ip, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		note(c, "cannot hold a refused port: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return 0;
	}
	uint16_t port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	track(c, fd, "R", ++c->ndest);
	note(c, "port %u held, not listening: connections to it are refused", port);
	return port;
}

/* Copies fd's input back to it until end of file, then shuts the write side. */
static void echo_fd(int fd)
{
	uint8_t buf[16384];
	for (;;) {
		char err[64];
		ssize_t n = net_read_some(fd, buf, sizeof(buf), net_deadline(SERVICE_IDLE_MS), err,
		                          sizeof(err));
		if (n <= 0)
			break;
		if (net_write_all(fd, buf, (size_t)n, net_deadline(SERVICE_IDLE_MS), err,
		                  sizeof(err)) < 0)
			break;
	}
	shutdown(fd, SHUT_WR);
}

static void *case_echo_main(void *arg)
{
	echo_fd(*(int *)arg);
	return NULL;
}

void d_echo_start(struct ctx *c, int fd)
{
	c->echo_fd = fd;
	c->echo_running = pthread_create(&c->echo_tid, NULL, case_echo_main, &c->echo_fd) == 0;
}

void d_echo_wait(struct ctx *c)
{
	if (c->echo_running)
		pthread_join(c->echo_tid, NULL);
	c->echo_running = 0;
}

/* The runner's services (the echo destinations, the identd): an accept loop
 * that hands each connection to a thread of its own, at most
 * SERVICE_MAX_CONNS at once; harness_stop() waits for them all. */
struct service_conn {
	struct runner *r;
	int fd;
	void (*serve)(struct runner *r, int fd);
};

static void *service_conn_main(void *arg)
{
	struct service_conn *sc = arg;
	struct runner *r = sc->r;
	sc->serve(r, sc->fd);
	pthread_mutex_lock(&r->mu);
	for (int i = 0; i < SERVICE_MAX_CONNS; i++)
		if (r->service_fds[i] == sc->fd)
			r->service_fds[i] = -1;
	close(sc->fd);
	free(sc);
	r->service_conns--;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void accept_loop(struct runner *r, int lfd, void (*serve)(struct runner *, int))
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (r->stopping)
				break;
			if (errno == EMFILE || errno == ENFILE)
				poll(NULL, 0, 50);
			continue;
		}
		pthread_mutex_lock(&r->mu);
		int room = r->service_conns < SERVICE_MAX_CONNS;
		if (room) {
			r->service_conns++;
			for (int i = 0; i < SERVICE_MAX_CONNS; i++)
				if (r->service_fds[i] < 0) {
					r->service_fds[i] = fd;
					break;
				}
		}
		pthread_mutex_unlock(&r->mu);
		struct service_conn *sc = room ? malloc(sizeof(*sc)) : NULL;
		pthread_t tid;
		if (sc != NULL) {
			*sc = (struct service_conn){r, fd, serve};
			if (pthread_create(&tid, &attr, service_conn_main, sc) == 0)
				continue;
			free(sc);
		}
		pthread_mutex_lock(&r->mu);
		for (int i = 0; i < SERVICE_MAX_CONNS; i++)
			if (r->service_fds[i] == fd)
				r->service_fds[i] = -1;
		if (room)
			r->service_conns--;
		pthread_mutex_unlock(&r->mu);
		close(fd);
	}
	pthread_attr_destroy(&attr);
}

static void serve_echo(struct runner *r, int fd)
{
	(void)r;
	echo_fd(fd);
}

static void *echo_main(void *arg)
{
	struct echo_service *svc = arg;
	accept_loop(svc->r, svc->lfd, serve_echo);
	return NULL;
}

/* ---- the scripted identd -------------------------------------------------- */

static struct ident_script *script_for(struct runner *r, uint16_t port)
{
	for (int i = 0; i < IDENT_SCRIPTS; i++)
		if (r->scripts[i].in_use && r->scripts[i].port == port)
			return &r->scripts[i];
	return NULL;
}

void ident_script(struct ctx *c, int fd, enum ident_answer kind, const char *arg)
{
	struct runner *r = c->r;
	uint16_t port = local_port(fd);
	pthread_mutex_lock(&r->mu);
	struct ident_script *s = script_for(r, port);
	for (int i = 0; s == NULL && i < IDENT_SCRIPTS; i++)
		if (!r->scripts[i].in_use)
			s = &r->scripts[i];
	if (s != NULL) {
		memset(s, 0, sizeof(*s));
		s->in_use = 1;
		s->port = port;
		s->kind = kind;
		snprintf(s->arg, sizeof(s->arg), "%s", arg != NULL ? arg : "");
		if (c->nscripts < CTX_FDS)
			c->script_ports[c->nscripts++] = port;
	}
	pthread_mutex_unlock(&r->mu);
	/* The answer for the trace: printable ASCII as is, the rest as \xNN. */
	char shown[160] = "";
	size_t o = 0;
	for (const char *p = arg != NULL ? arg : ""; *p != '\0' && o + 5 < sizeof(shown); p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch >= 0x20 && ch < 0x7f)
			shown[o++] = (char)ch;
		else
			o += (size_t)snprintf(shown + o, sizeof(shown) - o, "\\x%02x", ch);
	}
	shown[o] = '\0';
	note(c, "identd will answer for port %u: %s %s", port,
	     kind == IDENT_ANS_USERID  ? "USERID"
	     : kind == IDENT_ANS_ERROR ? "ERROR"
	     : kind == IDENT_ANS_RAW   ? "raw"
	     : kind == IDENT_ANS_CLOSE ? "close"
	                               : "hang",
	     shown);
}

const char *ident_query_line(struct ctx *c, int fd, int timeout_ms)
{
	struct runner *r = c->r;
	uint16_t port = local_port(fd);
	int64_t deadline = net_deadline(timeout_ms);
	const char *line = NULL;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct ident_script *s = script_for(r, port);
		if (s != NULL && s->query[0] != '\0') {
			line = s->query;
			break;
		}
		int left = net_remaining_ms(deadline);
		if (left == 0)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(left % 1000) * 1000000;
		ts.tv_sec += left / 1000 + ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	pthread_mutex_unlock(&r->mu);
	return line;
}

/* Answers one query: by the script for the port it names, else with the
 * default USERID (the one ordinary cases send). */
/* Reads one query line (bounded in bytes and time); its parse result. */
static int read_ident_query(int fd, uint8_t *buf, size_t cap, struct ident_query *q)
{
	size_t len = 0;
	int rc = IDENT_INCOMPLETE;
	int64_t deadline = net_deadline(SERVICE_IDLE_MS);
	while (rc == IDENT_INCOMPLETE && len < cap) {
		char err[64];
		ssize_t n = net_read_some(fd, buf + len, cap - len, deadline, err, sizeof(err));
		if (n <= 0)
			break;
		len += (size_t)n;
		rc = ident_parse_query(buf, len, q);
	}
	return rc;
}

static void keep_query(struct ident_script *s, const uint8_t *buf, int rc)
{
	size_t qn = (size_t)rc < sizeof(s->query) - 1 ? (size_t)rc : sizeof(s->query) - 1;
	memcpy(s->query, buf, qn);
	s->query[qn] = '\0';
}

/* The answer line for a query: its case's script, or the ordinary USERID. */
static void answer_line(const struct ident_query *q, enum ident_answer kind, const char *arg,
                        char *line, size_t cap)
{
	line[0] = '\0';
	if (kind == IDENT_ANS_RAW) {
		snprintf(line, cap, "%u , %u : %s\r\n", q->port_on_server, q->port_on_client, arg);
		return;
	}
	if (kind == IDENT_ANS_CLOSE || kind == IDENT_ANS_HANG)
		return;
	struct ident_response resp = {.port_on_server = q->port_on_server,
	                              .port_on_client = q->port_on_client,
	                              .type = kind == IDENT_ANS_ERROR ? IDENT_ERROR : IDENT_USERID,
	                              .opsys = "UNIX",
	                              .opsys_len = 4,
	                              .userid = arg,
	                              .userid_len = strlen(arg),
	                              .error = arg,
	                              .error_len = strlen(arg)};
	int n = ident_write_response(line, cap - 1, &resp);
	line[n > 0 && (size_t)n <= cap - 1 ? (size_t)n : 0] = '\0';
}

/* Holds a HANG query unanswered until its case is over (or a bound). */
static void hold_unanswered(struct runner *r, uint16_t port)
{
	int64_t until = net_deadline(IDENT_HANG_MAX_MS);
	for (;;) {
		pthread_mutex_lock(&r->mu);
		int released = script_for(r, port) == NULL || r->stopping;
		pthread_mutex_unlock(&r->mu);
		if (released || net_remaining_ms(until) == 0)
			break;
		poll(NULL, 0, 50);
	}
}

static void serve_ident(struct runner *r, int fd)
{
	uint8_t buf[IDENT_LINE_MAX];
	struct ident_query q;
	int rc = read_ident_query(fd, buf, sizeof(buf), &q);
	char line[IDENT_LINE_MAX + 1] = "";
	enum ident_answer kind = IDENT_ANS_USERID;
	pthread_mutex_lock(&r->mu);
	r->ident_queries++;
	struct ident_script *s = rc > 0 ? script_for(r, q.port_on_server) : NULL;
	struct ident_script *swapped = rc > 0 && s == NULL ? script_for(r, q.port_on_client) : NULL;
	if (swapped != NULL && swapped->query[0] == '\0') {
		/* The ports in the wrong order: the query is about that case's
		 * connection all the same (it came, the case judges it), but no
		 * connection has these ports: answered as any other. */
		keep_query(swapped, buf, rc);
		pthread_cond_broadcast(&r->cv);
	}
	if (s != NULL) {
		keep_query(s, buf, rc);
		kind = s->kind;
		answer_line(&q, kind, s->arg, line, sizeof(line));
		pthread_cond_broadcast(&r->cv);
	} else if (rc > 0) {
		answer_line(&q, IDENT_ANS_USERID, r->o.user, line, sizeof(line));
	}
	pthread_mutex_unlock(&r->mu);

	if (kind == IDENT_ANS_HANG) {
		hold_unanswered(r, q.port_on_server);
	} else if (line[0] != '\0') {
		char err[64];
		net_write_all(fd, line, strlen(line), net_deadline(SERVICE_IDLE_MS), err,
		              sizeof(err));
	}
}

static void *ident_main(void *arg)
{
	struct runner *r = arg;
	accept_loop(r, r->ident_lfd, serve_ident);
	return NULL;
}

/* ---- start, stop, contexts ------------------------------------------------- */

/* Listens for one of the runner's services. A port another program holds is
 * named as such: the cause is what the user needs, not the errno. */
static int service_listen(const char *ip, int port, int backlog, int *fd, uint16_t *port_out,
                          const char *what, char *err, size_t errlen)
{
	char why[160];
	if (net_listen(ip, (uint16_t)port, backlog, fd, port_out, why, sizeof(why)) == 0)
		return 0;
	*fd = -1;
	if (errno == EADDRINUSE)
		snprintf(err, errlen, "%s cannot listen: port %d on %s is in use by another program",
		         what, port, ip);
	else if (errno == EACCES)
		snprintf(err, errlen,
		         "%s cannot listen: port %d on %s needs root (or CAP_NET_BIND_SERVICE)", what,
		         port, ip);
	else
		snprintf(err, errlen, "%s cannot listen: %s", what, why);
	return -1;
}

int harness_start(struct runner *r, char *err, size_t errlen)
{
	char ip[16], src[16];
	struct in_addr a = {.s_addr = htonl(r->dest_ip)};
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	a.s_addr = htonl(r->src_ip);
	inet_ntop(AF_INET, &a, src, sizeof(src));
	r->echo = (struct echo_service){r, -1, 0};
	r->deny = (struct echo_service){r, -1, 0};
	r->ident_lfd = -1;
	for (int i = 0; i < SERVICE_MAX_CONNS; i++)
		r->service_fds[i] = -1;
	/* Every case needs the echo destination: without it there is no run. */
	if (service_listen(ip, 0, 128, &r->echo.lfd, &r->echo_port, "the echo destination", err,
	                   errlen) < 0)
		return -1;
	pthread_create(&r->echo.tid, NULL, echo_main, &r->echo);
	/* With --deny-port the runner listens there, so that a target which
	 * does not deny would be seen connecting (90), not failing (91). The
	 * user asked for it: a port we cannot hold stops the run. */
	if (r->o.deny_port > 0) {
		if (service_listen(ip, r->o.deny_port, 128, &r->deny.lfd, NULL,
		                   "the --deny-port destination", err, errlen) < 0)
			return -1;
		pthread_create(&r->deny.tid, NULL, echo_main, &r->deny);
	}

	/* The target asks identd on the host its client connected from: the
	 * scripted identd listens on the address our connections leave from. If
	 * it cannot, another identd may be answering there: the ident cases
	 * skip with the cause, or (--identd given) the run stops before any case. */
	char ierr[sizeof(r->lacks[NEED_BIT_IDENTD])];
	if (service_listen(src, r->o.identd_port, 64, &r->ident_lfd, &r->ident_port,
	                   "the scripted identd", ierr, sizeof(ierr)) < 0) {
		if (r->o.identd_mode != NULL) {
			snprintf(err, errlen, "--identd %s: %s", r->o.identd_mode, ierr);
			return -1;
		}
		snprintf(r->lacks[NEED_BIT_IDENTD], sizeof(r->lacks[NEED_BIT_IDENTD]), "%s", ierr);
	} else {
		pthread_create(&r->ident_tid, NULL, ident_main, r);
	}
	return 0;
}

void harness_stop(struct runner *r)
{
	pthread_mutex_lock(&r->mu);
	r->stopping = 1;
	pthread_mutex_unlock(&r->mu);
	struct echo_service *svcs[] = {&r->echo, &r->deny};
	for (int i = 0; i < 2; i++) {
		if (svcs[i]->lfd < 0)
			continue;
		shutdown(svcs[i]->lfd, SHUT_RDWR);
		pthread_join(svcs[i]->tid, NULL);
		close(svcs[i]->lfd);
	}
	if (r->ident_lfd >= 0) {
		shutdown(r->ident_lfd, SHUT_RDWR);
		pthread_join(r->ident_tid, NULL);
		close(r->ident_lfd);
	}
	/* The run is over: service connections the target still holds open
	 * are shut, so their threads end now rather than at the idle bound; a
	 * hanging identd answer ends when it sees r->stopping. */
	pthread_mutex_lock(&r->mu);
	for (int i = 0; i < SERVICE_MAX_CONNS; i++)
		if (r->service_fds[i] >= 0)
			shutdown(r->service_fds[i], SHUT_RDWR);
	pthread_mutex_unlock(&r->mu);
	int64_t deadline = net_deadline(SERVICE_IDLE_MS);
	pthread_mutex_lock(&r->mu);
	while (r->service_conns > 0 && net_remaining_ms(deadline) > 0) {
		pthread_mutex_unlock(&r->mu);
		poll(NULL, 0, 20);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
}

void ctx_init(struct ctx *c, struct runner *r, const struct s4case *cs, struct result *res)
{
	memset(c, 0, sizeof(*c));
	c->r = r;
	c->cs = cs;
	c->res = res;
	c->target = r->target;
	c->target_len = r->target_len;
	c->target_port = r->target_port;
	c->t0 = net_now_ms();
	pthread_mutex_init(&c->trace_mu, NULL);
	for (int i = 0; i < CTX_FDS; i++)
		c->fds[i] = -1;
}

void ctx_finish(struct ctx *c)
{
	case_dest_stop(c); /* first: what our own closing does there is not the target's */
	for (int i = 0; i < CTX_FDS; i++) {
		if (c->fds[i] >= 0) {
			shutdown(c->fds[i], SHUT_RDWR); /* also ends a helper echo thread */
		}
	}
	d_echo_wait(c);
	for (int i = 0; i < CTX_FDS; i++) {
		if (c->fds[i] >= 0)
			close(c->fds[i]);
		c->fds[i] = -1;
	}
	/* Drop this case's identd scripts: a HANG answer stops waiting. */
	pthread_mutex_lock(&c->r->mu);
	for (int i = 0; i < c->nscripts; i++) {
		struct ident_script *s = script_for(c->r, c->script_ports[i]);
		if (s != NULL)
			s->in_use = 0;
	}
	pthread_mutex_unlock(&c->r->mu);
	for (int i = 0; i < c->nallocs; i++)
		free(c->allocs[i]);
	c->nallocs = 0;
	names_trace_case(c);
	c->res->duration_ms = net_now_ms() - c->t0;
	/* The bytes sent stay with the result (a reproducer may need them). */
	sent_free(c->res->sent, &c->res->nsent);
	memcpy(c->res->sent, c->sent, sizeof(c->sent));
	c->res->nsent = c->nsent;
	c->nsent = 0;
	pthread_mutex_destroy(&c->trace_mu);
}

int t_target_serves(struct ctx *c)
{
	uint8_t back[4];
	struct got g;
	char what[128];
	int fd = echo_request(c, "is the target still serving?", &g);
	if (fd < 0)
		return 0;
	if (g.kind != GOT_REPLY || g.rep.cd != S4_REP_GRANTED) {
		fail(c, "%s", got_str(&g, what, sizeof(what)));
		return 0;
	}
	if (t_send(c, fd, "ping", 4) < 0 || t_read_exact(c, fd, back, 4, c->r->o.timeout_ms) < 0)
		return 0;
	if (memcmp(back, "ping", 4) != 0) {
		fail(c, "the echo came back changed");
		return 0;
	}
	/* Done with it: a target serving one client at a time serves the next. */
	t_close(c, fd);
	return 1;
}

int t_socks5_greeting(struct ctx *c, uint8_t buf[8], size_t *n)
{
	static const uint8_t greeting[] = {0x05, 0x01, 0x00};
	*n = 0;
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, greeting, sizeof(greeting)) < 0)
		return -1;
	return t_read_any(c, fd, buf, 8, c->r->o.timeout_ms, n);
}

int t_ident_request(struct ctx *c, int strict, enum ident_answer kind, const char *arg)
{
	const char *user = ident_user(c, strict);
	uint8_t req[S4_REQUEST_MAX];
	size_t n = req_build(req, sizeof(req), S4_CMD_CONNECT, c->r->echo_port, c->r->dest_ip, user,
	                     strlen(user), NULL, 0);
	int fd = t_connect(c);
	if (fd < 0)
		return -1;
	ident_script(c, fd, kind, arg);
	return t_send(c, fd, req, n) < 0 ? -1 : fd;
}

void scratch_finish(struct scratch *s)
{
	ctx_finish(&s->c);
	sent_free(s->res.sent, &s->res.nsent);
}

void scratch_init(struct scratch *s, struct runner *r, const char *id)
{
	memset(s, 0, sizeof(*s));
	s->cs.id = id;
	s->res.trace = s->trace;
	ctx_init(&s->c, r, &s->cs, &s->res);
}
