/* SPDX-License-Identifier: MIT */
/* runner.c - one run against one target: reach it (or start the built-in
 * server), start the services, find out what the target can do, then run the
 * selected cases: the preflight first, cases that wait for a server-side
 * timeout each on its own thread, the rest on -j workers. Results come back in
 * catalogue order through a callback as soon as they are known. */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/runner.h"
#include "server.h"
#include "services/dnsd.h"
#include "target/instance.h"
#include "target/supervisor.h"
#include "target/target.h"

static const struct case_table *const tables[] = {
        &cases_preflight, &cases_connect, &cases_reply,   &cases_request, &cases_delivery,
        &cases_relay,     &cases_bind,    &cases_socks4a, &cases_ident,   &cases_robust,
};

size_t catalogue(const struct s4case **out, size_t cap)
{
	size_t n = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (size_t i = 0; i < tables[t]->n; i++)
			if (n < cap)
				out[n++] = &tables[t]->v[i];
			else
				n++;
	return n;
}

int case_is_preflight(const struct s4case *cs)
{
	return strncmp(cs->id, "preflight/", 10) == 0;
}

/* An id is selected by a prefix ("bind", "bind/") or a glob ("*vn*"). */
int case_selected(const char *id, char **patterns, size_t n)
{
	if (n == 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		const char *p = patterns[i];
		if (strpbrk(p, "*?[") != NULL) {
			if (fnmatch(p, id, 0) == 0)
				return 1;
		} else if (strncmp(id, p, strlen(p)) == 0) {
			size_t k = strlen(p);
			if (id[k] == '\0' || id[k] == '/' || p[k - 1] == '/')
				return 1;
		}
	}
	return 0;
}

void runner_lack(struct runner *r, unsigned need, const char *fmt, const char *arg)
{
	char why[sizeof(r->lacks[0])];
	snprintf(why, sizeof(why), fmt, arg); /* arg may be one of r->lacks */
	for (int bit = 0; bit < NEED_BITS; bit++)
		if (need & (1u << bit))
			snprintf(r->lacks[bit], sizeof(r->lacks[bit]), "%s", why);
}

/* ---- reaching the target --------------------------------------------- */

static int resolve_target(struct runner *r, char *err, size_t errlen)
{
	char host[256];
	uint16_t port;
	if (net_split_hostport(r->o.target, 0, host, sizeof(host), &port, err, errlen) < 0)
		return -1;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&r->target;
	memset(&r->target, 0, sizeof(r->target));
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		r->target_len = sizeof(*s6);
	} else {
		uint32_t addr;
		size_t n;
		if (net_resolve4(host, 5000, &addr, 1, &n, err, errlen) < 0)
			return -1;
		net_sockaddr4(&r->target, &r->target_len, addr, port);
	}
	r->target_port = port;
	net_addr_str((struct sockaddr *)&r->target, r->target_text, sizeof(r->target_text));
	return 0;
}

/* Connects once: proves the target is there, and tells our own address on
 * the way to it (the default dest-addr). */
static int probe_target(struct runner *r, uint32_t *local_ip, char *err, size_t errlen)
{
	int fd;
	char why[160];
	if (net_connect((struct sockaddr *)&r->target, r->target_len, NULL,
	                net_deadline(r->o.timeout_ms), &fd, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "cannot reach target %s: %s", r->target_text, why);
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	close(fd);
	*local_ip = 0;
	if (ss.ss_family == AF_INET)
		*local_ip = ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
	else if (IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr))
		*local_ip = INADDR_LOOPBACK; /* same host over ::1: IPv4 loopback works */
	return 0;
}

/* Under --exec: hostile cases get a process of their own each, unless
 * --exec-shared says not to or the command cannot run twice at once. */
static void decide_exec_instances(struct runner *r)
{
	char why[300];
	if (r->o.exec_shared) {
		snprintf(r->exec_note, sizeof(r->exec_note),
		         "hostile cases run alone on the one process (--exec-shared)");
	} else if (instance_exec_probe(r, why, sizeof(why)) < 0) {
		snprintf(r->exec_note, sizeof(r->exec_note),
		         "hostile cases run alone on the one process (a second process of the "
		         "command did not start: %.300s)", why);
	} else {
		r->exec_instances = 1;
		snprintf(r->exec_note, sizeof(r->exec_note),
		         "each hostile case on a fresh process of its own, beside the others");
	}
}

static int start_builtin(struct runner *r, char *err, size_t errlen)
{
	struct instance in;
	if (instance_start(r, &in, err, errlen) < 0)
		return -1;
	r->server = in.server;
	r->target = in.addr;
	r->target_len = in.addr_len;
	r->target_port = in.port;
	snprintf(r->target_text, sizeof(r->target_text), "127.0.0.1:%u (built-in socks4-server)",
	         r->target_port);
	r->have |= NEED_IDENTD | NEED_IDENTD_STRICT | NEED_IDENTD_LENIENT | NEED_DENY;
	r->o.deny_user = "socks4-test-denied";
	if (r->o.stall_wait_ms == 0)
		r->o.stall_wait_ms = 4000;
	if (r->o.timer_wait_ms == 0)
		r->o.timer_wait_ms = 4000;
	return 0;
}

/* ---- what the target can do ----------------------------------------------- */

/* Sends one request on a fresh connection of the capabilities case and
 * reads the reply into *g. Returns 0, or -1 when the request could not be
 * sent. */
static int probe_request(struct ctx *c, const uint8_t *req, size_t n, struct got *g)
{
	memset(g, 0, sizeof(*g));
	g->kind = GOT_EOF;
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return -1;
	t_read_reply(c, fd, case_timeout_ms(c), g);
	t_close(c, fd);
	return 0;
}

static int probe_granted(const struct got *g)
{
	return got_socks4_code(g) &&
	       g->rep.cd == S4_REP_GRANTED;
}

/* The probe killed the target, confirmed: the finding names the probe and
 * what became of the target, the reproducer keeps its bytes, and the cases
 * that need what it probed are skipped. */
static void probe_killed(struct ctx *c, const char *probe, unsigned need, const char *how)
{
	struct runner *r = c->r;
	struct result *res = c->res;
	target_record_death(r, NULL, res, how);
	size_t k = strlen(res->actual);
	snprintf(res->actual + k, sizeof(res->actual) - k,
	         "%sthe %s killed the target: %s; confirmed: it died again when the probe was "
	         "sent again alone",
	         k ? "; " : "", probe, res->target_exit);
	target_save_reproducer(r, c->cs, res);
	char text[200];
	snprintf(text, sizeof(text), "the %s killed the target (preflight/capabilities)", probe);
	runner_lack(r, need, "%s", text);
}

/* Sends a detection probe. When the target dies after it, the rule of
 * death.h: brought back, the probe is sent again alone, and only a second
 * death confirms that it kills (probe_killed). Returns 1 when the probe was
 * granted, 0 when not (*g: the last answer), -1 when the target is gone
 * (the scheduler then reports the death). *killed: confirmed to kill. */
static int detect_probe(struct ctx *c, const char *probe, unsigned need, const uint8_t *req,
                        size_t n, struct got *g, int *killed)
{
	struct runner *r = c->r;
	char how[256], why[256];
	*killed = 0;
	int sent = probe_request(c, req, n, g) == 0;
	if (target_survived(r, NULL, how, sizeof(how)))
		return sent && probe_granted(g);
	note(c, "the target died after the %s: once back, it is sent again alone", probe);
	if (!target_bring_back(r, why, sizeof(why)))
		return -1; /* not confirmed: a death of the run (schedule.c) */
	sent = probe_request(c, req, n, g) == 0;
	if (target_survived(r, NULL, how, sizeof(how))) {
		char named[300];
		snprintf(named, sizeof(named), "%s (its %s)", c->cs->id, probe);
		target_note_unconfirmed(r, how, named,
		                        "not confirmed: the target survived when the probe was "
		                        "sent again alone");
		return sent && probe_granted(g);
	}
	*killed = 1;
	probe_killed(c, probe, need, how);
	if (target_bring_back(r, why, sizeof(why)))
		return 0;
	pthread_mutex_lock(&r->mu);
	r->dead = 1; /* the culprit is confirmed: its FAIL stands, the rest is skipped */
	snprintf(r->dead_after, sizeof(r->dead_after), "%s", c->cs->id);
	pthread_mutex_unlock(&r->mu);
	return -1;
}

/* Does the target serve two clients at once? A granted CONNECT is held open
 * (its relay idle); a second CONNECT must be answered meanwhile. When it is
 * answered only once the first closes, the target serves one client at a
 * time: the cases then run one at a time, so that each judges what it is
 * about, and robust/stall/not-blocking reports it. */
static int serves_one_at_a_time(struct ctx *c, const uint8_t *req, size_t n)
{
	struct got g;
	int a = t_connect(c);
	if (a < 0 || t_send(c, a, req, n) < 0)
		return 0;
	t_read_reply(c, a, case_timeout_ms(c), &g);
	if (g.kind != GOT_REPLY || g.rep.cd != S4_REP_GRANTED)
		return 0;
	int b = t_connect(c);
	if (b < 0 || t_send(c, b, req, n) < 0)
		return 0;
	t_read_reply(c, b, case_timeout_ms(c), &g);
	if (g.kind != GOT_TIMEOUT || g.n > 0)
		return 0; /* answered (or refused) while the first was open */
	note(c, "no answer to a second client while the first is open: closing the first");
	t_close(c, a);
	t_read_reply(c, b, case_timeout_ms(c), &g);
	return g.kind == GOT_REPLY && g.rep.cd == S4_REP_GRANTED;
}

/* SOCKS4a: an IP literal as the name (S4A-14), so no resolver is involved;
 * a 4a server that refuses IP literals breaks S4A-14, which its cases then
 * report: with a name it still shows that it does 4a. 0, or -1 when the
 * target is gone. */
static int detect_4a(struct ctx *c, const char *ip, int *killed)
{
	struct runner *r = c->r;
	uint8_t req[S4_REQUEST_MAX];
	struct got g;
	char what[128];
	const char *u = r->o.user;
	size_t n = req_build(req, sizeof(req), S4_CMD_CONNECT, r->echo_port, 1, u, strlen(u), ip,
	                     strlen(ip));
	int has = detect_probe(c, "SOCKS4a detection probe", NEED_4A | NEED_NO_4A, req, n, &g,
	                       killed);
	if (has == 0 && !*killed && r->dest_name[0] != '\0') {
		n = req_build(req, sizeof(req), S4_CMD_CONNECT, r->echo_port, 1, u, strlen(u),
		              r->dest_name, strlen(r->dest_name));
		has = detect_probe(c, "SOCKS4a detection probe (a name)", NEED_4A | NEED_NO_4A, req,
		                   n, &g, killed);
	}
	if (has < 0)
		return -1;
	got_str(&g, what, sizeof(what));
	if (*killed)
		return 0; /* neither 4a/ case runs */
	if (has) {
		r->have |= NEED_4A;
		runner_lack(r, NEED_NO_4A, "%s", "target does SOCKS4a");
	} else {
		r->have |= NEED_NO_4A;
		runner_lack(r, NEED_4A, "target does not do SOCKS4a (a 4a CONNECT got %s)", what);
	}
	return 0;
}

/* BIND: 0, or -1 when the target is gone. */
static int detect_bind(struct ctx *c, int *killed)
{
	struct runner *r = c->r;
	uint8_t req[S4_REQUEST_MAX];
	struct got g;
	char what[128];
	const char *u = r->o.user;
	size_t n = req_build(req, sizeof(req), S4_CMD_BIND, r->echo_port, r->dest_ip, u, strlen(u),
	                     NULL, 0);
	int has = detect_probe(c, "BIND detection probe", NEED_BIND | NEED_NO_BIND, req, n, &g,
	                       killed);
	if (has < 0)
		return -1;
	got_str(&g, what, sizeof(what));
	if (*killed)
		return 0; /* neither bind/ case runs */
	if (has) {
		r->have |= NEED_BIND;
		runner_lack(r, NEED_NO_BIND, "%s", "target does BIND");
	} else {
		r->have |= NEED_NO_BIND;
		runner_lack(r, NEED_BIND, "target does not do BIND (a BIND got %s)", what);
	}
	return 0;
}

/* --features: what the user says instead of the probes. */
static void declared_features(struct runner *r)
{
	if (strstr(r->o.features, "4a") != NULL)
		r->have |= NEED_4A;
	if (strstr(r->o.features, "bind") != NULL)
		r->have |= NEED_BIND;
	if (strstr(r->o.features, "identd") != NULL)
		r->have |= NEED_IDENTD;
	runner_lack(r, NEED_4A | NEED_BIND | NEED_IDENTD, "not in --features %s", r->o.features);
	if (!(r->have & NEED_BIND))
		r->have |= NEED_NO_BIND;
	else
		runner_lack(r, NEED_NO_BIND, "%s", "target does BIND");
	if (!(r->have & NEED_4A))
		r->have |= NEED_NO_4A;
	else
		runner_lack(r, NEED_NO_4A, "%s", "target does SOCKS4a");
}

/* identd, for a target the runner does not run: declared (--identd), or
 * seen (does it ask our identd about an ordinary request?). */
static void detect_identd(struct ctx *c)
{
	struct runner *r = c->r;
	if (r->o.identd_mode != NULL) {
		r->have |= NEED_IDENTD;
		r->have |= strcmp(r->o.identd_mode, "strict") == 0 ? NEED_IDENTD_STRICT
		                                                   : NEED_IDENTD_LENIENT;
	} else if (r->ident_lfd >= 0 && !(r->have & NEED_IDENTD)) {
		uint8_t req[S4_REQUEST_MAX];
		struct got g;
		size_t n = req_build(req, sizeof(req), S4_CMD_CONNECT, r->echo_port, r->dest_ip,
		                     r->o.user, strlen(r->o.user), NULL, 0);
		pthread_mutex_lock(&r->mu);
		int before = r->ident_queries;
		pthread_mutex_unlock(&r->mu);
		probe_request(c, req, n, &g);
		pthread_mutex_lock(&r->mu);
		if (r->ident_queries > before)
			r->have |= NEED_IDENTD;
		pthread_mutex_unlock(&r->mu);
	}
	if (!(r->have & NEED_IDENTD))
		runner_lack(r, NEED_IDENTD | NEED_IDENTD_STRICT | NEED_IDENTD_LENIENT, "%s",
		     r->ident_lfd < 0 ? r->lacks[NEED_BIT_IDENTD]
		                      : "target does not consult identd (or say so with "
		                        "--identd strict|lenient)");
	if (!(r->have & NEED_IDENTD_STRICT))
		runner_lack(r, NEED_IDENTD_STRICT, "%s",
		     "target's identd mode is not declared strict (--identd strict)");
	if (!(r->have & NEED_IDENTD_LENIENT))
		runner_lack(r, NEED_IDENTD_LENIENT, "%s",
		     "target's identd mode is not declared lenient (--identd lenient)");
}

/* What the user tells, and a second local address. */
static void detect_options(struct runner *r)
{
	if (r->o.deny_user != NULL || r->o.deny_port > 0)
		r->have |= NEED_DENY;
	else
		runner_lack(r, NEED_DENY, "%s",
		     "no request the target denies (--deny-user USER or --deny-port PORT)");
	if (r->o.timer_wait_ms > 0)
		r->have |= NEED_TIMER;
	else
		runner_lack(r, NEED_TIMER, "%s",
		     "the BIND timer is not waited for (--timer-wait S, 120 s in the original)");
	if (r->dest_name[0] != '\0')
		r->have |= NEED_NAME;
	else
		runner_lack(r, NEED_NAME, "%s", "no name the target resolves to dest-addr (--dest-name)");
	if (r->alt_ip == 0) {
		runner_lack(r, NEED_ALT_SOURCE, "%s", "no second local address (--alt-source ADDR)");
		return;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_storage ss;
	socklen_t len;
	net_sockaddr4(&ss, &len, r->alt_ip, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&ss, len) == 0)
		r->have |= NEED_ALT_SOURCE;
	else
		runner_lack(r, NEED_ALT_SOURCE, "cannot use %s as a second source address",
		     r->o.alt_source ? r->o.alt_source : "127.0.0.2");
	if (fd >= 0)
		close(fd);
}

enum verdict runner_detect(struct ctx *c)
{
	struct runner *r = c->r;
	char ip[16];
	struct in_addr a = {.s_addr = htonl(r->dest_ip)};
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	int killed_4a = 0, killed_bind = 0;

	/* Run again (after a death), detection starts afresh. */
	r->have &= ~(NEED_4A | NEED_BIND | NEED_NO_4A | NEED_NO_BIND);
	if (r->o.features != NULL)
		declared_features(r);
	else if (detect_4a(c, ip, &killed_4a) < 0 || detect_bind(c, &killed_bind) < 0)
		return V_FAIL; /* the target is gone: the scheduler says so */
	if (!r->in_process)
		detect_identd(c);
	detect_options(r);
	if (!r->in_process) {
		uint8_t req[S4_REQUEST_MAX];
		size_t n = req_connect_echo(c, req, sizeof(req));
		r->serial = serves_one_at_a_time(c, req, n);
	}
	if (r->unreachable[0] != '\0')
		runner_lack_unreachable(r); /* detection run again after a death */
	if (killed_4a || killed_bind)
		return V_FAIL; /* Actual names the probe that killed the target */
	return pass(c, "SOCKS4a: %s; BIND: %s; identd: %s%s", r->have & NEED_4A ? "yes" : "no",
	            r->have & NEED_BIND ? "yes" : "no", r->have & NEED_IDENTD ? "yes" : "no",
	            r->serial ? "; serves one client at a time (the cases run one at a time)"
	                      : "");
}

void runner_mark_not_socks4(struct runner *r, const char *why)
{
	pthread_mutex_lock(&r->mu);
	r->not_socks4 = 1;
	snprintf(r->not_socks4_why, sizeof(r->not_socks4_why), "%s", why);
	pthread_mutex_unlock(&r->mu);
}

void runner_lack_unreachable(struct runner *r)
{
	char why[sizeof(r->lacks[0])];
	snprintf(why, sizeof(why), "cannot tell: %.230s", r->unreachable);
	runner_lack(r, NEED_GRANT, "%.250s", r->unreachable);
	r->have &= ~NEED_GRANT;
	if (r->unreachable_late) {
		runner_lack(r, NEED_REACH, "%.250s", r->unreachable);
		r->have &= ~NEED_REACH;
	}
	/* A 91 to the 4a and BIND probes says nothing when every CONNECT gets one. */
	if (!(r->have & NEED_4A)) {
		r->have &= ~NEED_NO_4A;
		runner_lack(r, NEED_4A | NEED_NO_4A, "%s", why);
	}
	if (!(r->have & NEED_BIND)) {
		r->have &= ~NEED_NO_BIND;
		runner_lack(r, NEED_BIND | NEED_NO_BIND, "%s", why);
	}
}

void mark_unreachable(struct ctx *c, const char *why, int late)
{
	struct runner *r = c->r;
	pthread_mutex_lock(&r->mu);
	snprintf(r->unreachable, sizeof(r->unreachable), "%s", why);
	r->unreachable_late = late;
	runner_lack_unreachable(r);
	pthread_mutex_unlock(&r->mu);
}

int runner_setup(struct runner *r, char *err, size_t errlen)
{
	uint32_t local_ip = INADDR_LOOPBACK;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);

	if (r->o.exec_cmd != NULL) {
		struct tp_opts to = {.max_restarts = r->o.max_restarts,
		                     .ready_timeout_ms = r->o.exec_wait_ms};
		names_for_exec(r, &to);
		for (int i = 0; i < 4; i++)
			r->exec_wrap[i] = to.wrap[i];
		r->tp = tp_start(r->o.exec_cmd, &to, err, errlen);
		if (r->tp == NULL)
			return -1;
	}
	if (r->o.target != NULL || r->tp != NULL) {
		if (runner_retarget(r, err, errlen) < 0 ||
		    probe_target(r, &local_ip, err, errlen) < 0)
			return -1;
	}
	r->in_process = r->o.target == NULL && r->tp == NULL;
	if (r->o.dest_addr != NULL) {
		struct in_addr a;
		if (inet_pton(AF_INET, r->o.dest_addr, &a) != 1) {
			snprintf(err, errlen, "--dest-addr '%s' is not an IPv4 address",
			         r->o.dest_addr);
			return -1;
		}
		r->dest_ip = ntohl(a.s_addr);
	} else if (local_ip == 0) {
		snprintf(err, errlen,
		         "the target is reached over IPv6: name an IPv4 address of this "
		         "host the target can reach with --dest-addr");
		return -1;
	} else {
		r->dest_ip = local_ip;
	}
	r->src_ip = local_ip != 0 ? local_ip : INADDR_LOOPBACK;
	if (r->o.alt_source != NULL) {
		struct in_addr a;
		if (inet_pton(AF_INET, r->o.alt_source, &a) != 1) {
			snprintf(err, errlen, "--alt-source '%s' is not an IPv4 address",
			         r->o.alt_source);
			return -1;
		}
		r->alt_ip = ntohl(a.s_addr);
	} else if ((r->dest_ip >> 24) == 127) {
		/* Linux answers for all of 127/8: another loopback address is a
		 * different source the target can tell apart. */
		r->alt_ip = r->dest_ip == 0x7f000002 ? 0x7f000003 : 0x7f000002;
	}
	r->have |= NEED_GRANT | NEED_REACH; /* until preflight/destination finds otherwise */
	if (r->o.dest_name != NULL)
		snprintf(r->dest_name, sizeof(r->dest_name), "%s", r->o.dest_name);
	else if (r->dest_ip == INADDR_LOOPBACK)
		snprintf(r->dest_name, sizeof(r->dest_name), "localhost");

	if (harness_start(r, err, errlen) < 0) {
		harness_stop(r);
		return -1;
	}
	if (r->in_process && names_for_builtin(r, err, errlen) < 0) {
		harness_stop(r);
		return -1;
	}
	names_add_destinations(r);
	if (r->in_process && start_builtin(r, err, errlen) < 0) {
		harness_stop(r);
		return -1;
	}
	return 0;
}

int runner_retarget(struct runner *r, char *err, size_t errlen)
{
	if (r->tp != NULL)
		r->o.target = tp_addr(r->tp);
	int rc = resolve_target(r, err, errlen);
	if (rc == 0 && r->tp != NULL) {
		size_t k = strlen(r->target_text);
		snprintf(r->target_text + k, sizeof(r->target_text) - k, " (--exec)");
	}
	return rc;
}

void runner_teardown(struct runner *r)
{
	tp_stop(r->tp); /* first: it must not reach the services as they close */
	r->tp = NULL;
	if (r->server != NULL)
		s4srv_stop(r->server, 0);
	r->server = NULL;
	harness_stop(r);
	names_stop(r);
}

int runner_run(struct runner *r, void (*on_result)(struct runner *, size_t, void *), void *arg,
               char *err, size_t errlen)
{
	if (runner_setup(r, err, errlen) < 0) {
		tp_stop(r->tp); /* an --exec target started before the failure */
		r->tp = NULL;
		return -1;
	}
	if (r->tp != NULL) /* the suite's question: live fuzzing uses the one process */
		decide_exec_instances(r);
	r->results = calloc(r->ncases, sizeof(*r->results));
	for (size_t i = 0; i < r->ncases; i++) {
		r->results[i].trace = calloc(TRACE_MAX, sizeof(struct trace_ev));
		r->results[i].exit_code = r->results[i].exit_signal = -1;
	}
	schedule_run(r, on_result, arg);
	runner_teardown(r);
	return 0;
}

void runner_stream_results(struct runner *r, void (*on_result)(struct runner *, size_t, void *),
                           void *arg)
{
	for (size_t i = 0; i < r->ncases; i++) {
		pthread_mutex_lock(&r->mu);
		while (!r->results[i].done)
			pthread_cond_wait(&r->cv, &r->mu);
		pthread_mutex_unlock(&r->mu);
		if (on_result != NULL)
			on_result(r, i, arg);
	}
}

void runner_free(struct runner *r)
{
	for (size_t i = 0; r->results != NULL && i < r->ncases; i++) {
		struct trace_ev *trace = r->results[i].trace;
		result_reset(&r->results[i]);
		free(trace);
	}
	free(r->results);
	r->results = NULL;
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
}
