/* SPDX-License-Identifier: MIT */
/* relay.h - move bytes both ways between two endpoints until both directions end.
 *
 * One thread, one poll() loop, both directions: the reference server relays
 * client <-> destination with it, the client relays stdin/stdout <-> proxy.
 *
 * Half-close is propagated: when one side's read end reaches end of file and
 * every byte read from it has been delivered, the other side's write end is
 * shut down (shutdown(SHUT_WR) for a socket; close() for any other fd, so a
 * pipe reader sees end of file too), and the opposite direction carries on.
 * The relay ends when both directions have ended (success), on the first
 * error in either direction (ECONNRESET, EPIPE, ...), or after idle_timeout_ms
 * without a byte moving either way (errno ETIMEDOUT).
 *
 * Between two sockets the bytes go through a pipe with splice(2) and never
 * enter user space (a direction that fills its pipe gets a bigger one, up to
 * 1 MiB); otherwise (or when no pipe can be had) they are copied with
 * read/write through a buffer on the stack. Sockets are switched to
 * O_NONBLOCK; other fds are only read or written after poll() says so.
 * splice(2) has no MSG_NOSIGNAL: callers must ignore SIGPIPE.
 * The relay never closes a socket: the caller does, after it returns.
 */
#ifndef SOCKS4KIT_RELAY_H
#define SOCKS4KIT_RELAY_H

#include <stddef.h>
#include <stdint.h>

struct relay_end {
	int rd; /* where this side's bytes come from */
	int wr; /* where bytes for this side go (== rd for a socket) */
};

/* splice(2)'s pipes, one per direction, kept by a caller that runs relay
 * after relay on one thread (a server's pool thread): a pipe left empty is
 * handed back here for the next relay_run instead of being closed. -1 marks
 * no pipe; the caller closes the rest when it is done. */
struct relay_pipes {
	int ab[2]; /* a->b: read end, write end */
	int ba[2];
};

struct relay_opts {
	int idle_timeout_ms; /* -1: no idle limit */
	int no_splice;       /* 1: always copy through user space */
	/* 1: a and b are sockets the caller made O_NONBLOCK already, so the relay
	 * skips checking (fstat) and setting (fcntl) each one. */
	int nonblocking_sockets;
	struct relay_pipes *pipes; /* NULL: pipes are made and closed here */
};

struct relay_stats {
	uint64_t a_to_b; /* bytes delivered from a to b */
	uint64_t b_to_a;
};

/* Relays until both directions end. Returns 0 when both reached end of file,
 * -1 on error or idle timeout (err says which side and why, errno is kept).
 * stats (when not NULL) counts the bytes delivered either way, also on error. */
int relay_run(struct relay_end a, struct relay_end b, const struct relay_opts *opts,
              struct relay_stats *stats, char *err, size_t errlen);

#endif
