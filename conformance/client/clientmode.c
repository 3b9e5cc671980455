/* SPDX-License-Identifier: MIT */
/* clientmode.c - the client-mode runner (socks4-test --client-cmd) and the
 * exchange every client case is built on: a scripted proxy, the client's
 * command run against it, and the verifiers that judge the result. See
 * clientmode.h. */
#include "client/clientmode.h"
#include "client/confirm.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/runner.h"
#include "engine/casebody.h"

#define LOOPBACK 0x7f000001u
#define OUT_SLACK 65536     /* stdout kept beyond Y: enough to show what else came */
#define PROXY_EXTRA_MS 1000 /* the proxy waits this much longer than the client */
#define Y_PREFIX 12         /* a failure relays no Y: not even its first bytes */
/* relay/half-close/destination: after Y and the destination's end of file,
 * the rest of X waits until the client has acted on that end (exited, closed
 * stdout) or this long, so a client that stops relaying at the end fails
 * every time instead of when it happens to be slower than the runner. */
#define HALF_CLOSE_HOLD_MS 1500

static const struct case_table *const tables[] = {
        &client_cases_preflight, &client_cases_request, &client_cases_reply,
        &client_cases_relay,     &client_cases_bind,    &client_cases_robust,
};

size_t client_catalogue(const struct s4case **out, size_t cap)
{
	size_t n = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (size_t i = 0; i < tables[t]->n; i++, n++)
			if (n < cap)
				out[n] = &tables[t]->v[i];
	return n;
}

/* ---- the exchange ------------------------------------------------------- */

/* A destination port whose two bytes differ, so that a DSTPORT in the wrong
 * byte order shows. The listener stays open for the case: nothing else gets
 * the port, and a client that connects there itself is seen. */
static int dest_listener(struct ctx *c, uint16_t *port)
{
	for (int tries = 0; tries < 16; tries++) {
		int fd = d_listen(c, 8, port);
		if (fd < 0 || (*port >> 8) != (*port & 0xff))
			return fd;
	}
	return -1;
}

static void text_xy(struct ctx *c, struct exchange *e)
{
	char x[160], y[160];
	int nx = snprintf(x, sizeof(x), "socks4-test %s: to the destination\n", c->cs->id);
	int ny = snprintf(y, sizeof(y), "socks4-test %s: from the destination\n", c->cs->id);
	e->x = t_alloc(c, (size_t)nx + 1);
	e->y = t_alloc(c, (size_t)ny + 1);
	memcpy(e->x, x, (size_t)nx);
	memcpy(e->y, y, (size_t)ny);
	e->x_len = (size_t)nx;
	e->y_len = (size_t)ny;
}

void ex_binary(struct ctx *c, struct exchange *e, size_t n)
{
	e->x = t_alloc(c, n);
	e->y = t_alloc(c, n);
	fill_pattern(e->x, n, 0x5eed0001u);
	fill_pattern(e->y, n, 0x5eed0002u);
	for (size_t i = 0; i < 256 && i < n; i++)
		e->y[i] = (uint8_t)i; /* every byte value, NUL and 0xff too */
	e->x_len = e->y_len = n;
	e->s.x = e->x;
	e->s.y = e->y;
	e->s.x_len = e->s.y_len = n;
	e->s.x_first = n / 2;
	e->s.y_text = 0;
}

void ex_reply(struct exchange *e, uint8_t vn, uint8_t cd, uint16_t port, uint32_t ip)
{
	e->s.reply_len = px_reply(e->s.reply, vn, cd, port, ip);
	e->s.reply_cut = 0;
}

void ex_reply2(struct exchange *e, uint8_t cd, uint16_t port, uint32_t ip)
{
	e->s.reply_cut = S4_REPLY_LEN;
	e->s.reply_len =
	        S4_REPLY_LEN + px_reply(e->s.reply + S4_REPLY_LEN, S4_VN_REPLY, cd, port, ip);
}

void ex_init(struct ctx *c, struct exchange *e, enum host_kind host)
{
	const struct runner *r = c->r;
	memset(e, 0, sizeof(*e));
	e->host = host;
	e->url = client_wants_url(r->o.client_cmd);
	text_xy(c, e);
	snprintf(e->v.proxy_host, sizeof(e->v.proxy_host), "127.0.0.1");
	snprintf(e->v.host, sizeof(e->v.host), "%s",
	         host == HOST_LITERAL ? "127.0.0.1"
	         : host == HOST_LOCAL ? "localhost"
	                              : CLIENT_4A_NAME);
	/* the path names the case: "/socks4-test/reply/91" */
	snprintf(e->v.path, sizeof(e->v.path), "socks4-test/%s", c->cs->id);
	snprintf(e->http_path, sizeof(e->http_path), "/%s", e->v.path);
	struct px_script *s = &e->s;
	s->action = PX_GRANT;
	s->flow = PX_DEST_CLOSES;
	s->http = e->url;
	s->path = e->http_path;
	s->x = e->x;
	s->x_len = e->x_len;
	s->x_first = e->x_len / 2;
	s->y = e->y;
	s->y_len = e->y_len;
	s->y_text = 1; /* text_xy: a browser shows it as a page */
	s->timeout_ms = confirm_client_ms(r) + PROXY_EXTRA_MS;
	if (r->o.client_bind) {
		/* The first reply names where the proxy "listens", the second the
		 * peer that connected: the application server at {host}. */
		e->bind_ip = 0x7f000009u;
		e->bind_port = 0xb1d5;
		ex_reply(e, S4_VN_REPLY, S4_REP_GRANTED, e->bind_port, e->bind_ip);
		ex_reply2(e, S4_REP_GRANTED, 0x4e21, LOOPBACK);
		s->wait_go = 1;
	} else {
		ex_reply(e, S4_VN_REPLY, S4_REP_GRANTED, 0, 0);
	}
}

/* When stdin gets X and its end of file (see clientrun.h). */
static void plan_for(struct ctx *c, const struct exchange *e, struct client_plan *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->out_cap = e->y_len + OUT_SLACK;
	pl->out = t_alloc(c, pl->out_cap + 1);
	pl->timeout_ms = confirm_client_ms(c->r);
	/* Only where the case watches the client's lookups: the wrapper costs a start. */
	pl->wrap = (c->cs->needs & CNEED_NAMES) && c->r->names_ours ? c->r->ns_wrap : NULL;
	if (e->url)
		return; /* no stdin: an end of file at once */
	pl->in = e->x;
	pl->in_len = e->x_len;
	if (e->s.action != PX_GRANT) {
		pl->close_after_out = CLIENT_KEEP_STDIN; /* only the proxy ends it */
	} else if (e->s.flow == PX_CLIENT_EOF) {
		pl->close_after_out = 0;
	} else if (e->s.flow == PX_DEST_FIN) {
		/* the first part of X at once, the rest once Y and the end of file came */
		pl->in_now = e->s.x_first;
		pl->write_after_out = e->y_len;
		pl->close_after_out = e->y_len;
		pl->hold_ms = HALF_CLOSE_HOLD_MS;
	} else {
		pl->close_after_out = e->y_len; /* stdin ends once Y is out */
	}
}

static int announced_in(const struct client_result *cl, uint32_t *ip, uint16_t *port);
static int find_addr(const char *s, size_t n, uint32_t *ip, uint16_t *port);

/* BIND: once the client says where the proxy listens, the "application
 * server" connects: the proxy may send the second reply. */
static void watch_announcement(void *arg, const struct client_result *cl)
{
	uint32_t ip;
	uint16_t port;
	if (announced_in(cl, &ip, &port))
		proxy_go(arg);
}

static void note_outcome(struct ctx *c, const struct exchange *e)
{
	char ending[96], first[200];
	note(c, "client: %s; %zu bytes on stdout; stderr: %s", ex_ending(e, ending, sizeof(ending)),
	     e->cl.out_seen,
	     e->cl.err_len ? client_first_line(&e->cl, first, sizeof(first)) : "(empty)");
	if (e->direct)
		note(c, "the client connected to %s:%u itself, bypassing the proxy", e->v.host,
		     e->v.port);
}

/* The connection the case judges: the first that carried the GET of {url}
 * (other requests: /favicon.ico), else the first that carried data after its
 * request (X, or any GET), else the first that sent a byte. Connections
 * closed without one are preconnects (browsers open one and request on the
 * next); every other request got the same reply and is in the trace, and
 * ex_got_request() requires each of them to be complete. */
static void pick_judged(struct ctx *c, struct exchange *e)
{
	size_t first = e->nconn, talked = e->nconn, page = e->nconn;
	e->requests = 0;
	for (size_t i = 0; i < e->nconn; i++) {
		const struct px_record *k = &e->conn[i];
		if (k->req_len == 0)
			continue;
		if (first == e->nconn)
			first = i;
		/* a browser also keeps a spare connection with a request and no
		 * data behind it (and may use it later for /favicon.ico): the one
		 * that carried the GET of {url}, or X, is judged */
		if (talked == e->nconn && (k->x_got > 0 || k->x_extra > 0 || k->http_line[0]))
			talked = i;
		if (page == e->nconn && k->http_ok)
			page = i;
		e->requests++;
	}
	e->judged = page < e->nconn     ? page
	            : talked < e->nconn ? talked
	            : first < e->nconn  ? first
	                                : 0;
	/* a copy: its request pointers point into conn[], which lives as long */
	if (e->nconn > 0) {
		e->rec = e->conn[e->judged];
	} else {
		memset(&e->rec, 0, sizeof(e->rec));
		snprintf(e->rec.end, sizeof(e->rec.end), "the client never connected to the proxy");
	}
	if (e->nconn > 1 && e->requests > 0)
		note(c,
		     "%zu connections to the proxy: %zu with a request (each got this case's "
		     "reply), %zu closed without a byte (preconnects); judged: c%zu",
		     e->nconn, e->requests, e->nconn - e->requests, e->judged + 1);
}

void ex_run(struct ctx *c, struct exchange *e)
{
	char err[160], cmd[CLIENT_CMD_MAX];
	struct proxy p;
	int lfd = dest_listener(c, &e->v.port);
	if (lfd < 0) {
		note(c, "no destination port");
		return;
	}
	if (proxy_start(&p, c, &e->s, e->conn, err, sizeof(err)) < 0) {
		note(c, "the proxy did not start: %s", err);
		return;
	}
	e->v.proxy_port = p.port;
	if (client_expand(c->r->o.client_cmd, &e->v, cmd, sizeof(cmd)) < 0) {
		proxy_stop(&p);
		note(c, "the command is longer than %d bytes", CLIENT_CMD_MAX);
		return;
	}
	trace_add(c, "*", '*', NULL, 0, cmd);
	struct client_plan pl;
	plan_for(c, e, &pl);
	if (e->s.wait_go) {
		pl.on_output = watch_announcement;
		pl.arg = &p;
	}
	client_run_cmd(cmd, &pl, &e->cl);
	if (e->cl.timed_out)
		c->res->deadline_hit = 1; /* a FAIL now waits for a run alone (confirm.h) */
	e->nconn = proxy_stop(&p);
	pick_judged(c, e);
	struct pollfd pf = {.fd = lfd, .events = POLLIN};
	e->direct = poll(&pf, 1, 0) == 1;
	/* Only the relayed bytes count as stdout: not a BIND announcement line
	 * ("ADDR PORT") before them. */
	const uint8_t *nl = memchr(e->cl.out, '\n', e->cl.out_len);
	uint32_t ip;
	uint16_t port;
	if (c->r->o.client_bind && nl != NULL &&
	    find_addr((const char *)e->cl.out, (size_t)(nl - e->cl.out), &ip, &port))
		e->out_skip = (size_t)(nl - e->cl.out) + 1;
	note_outcome(c, e);
}

const uint8_t *ex_out(const struct exchange *e, size_t *len)
{
	*len = e->cl.out_len - e->out_skip;
	return e->cl.out + e->out_skip;
}

/* "127.0.0.1 4000" or "127.0.0.1:4000" somewhere in a line. */
static int find_addr(const char *s, size_t n, uint32_t *ip, uint16_t *port)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'))
			continue;
		unsigned a, b, c, d, p;
		char tail;
		char line[64];
		size_t k = n - i < sizeof(line) - 1 ? n - i : sizeof(line) - 1;
		memcpy(line, s + i, k);
		line[k] = '\0';
		if (sscanf(line, "%u.%u.%u.%u%c%u", &a, &b, &c, &d, &tail, &p) == 6 &&
		    (tail == ' ' || tail == ':') && a < 256 && b < 256 && c < 256 && d < 256 &&
		    p > 0 && p < 65536) {
			*ip = a << 24 | b << 16 | c << 8 | d;
			*port = (uint16_t)p;
			return 1;
		}
	}
	return 0;
}

static int announced_in(const struct client_result *cl, uint32_t *ip, uint16_t *port)
{
	const char *out = (const char *)cl->out;
	const char *nl = memchr(out, '\n', cl->out_len);
	if (nl != NULL && find_addr(out, (size_t)(nl - out), ip, port))
		return 1;
	const char *s = cl->err;
	while (*s != '\0') {
		const char *eol = strchr(s, '\n');
		size_t n = eol != NULL ? (size_t)(eol - s) : strlen(s);
		if (eol == NULL)
			break; /* a line is only complete with its newline */
		if (find_addr(s, n, ip, port))
			return 1;
		s += n + 1;
	}
	return 0;
}

int ex_announced(const struct exchange *e, uint32_t *ip, uint16_t *port)
{
	return announced_in(&e->cl, ip, port);
}

const char *ex_ending(const struct exchange *e, char *buf, size_t cap)
{
	const struct client_result *cl = &e->cl;
	if (!cl->started)
		snprintf(buf, cap, "not started (%s)", cl->err);
	else if (cl->timed_out)
		snprintf(buf, cap, "no exit within %.1f s (killed)", (double)cl->ms / 1000.0);
	else if (cl->signaled)
		snprintf(buf, cap, "killed by signal %d after %lld ms", cl->sig, (long long)cl->ms);
	else
		snprintf(buf, cap, "exit %d after %lld ms", cl->status, (long long)cl->ms);
	return buf;
}

static void hex(const uint8_t *b, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && o + 4 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%02x ", b[i]);
	if (o > 0)
		out[o - 1] = '\0';
}

int ex_got_request(struct ctx *c, struct exchange *e)
{
	char bytes[100], ending[96], on[32] = "";
	ex_ending(e, ending, sizeof(ending));
	if (e->nconn == 0) {
		fail(c, "the client never connected to the proxy (%s%s)", ending,
		     e->direct ? "; it connected to the destination directly" : "");
		return 0;
	}
	if (e->requests == 0) {
		if (e->nconn == 1)
			fail(c,
			     "the client connected to the proxy once and closed the connection "
			     "without a byte (%s%s)",
			     ending, e->direct ? "; it connected to the destination directly" : "");
		else
			fail(c,
			     "the client connected to the proxy %zu times and closed each "
			     "connection without a byte (%s%s)",
			     e->nconn, ending,
			     e->direct ? "; it connected to the destination directly" : "");
		return 0;
	}
	/* every request on its own connection: each must be complete */
	for (size_t i = 0; i < e->nconn; i++) {
		const struct px_record *k = &e->conn[i];
		if (k->req_len == 0 || k->parse_rc > 0)
			continue;
		if (e->nconn > 1)
			snprintf(on, sizeof(on), " on c%zu", i + 1);
		hex(k->req, k->req_len < 24 ? k->req_len : 24, bytes, sizeof(bytes));
		fail(c, "no complete request%s: %s (%zu bytes: %s; %s)", on, k->end, k->req_len,
		     bytes, ending);
		return 0;
	}
	return 1;
}

int ex_header(struct ctx *c, struct exchange *e, struct s4_request *h)
{
	if (!e->rec.accepted || s4_parse_header(e->rec.req, e->rec.req_len, h) < 0) {
		fail(c, "no request header: %s", e->rec.end[0] ? e->rec.end : "fewer than 8 bytes");
		return 0;
	}
	return 1;
}

/* Where stdout and Y part. */
static size_t first_difference(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t i = 0;
	while (i < an && i < bn && a[i] == b[i])
		i++;
	return i;
}

static enum verdict not_hung(struct ctx *c, struct exchange *e)
{
	char ending[96];
	if (!e->cl.started || e->cl.timed_out || e->cl.signaled)
		return fail(c, "%s", ex_ending(e, ending, sizeof(ending)));
	return V_PASS;
}

/* Y shown within stdout (--client-judge stdout: a browser's page around it). */
static int y_shown(const struct exchange *e)
{
	size_t n;
	const uint8_t *out = ex_out(e, &n);
	return e->y_len > 0 && memmem(out, n, e->y, e->y_len) != NULL;
}

int ex_by_stdout(const struct ctx *c)
{
	return c->r->o.client_judge_stdout;
}

int ex_reports_success(const struct ctx *c, const struct exchange *e)
{
	return ex_by_stdout(c) ? y_shown(e) : e->cl.started && e->cl.exited && e->cl.status == 0;
}

/* --client-judge stdout: Expected says how it is judged. */
static void expect_by_stdout(struct ctx *c)
{
	char was[sizeof(c->res->expected)];
	snprintf(was, sizeof(was), "%s", c->res->expected);
	expect(c,
	       "%s [--client-judge stdout: judged by what stdout shows; exit status not "
	       "judged]",
	       was);
}

enum verdict ex_expect_success(struct ctx *c, struct exchange *e)
{
	char ending[96];
	int by_stdout = c->r->o.client_judge_stdout;
	if (c->res->expected[0] == '\0')
		expect(c, "%s reaches the destination, Y (%zu bytes) the client's stdout, exit 0",
		       e->url ? "the GET of {url}" : "X (stdin)", e->y_len);
	if (by_stdout && strstr(c->res->expected, "--client-judge") == NULL)
		expect_by_stdout(c);
	if (!ex_got_request(c, e))
		return V_FAIL;
	if (!e->rec.replied)
		return fail(c, "the proxy did not reply: %s", e->rec.end);
	if (e->url && !e->rec.http_ok)
		return fail(c, "the destination got no GET of the path (request line: '%s'; %s)",
		            e->rec.http_line, ex_ending(e, ending, sizeof(ending)));
	if (!e->url && (e->rec.x_got != e->x_len || !e->rec.x_match || e->rec.x_extra))
		return fail(c, "the destination got %zu of %zu bytes of X%s%s (%s)", e->rec.x_got,
		            e->x_len, e->rec.x_match ? "" : ", not the same bytes",
		            e->rec.x_extra ? ", and more after them" : "",
		            ex_ending(e, ending, sizeof(ending)));
	size_t n;
	const uint8_t *out = ex_out(e, &n);
	if (by_stdout) {
		if (!y_shown(e))
			return fail(c, "Y (%zu bytes) is not on stdout (%zu bytes; %s)", e->y_len,
			            e->cl.out_seen - e->out_skip,
			            ex_ending(e, ending, sizeof(ending)));
		if (not_hung(c, e) != V_PASS)
			return V_FAIL;
		return pass(c, "X intact, Y shown within %zu bytes of stdout, %s", n,
		            ex_ending(e, ending, sizeof(ending)));
	}
	if (n != e->y_len || memcmp(out, e->y, n) != 0)
		return fail(c, "stdout: %zu bytes%s, Y is %zu; they differ from byte %zu on (%s)",
		            e->cl.out_seen - e->out_skip,
		            e->cl.out_seen > e->cl.out_len ? " (not all kept)" : "", e->y_len,
		            first_difference(out, n, e->y, e->y_len),
		            ex_ending(e, ending, sizeof(ending)));
	if (not_hung(c, e) != V_PASS)
		return V_FAIL;
	if (e->cl.status != 0)
		return fail(c, "Y came out intact, but %s", ex_ending(e, ending, sizeof(ending)));
	return pass(c, "X and Y intact, %s", ex_ending(e, ending, sizeof(ending)));
}

enum verdict ex_expect_failure(struct ctx *c, struct exchange *e)
{
	char ending[96], first[200];
	int by_stdout = c->r->o.client_judge_stdout;
	if (c->res->expected[0] == '\0')
		expect(c, "a non-zero exit within %d s, none of the destination's bytes on stdout",
		       c->r->o.client_timeout_ms / 1000);
	if (by_stdout && strstr(c->res->expected, "--client-judge") == NULL)
		expect_by_stdout(c);
	if (!ex_got_request(c, e) || not_hung(c, e) != V_PASS)
		return V_FAIL;
	size_t n, k = e->y_len < Y_PREFIX ? e->y_len : Y_PREFIX;
	const uint8_t *out = ex_out(e, &n);
	if (k > 0 && memmem(out, n, e->y, k) != NULL)
		return fail(c, "the destination's bytes reached stdout (%s)",
		            ex_ending(e, ending, sizeof(ending)));
	if (by_stdout)
		return pass(c, "none of the destination's bytes on stdout (%zu bytes), %s", n,
		            ex_ending(e, ending, sizeof(ending)));
	if (e->cl.status == 0)
		return fail(c, "exit 0 after %lld ms: the failure was not reported",
		            (long long)e->cl.ms);
	return pass(c, "%s; says: %s", ex_ending(e, ending, sizeof(ending)),
	            e->cl.err_len ? client_first_line(&e->cl, first, sizeof(first))
	                          : "(nothing on stderr)");
}

/* ---- the run ----------------------------------------------------------- */

static void capabilities(struct runner *r)
{
	const struct runner_opts *o = &r->o;
	r->have = 0;
	if (o->client_4a) {
		r->have |= NEED_4A;
		runner_lack(r, NEED_NO_4A, "%s",
		            "the client lets the proxy resolve names (--client-4a)");
	} else {
		r->have |= NEED_NO_4A;
		runner_lack(r, NEED_4A, "%s",
		            "the client is not declared to do SOCKS4a (--client-4a)");
	}
	if (o->client_bind) {
		r->have |= NEED_BIND;
		runner_lack(r, CNEED_CONNECT, "%s",
		            "a BIND client (--client-bind): CONNECT cases do not apply");
	} else {
		r->have |= CNEED_CONNECT;
		runner_lack(r, NEED_BIND, "%s",
		            "the client is not declared a BIND client (--client-bind)");
	}
	if (o->client_judge_stdout)
		runner_lack(
		        r, CNEED_EXACT_OUT, "%s",
		        "stdout is judged by what it shows (--client-judge stdout), not byte for "
		        "byte");
	else
		r->have |= CNEED_EXACT_OUT;
	if (names_private(r) == 0) /* the client's lookups reach the runner (names.c) */
		r->have |= CNEED_NAMES;
	else
		runner_lack(r, CNEED_NAMES, "%s", r->names_note);
	if (client_wants_url(o->client_cmd))
		runner_lack(r, CNEED_STREAM, "%s",
		            "the client fetches {url}: it has no stdin stream to end");
	else
		r->have |= CNEED_STREAM;
}

/* Runs case i (or skips it) and returns its verdict, not yet posted. */
static enum verdict judge_case(struct runner *r, size_t i)
{
	const struct s4case *cs = r->cases[i];
	struct result *res = &r->results[i];
	unsigned missing = cs->needs & ~r->have;
	char why[sizeof(r->not_socks4_why) + 32];
	const char *skip_why = NULL;
	int ran;
	pthread_mutex_lock(&r->mu);
	int blocked = r->not_socks4 && !case_is_preflight(cs);
	pthread_mutex_unlock(&r->mu);
	if (blocked) {
		snprintf(why, sizeof(why), "the preflight failed: %s", r->not_socks4_why);
		skip_why = why;
	} else if (missing) {
		skip_why = case_missing_reason(r, missing);
	}
	enum verdict v = case_body(r, cs, res, NULL, skip_why, &ran);
	if (v == V_PASS && cs->level == LEVEL_INFO)
		v = V_INFO;
	return v;
}

/* Runs case i and posts its verdict, or holds a FAIL that rests on the
 * client's deadline for a run alone (confirm.h). */
static void run_case(struct runner *r, size_t i)
{
	enum verdict v = judge_case(r, i);
	struct result *res = &r->results[i];
	pthread_mutex_lock(&r->mu);
	res->v = v;
	res->done = !confirm_wanted(r, i, v); /* held: confirm_held() posts it */
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Cases that wait for the client's own time limit (F_SLOW) are taken first,
 * so that they run alongside the others instead of after them. */
static void *worker(void *arg)
{
	struct runner *r = arg;
	for (;;) {
		pthread_mutex_lock(&r->mu);
		size_t k = r->next_case++;
		size_t i = k % r->ncases;
		int done = k < 2 * r->ncases && r->results[i].done; /* the preflight */
		int last = k >= 2 * r->ncases && --r->workers_left == 0;
		pthread_mutex_unlock(&r->mu);
		if (last) /* nothing else in flight: the held FAILs run again alone */
			confirm_held(r, judge_case);
		if (k >= 2 * r->ncases)
			return NULL;
		int slow = (r->cases[i]->flags & F_SLOW) != 0;
		if (!done && slow == (k < r->ncases))
			run_case(r, i);
	}
}

int client_mode_run(struct runner *r, void (*on_result)(struct runner *, size_t, void *), void *arg,
                    char *err, size_t errlen)
{
	if (r->o.client_cmd == NULL || r->o.client_cmd[0] == '\0') {
		snprintf(err, errlen, "an empty --client-cmd");
		return -1;
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	snprintf(r->target_text, sizeof(r->target_text), "%s%s", r->o.client_cmd,
	         r->o.client_judge_stdout ? "  [--client-judge stdout]" : "");
	r->dest_ip = LOOPBACK;
	capabilities(r);
	r->results = calloc(r->ncases, sizeof(*r->results));
	if (r->results == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < r->ncases; i++)
		r->results[i].trace = calloc(TRACE_MAX, sizeof(struct trace_ev));

	/* The preflight alone first: when the client never sends a request,
	 * every other case is skipped with that reason instead of failing. */
	size_t first = 0;
	while (first < r->ncases && case_is_preflight(r->cases[first])) {
		run_case(r, first);
		if (r->results[first].v == V_FAIL)
			runner_mark_not_socks4(r, r->results[first].actual);
		first++;
	}
	r->next_case = 0;
	int jobs = r->o.jobs > 0 ? r->o.jobs : 1;
	pthread_t workers[64];
	int started = 0;
	pthread_mutex_lock(&r->mu);
	r->workers_left = jobs < 64 ? jobs : 64;
	pthread_mutex_unlock(&r->mu);
	for (int k = 0; k < jobs && k < 64; k++)
		started += pthread_create(&workers[started], NULL, worker, r) == 0;
	pthread_mutex_lock(&r->mu);
	r->workers_left -= (jobs < 64 ? jobs : 64) - started; /* those that did not start */
	if (started == 0)
		r->workers_left = 1;
	pthread_mutex_unlock(&r->mu);
	if (started == 0)
		worker(r);
	runner_stream_results(r, on_result, arg);
	for (int k = 0; k < started; k++)
		pthread_join(workers[k], NULL);
	names_stop(r);
	return 0;
}
