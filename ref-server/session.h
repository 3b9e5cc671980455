/* SPDX-License-Identifier: MIT */
/* session.h - the server's insides, shared by server.c (listeners, the
 * thread pool, start/stop) and session.c (one client from request to close).
 * Not a public interface: server.h is. */
#ifndef SOCKS4KIT_SESSION_H
#define SOCKS4KIT_SESSION_H

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay.h"
#include "server.h"

struct listener {
	struct s4srv *srv;
	int fd;
	struct sockaddr_storage addr;
	int idle;                    /* pool threads waiting for a connection on this listener */
	pthread_mutex_t accept_turn; /* held by the one thread in accept() */
	int starved;                 /* accept() fails for want of fds or memory (accept_turn) */
};

/* The sockets a session holds, where s4srv_stop() can find and shut them. */
enum { FD_CLIENT, FD_DEST, FD_BIND, FD_SLOTS };

/* One per pool thread, reused for each session the thread serves. */
struct session {
	struct s4srv *srv;
	struct listener *l;
	int fds[FD_SLOTS];         /* written under srv->mu (only by the owning thread) */
	int nonblocking;           /* the client socket was accepted O_NONBLOCK */
	struct relay_pipes *pipes; /* splice's pipes, kept from one session to the next */
	struct session *next;
};

struct s4srv {
	struct s4srv_config cfg;
	pthread_mutex_t mu;
	pthread_cond_t changed; /* a thread exited or a session ended */
	pthread_rwlock_t rules_lock;
	struct listener listeners[S4SRV_MAX_LISTEN];
	size_t n_listeners;
	struct session *sessions; /* every pool thread's session slot */
	int threads;              /* pool threads alive */
	int active;               /* connections accepted and not yet closed */
	int stopping;             /* listeners closed: threads exit */
	int forced;               /* grace over: every new socket is shut at once */
	int spawn_failed_logged;
	pthread_t last_exited; /* the pool thread that exited last, not joined yet */
	int exited_any;
};

/* Serves one accepted client to the end and closes everything it opened. */
void session_serve(struct session *s, int client_fd, const struct sockaddr_storage *peer);

/* Refuses a client over the session limit: reply 91, close. */
void session_refuse(struct session *s, int client_fd, const struct sockaddr_storage *peer);

/* Puts fd in a slot (shutting it at once if the server is being forced
 * down), or takes it out and closes it. */
void session_track(struct session *s, int slot, int fd);
void session_close(struct session *s, int slot);

/* One log line ("<UTC time> <text>\n") written with a single write(2). */
__attribute__((format(printf, 3, 4))) void srv_log(struct s4srv *srv, int level, const char *fmt,
                                                   ...);

#endif
