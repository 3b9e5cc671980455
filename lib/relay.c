/* SPDX-License-Identifier: MIT */
/* relay.c - both directions in one poll() loop. The contract is in relay.h. */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* A new pipe holds 64 KiB (the kernel's default). A direction whose splice
 * fills its pipe is moving bulk: its pipe grows to BULK_PIPE (the most an
 * unprivileged process may ask, fs.pipe-max-size), so that each wakeup moves
 * up to 1 MiB instead of 64 KiB. Pipes are kernel memory charged to the user
 * (fs.pipe-user-pages-soft): only bulk directions grow, and a refusal is no
 * error. */
#define CHUNK (64 * 1024)
#define BULK_PIPE (1024 * 1024)
/* The copy path's buffer, per direction, on the stack of run_copying(). */
#define COPY_BUF (16 * 1024)
/* run() needs the copy buffers it was not given. */
#define NEED_BUFFERS (-2)

struct dir {
	const char *name; /* "a->b" or "b->a", for error messages */
	int src, dst;
	int dst_is_socket;
	int splice;      /* both ends are sockets: move bytes through `pipe` */
	int pipe[2];     /* made on first use (or the caller's); -1 until then */
	size_t pipe_cap; /* bytes one splice asks for: what the pipe holds */
	int grown;       /* BULK_PIPE was asked for */
	size_t in_pipe;  /* bytes read into the pipe, not yet written out */
	char *buf;       /* the copy path; NULL outside run_copying() */
	size_t len, off; /* buf[off..len) is read, not yet written */
	int eof;         /* src reached end of file */
	int done;        /* eof, everything delivered, dst shut down */
	uint64_t moved;
};

static int is_socket(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static size_t pending(const struct dir *d)
{
	return d->splice ? d->in_pipe : d->len - d->off;
}

static int would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* Writes out what is pending. more: the source's end of file is known to
 * follow, so a socket may hold a last short segment back for the FIN that
 * shutdown() sends next (one segment instead of two). Returns 0 (all
 * written, or dst is full for now) or -1 on error. */
static int flush(struct dir *d, int more)
{
	while (pending(d) > 0) {
		ssize_t w;
		if (d->splice)
			w = splice(d->pipe[0], NULL, d->dst, NULL, d->in_pipe,
			           SPLICE_F_MOVE | SPLICE_F_NONBLOCK | (more ? SPLICE_F_MORE : 0));
		else if (d->dst_is_socket)
			w = send(d->dst, d->buf + d->off, d->len - d->off,
			         MSG_NOSIGNAL | (more ? MSG_MORE : 0));
		else /* poll() promised room for PIPE_BUF bytes, not more */
			w = write(d->dst, d->buf + d->off,
			          d->len - d->off < PIPE_BUF ? d->len - d->off : PIPE_BUF);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return would_block() ? 0 : -1;
		}
		if (d->splice)
			d->in_pipe -= (size_t)w;
		else
			d->off += (size_t)w;
		d->moved += (uint64_t)w;
		if (!d->dst_is_socket)
			break; /* a blocking fd: one write per readiness */
	}
	return 0;
}

/* One read from src (into the pipe or the buffer). Returns 0, -1 on error,
 * or NEED_BUFFERS when this direction has to copy and has no buffer. */
static int fill(struct dir *d)
{
	ssize_t r;
	if (d->splice && d->pipe[0] < 0 && pipe2(d->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		d->splice = 0; /* no fds for a pipe: copy instead */
	if (!d->splice && d->buf == NULL)
		return NEED_BUFFERS;
	do {
		if (d->splice)
			r = splice(d->src, NULL, d->pipe[1], NULL, d->pipe_cap,
			           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		else
			r = read(d->src, d->buf, COPY_BUF);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return would_block() ? 0 : -1;
	if (r == 0) {
		d->eof = 1;
	} else if (d->splice) {
		d->in_pipe = (size_t)r;
		if ((size_t)r == d->pipe_cap && !d->grown) {
			int cap = fcntl(d->pipe[1], F_SETPIPE_SZ, BULK_PIPE);
			d->grown = 1;
			if (cap > 0)
				d->pipe_cap = (size_t)cap;
		}
	} else {
		d->off = 0;
		d->len = (size_t)r;
	}
	return 0;
}

/* Moves what it can without waiting. hup: the source's peer has shut its
 * side (POLLRDHUP), so its end of file is there behind the bytes read now:
 * it is read at once, not after another poll(). Returns 0, -1 on error, or
 * NEED_BUFFERS. */
static int pump(struct dir *d, int readable, int hup)
{
	if (flush(d, 0) < 0)
		return -1;
	for (int reads = 0; pending(d) == 0 && !d->eof && readable && reads < 1 + hup; reads++) {
		int rc = fill(d);
		if (rc < 0)
			return rc;
		/* A socket takes what fits at once; any other fd waits for poll(). */
		if (d->dst_is_socket && flush(d, hup) < 0)
			return -1;
	}
	if (d->eof && pending(d) == 0 && !d->done) {
		d->done = 1;
		if (d->dst_is_socket)
			shutdown(d->dst, SHUT_WR);
		else
			close(d->dst);
	}
	return 0;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void dir_init(struct dir *d, const char *name, int src, int dst,
                     const struct relay_opts *opts, const int *pipe)
{
	int known = opts != NULL && opts->nonblocking_sockets;
	int src_sock = known || is_socket(src);
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->src = src;
	d->dst = dst;
	d->dst_is_socket = known || is_socket(dst);
	d->splice = !(opts != NULL && opts->no_splice) && src_sock && d->dst_is_socket;
	d->pipe[0] = pipe != NULL ? pipe[0] : -1;
	d->pipe[1] = pipe != NULL ? pipe[1] : -1;
	d->pipe_cap = CHUNK; /* a kept pipe may hold more: growing it tells */
	if (src_sock && !known)
		set_nonblock(src);
	if (d->dst_is_socket && !known)
		set_nonblock(dst);
}

/* The poll loop. Returns 0 when both directions ended, -1 on error or idle
 * timeout (err set), or NEED_BUFFERS as soon as a direction has to copy and
 * has no buffer; all the state is in dirs, so calling again goes on. */
static int run(struct dir dirs[2], int idle, char *err, size_t errlen)
{
	while (!dirs[0].done || !dirs[1].done) {
		struct pollfd pfd[2];
		for (int i = 0; i < 2; i++) {
			struct dir *d = &dirs[i];
			pfd[i].revents = 0;
			if (d->done) {
				pfd[i].fd = -1; /* poll ignores negative fds */
				pfd[i].events = 0;
			} else if (pending(d) > 0) {
				pfd[i].fd = d->dst;
				pfd[i].events = POLLOUT;
			} else {
				pfd[i].fd = d->src;
				pfd[i].events = POLLIN | POLLRDHUP;
			}
		}
		int n = poll(pfd, 2, idle);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n == 0 ? ETIMEDOUT : errno;
			if (err != NULL && errlen > 0 && n == 0)
				snprintf(err, errlen, "relay: idle for %d ms", idle);
			else if (err != NULL && errlen > 0)
				snprintf(err, errlen, "poll: %s", strerror(e));
			errno = e;
			return -1;
		}
		for (int i = 0; i < 2; i++) {
			struct dir *d = &dirs[i];
			if (pfd[i].revents == 0 || d->done)
				continue;
			/* POLLHUP/POLLERR count as readable: the read reports them. */
			int rc = pump(d, pending(d) == 0, (pfd[i].revents & POLLRDHUP) != 0);
			if (rc == NEED_BUFFERS)
				return rc;
			if (rc < 0) {
				int e = errno;
				if (err != NULL && errlen > 0)
					snprintf(err, errlen, "relay %s: %s", d->name, strerror(e));
				errno = e;
				return -1;
			}
		}
	}
	return 0;
}

/* The copy buffers live in this frame, entered only when some direction
 * copies: a splice relay never touches those 32 KiB of its thread's stack
 * (a server keeps every page a thread touched, for each idle session). */
__attribute__((noinline)) static int run_copying(struct dir dirs[2], int idle, char *err,
                                                 size_t errlen)
{
	char buf[2][COPY_BUF];
	dirs[0].buf = buf[0];
	dirs[1].buf = buf[1];
	int rc = run(dirs, idle, err, errlen);
	dirs[0].buf = dirs[1].buf = NULL;
	return rc;
}

int relay_run(struct relay_end a, struct relay_end b, const struct relay_opts *opts,
              struct relay_stats *stats, char *err, size_t errlen)
{
	struct relay_pipes *kept = opts != NULL ? opts->pipes : NULL;
	int idle = opts != NULL ? opts->idle_timeout_ms : -1;
	struct dir dirs[2];

	dir_init(&dirs[0], "a->b", a.rd, b.wr, opts, kept != NULL ? kept->ab : NULL);
	dir_init(&dirs[1], "b->a", b.rd, a.wr, opts, kept != NULL ? kept->ba : NULL);
	int rc = NEED_BUFFERS;
	if (dirs[0].splice && dirs[1].splice)
		rc = run(dirs, idle, err, errlen);
	if (rc == NEED_BUFFERS)
		rc = run_copying(dirs, idle, err, errlen);

	/* An empty pipe goes back to the caller for the next relay; one with
	 * bytes left in it (an error mid-transfer) is closed. */
	for (int i = 0; i < 2; i++) {
		struct dir *d = &dirs[i];
		int *keep = kept == NULL ? NULL : i == 0 ? kept->ab : kept->ba;
		if (d->pipe[0] >= 0 && (keep == NULL || d->in_pipe > 0)) {
			close(d->pipe[0]);
			close(d->pipe[1]);
			d->pipe[0] = d->pipe[1] = -1;
		}
		if (keep != NULL) {
			keep[0] = d->pipe[0];
			keep[1] = d->pipe[1];
		}
	}
	if (stats != NULL) {
		stats->a_to_b = dirs[0].moved;
		stats->b_to_a = dirs[1].moved;
	}
	return rc;
}
