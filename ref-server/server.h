/* SPDX-License-Identifier: MIT */
/* server.h - the reference SOCKS4/4a server as a library: start(config),
 * stop(handle). main.c only turns flags into a config; the conformance runner
 * and the tests run the same server in-process.
 *
 * Shape: for each listener, a pool of threads that take turns blocking in
 * accept() (one at a time: a blocked accept() holds a descriptor) and then
 * serve the session they accepted from start to end (request, policy, connect
 * or bind, reply, relay), each thread with a small stack. The pool grows by
 * one when its last idle thread takes a connection, up to max_sessions, and
 * idle threads beyond a few spares exit. One connection more than
 * max_sessions is accepted and refused at once (reply 91, close), so nothing
 * queues without bound. */
#ifndef SOCKS4KIT_SERVER_H
#define SOCKS4KIT_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "identd.h"
#include "rules.h"

#define S4SRV_MAX_LISTEN 16

/* Log levels */
enum { S4SRV_LOG_QUIET = 0, S4SRV_LOG_SESSIONS = 1, S4SRV_LOG_VERBOSE = 2 };

/* The outside world a session reaches, replaceable so that the fuzz target
 * can drive whole sessions with no network. A NULL member is the real thing.
 * Both return 0 or -1 with errno and err set, like lib/net. */
struct s4srv_hooks {
	/* A connected socket to ip:port (host byte order). */
	int (*dial)(void *arg, uint32_t ip, uint16_t port, int timeout_ms, int *fd, char *err,
	            size_t errlen);
	/* IPv4 addresses of a SOCKS4a name, as net_resolve4(). */
	int (*resolve)(void *arg, const char *name, int timeout_ms, uint32_t *addrs, size_t max,
	               size_t *n, char *err, size_t errlen);
	void *arg;
};

struct s4srv_config {
	const char *listen[S4SRV_MAX_LISTEN]; /* "ADDR:PORT", port 0 allowed */
	size_t n_listen;
	struct rules *rules; /* NULL: the default policy; the server takes ownership */
	int open;            /* default policy: 0 loopback clients only, 1 everyone */
	int no_4a;           /* 0.0.0.x is not a 4a marker: reply 91 */
	enum identd_mode identd;
	uint16_t identd_port; /* IDENT_PORT (113) unless testing */
	int identd_timeout_ms;
	int handshake_timeout_ms; /* every read of the request */
	int connect_timeout_ms;   /* CONNECT: establishing the outbound connection */
	int bind_timeout_ms;      /* BIND: waiting for the inbound connection */
	int resolve_timeout_ms;   /* SOCKS4a name lookups */
	/* --resolver: the DNS server SOCKS4a names are asked of (net_resolve4_dns);
	 * resolver_len 0: the system's resolver (net_resolve4) */
	struct sockaddr_storage resolver;
	socklen_t resolver_len;
	int idle_timeout_ms;      /* relay: no byte either way; -1 none */
	int max_sessions;
	int no_splice; /* relay through user space (for comparison) */
	int log_level;
	int log_fd;                      /* log lines go here (one write(2) each) */
	const struct s4srv_hooks *hooks; /* NULL: the real network */
};

/* The defaults: 127.0.0.1:1080, default policy, identd off, timeouts of the
 * original sockd where it had them (2 minutes to connect or bind, 15 s for
 * identd) and Dante's 30 s for the handshake. */
void s4srv_config_defaults(struct s4srv_config *cfg);

struct s4srv;

/* Opens every listener and starts the pools. On failure returns NULL with
 * err set, and frees cfg->rules. SIGPIPE must be ignored by the caller. */
struct s4srv *s4srv_start(const struct s4srv_config *cfg, char *err, size_t errlen);

/* A server without listeners or threads: sessions are handed to it with
 * s4srv_serve_fd() and run on the caller's thread (the fuzz target does
 * this). Release it with s4srv_stop(). */
struct s4srv *s4srv_detached(const struct s4srv_config *cfg, char *err, size_t errlen);
void s4srv_serve_fd(struct s4srv *srv, int fd);

/* The address listener i is bound to (with the kernel's port for port 0). */
size_t s4srv_listener_count(const struct s4srv *srv);
void s4srv_listener_addr(const struct s4srv *srv, size_t i, struct sockaddr_storage *ss);

/* Replaces the rules (takes ownership; NULL switches to the default policy).
 * Sessions already past their policy check keep their old decision. */
void s4srv_set_rules(struct s4srv *srv, struct rules *rules);

/* Closes the listeners at once, lets sessions run for up to grace_ms, then
 * shuts the remaining sessions' sockets, waits for every thread and frees
 * everything. */
void s4srv_stop(struct s4srv *srv, int grace_ms);

/* Sessions in progress (for tests and the benchmarks). */
int s4srv_active(struct s4srv *srv);

#endif
