/* SPDX-License-Identifier: MIT */
/* server.c - listeners, the accept pools, start and stop. The shape is
 * described in server.h; one session's protocol work is in session.c. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "session.h"

/* Threads started per listener, and idle threads kept after a burst. */
#define PRESTART 4
#define SPARE_IDLE 64
/* accept() out of fds or memory: wait this long instead of spinning. */
#define ACCEPT_BACKOFF_MS 100
#define LISTEN_BACKLOG 1024

/* Session stacks are small: a session's deepest frame is the relay (two 16
 * KiB copy buffers, touched only without splice). Sanitizers need more. */
#if defined(__SANITIZE_ADDRESS__)
#define SESSION_STACK (1024 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SESSION_STACK (1024 * 1024)
#endif
#endif
#ifndef SESSION_STACK
#define SESSION_STACK (128 * 1024)
#endif

void s4srv_config_defaults(struct s4srv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->identd = IDENTD_OFF;
	cfg->identd_port = IDENT_PORT;
	cfg->identd_timeout_ms = 15 * 1000;
	cfg->handshake_timeout_ms = 30 * 1000;
	cfg->connect_timeout_ms = 120 * 1000;
	cfg->bind_timeout_ms = 120 * 1000;
	cfg->resolve_timeout_ms = 4 * 1000; /* a 91 before socks4-test's --timeout (5 s) */
	cfg->idle_timeout_ms = 2 * 60 * 60 * 1000;
	cfg->max_sessions = 1024;
	cfg->log_level = S4SRV_LOG_SESSIONS;
	cfg->log_fd = 2;
}

/* The one escaping rule of the log: every byte outside printable ASCII, from
 * whatever field it came (a 4a name, a resolver's message, an identd token),
 * is shown as \xNN, so a peer can neither start a line nor reach the
 * terminal of whoever reads the log. Rewrites line[0..n) in place within cap
 * bytes, cutting at a whole escape; returns the new length. */
static size_t log_escape_inplace(char *line, size_t n, size_t cap)
{
	size_t extra = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)line[i];
		if (ch < 0x20 || ch > 0x7e)
			extra += 3;
	}
	if (extra == 0)
		return n;
	char tmp[2048];
	size_t o = 0;
	for (size_t i = 0; i < n && o < sizeof(tmp); i++) {
		unsigned char ch = (unsigned char)line[i];
		if (ch >= 0x20 && ch <= 0x7e) {
			tmp[o++] = (char)ch;
		} else {
			if (o + 4 > cap || o + 4 > sizeof(tmp))
				break;
			o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "\\x%02x", ch);
		}
		if (o >= cap)
			break;
	}
	if (o > cap)
		o = cap;
	memcpy(line, tmp, o);
	return o;
}

void srv_log(struct s4srv *srv, int level, const char *fmt, ...)
{
	if (srv->cfg.log_level < level || srv->cfg.log_fd < 0)
		return;
	char line[1024];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(line + n, sizeof(line) - (size_t)n, ".%03ldZ ", ts.tv_nsec / 1000000);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = m < 0 ? n : n + m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	n = (int)log_escape_inplace(line, (size_t)n, sizeof(line) - 1);
	line[n++] = '\n';
	/* One write per line, so lines from concurrent sessions never interleave. */
	ssize_t w = write(srv->cfg.log_fd, line, (size_t)n);
	(void)w;
}

void session_track(struct session *s, int slot, int fd)
{
	pthread_mutex_lock(&s->srv->mu);
	s->fds[slot] = fd;
	if (s->srv->forced)
		shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&s->srv->mu);
}

void session_close(struct session *s, int slot)
{
	if (s->fds[slot] < 0)
		return; /* only this thread writes its slots: no lock to read one */
	pthread_mutex_lock(&s->srv->mu);
	int fd = s->fds[slot];
	s->fds[slot] = -1;
	pthread_mutex_unlock(&s->srv->mu);
	if (fd >= 0)
		close(fd);
}

static int spawn_locked(struct listener *l);

/* Takes the listener's accept turn and accepts one connection. Idle threads
 * take turns: one blocks in accept(), the others wait for the turn. The
 * kernel reserves a descriptor for every blocked accept(), so a whole pool in
 * accept() would hold one each, and once fds ran out none would come back to
 * sessions. Returns the fd, or -1 (EINTR, ECONNABORTED, out of fds, ...). */
static int accept_in_turn(struct listener *l, struct sockaddr_storage *peer)
{
	struct s4srv *srv = l->srv;
	socklen_t plen = sizeof(*peer);
	pthread_mutex_lock(&l->accept_turn);
	int fd = accept4(l->fd, (struct sockaddr *)peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int e = errno;
	int starved = fd < 0 && (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM);
	if (starved && !l->starved) /* one log line when it starts, one when it ends */
		srv_log(srv, S4SRV_LOG_QUIET, "accept: %s; retrying every %d ms", strerror(e),
		        ACCEPT_BACKOFF_MS);
	else if (fd >= 0 && l->starved)
		srv_log(srv, S4SRV_LOG_QUIET, "accept: working again");
	if (fd >= 0 || starved)
		l->starved = starved;
	if (starved)
		poll(NULL, 0, ACCEPT_BACKOFF_MS); /* instead of spinning */
	pthread_mutex_unlock(&l->accept_turn);
	return fd;
}

/* A pool thread leaves: off the session list, out of the counts, and joined
 * by the next one to leave. idle: it was counted in l->idle. */
static void leave_pool(struct listener *l, struct session *s, int idle)
{
	struct s4srv *srv = l->srv;
	pthread_mutex_lock(&srv->mu);
	if (idle)
		l->idle--;
	for (struct session **p = &srv->sessions; *p != NULL; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			break;
		}
	}
	/* Each exiting thread joins the one that exited before it, and
	 * s4srv_stop() joins the last: every thread is gone when stop returns. */
	pthread_t prev = srv->last_exited;
	int join_prev = srv->exited_any;
	srv->last_exited = pthread_self();
	srv->exited_any = 1;
	srv->threads--;
	pthread_cond_broadcast(&srv->changed);
	pthread_mutex_unlock(&srv->mu);
	for (int i = 0; i < 2; i++) {
		if (s->pipes->ab[i] >= 0)
			close(s->pipes->ab[i]);
		if (s->pipes->ba[i] >= 0)
			close(s->pipes->ba[i]);
	}
	if (join_prev)
		pthread_join(prev, NULL);
}

/* What a pool thread does: accept, serve, repeat, until the server stops or
 * there are enough idle threads without it. */
static void *pool_thread(void *arg)
{
	struct listener *l = arg;
	struct s4srv *srv = l->srv;
	struct relay_pipes pipes = {{-1, -1}, {-1, -1}}; /* kept from one relay to the next */
	struct session s = {
	        .srv = srv, .l = l, .fds = {-1, -1, -1}, .nonblocking = 1, .pipes = &pipes};

	pthread_mutex_lock(&srv->mu);
	s.next = srv->sessions;
	srv->sessions = &s;
	pthread_mutex_unlock(&srv->mu);

	int idle = 1; /* counted in l->idle */
	for (;;) {
		struct sockaddr_storage peer;
		int fd = accept_in_turn(l, &peer);

		pthread_mutex_lock(&srv->mu);
		if (srv->stopping) {
			pthread_mutex_unlock(&srv->mu);
			if (fd >= 0)
				close(fd);
			break;
		}
		if (fd < 0) {
			pthread_mutex_unlock(&srv->mu);
			continue;
		}
		l->idle--;
		idle = 0;
		srv->active++;
		int over = srv->active > srv->cfg.max_sessions;
		s.fds[FD_CLIENT] = fd;
		if (l->idle == 0)
			spawn_locked(l);
		pthread_mutex_unlock(&srv->mu);

		if (over)
			session_refuse(&s, fd, &peer);
		else
			session_serve(&s, fd, &peer);

		pthread_mutex_lock(&srv->mu);
		srv->active--;
		int retire = srv->stopping || l->idle >= SPARE_IDLE;
		if (!retire) {
			l->idle++;
			idle = 1;
		}
		pthread_cond_broadcast(&srv->changed);
		pthread_mutex_unlock(&srv->mu);
		if (retire)
			break;
	}
	leave_pool(l, &s, idle);
	return NULL;
}

/* Starts one more pool thread on l, unless the pool is at its bound: every
 * session plus one spare per listener to refuse what is over the limit. */
static int spawn_locked(struct listener *l)
{
	struct s4srv *srv = l->srv;
	if (srv->threads >= srv->cfg.max_sessions + (int)srv->n_listeners)
		return -1;
	pthread_attr_t attr;
	pthread_t tid;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SESSION_STACK);
	int rc = pthread_create(&tid, &attr, pool_thread, l);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		if (!srv->spawn_failed_logged++)
			srv_log(srv, S4SRV_LOG_QUIET, "pthread_create: %s (pool stays at %d)",
			        strerror(rc), srv->threads);
		return -1;
	}
	srv->threads++;
	l->idle++;
	return 0;
}

static int is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return 0;
}

static int open_listener(struct s4srv *srv, const char *spec, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	uint16_t port;
	if (net_split_hostport(spec, 1, host, sizeof(host), &port, err, errlen) < 0)
		return -1;
	struct listener *l = &srv->listeners[srv->n_listeners];
	if (net_listen(host, port, LISTEN_BACKLOG, &l->fd, NULL, err, errlen) < 0)
		return -1;
	socklen_t len = sizeof(l->addr);
	getsockname(l->fd, (struct sockaddr *)&l->addr, &len);
	l->srv = srv;
	srv->n_listeners++;
	if (srv->cfg.rules == NULL && !srv->cfg.open && !is_loopback(&l->addr)) {
		snprintf(err, errlen,
		         "refusing to listen on %s without --rules: every host that reaches it "
		         "could use this proxy (pass --open to allow that)",
		         spec);
		return -1;
	}
	return 0;
}

static void close_listeners(struct s4srv *srv)
{
	for (size_t i = 0; i < srv->n_listeners; i++)
		close(srv->listeners[i].fd);
}

static struct s4srv *srv_new(const struct s4srv_config *cfg, char *err, size_t errlen)
{
	struct s4srv *srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		snprintf(err, errlen, "out of memory");
		rules_free(cfg->rules);
		return NULL;
	}
	srv->cfg = *cfg;
	if (srv->cfg.max_sessions < 1)
		srv->cfg.max_sessions = 1;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->changed, NULL);
	pthread_rwlock_init(&srv->rules_lock, NULL);
	for (size_t i = 0; i < S4SRV_MAX_LISTEN; i++)
		pthread_mutex_init(&srv->listeners[i].accept_turn, NULL);
	return srv;
}

static void srv_free(struct s4srv *srv)
{
	rules_free(srv->cfg.rules);
	for (size_t i = 0; i < S4SRV_MAX_LISTEN; i++)
		pthread_mutex_destroy(&srv->listeners[i].accept_turn);
	pthread_rwlock_destroy(&srv->rules_lock);
	pthread_cond_destroy(&srv->changed);
	pthread_mutex_destroy(&srv->mu);
	free(srv);
}

struct s4srv *s4srv_detached(const struct s4srv_config *cfg, char *err, size_t errlen)
{
	return srv_new(cfg, err, errlen);
}

void s4srv_serve_fd(struct s4srv *srv, int fd)
{
	struct session s = {.srv = srv, .fds = {fd, -1, -1}};
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	memset(&peer, 0, sizeof(peer));
	getpeername(fd, (struct sockaddr *)&peer, &len);
	session_serve(&s, fd, &peer);
}

struct s4srv *s4srv_start(const struct s4srv_config *cfg, char *err, size_t errlen)
{
	struct s4srv *srv = srv_new(cfg, err, errlen);
	if (srv == NULL)
		return NULL;
	if (srv->cfg.n_listen == 0) {
		srv->cfg.listen[0] = "127.0.0.1:1080";
		srv->cfg.n_listen = 1;
	}
	for (size_t i = 0; i < srv->cfg.n_listen && i < S4SRV_MAX_LISTEN; i++) {
		if (open_listener(srv, srv->cfg.listen[i], err, errlen) < 0) {
			close_listeners(srv);
			srv_free(srv);
			return NULL;
		}
	}

	pthread_mutex_lock(&srv->mu);
	for (size_t i = 0; i < srv->n_listeners; i++)
		for (int k = 0; k < PRESTART; k++)
			spawn_locked(&srv->listeners[i]);
	pthread_mutex_unlock(&srv->mu);
	return srv;
}

size_t s4srv_listener_count(const struct s4srv *srv)
{
	return srv->n_listeners;
}

void s4srv_listener_addr(const struct s4srv *srv, size_t i, struct sockaddr_storage *ss)
{
	*ss = srv->listeners[i].addr;
}

void s4srv_set_rules(struct s4srv *srv, struct rules *rules)
{
	pthread_rwlock_wrlock(&srv->rules_lock);
	struct rules *old = srv->cfg.rules;
	srv->cfg.rules = rules;
	pthread_rwlock_unlock(&srv->rules_lock);
	rules_free(old);
}

int s4srv_active(struct s4srv *srv)
{
	pthread_mutex_lock(&srv->mu);
	int n = srv->active;
	pthread_mutex_unlock(&srv->mu);
	return n;
}

/* Waits on srv->changed (mutex held) until cond() is false or the deadline. */
static void wait_until(struct s4srv *srv, int64_t deadline_ms, int (*cond)(struct s4srv *))
{
	while (cond(srv)) {
		if (deadline_ms == NET_NO_DEADLINE) {
			pthread_cond_wait(&srv->changed, &srv->mu);
			continue;
		}
		int left = net_remaining_ms(deadline_ms);
		if (left == 0)
			return;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (long)(left % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&srv->changed, &srv->mu, &ts);
	}
}

static int sessions_active(struct s4srv *srv)
{
	return srv->active > 0;
}

static int threads_alive(struct s4srv *srv)
{
	return srv->threads > 0;
}

void s4srv_stop(struct s4srv *srv, int grace_ms)
{
	pthread_mutex_lock(&srv->mu);
	srv->stopping = 1;
	pthread_mutex_unlock(&srv->mu);

	/* shutdown() on a listening socket stops it at once (new connects are
	 * refused) and wakes every thread blocked in accept(). The fds are
	 * closed only after the last thread is gone, so no number is reused
	 * under a thread still holding it. */
	for (size_t i = 0; i < srv->n_listeners; i++)
		shutdown(srv->listeners[i].fd, SHUT_RDWR);

	pthread_mutex_lock(&srv->mu);
	wait_until(srv, net_deadline(grace_ms), sessions_active);
	if (srv->active > 0)
		srv_log(srv, S4SRV_LOG_QUIET, "grace period over: closing %d session(s)",
		        srv->active);
	srv->forced = 1;
	for (struct session *s = srv->sessions; s != NULL; s = s->next)
		for (int k = 0; k < FD_SLOTS; k++)
			if (s->fds[k] >= 0)
				shutdown(s->fds[k], SHUT_RDWR);
	/* What is left ends at its next socket call; a name lookup or identd
	 * query in flight ends at its own deadline. */
	wait_until(srv, NET_NO_DEADLINE, threads_alive);
	pthread_mutex_unlock(&srv->mu);
	if (srv->exited_any)
		pthread_join(srv->last_exited, NULL);

	close_listeners(srv);
	srv_free(srv);
}
