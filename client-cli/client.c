/* SPDX-License-Identifier: MIT */
/* client.c - one session of socks4-client. The contract is in client.h.
 *
 * The steps, each with its own --timeout: resolve HOST (plain SOCKS4 only),
 * reach the proxy, send the request, read the reply (for BIND: announce the
 * address, read the second reply), relay. Every SOCKS byte is written by
 * s4_write_request and read by s4_parse_reply / s4_parse_request; this file
 * only decides what the results mean for the user.
 */
#include "client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "relay.h"
#include "trace.h"

#define PROG "socks4-client"
#define MS_PER_S 1000.0

/* "CONNECT <255-octet name>:65535 (SOCKS4a)" and the like. */
#define WHAT_MAX (S4_HOST_MAX + 64)

/* One line of -v trace, --raw output or the BIND address. */
#define OUT_LINE_MAX (TRACE_HEX_MAX + TRACE_FIELDS_MAX)

/* What the session knows while it runs. */
struct session {
	const struct client_opts *o;
	int fd;              /* the connection to the proxy, -1 before */
	int is_bind;         /* the request is a BIND: two replies */
	char what[WHAT_MAX]; /* the request in messages: "CONNECT 10.0.0.1:80" */
	char *msg;
	size_t msglen;
};

/* One reply as read: its bytes, and lib/socks4's verdict on them. */
struct reply {
	uint8_t bytes[S4_REPLY_LEN];
	size_t got;
	int rc;         /* s4_parse_reply: S4_REPLY_LEN or S4_EVERSION when complete */
	int cut;        /* the proxy closed, failed or ran out of time first */
	int read_errno; /* then: 0 for end of file, else errno (ETIMEDOUT, ...) */
	struct s4_reply rep;
	double ms; /* from the start of the wait */
};

__attribute__((format(printf, 3, 4))) static int fail(struct session *s, int status,
                                                      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, s->msglen, fmt, ap);
	va_end(ap);
	return status;
}

__attribute__((format(printf, 2, 3))) static void trace(const struct session *s, const char *fmt,
                                                        ...)
{
	if (!s->o->verbose)
		return;
	char line[OUT_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, PROG ": %s\n", line);
}

/* Writes one formatted chunk straight to fd, past stdio: nothing can wait in
 * a stdio buffer when the relay takes over fd 1, so the BIND line and the
 * --raw decoding reach the reader before any relayed byte. */
__attribute__((format(printf, 3, 4))) static int emit(const struct session *s, int fd,
                                                      const char *fmt, ...)
{
	char line[OUT_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	return net_write_all(fd, line, len, net_deadline(s->o->timeout_ms), NULL, 0);
}

static double timeout_s(const struct session *s)
{
	return s->o->timeout_ms / MS_PER_S;
}

/* net_resolve4's err reads "resolve NAME: reason"; messages here name the
 * host themselves and want only the reason. */
static const char *reason(const char *err)
{
	const char *colon = strrchr(err, ':');
	return colon != NULL && colon[1] == ' ' ? colon + 2 : err;
}

/* Fills DSTIP (and, for 4a, the hostname). An IPv4 literal is sent as it
 * is; a name is resolved here for SOCKS4, or, with --4a, left to the proxy
 * without any local lookup, so the name never reaches the local resolver. */
static int set_destination(struct session *s, struct s4_request *req)
{
	const struct client_opts *o = s->o;
	struct in_addr lit;
	if (inet_pton(AF_INET, o->host, &lit) == 1) {
		req->dstip = ntohl(lit.s_addr);
		return CX_OK;
	}
	if (o->socks4a) {
		req->dstip = CLIENT_4A_MARKER;
		req->host = o->host;
		req->host_len = strlen(o->host);
		return CX_OK;
	}
	char err[CLIENT_MSG_MAX], ip[TRACE_IP4_MAX];
	size_t n;
	int64_t t0 = trace_now_us();
	if (net_resolve4(o->host, o->timeout_ms, &req->dstip, 1, &n, err, sizeof(err)) < 0) {
		if (errno == ETIMEDOUT)
			return fail(s, CX_TIMEOUT, "cannot resolve %s: no answer within %g s",
			            o->host, timeout_s(s));
		return fail(s, CX_RESOLVE,
		            "cannot resolve %s: %s (SOCKS4 sends an IPv4 address; --4a lets the "
		            "proxy resolve the name)",
		            o->host, reason(err));
	}
	trace(s, "resolved %s to %s in %.2f ms", o->host, trace_ip4(req->dstip, ip, sizeof(ip)),
	      trace_ms_since(t0));
	return CX_OK;
}

/* Builds the request with lib/socks4 into buf, and names it for messages. */
static int build_request(struct session *s, uint8_t *buf, size_t cap, size_t *len)
{
	const struct client_opts *o = s->o;
	struct s4_request req = {
	        .vn = S4_VN_REQUEST,
	        .cd = o->bind ? S4_CMD_BIND : S4_CMD_CONNECT,
	        .dstport = o->port,
	        .userid = o->user,
	        .userid_len = strlen(o->user),
	};
	int rc = set_destination(s, &req);
	if (rc != CX_OK)
		return rc;
	snprintf(s->what, sizeof(s->what), "%s %s:%u%s", s4_cmd_str(req.cd), o->host, o->port,
	         req.host != NULL ? " (SOCKS4a)" : "");
	int n = s4_write_request(buf, cap, &req);
	if (n < 0 || (size_t)n > cap)
		return fail(s, CX_LOCAL, "cannot build the %s request: %s", s->what,
		            n < 0 ? s4_strerror(n) : "too long");
	*len = (size_t)n;
	s->is_bind = o->bind;
	return CX_OK;
}

/* The proxy's socket address: an IPv4 or IPv6 literal as it is, a name
 * through the resolver (IPv4). */
static int proxy_address(struct session *s, struct sockaddr_storage *ss, socklen_t *len)
{
	const struct client_opts *o = s->o;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET6, o->proxy_host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(o->proxy_port);
		*len = sizeof(*s6);
		return CX_OK;
	}
	char err[CLIENT_MSG_MAX];
	uint32_t ip;
	size_t n;
	if (net_resolve4(o->proxy_host, o->timeout_ms, &ip, 1, &n, err, sizeof(err)) < 0)
		return fail(s, errno == ETIMEDOUT ? CX_TIMEOUT : CX_PROXY,
		            "cannot reach proxy %s: cannot resolve %s: %s", o->proxy, o->proxy_host,
		            reason(err));
	net_sockaddr4(ss, len, ip, o->proxy_port);
	return CX_OK;
}

static int connect_proxy(struct session *s)
{
	const struct client_opts *o = s->o;
	struct sockaddr_storage ss;
	socklen_t len;
	int rc = proxy_address(s, &ss, &len);
	if (rc != CX_OK)
		return rc;

	char where[NET_ADDRSTR_MAX];
	int64_t t0 = trace_now_us();
	if (net_connect((struct sockaddr *)&ss, len, NULL, net_deadline(o->timeout_ms), &s->fd,
	                NULL, 0) < 0) {
		if (errno == ETIMEDOUT)
			return fail(s, CX_TIMEOUT,
			            "cannot reach proxy %s: no connection within %g s", o->proxy,
			            timeout_s(s));
		return fail(s, CX_PROXY, "cannot reach proxy %s: %s", o->proxy, strerror(errno));
	}
	trace(s, "connected to proxy %s (%s) in %.2f ms", o->proxy,
	      net_addr_str((struct sockaddr *)&ss, where, sizeof(where)), trace_ms_since(t0));
	return CX_OK;
}

/* -v: the request as sent, decoded by lib/socks4 (also a check that what we
 * built reads back as meant; for --raw, how a server would read it). */
static void trace_request_bytes(const struct session *s, const uint8_t *b, size_t len)
{
	char hex[TRACE_HEX_MAX], fields[TRACE_FIELDS_MAX];
	struct s4_request req;
	trace(s, "request (%zu bytes): %s", len, trace_hex(b, len, hex, sizeof(hex)));
	int rc = s4_parse_request(b, len, 0, &req);
	if (rc == S4_INCOMPLETE)
		trace(s, "  not a complete request (no NUL ends its USERID or hostname)");
	else if (rc < 0)
		trace(s, "  not a well-formed request: %s", s4_strerror(rc));
	else
		trace(s, "  %s%s", trace_request(&req, fields, sizeof(fields)),
		      (size_t)rc < len ? " (and more bytes after the request)" : "");
}

static int send_request(struct session *s, const uint8_t *b, size_t len)
{
	trace_request_bytes(s, b, len);
	if (net_write_all(s->fd, b, len, net_deadline(s->o->timeout_ms), NULL, 0) < 0) {
		if (errno == ETIMEDOUT)
			return fail(s, CX_TIMEOUT, "proxy %s took no request bytes within %g s",
			            s->o->proxy, timeout_s(s));
		return fail(s, CX_PROXY, "cannot send %s to proxy %s: %s", s->what, s->o->proxy,
		            strerror(errno));
	}
	return CX_OK;
}

/* Reads one reply and never a byte past it: each read asks only for the
 * bytes still missing, so whatever the proxy sent right behind the reply
 * stays in the socket and reaches stdout through the relay. Reading stops as
 * soon as lib/socks4 has a verdict: a wrong VN is known at byte 0, so a
 * SOCKS5 answer does not wait for 8 bytes. */
static void read_reply(int fd, int timeout_ms, struct reply *r)
{
	int64_t deadline = net_deadline(timeout_ms), t0 = trace_now_us();
	memset(r, 0, sizeof(*r));
	for (;;) {
		r->rc = s4_parse_reply(r->bytes, r->got, &r->rep);
		if (r->rc != S4_INCOMPLETE)
			break;
		ssize_t n = net_read_some(fd, r->bytes + r->got, sizeof(r->bytes) - r->got,
		                          deadline, NULL, 0);
		if (n <= 0) {
			r->cut = 1;
			r->read_errno = n == 0 ? 0 : errno;
			break;
		}
		r->got += (size_t)n;
	}
	r->ms = trace_ms_since(t0);
}

/* -v: the reply as read. */
static void trace_reply_bytes(const struct session *s, const char *which, const struct reply *r)
{
	char hex[TRACE_HEX_MAX], fields[TRACE_FIELDS_MAX];
	trace_hex(r->bytes, r->got, hex, sizeof(hex));
	if (r->rc == S4_REPLY_LEN)
		trace(s, "%s after %.2f ms: %s: %s", which, r->ms, hex,
		      trace_reply(&r->rep, fields, sizeof(fields)));
	else if (r->rc == S4_EVERSION)
		trace(s, "%s after %.2f ms: %s: VN %u, expected %d", which, r->ms, hex, r->rep.vn,
		      S4_VN_REPLY);
	else
		trace(s, "%s after %.2f ms: %s (%zu of %d bytes)", which, r->ms,
		      r->got > 0 ? hex : "nothing", r->got, S4_REPLY_LEN);
}

/* --raw: the reply field by field, one "NAME value" per line, on stdout (on
 * stderr with --relay, where stdout carries the relayed bytes). */
static int print_raw_reply(const struct session *s, const char *which, const struct reply *r)
{
	char hex[TRACE_HEX_MAX], ip[TRACE_IP4_MAX];
	int fd = s->o->raw_relay ? STDERR_FILENO : STDOUT_FILENO;
	trace_hex(r->bytes, r->got, hex, sizeof(hex));
	if (r->got == 0)
		return emit(s, fd, "%s (none)\n", which);
	if (r->rc == S4_EVERSION)
		return emit(s, fd, "%s %s\nVN %u (expected %d)\n", which, hex, r->rep.vn,
		            S4_VN_REPLY);
	if (r->rc != S4_REPLY_LEN)
		return emit(s, fd, "%s %s (%zu of %d bytes)\n", which, hex, r->got, S4_REPLY_LEN);
	return emit(s, fd, "%s %s\nVN %u\nCD %u %s\nDSTPORT %u\nDSTIP %s\n", which, hex, r->rep.vn,
	            r->rep.cd, s4_reply_str(r->rep.cd), r->rep.dstport,
	            trace_ip4(r->rep.dstip, ip, sizeof(ip)));
}

/* The exit status a reply calls for, with its message. `second` marks the
 * BIND reply that follows the inbound connection. */
static int judge_reply(struct session *s, const struct reply *r, int second)
{
	const char *proxy = s->o->proxy;
	char what[WHAT_MAX + 64], hex[TRACE_HEX_MAX];
	snprintf(what, sizeof(what), "%s%s", s->what,
	         second ? " (second reply, for the inbound connection)" : "");
	trace_hex(r->bytes, r->got, hex, sizeof(hex));

	if (r->cut && r->read_errno == ETIMEDOUT)
		return fail(s, CX_TIMEOUT, "%s via proxy %s: no %s within %g s (%zu of %d bytes)",
		            what, proxy, second ? "inbound connection" : "reply", timeout_s(s),
		            r->got, S4_REPLY_LEN);
	if (r->cut && r->read_errno == 0)
		return fail(s, CX_MALFORMED,
		            "%s via proxy %s: proxy closed after %zu of %d reply bytes%s%s%s", what,
		            proxy, r->got, S4_REPLY_LEN, r->got > 0 ? " (" : "",
		            r->got > 0 ? hex : "", r->got > 0 ? ")" : "");
	if (r->cut)
		return fail(s, CX_MALFORMED,
		            "%s via proxy %s: reading the reply failed after %zu of %d bytes: %s",
		            what, proxy, r->got, S4_REPLY_LEN, strerror(r->read_errno));
	if (r->rc == S4_EVERSION)
		return fail(s, CX_MALFORMED, "%s via proxy %s: reply VN=%u, expected %d (%s)", what,
		            proxy, r->rep.vn, S4_VN_REPLY, hex);

	switch (r->rep.cd) {
	case S4_REP_GRANTED:
		return CX_OK;
	case S4_REP_REJECTED:
	case S4_REP_NO_IDENTD:
	case S4_REP_IDENT_MISMATCH:
		/* CX_REJECTED, CX_NO_IDENTD and CX_IDENT_MISMATCH are the codes. */
		return fail(s, r->rep.cd, "proxy %s rejected %s: %u %s", proxy, what, r->rep.cd,
		            s4_reply_str(r->rep.cd));
	default:
		return fail(s, CX_MALFORMED, "%s via proxy %s: reply CD=%u (%s), expected %d to %d",
		            what, proxy, r->rep.cd, s4_reply_str(r->rep.cd), S4_REP_GRANTED,
		            S4_REP_IDENT_MISMATCH);
	}
}

/* The granted first BIND reply says where the proxy listens. DSTIP 0 means
 * "the proxy's own address" (SOCKS4: "the client should replace it by the IP
 * address of the SOCKS server"): the address this connection reached. The
 * line is "ADDR PORT", so `read addr port` takes it apart. */
static int announce_bind(struct session *s, const struct s4_reply *rep)
{
	char addr[INET6_ADDRSTRLEN];
	if (rep->dstip != 0) {
		trace_ip4(rep->dstip, addr, sizeof(addr));
	} else {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		const void *ip = &((struct sockaddr_in *)&ss)->sin_addr;
		if (getpeername(s->fd, (struct sockaddr *)&ss, &len) < 0)
			return fail(s, CX_LOCAL, "getpeername: %s", strerror(errno));
		if (ss.ss_family == AF_INET6)
			ip = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		inet_ntop(ss.ss_family, ip, addr, sizeof(addr));
		trace(s, "BIND reply DSTIP 0.0.0.0: using the proxy's address %s", addr);
	}
	trace(s, "BIND: the proxy listens on %s port %u for %s", addr, rep->dstport, s->o->host);
	if (emit(s, s->o->bind_info_fd, "%s %u\n", addr, rep->dstport) < 0)
		return fail(s, CX_LOCAL, "cannot write the BIND address to fd %d: %s",
		            s->o->bind_info_fd, strerror(errno));
	return CX_OK;
}

/* Waits for one reply, shows it (-v, --raw) and judges it. */
static int await_reply(struct session *s, int second)
{
	const char *which = second ? "second reply" : "reply";
	struct reply r;
	read_reply(s->fd, s->o->timeout_ms, &r);
	trace_reply_bytes(s, which, &r);
	if (s->o->raw != NULL && print_raw_reply(s, which, &r) < 0)
		return fail(s, CX_LOCAL, "cannot write the decoded reply: %s", strerror(errno));
	int rc = judge_reply(s, &r, second);
	if (rc == CX_OK && s->is_bind && !second && s->o->raw == NULL)
		rc = announce_bind(s, &r.rep);
	return rc;
}

/* Takes the --raw bytes as they are. lib/socks4 tells whether they form a
 * BIND, which is then followed by a second reply to wait for. */
static void take_raw(struct session *s, const uint8_t **b, size_t *len)
{
	struct s4_request req;
	*b = s->o->raw;
	*len = s->o->raw_len;
	s->is_bind = s4_parse_request(*b, *len, 0, &req) > 0 && req.cd == S4_CMD_BIND;
	snprintf(s->what, sizeof(s->what), "the raw request (%zu bytes)", *len);
}

/* stdin -> proxy and proxy -> stdout until both directions end. No idle
 * limit: an ssh session through ProxyCommand may stay quiet for hours. */
static int relay(struct session *s)
{
	struct relay_end local = {.rd = STDIN_FILENO, .wr = STDOUT_FILENO};
	struct relay_end proxy = {.rd = s->fd, .wr = s->fd};
	struct relay_opts ro = {.idle_timeout_ms = -1};
	struct relay_stats st;
	char err[CLIENT_MSG_MAX];
	int64_t t0 = trace_now_us();
	int rc = relay_run(local, proxy, &ro, &st, err, sizeof(err));
	trace(s, "relay ended after %.2f ms: %llu bytes sent, %llu bytes received",
	      trace_ms_since(t0), (unsigned long long)st.a_to_b, (unsigned long long)st.b_to_a);
	if (rc < 0)
		return fail(s, CX_LOCAL, "relay (a = stdin/stdout, b = proxy %s): %s", s->o->proxy,
		            err);
	return CX_OK;
}

int client_run(const struct client_opts *o, char *msg, size_t msglen)
{
	struct session s = {.o = o, .fd = -1, .msg = msg, .msglen = msglen};
	uint8_t buf[S4_REQUEST_MAX];
	const uint8_t *req = buf;
	size_t len = 0;
	int rc = CX_OK;

	/* HOST is resolved before the proxy is reached: a name that does not
	 * resolve costs no connection. */
	if (o->raw != NULL)
		take_raw(&s, &req, &len);
	else
		rc = build_request(&s, buf, sizeof(buf), &len);
	if (rc == CX_OK)
		rc = connect_proxy(&s);
	if (rc == CX_OK)
		rc = send_request(&s, req, len);
	if (rc == CX_OK)
		rc = await_reply(&s, 0);
	if (rc == CX_OK && s.is_bind)
		rc = await_reply(&s, 1);
	if (rc == CX_OK && (o->raw == NULL || o->raw_relay))
		rc = relay(&s);
	if (s.fd >= 0)
		close(s.fd);
	return rc;
}
