/* SPDX-License-Identifier: MIT */
/* loadgen.c - the benchmarks' load generator and destination.
 *
 *   loadgen dest [--listen ADDR:PORT] [--threads N] [--buf N]
 *   loadgen bulk --dest HOST:PORT [--proxy HOST:PORT] --bytes N [--seconds S] [--buf N]
 *   loadgen rate --dest HOST:PORT [--proxy HOST:PORT] [--clients N] [--seconds S]
 *                [--count N] [--warmup S] [--close client|dest]
 *   loadgen hold --dest HOST:PORT [--proxy HOST:PORT] --sessions N [--seconds S]
 *
 * dest is the destination every measurement talks to (direct or through a
 * proxy): epoll threads that read the first byte of each connection and do
 * what it says:
 *   'e'  echo every byte; close on end of file (the peer closes first);
 *   'd'  echo the first byte, then close (the destination closes first);
 *   's'  sink: discard until end of file, then send the count as 8 bytes
 *        (big-endian) and close.
 * It prints "loadgen: listening on ADDR:PORT" on stderr.
 *
 * The clients open a session directly, or through a SOCKS4 proxy with a
 * CONNECT built by lib/socks4 (s4_write_request) and a reply read with
 * s4_parse_reply; then:
 *   bulk  sends N bytes to the sink, half-closes, waits for the count; the
 *         time runs from the first byte sent to the count received;
 *   rate  N threads each loop: open, 1 byte there and back, close (client
 *         first: the client closes after the echo; dest first: the client
 *         waits for the destination's close); sessions completed after the
 *         warm-up, over the time they took, are the rate;
 *   hold  opens N sessions (each checked with a 1-byte round trip), prints
 *         "ready N" on stdout, and keeps them open until stdin reaches end of
 *         file (or S seconds pass);
 * and print one JSON line on stdout. --buf is the bytes per write of the bulk
 * sender and per read of the sink: 128 KiB by default, iperf3's default. Every run is bounded:
 * --seconds caps it, and a run whose threads do not finish within WATCHDOG_S more seconds exits
 * with status 3. Exit status 0 when no session failed, 1 when some did, 2 for usage errors. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "socks4.h"

#define WATCHDOG_S 10 /* seconds past --seconds before a run is declared hung */
#define MAX_CLIENTS 1024
#define USERID "loadgen"

/* Bytes per write(2) of the bulk sender and per read(2) of the sink (--buf). */
static size_t io_size = 128 * 1024;

enum { MODE_ECHO = 'e', MODE_DEST_CLOSES = 'd', MODE_SINK = 's' };

struct target {
	struct sockaddr_storage dest, proxy;
	socklen_t dest_len, proxy_len;
	int via_proxy;
	uint32_t dest_ip; /* host byte order, for the CONNECT request */
	uint16_t dest_port;
};

static void die(const char *msg)
{
	fprintf(stderr, "loadgen: %s\n", msg);
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "A.B.C.D:PORT" (IPv4 only: a SOCKS4 destination is an IPv4 address). */
static void parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len, uint32_t *ip,
                       uint16_t *port)
{
	char host[64], err[160];
	struct in_addr a;
	if (net_split_hostport(s, 0, host, sizeof(host), port, err, sizeof(err)) < 0)
		die(err);
	if (inet_pton(AF_INET, host, &a) != 1)
		die("addresses must be IPv4 literals");
	*ip = ntohl(a.s_addr);
	net_sockaddr4(ss, len, *ip, *port);
}

static int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = send(fd, (const char *)buf + done, n - done, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* A session to the destination (through the proxy when there is one) whose
 * first byte, `mode`, has been sent. Returns a blocking fd, or -1. */
static int open_session(const struct target *t, char mode)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	const struct sockaddr_storage *to = t->via_proxy ? &t->proxy : &t->dest;
	socklen_t to_len = t->via_proxy ? t->proxy_len : t->dest_len;
	if (connect(fd, (const struct sockaddr *)to, to_len) < 0)
		goto fail;
	if (t->via_proxy) {
		struct s4_request req = {.vn = S4_VN_REQUEST,
		                         .cd = S4_CMD_CONNECT,
		                         .dstport = t->dest_port,
		                         .dstip = t->dest_ip,
		                         .userid = USERID,
		                         .userid_len = sizeof(USERID) - 1};
		uint8_t wire[S4_HEADER_LEN + sizeof(USERID)], rbuf[S4_REPLY_LEN];
		struct s4_reply rep;
		int n = s4_write_request(wire, sizeof(wire), &req);
		if (n < 0 || (size_t)n > sizeof(wire) || write_full(fd, wire, (size_t)n) < 0 ||
		    read_full(fd, rbuf, sizeof(rbuf)) < 0 ||
		    s4_parse_reply(rbuf, sizeof(rbuf), &rep) != S4_REPLY_LEN ||
		    rep.cd != S4_REP_GRANTED)
			goto fail;
	}
	if (write_full(fd, &mode, 1) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Exits with status 3 when a run outlives its bound (a hung proxy). */
static void *watchdog(void *arg)
{
	double limit = *(double *)arg;
	struct timespec ts = {.tv_sec = (time_t)limit + WATCHDOG_S};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	fprintf(stderr, "loadgen: still running %d s after its %.1f s bound: hung\n", WATCHDOG_S,
	        limit);
	_exit(3);
}

static void start_watchdog(double *seconds)
{
	pthread_t tid;
	if (pthread_create(&tid, NULL, watchdog, seconds) != 0)
		die("pthread_create");
	pthread_detach(tid);
}

/* --- dest ------------------------------------------------------------- */

struct conn {
	int fd;
	char mode; /* 0 until the first byte */
	uint64_t count;
};

static void conn_end(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

/* Echoes len bytes; the echo peers send one byte at a time, so a full
 * socket buffer (which would block the loop) is an error here. */
static int echo(struct conn *c, const char *buf, size_t len)
{
	return send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len ? 0 : -1;
}

static void conn_readable(int ep, struct conn *c, char *buf)
{
	ssize_t n = recv(c->fd, buf, io_size, 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n == 0 && c->mode == MODE_SINK) {
			uint8_t out[8];
			for (int i = 0; i < 8; i++)
				out[i] = (uint8_t)(c->count >> (56 - 8 * i));
			send(c->fd, out, sizeof(out), MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		conn_end(ep, c);
		return;
	}
	size_t off = 0;
	if (c->mode == 0) {
		c->mode = buf[0];
		if (c->mode == MODE_DEST_CLOSES) {
			echo(c, buf, 1);
			conn_end(ep, c);
			return;
		}
		if (c->mode == MODE_SINK)
			off = 1;
	}
	if (c->mode == MODE_SINK)
		c->count += (uint64_t)n - off;
	else if (c->mode != MODE_ECHO || echo(c, buf, (size_t)n) < 0)
		conn_end(ep, c);
}

struct dest {
	int lfd;
};

static void *dest_thread(void *arg)
{
	struct dest *d = arg;
	char *buf = malloc(io_size);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (buf == NULL || ep < 0)
		die("dest: out of memory or fds");
	/* NULL marks the listener; EPOLLEXCLUSIVE wakes one thread per connection. */
	struct epoll_event lev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, d->lfd, &lev) < 0)
		die("dest: epoll_ctl");
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c != NULL) {
				conn_readable(ep, c, buf);
				continue;
			}
			int fd;
			while ((fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
			       0) {
				int one = 1;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				c = calloc(1, sizeof(*c));
				if (c == NULL) {
					close(fd);
					continue;
				}
				c->fd = fd;
				struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
					close(fd);
					free(c);
				}
			}
			if (errno == EMFILE || errno == ENFILE)
				poll(NULL, 0, 10);
		}
	}
	return NULL;
}

static int cmd_dest(const char *listen_at, int threads)
{
	char host[64], err[160], text[NET_ADDRSTR_MAX];
	uint16_t port;
	struct dest d;
	if (net_split_hostport(listen_at, 1, host, sizeof(host), &port, err, sizeof(err)) < 0 ||
	    net_listen(host, port, 4096, &d.lfd, &port, err, sizeof(err)) < 0)
		die(err);
	if (fcntl(d.lfd, F_SETFL, fcntl(d.lfd, F_GETFL) | O_NONBLOCK) < 0)
		die("dest: fcntl");
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	getsockname(d.lfd, (struct sockaddr *)&ss, &len);
	fprintf(stderr, "loadgen: listening on %s\n",
	        net_addr_str((struct sockaddr *)&ss, text, sizeof(text)));
	pthread_t tid;
	for (int i = 1; i < threads; i++)
		if (pthread_create(&tid, NULL, dest_thread, &d) != 0)
			die("pthread_create");
	dest_thread(&d);
	return 0;
}

/* --- clients ---------------------------------------------------------- */

struct rate_run {
	const struct target *t;
	char mode;
	atomic_int stop;     /* the time is up */
	atomic_long tickets; /* sessions left to start */
	atomic_long done;    /* sessions completed */
	atomic_long failed;  /* sessions that did not complete */
	atomic_int running;  /* client threads still looping */
};

/* Open, one byte there and back, close (after the destination's close when
 * it closes first). Returns 0 or -1. */
static int one_session(const struct target *t, char mode)
{
	int fd = open_session(t, mode);
	if (fd < 0)
		return -1;
	char b;
	int ok = read_full(fd, &b, 1) == 0 && b == mode;
	if (ok && mode == MODE_DEST_CLOSES)
		ok = read(fd, &b, 1) == 0;
	close(fd);
	return ok ? 0 : -1;
}

static void *rate_thread(void *arg)
{
	struct rate_run *r = arg;
	while (!atomic_load(&r->stop) && atomic_fetch_sub(&r->tickets, 1) > 0) {
		if (one_session(r->t, r->mode) == 0)
			atomic_fetch_add(&r->done, 1);
		else
			atomic_fetch_add(&r->failed, 1);
	}
	atomic_fetch_sub(&r->running, 1);
	return NULL;
}

static void sleep_s(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s,
	                      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int cmd_rate(const struct target *t, int clients, double seconds, long count, double warmup,
                    char mode)
{
	struct rate_run r = {.t = t, .mode = mode};
	atomic_store(&r.tickets, count > 0 ? count : 0x7fffffffL);
	atomic_store(&r.running, clients);
	double bound = seconds + warmup;
	start_watchdog(&bound);
	pthread_t tids[MAX_CLIENTS];
	for (int i = 0; i < clients; i++)
		if (pthread_create(&tids[i], NULL, rate_thread, &r) != 0)
			die("pthread_create");

	sleep_s(warmup);
	double t0 = now_s(), t1 = t0;
	long d0 = atomic_load(&r.done);
	while (atomic_load(&r.running) > 0 && (t1 = now_s()) < t0 + seconds)
		sleep_s(0.005);
	long d1 = atomic_load(&r.done);
	t1 = now_s();
	atomic_store(&r.stop, 1);
	for (int i = 0; i < clients; i++)
		pthread_join(tids[i], NULL);

	long failed = atomic_load(&r.failed);
	printf("{\"mode\":\"rate\",\"clients\":%d,\"close\":\"%s\",\"sessions\":%ld,"
	       "\"total\":%ld,\"failed\":%ld,\"seconds\":%.3f,\"per_s\":%.1f}\n",
	       clients, mode == MODE_DEST_CLOSES ? "dest" : "client", d1 - d0, atomic_load(&r.done),
	       failed, t1 - t0, (double)(d1 - d0) / (t1 - t0));
	return failed > 0 ? 1 : 0;
}

static int cmd_bulk(const struct target *t, unsigned long long bytes, double seconds)
{
	start_watchdog(&seconds);
	char *buf = malloc(io_size);
	if (buf == NULL)
		die("out of memory");
	for (size_t i = 0; i < io_size; i++)
		buf[i] = (char)(i * 131 + 7);
	int fd = open_session(t, MODE_SINK);
	if (fd < 0) {
		fprintf(stderr, "loadgen: bulk: no session: %s\n", strerror(errno));
		return 1;
	}
	double t0 = now_s();
	unsigned long long left = bytes;
	while (left > 0) {
		size_t n = left < io_size ? (size_t)left : io_size;
		if (write_full(fd, buf, n) < 0) {
			fprintf(stderr, "loadgen: bulk: send: %s\n", strerror(errno));
			return 1;
		}
		left -= n;
	}
	shutdown(fd, SHUT_WR);
	uint8_t in[8];
	unsigned long long got = 0;
	if (read_full(fd, in, sizeof(in)) < 0) {
		fprintf(stderr, "loadgen: bulk: no count from the sink\n");
		return 1;
	}
	double t1 = now_s();
	for (int i = 0; i < 8; i++)
		got = got << 8 | in[i];
	close(fd);
	free(buf);
	printf("{\"mode\":\"bulk\",\"bytes\":%llu,\"received\":%llu,\"seconds\":%.4f,"
	       "\"mb_per_s\":%.1f}\n",
	       bytes, got, t1 - t0, (double)bytes / (t1 - t0) / 1e6);
	return got == bytes ? 0 : 1;
}

static int cmd_hold(const struct target *t, int sessions, double seconds)
{
	double bound = seconds + 30; /* opening them counts too */
	start_watchdog(&bound);
	int *fds = calloc((size_t)sessions, sizeof(*fds));
	if (fds == NULL)
		die("out of memory");
	int open = 0;
	for (; open < sessions; open++) {
		char b;
		fds[open] = open_session(t, MODE_ECHO);
		if (fds[open] < 0 || read_full(fds[open], &b, 1) < 0 || b != MODE_ECHO) {
			fprintf(stderr, "loadgen: hold: session %d failed: %s\n", open + 1,
			        strerror(errno));
			if (fds[open] >= 0)
				close(fds[open]);
			break;
		}
	}
	printf("ready %d\n", open);
	fflush(stdout);
	struct pollfd p = {.fd = 0, .events = POLLIN};
	int64_t deadline = net_deadline((int)(seconds * 1000));
	char sink[256];
	while (poll(&p, 1, net_remaining_ms(deadline)) > 0 && read(0, sink, sizeof(sink)) > 0)
		;
	for (int i = 0; i < open; i++)
		close(fds[i]);
	free(fds);
	printf("{\"mode\":\"hold\",\"sessions\":%d,\"wanted\":%d}\n", open, sessions);
	return open == sessions ? 0 : 1;
}

static const char usage[] =
        "usage: loadgen dest [--listen ADDR:PORT] [--threads N] [--buf N]\n"
        "       loadgen bulk --dest HOST:PORT [--proxy HOST:PORT] --bytes N [--seconds S]\n"
        "                    [--buf N]\n"
        "       loadgen rate --dest HOST:PORT [--proxy HOST:PORT] [--clients N] [--seconds S]\n"
        "                    [--count N] [--warmup S] [--close client|dest]\n"
        "       loadgen hold --dest HOST:PORT [--proxy HOST:PORT] --sessions N [--seconds S]\n";

int main(int argc, char **argv)
{
	const char *listen_at = "127.0.0.1:0", *dest = NULL, *proxy = NULL, *close_by = "client";
	int threads = 2, clients = 1, sessions = 0;
	double seconds = 60, warmup = 0;
	long count = 0;
	unsigned long long bytes = 0;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		die(usage);
	const char *cmd = argv[1];
	static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
	                                     {"threads", required_argument, NULL, 't'},
	                                     {"dest", required_argument, NULL, 'd'},
	                                     {"proxy", required_argument, NULL, 'p'},
	                                     {"bytes", required_argument, NULL, 'b'},
	                                     {"seconds", required_argument, NULL, 's'},
	                                     {"clients", required_argument, NULL, 'c'},
	                                     {"count", required_argument, NULL, 'n'},
	                                     {"warmup", required_argument, NULL, 'w'},
	                                     {"close", required_argument, NULL, 'C'},
	                                     {"buf", required_argument, NULL, 'B'},
	                                     {"sessions", required_argument, NULL, 'S'},
	                                     {NULL, 0, NULL, 0}};
	int opt;
	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			listen_at = optarg;
			break;
		case 't':
			threads = atoi(optarg);
			break;
		case 'd':
			dest = optarg;
			break;
		case 'p':
			proxy = optarg;
			break;
		case 'b':
			bytes = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'c':
			clients = atoi(optarg);
			break;
		case 'n':
			count = atol(optarg);
			break;
		case 'w':
			warmup = atof(optarg);
			break;
		case 'C':
			close_by = optarg;
			break;
		case 'B':
			io_size = strtoull(optarg, NULL, 10);
			break;
		case 'S':
			sessions = atoi(optarg);
			break;
		default:
			die(usage);
		}
	}
	if (optind + 1 != argc)
		die(usage);
	if (io_size == 0)
		die(usage);
	if (strcmp(cmd, "dest") == 0)
		return cmd_dest(listen_at, threads < 1 ? 1 : threads);

	struct target t = {0};
	uint32_t proxy_ip;
	uint16_t proxy_port;
	if (dest == NULL || seconds <= 0)
		die(usage);
	parse_addr(dest, &t.dest, &t.dest_len, &t.dest_ip, &t.dest_port);
	if (proxy != NULL) {
		parse_addr(proxy, &t.proxy, &t.proxy_len, &proxy_ip, &proxy_port);
		t.via_proxy = 1;
	}
	if (strcmp(cmd, "bulk") == 0 && bytes > 0)
		return cmd_bulk(&t, bytes, seconds);
	if (strcmp(cmd, "rate") == 0 && clients >= 1 && clients <= MAX_CLIENTS && warmup >= 0 &&
	    (strcmp(close_by, "client") == 0 || strcmp(close_by, "dest") == 0))
		return cmd_rate(&t, clients, seconds, count, warmup,
		                close_by[0] == 'd' ? MODE_DEST_CLOSES : MODE_ECHO);
	if (strcmp(cmd, "hold") == 0 && sessions > 0)
		return cmd_hold(&t, sessions, seconds);
	die(usage);
	return 2;
}
