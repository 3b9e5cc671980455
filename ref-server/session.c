/* SPDX-License-Identifier: MIT */
/* session.c - one SOCKS4/4a client, from its request to the end of the relay.
 *
 * The steps, each one bounded in time:
 *   1. read the request until lib/socks4 says it is complete (handshake timeout);
 *   2. check the command and the destination, resolving a 4a hostname;
 *   3. ask the rules (or the default policy), then identd if the mode wants it;
 *   4. CONNECT: connect, then reply 90 / BIND: listen, reply 90, accept one
 *      inbound connection, check its address, reply again;
 *   5. relay, including any bytes the client sent right behind its request.
 * Any reply other than 90 is followed by closing the connection at once.
 * One log line per session says what happened. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identd.h"
#include "net.h"
#include "relay.h"
#include "rules.h"
#include "selfloop.h"
#include "session.h"
#include "socks4.h"

/* The request, plus room for bytes the client sends right behind it. Once
 * S4_REQUEST_MAX bytes are in, the parser has decided (its limits make a
 * longer request an error), so this buffer can never fill up undecided. */
#define REQUEST_BUF (S4_REQUEST_MAX + 1024)
#define MAX_ADDRS 8 /* resolved 4a addresses kept for the BIND check */

/* What one session did, for its log line. */
struct outcome {
	int64_t t0;
	struct s4_request req; /* valid when parsed */
	int parsed;
	char dst[300]; /* "1.2.3.4:80" or "name(1.2.3.4):80" */
	int reply;     /* the last reply code sent, -1 for none */
	uint64_t up, down;
	char note[256]; /* why it ended, when not plainly */
};

struct request_ctx {
	struct session *s;
	int client;
	struct sockaddr_storage peer, local; /* local: see local_addr() */
	int have_local;
	int dest_nonblocking; /* the destination socket is ours, made O_NONBLOCK */
	uint8_t buf[REQUEST_BUF];
	size_t len, used; /* bytes in buf; bytes the request took */
	struct s4_request req;
	uint32_t dst;              /* destination (CONNECT) or expected peer (BIND) */
	uint32_t addrs[MAX_ADDRS]; /* every address of a 4a name */
	size_t n_addrs;
	struct outcome out;
};

static void ip_str(uint32_t ip, char *out, size_t cap)
{
	snprintf(out, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* USERID for the log: printable ASCII as is, anything else as \xNN, at most
 * 64 octets shown. Keeps one line per session whatever the client sent. */
static void escape_userid(const char *u, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && i < 64 && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)u[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
	}
	if (n > 64 && o + 4 < cap)
		o += (size_t)snprintf(out + o, cap - o, "...");
	out[o] = '\0';
}

static void log_session(struct request_ctx *c)
{
	struct outcome *o = &c->out;
	char peer[NET_ADDRSTR_MAX], user[300] = "", cmd[24], reply[16] = "none";
	net_addr_str((struct sockaddr *)&c->peer, peer, sizeof(peer));
	if (o->parsed) {
		escape_userid(o->req.userid, o->req.userid_len, user, sizeof(user));
		if (o->req.cd == S4_CMD_CONNECT || o->req.cd == S4_CMD_BIND)
			snprintf(cmd, sizeof(cmd), "%s", s4_cmd_str(o->req.cd));
		else
			snprintf(cmd, sizeof(cmd), "CD=%u", o->req.cd);
	} else {
		snprintf(cmd, sizeof(cmd), "-");
	}
	if (o->reply >= 0)
		snprintf(reply, sizeof(reply), "%d", o->reply);
	double secs = (double)(net_now_ms() - o->t0) / 1000.0;
	srv_log(c->s->srv, S4SRV_LOG_SESSIONS,
	        "%s user=\"%s\" %s %s reply=%s up=%llu down=%llu time=%.3fs%s%s", peer, user, cmd,
	        o->dst[0] ? o->dst : "-", reply, (unsigned long long)o->up,
	        (unsigned long long)o->down, secs, o->note[0] ? " " : "", o->note);
}

__attribute__((format(printf, 2, 3))) static void note(struct request_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->out.note, sizeof(c->out.note), fmt, ap);
	va_end(ap);
}

/* The address the client reached us on (BIND listens there, identd is asked
 * from there), looked up only by the sessions that need it. */
static const struct sockaddr_storage *local_addr(struct request_ctx *c)
{
	socklen_t len = sizeof(c->local);
	if (!c->have_local && getsockname(c->client, (struct sockaddr *)&c->local, &len) < 0)
		memset(&c->local, 0, sizeof(c->local));
	c->have_local = 1;
	return &c->local;
}

static int send_reply(struct request_ctx *c, int cd, uint32_t ip, uint16_t port)
{
	struct s4_reply rep = {.vn = S4_VN_REPLY, .cd = (uint8_t)cd, .dstport = port, .dstip = ip};
	uint8_t wire[S4_REPLY_LEN];
	char err[128];
	s4_write_reply(wire, sizeof(wire), &rep);
	c->out.reply = cd;
	if (net_write_all(c->client, wire, sizeof(wire),
	                  net_deadline(c->s->srv->cfg.handshake_timeout_ms), err,
	                  sizeof(err)) < 0) {
		note(c, "sending reply %d: %s", cd, err);
		return -1;
	}
	return 0;
}

/* A failure reply, after which the connection is closed at once (by the
 * caller). Returns -1 so callers can `return reject(...)`. */
static int reject(struct request_ctx *c, int cd)
{
	send_reply(c, cd, 0, 0);
	return -1;
}

/* Step 1: reads until the parser decides. Returns 0 with c->req parsed, or
 * -1 when the session is over (timeout, close, or a malformed request that
 * got its 91). */
static int read_request(struct request_ctx *c)
{
	struct s4srv *srv = c->s->srv;
	int64_t deadline = net_deadline(srv->cfg.handshake_timeout_ms);
	unsigned flags = srv->cfg.no_4a ? S4_PARSE_NO_4A : 0;
	char err[128];

	for (;;) {
		int rc = s4_parse_request(c->buf, c->len, flags, &c->req);
		if (rc > 0) {
			c->used = (size_t)rc;
			c->out.req = c->req;
			c->out.parsed = 1;
			return 0;
		}
		if (rc != S4_INCOMPLETE) {
			note(c, "malformed request: %s (VN=%u)", s4_strerror(rc), c->req.vn);
			return reject(c, S4_REP_REJECTED);
		}
		ssize_t n = net_read_some(c->client, c->buf + c->len, sizeof(c->buf) - c->len,
		                          deadline, err, sizeof(err));
		if (n <= 0) {
			if (n < 0 && errno == ETIMEDOUT)
				note(c, "handshake timeout after %d ms with %zu bytes of request",
				     srv->cfg.handshake_timeout_ms, c->len);
			else
				note(c, "client left after %zu bytes of request%s%s", c->len,
				     n < 0 ? ": " : "", n < 0 ? err : "");
			return -1;
		}
		c->len += (size_t)n;
	}
}

#ifdef SOCKS4KIT_TEST_HOOKS
/* TEST HOOK, sanitizer builds only (as test_hook_crash below): when
 * $SOCKS4KIT_TEST_HOSTS names a file of "NAME IP [IP...]" lines, a 4a name
 * listed there resolves to those addresses, so a test can give a name
 * several addresses (or the server's own) without touching /etc/hosts.
 * Returns 1 when the name was listed. */
static int test_hook_hosts(const char *name, uint32_t *addrs, size_t max, size_t *n)
{
	const char *path = getenv("SOCKS4KIT_TEST_HOSTS");
	FILE *f = path != NULL ? fopen(path, "r") : NULL;
	char line[512];
	int found = 0;
	*n = 0;
	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL) {
		char *save = NULL, *tok = strtok_r(line, " \t\n", &save);
		if (tok == NULL || strcmp(tok, name) != 0)
			continue;
		found = 1;
		while ((tok = strtok_r(NULL, " \t\n", &save)) != NULL && *n < max) {
			struct in_addr a;
			if (inet_pton(AF_INET, tok, &a) == 1)
				addrs[(*n)++] = ntohl(a.s_addr);
		}
	}
	if (f != NULL)
		fclose(f);
	return found && *n > 0;
}
#endif

/* net_resolve4, or net_resolve4_dns with --resolver, in the shape of
 * s4srv_hooks.resolve (arg: the server). */
static int real_resolve(void *arg, const char *name, int timeout_ms, uint32_t *addrs, size_t max,
                        size_t *n, char *err, size_t errlen)
{
	const struct s4srv *srv = arg;
#ifdef SOCKS4KIT_TEST_HOOKS
	if (test_hook_hosts(name, addrs, max, n))
		return 0;
#endif
	if (srv->cfg.resolver_len > 0)
		return net_resolve4_dns((const struct sockaddr *)&srv->cfg.resolver,
		                        srv->cfg.resolver_len, name, timeout_ms, addrs, max, n, err,
		                        errlen);
	return net_resolve4(name, timeout_ms, addrs, max, n, err, errlen);
}

/* No chaining through ourselves: a CONNECT to one of our listeners (its
 * address, or any local address of a 0.0.0.0 listener) would relay the bytes
 * queued behind the request as a new request, and so on. A BIND is refused
 * the same way (the peer it names would be us); every address of a 4a name
 * counts for a BIND, the one connected to for a CONNECT. */
static int refuse_self(struct request_ctx *c)
{
	char why[160], ip[16];
	size_t n = c->req.cd == S4_CMD_BIND ? c->n_addrs : 1;
	for (size_t i = 0; i < n; i++) {
		if (selfloop_check(c->s->srv, c->addrs[i], c->req.dstport, why, sizeof(why))) {
			ip_str(c->addrs[i], ip, sizeof(ip));
			note(c, "denied: %s:%u is %s (no chaining through this server)", ip,
			     c->req.dstport, why);
			return reject(c, S4_REP_REJECTED);
		}
	}
	return 0;
}

/* Step 2: the command and where it goes. */
static int resolve_destination(struct request_ctx *c)
{
	struct s4srv *srv = c->s->srv;
	const struct s4_request *r = &c->req;
	char name[S4_HOST_MAX + 1], ip[16], err[200];

	if (r->host != NULL) {
		memcpy(name, r->host, r->host_len);
		name[r->host_len] = '\0';
		snprintf(c->out.dst, sizeof(c->out.dst), "%s:%u", name, r->dstport);
	} else {
		ip_str(r->dstip, ip, sizeof(ip));
		snprintf(c->out.dst, sizeof(c->out.dst), "%s:%u", ip, r->dstport);
	}
	if (r->cd != S4_CMD_CONNECT && r->cd != S4_CMD_BIND) {
		note(c, "unknown command CD=%u", r->cd);
		return reject(c, S4_REP_REJECTED);
	}

	if (r->host == NULL) {
		if (s4_is_4a(r->dstip)) {
			/* Only with --no-4a: the marker is no address, and what
			 * follows USERID is never read as a name nor relayed. */
			note(c, "0.0.0.x (SOCKS4a) is turned off");
			return reject(c, S4_REP_REJECTED);
		}
		if (r->dstip == 0) {
			note(c, "DSTIP 0.0.0.0 is not a destination");
			return reject(c, S4_REP_REJECTED);
		}
		c->dst = c->addrs[0] = r->dstip;
		c->n_addrs = 1;
		return refuse_self(c);
	}

	const struct s4srv_hooks *h = srv->cfg.hooks;
	int (*resolve)(void *, const char *, int, uint32_t *, size_t, size_t *, char *, size_t) =
	        h != NULL && h->resolve != NULL ? h->resolve : real_resolve;
	if (resolve(h != NULL && h->resolve != NULL ? h->arg : srv, name, srv->cfg.resolve_timeout_ms, c->addrs,
	            MAX_ADDRS, &c->n_addrs, err, sizeof(err)) < 0) {
		note(c, "%s", err);
		return reject(c, S4_REP_REJECTED);
	}
	c->dst = c->addrs[0];
	ip_str(c->dst, ip, sizeof(ip));
	snprintf(c->out.dst, sizeof(c->out.dst), "%s(%s):%u", name, ip, r->dstport);
	if (c->dst <= 0xff) {
		note(c, "%s is not a destination address", ip); /* 0.0.0.0 and 0.0.0.x */
		return reject(c, S4_REP_REJECTED);
	}
	return refuse_self(c);
}

static int is_loopback_client(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return 0;
}

/* Step 3: rules (or the default policy), then identd. */
static int check_policy(struct request_ctx *c)
{
	struct s4srv *srv = c->s->srv;
	int identd = srv->cfg.identd;
	int permit;

	pthread_rwlock_rdlock(&srv->rules_lock);
	if (srv->cfg.rules == NULL) {
		permit = srv->cfg.open || is_loopback_client(&c->peer);
		if (!permit)
			note(c, "denied: not a loopback client and no rules file");
	} else {
		struct rule_query q = {.userid = c->req.userid,
		                       .userid_len = c->req.userid_len,
		                       .src_is_ipv4 = c->peer.ss_family == AF_INET,
		                       .dst = c->dst,
		                       .port = c->req.dstport};
		if (q.src_is_ipv4)
			q.src = ntohl(((struct sockaddr_in *)&c->peer)->sin_addr.s_addr);
		const struct rule *r = rules_match(srv->cfg.rules, &q);
		permit = r != NULL && r->action == RULE_PERMIT;
		if (r == NULL)
			note(c, "denied: no rule matches");
		else if (!permit)
			note(c, "denied by %s:%d", srv->cfg.rules->name, r->line);
		/* A BIND of a 4a name accepts its peer from any of the name's
		 * addresses (do_bind), so the rules must permit every one of
		 * them, not only the first. */
		for (size_t i = 1; permit && c->req.cd == S4_CMD_BIND && i < c->n_addrs; i++) {
			struct rule_query qi = q;
			qi.dst = c->addrs[i];
			const struct rule *ri = rules_match(srv->cfg.rules, &qi);
			if (ri == NULL || ri->action != RULE_PERMIT) {
				char ip[16];
				ip_str(c->addrs[i], ip, sizeof(ip));
				permit = 0;
				if (ri == NULL)
					note(c, "denied: no rule matches BIND address %s", ip);
				else
					note(c, "denied by %s:%d for BIND address %s",
					     srv->cfg.rules->name, ri->line, ip);
			}
		}
		if (r != NULL && r->identd != RULE_IDENTD_GLOBAL)
			identd = r->identd;
		if (r != NULL && r->shell_cmd != NULL)
			srv_log(srv, S4SRV_LOG_VERBOSE,
			        "%s:%d matched; its shell command is not run: %s",
			        srv->cfg.rules->name, r->line, r->shell_cmd);
	}
	pthread_rwlock_unlock(&srv->rules_lock);
	if (!permit)
		return reject(c, S4_REP_REJECTED);

	if (identd == IDENTD_OFF)
		return 0;
	struct identd_result res;
	identd_lookup((struct sockaddr *)&c->peer, (const struct sockaddr *)local_addr(c),
	              srv->cfg.identd_port, srv->cfg.identd_timeout_ms, &res);
	int code = identd_verdict((enum identd_mode)identd, &res, c->req.userid, c->req.userid_len);
	if (code != S4_REP_GRANTED) {
		note(c, "%s (%s)", res.why, identd_mode_str((enum identd_mode)identd));
		return reject(c, code);
	}
	if (!res.answered)
		srv_log(srv, S4SRV_LOG_VERBOSE, "%s; allowed (lenient)", res.why);
	return 0;
}

/* After a 90: the bytes that came in behind the request go first, then the
 * relay until both directions end. */
static void relay(struct request_ctx *c, int dest)
{
	struct s4srv *srv = c->s->srv;
	char err[160];
	if (c->len > c->used) {
		if (net_write_all(dest, c->buf + c->used, c->len - c->used,
		                  net_deadline(srv->cfg.handshake_timeout_ms), err,
		                  sizeof(err)) < 0) {
			note(c, "early data: %s", err);
			return;
		}
		c->out.up += c->len - c->used;
	}
	struct relay_opts opts = {.idle_timeout_ms = srv->cfg.idle_timeout_ms,
	                          .no_splice = srv->cfg.no_splice,
	                          .nonblocking_sockets = c->s->nonblocking && c->dest_nonblocking,
	                          .pipes = c->s->pipes};
	struct relay_stats st;
	struct relay_end a = {c->client, c->client}, b = {dest, dest};
	if (relay_run(a, b, &opts, &st, err, sizeof(err)) < 0)
		note(c, "%s", err);
	c->out.up += st.a_to_b;
	c->out.down += st.b_to_a;
}

/* Connects to the destination. The socket is tracked while it connects, so
 * that s4srv_stop() can cut a connect short. Returns the fd or -1. */
static int dial(struct request_ctx *c, char *err, size_t errlen)
{
	struct s4srv *srv = c->s->srv;
	const struct s4srv_hooks *h = srv->cfg.hooks;
	int fd;
	if (h != NULL && h->dial != NULL) {
		if (h->dial(h->arg, c->dst, c->req.dstport, srv->cfg.connect_timeout_ms, &fd, err,
		            errlen) < 0)
			return -1;
		session_track(c->s, FD_DEST, fd);
		return fd;
	}
	struct sockaddr_storage ss;
	socklen_t len;
	net_sockaddr4(&ss, &len, c->dst, c->req.dstport);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	session_track(c->s, FD_DEST, fd);
	/* Made O_NONBLOCK, and left so for the relay: no fcntl() back and forth. */
	if (net_connect_nonblocking(fd, (struct sockaddr *)&ss, len,
	                            net_deadline(srv->cfg.connect_timeout_ms), err, errlen) < 0)
		return -1;
	c->dest_nonblocking = 1;
	return fd;
}

/* Step 4, CONNECT: the reply is sent only once the connection is made. */
static int do_connect(struct request_ctx *c)
{
	char err[160];
	int fd = dial(c, err, sizeof(err));
	if (fd < 0) {
		note(c, "%s", err);
		return reject(c, S4_REP_REJECTED);
	}
	if (send_reply(c, S4_REP_GRANTED, c->dst, c->req.dstport) < 0)
		return -1;
	relay(c, fd);
	return 0;
}

/* BIND: waits for one inbound connection, or the client leaving, or the
 * timer. Returns the listener's readiness: 1 inbound, 0 timer, -1 client gone. */
static int wait_inbound(struct request_ctx *c, int lfd)
{
	int64_t deadline = net_deadline(c->s->srv->cfg.bind_timeout_ms);
	/* POLLRDHUP, not POLLIN: bytes the client sends early must stay
	 * queued for the relay, and must not wake us in a loop. */
	struct pollfd p[2] = {{.fd = lfd, .events = POLLIN},
	                      {.fd = c->client, .events = POLLRDHUP}};
	for (;;) {
		int n = poll(p, 2, net_remaining_ms(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (p[1].revents != 0)
			return -1;
		if (p[0].revents != 0)
			return 1;
	}
}

static int addr_expected(const struct request_ctx *c, uint32_t ip)
{
	for (size_t i = 0; i < c->n_addrs; i++)
		if (c->addrs[i] == ip)
			return 1;
	return 0;
}

/* Step 4, BIND: a listener on the address the client reached us on, its
 * address in the first reply, exactly one inbound connection, whose address
 * must be the request's DSTIP (or one of the 4a name's addresses). */
static int do_bind(struct request_ctx *c)
{
	struct s4srv *srv = c->s->srv;
	char err[160], want[16], got[NET_ADDRSTR_MAX];
	int lfd;
	uint16_t port;

	if (local_addr(c)->ss_family != AF_INET) {
		note(c, "BIND: the client did not reach us over IPv4, and a SOCKS4 reply carries "
		        "only an IPv4 address");
		return reject(c, S4_REP_REJECTED);
	}
	uint32_t local_ip = ntohl(((struct sockaddr_in *)&c->local)->sin_addr.s_addr);
	char host[16];
	ip_str(local_ip, host, sizeof(host));
	if (net_listen(host, 0, 1, &lfd, &port, err, sizeof(err)) < 0) {
		note(c, "%s", err);
		return reject(c, S4_REP_REJECTED);
	}
	session_track(c->s, FD_BIND, lfd);
	if (send_reply(c, S4_REP_GRANTED, local_ip, port) < 0)
		return -1;

	int ready = wait_inbound(c, lfd);
	if (ready <= 0) {
		if (ready == 0) {
			note(c, "BIND: no inbound connection within %d ms",
			     srv->cfg.bind_timeout_ms);
			return reject(c, S4_REP_REJECTED);
		}
		note(c, "BIND: client left while waiting");
		return -1;
	}
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int in = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	session_close(c->s, FD_BIND); /* exactly one inbound connection */
	if (in < 0) {
		note(c, "BIND accept: %s", strerror(errno));
		return reject(c, S4_REP_REJECTED);
	}
	session_track(c->s, FD_DEST, in);
	c->dest_nonblocking = 1;

	net_addr_str((struct sockaddr *)&peer, got, sizeof(got));
	uint32_t peer_ip = ntohl(((struct sockaddr_in *)&peer)->sin_addr.s_addr);
	if (peer.ss_family != AF_INET || !addr_expected(c, peer_ip)) {
		ip_str(c->dst, want, sizeof(want));
		note(c, "BIND: inbound from %s, expected %s", got, want);
		return reject(c, S4_REP_REJECTED);
	}
	uint16_t peer_port = ntohs(((struct sockaddr_in *)&peer)->sin_port);
	if (send_reply(c, S4_REP_GRANTED, peer_ip, peer_port) < 0)
		return -1;
	relay(c, in);
	return 0;
}

/* Closes the client. After a refusal (any last reply but 90), without
 * leaving unread bytes behind the reply: unread input would make close()
 * send a reset, which can destroy the reply before the client reads it.
 * What is already queued is drained; nothing is waited for. A relay that
 * ran has nothing to protect. */
static void close_client(struct session *s, int last_reply)
{
	int fd = s->fds[FD_CLIENT];
	char sink[4096];
	if (last_reply != S4_REP_GRANTED) {
		shutdown(fd, SHUT_WR);
		for (int i = 0; i < 16 && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
			;
	}
	session_close(s, FD_CLIENT);
}

#ifdef SOCKS4KIT_TEST_HOOKS
/* TEST HOOK, compiled into the sanitizer builds only (make sets
 * SOCKS4KIT_TEST_HOOKS there, never in the release build): a USERID that
 * starts with $SOCKS4KIT_TEST_CRASH_USERID makes the session read one byte
 * past a heap block, a real overflow for ASan to report (first frame here),
 * so that socks4-test --exec's crash handling is tested on a real report. */
static void test_hook_crash(const struct s4_request *r)
{
	const char *prefix = getenv("SOCKS4KIT_TEST_CRASH_USERID");
	size_t n = prefix != NULL ? strlen(prefix) : 0;
	if (n == 0 || r->userid_len < n || memcmp(r->userid, prefix, n) != 0)
		return;
	char *copy = malloc(r->userid_len);
	if (copy == NULL)
		return;
	memcpy(copy, r->userid, r->userid_len);
	volatile char past_the_end = copy[r->userid_len];
	(void)past_the_end;
	free(copy);
}
#endif

void session_serve(struct session *s, int client_fd, const struct sockaddr_storage *peer)
{
	struct request_ctx c;
	memset(&c.out, 0, sizeof(c.out));
	c.s = s;
	c.client = client_fd;
	c.peer = *peer;
	c.len = c.used = 0;
	c.n_addrs = 0;
	c.have_local = c.dest_nonblocking = 0;
	c.out.t0 = net_now_ms();
	c.out.reply = -1;

	int ok = read_request(&c) == 0;
#ifdef SOCKS4KIT_TEST_HOOKS
	if (ok)
		test_hook_crash(&c.req);
#endif
	if (ok && resolve_destination(&c) == 0 && check_policy(&c) == 0) {
		if (c.req.cd == S4_CMD_CONNECT)
			do_connect(&c);
		else
			do_bind(&c);
	}
	session_close(s, FD_BIND);
	session_close(s, FD_DEST);
	close_client(s, c.out.reply);
	log_session(&c);
}

void session_refuse(struct session *s, int client_fd, const struct sockaddr_storage *peer)
{
	struct request_ctx c;
	memset(&c.out, 0, sizeof(c.out));
	c.s = s;
	c.client = client_fd;
	c.peer = *peer;
	c.out.t0 = net_now_ms();
	c.out.reply = -1;
	note(&c, "refused: %d sessions is the limit (--max-sessions)", s->srv->cfg.max_sessions);
	send_reply(&c, S4_REP_REJECTED, 0, 0);
	close_client(s, S4_REP_REJECTED);
	log_session(&c);
}
