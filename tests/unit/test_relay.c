/* SPDX-License-Identifier: MIT */
/* test_relay.c - relay_run between real endpoints.
 *
 * TCP loopback pairs take the splice path, socketpairs with no_splice the
 * copy path, pipes the non-socket path. Each test runs the relay on a thread
 * of its own and plays both peers: data both ways, half-close from either
 * side, an idle timeout, a peer that resets, a pipe reader that goes away,
 * a signal during poll(), and splice's pipes kept from one relay to the
 * next. Every wait has a deadline (test_lib_paths.c has the relay without a
 * descriptor for splice's pipe). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "relay.h"
#include "suites.h"

#define WAIT_MS 10000

/* A connected TCP pair on loopback: sv[0] the peer's end, sv[1] the relay's. */
static void tcp_pair(int sv[2])
{
	int lfd;
	uint16_t port;
	char err[128];
	struct sockaddr_storage ss;
	socklen_t len;
	ck_assert_msg(net_listen("127.0.0.1", 0, 1, &lfd, &port, err, sizeof(err)) == 0, "%s", err);
	net_sockaddr4(&ss, &len, INADDR_LOOPBACK, port);
	ck_assert_msg(net_connect((struct sockaddr *)&ss, len, NULL, net_deadline(WAIT_MS), &sv[0],
	                          err, sizeof(err)) == 0,
	              "%s", err);
	sv[1] = accept(lfd, NULL, NULL);
	ck_assert_int_ge(sv[1], 0);
	close(lfd);
}

static void unix_pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

/* kind: 0 TCP (splice), 1 socketpair with no_splice (copy), 2 socketpair (splice) */
static void make_pair(int kind, int sv[2])
{
	if (kind == 0)
		tcp_pair(sv);
	else
		unix_pair(sv);
}

struct job {
	struct relay_end a, b;
	struct relay_opts opts;
	struct relay_stats stats;
	int rc, err_no;
	char err[160];
	pthread_t tid;
};

static void *relay_thread(void *arg)
{
	struct job *j = arg;
	j->rc = relay_run(j->a, j->b, &j->opts, &j->stats, j->err, sizeof(j->err));
	j->err_no = errno;
	return NULL;
}

static void start(struct job *j, int a_rd, int a_wr, int b_rd, int b_wr, int no_splice)
{
	memset(j, 0, sizeof(*j));
	j->a = (struct relay_end){a_rd, a_wr};
	j->b = (struct relay_end){b_rd, b_wr};
	j->opts = (struct relay_opts){.idle_timeout_ms = WAIT_MS, .no_splice = no_splice};
	ck_assert_int_eq(pthread_create(&j->tid, NULL, relay_thread, j), 0);
}

static void finish(struct job *j)
{
	ck_assert_int_eq(pthread_join(j->tid, NULL), 0);
}

/* The byte at offset i of stream `seed`. */
static uint8_t pattern(size_t i, int seed)
{
	return (uint8_t)(i * 31 + (size_t)seed * 7 + (i >> 9));
}

struct feed {
	int fd;
	size_t n;
	int seed;
	pthread_t tid;
};

/* Writes feed->n pattern bytes, then ends the stream (SHUT_WR or close). */
static void *feed_thread(void *arg)
{
	struct feed *f = arg;
	uint8_t buf[8192];
	size_t done = 0;
	while (done < f->n) {
		size_t k = f->n - done < sizeof(buf) ? f->n - done : sizeof(buf);
		for (size_t i = 0; i < k; i++)
			buf[i] = pattern(done + i, f->seed);
		if (net_write_all(f->fd, buf, k, net_deadline(WAIT_MS), NULL, 0) < 0)
			break;
		done += k;
	}
	if (shutdown(f->fd, SHUT_WR) < 0)
		close(f->fd);
	return NULL;
}

static void start_feed(struct feed *f, int fd, size_t n, int seed)
{
	*f = (struct feed){fd, n, seed, 0};
	ck_assert_int_eq(pthread_create(&f->tid, NULL, feed_thread, f), 0);
}

/* Reads fd to its end and checks every byte against stream `seed`, whose
 * first `from` bytes were read already. Returns the count read here. */
static size_t drain(int fd, int seed, size_t from)
{
	uint8_t buf[8192];
	size_t total = from;
	char err[128];
	for (;;) {
		ssize_t r = net_read_some(fd, buf, sizeof(buf), net_deadline(WAIT_MS), err,
		                          sizeof(err));
		ck_assert_msg(r >= 0, "after %zu bytes: %s", total, err);
		if (r == 0)
			return total - from;
		ssize_t bad = -1; /* one assertion per read: Check records each one */
		for (ssize_t i = 0; i < r && bad < 0; i++)
			if (buf[i] != pattern(total + (size_t)i, seed))
				bad = i;
		ck_assert_msg(bad < 0, "byte %zu differs", total + (size_t)bad);
		total += (size_t)r;
	}
}

static void expect(int fd, const char *want)
{
	char buf[64] = "";
	char err[128];
	size_t n = strlen(want);
	ck_assert_msg(net_read_exact(fd, buf, n, NULL, net_deadline(WAIT_MS), err, sizeof(err)) ==
	                      0,
	              "%s", err);
	ck_assert_msg(memcmp(buf, want, n) == 0, "got '%.*s', want '%s'", (int)n, buf, want);
}

static void expect_eof(int fd)
{
	char c, err[128];
	ck_assert_int_eq(net_read_some(fd, &c, 1, net_deadline(WAIT_MS), err, sizeof(err)), 0);
}

static void say(int fd, const char *s)
{
	ck_assert_int_eq(net_write_all(fd, s, strlen(s), net_deadline(WAIT_MS), NULL, 0), 0);
}

static void ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN); /* relay.h: splice has no MSG_NOSIGNAL */
}

static void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}
#define CLOSE(...) close_fds((const int[]){__VA_ARGS__}, sizeof((int[]){__VA_ARGS__}) / sizeof(int))

static const char *const kinds[] = {"TCP, splice", "socketpair, copy", "socketpair, splice"};

/* Data both ways at once, more than any socket buffer holds. */
START_TEST(both_ways)
{
	int pa[2], pb[2];
	struct job j;
	struct feed fa, fb;
	make_pair(_i, pa);
	make_pair(_i, pb);
	start(&j, pa[1], pa[1], pb[1], pb[1], _i == 1);
	start_feed(&fa, pa[0], 3u << 20, 1);
	start_feed(&fb, pb[0], 1u << 20, 2);
	ck_assert_uint_eq(drain(pb[0], 1, 0), 3u << 20);
	ck_assert_uint_eq(drain(pa[0], 2, 0), 1u << 20);
	pthread_join(fa.tid, NULL);
	pthread_join(fb.tid, NULL);
	finish(&j);
	ck_assert_msg(j.rc == 0, "%s: %s", kinds[_i], j.err);
	ck_assert_uint_eq(j.stats.a_to_b, 3u << 20);
	ck_assert_uint_eq(j.stats.b_to_a, 1u << 20);
	CLOSE(pa[0], pa[1], pb[0], pb[1]);
}
END_TEST

/* One side ends its stream; the other still talks until it ends too.
 * _i: bit 0 the side that closes first (a or b), bits 1-2 the pair kind. */
START_TEST(half_close)
{
	int pa[2], pb[2];
	struct job j;
	int kind = _i >> 1;
	make_pair(kind, pa);
	make_pair(kind, pb);
	start(&j, pa[1], pa[1], pb[1], pb[1], kind == 1);
	int first = _i & 1 ? pb[0] : pa[0], second = _i & 1 ? pa[0] : pb[0];

	say(first, "ping");
	ck_assert_int_eq(shutdown(first, SHUT_WR), 0);
	expect(second, "ping");
	expect_eof(second); /* the end of file came through, the relay goes on */
	say(second, "pong");
	expect(first, "pong");
	say(second, "again");
	expect(first, "again");
	ck_assert_int_eq(shutdown(second, SHUT_WR), 0);
	expect_eof(first);
	finish(&j);
	ck_assert_msg(j.rc == 0, "%s: %s", kinds[kind], j.err);
	ck_assert_uint_eq(j.stats.a_to_b + j.stats.b_to_a, 4 + 4 + 5);
	CLOSE(pa[0], pa[1], pb[0], pb[1]);
}
END_TEST

/* A side made of two pipes (stdin/stdout, as socks4-client relays them):
 * bytes both ways, and the end of each pipe stream passed on. */
START_TEST(pipe_end)
{
	int in[2], out[2], pb[2];
	struct job j;
	struct feed fa, fb;
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	make_pair(_i, pb);
	start(&j, in[0], out[1], pb[1], pb[1], _i == 1);
	start_feed(&fa, in[1], 300000, 3); /* closes in[1] at the end */
	start_feed(&fb, pb[0], 200000, 4);
	ck_assert_uint_eq(drain(pb[0], 3, 0), 300000);
	ck_assert_uint_eq(drain(out[0], 4, 0), 200000); /* the relay closed out[1] */
	pthread_join(fa.tid, NULL);
	pthread_join(fb.tid, NULL);
	finish(&j);
	ck_assert_msg(j.rc == 0, "%s", j.err);
	ck_assert_uint_eq(j.stats.a_to_b, 300000);
	ck_assert_uint_eq(j.stats.b_to_a, 200000);
	CLOSE(in[0], out[0], pb[0], pb[1]);
}
END_TEST

/* A pipe reader that takes a little and stops: the relay writes only what
 * poll() promised room for, so it never blocks and the other way goes on. */
START_TEST(pipe_slow_reader)
{
	int in[2], out[2], pb[2];
	struct job j;
	struct feed fb;
	char page[4096];
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	unix_pair(pb);
	start(&j, in[0], out[1], pb[1], pb[1], 0);
	start_feed(&fb, pb[0], 1u << 20, 5);

	/* Wait until the relay has filled the pipe, then free one page of it. */
	int size = fcntl(out[0], F_GETPIPE_SZ), queued = 0;
	int64_t deadline = net_deadline(WAIT_MS);
	while (queued < size && net_now_ms() < deadline) {
		usleep(1000);
		ck_assert_int_eq(ioctl(out[0], FIONREAD, &queued), 0);
	}
	ck_assert_int_eq(queued, size);
	ck_assert_int_eq(read(out[0], page, sizeof(page)), (ssize_t)sizeof(page));

	say(in[1], "still flowing");
	expect(pb[0], "still flowing");
	close(in[1]);
	expect_eof(pb[0]);
	ck_assert_uint_eq(drain(out[0], 5, sizeof(page)) + sizeof(page), 1u << 20);
	pthread_join(fb.tid, NULL);
	finish(&j);
	ck_assert_msg(j.rc == 0, "%s", j.err);
	CLOSE(in[0], out[0], pb[0], pb[1]);
}
END_TEST

START_TEST(idle_timeout)
{
	int pa[2], pb[2];
	char err[128] = "";
	make_pair(_i, pa);
	make_pair(_i, pb);
	struct relay_opts opts = {.idle_timeout_ms = 100, .no_splice = _i == 1};
	struct relay_stats stats;
	int64_t t0 = net_now_ms();
	int rc = relay_run((struct relay_end){pa[1], pa[1]}, (struct relay_end){pb[1], pb[1]},
	                   &opts, &stats, err, sizeof(err));
	int e = errno;
	int64_t took = net_now_ms() - t0;
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e, ETIMEDOUT);
	ck_assert_str_eq(err, "relay: idle for 100 ms");
	ck_assert_int_ge(took, 90);
	ck_assert_int_lt(took, WAIT_MS);
	ck_assert_uint_eq(stats.a_to_b + stats.b_to_a, 0);
	CLOSE(pa[0], pa[1], pb[0], pb[1]);
}
END_TEST

/* A TCP peer that resets (SO_LINGER 0): the relay fails with ECONNRESET
 * and says which direction, after delivering what came before. */
START_TEST(peer_reset)
{
	int pa[2], pb[2];
	struct job j;
	tcp_pair(pa);
	tcp_pair(pb);
	start(&j, pa[1], pa[1], pb[1], pb[1], _i);
	say(pb[0], "bye");
	expect(pa[0], "bye");
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	ck_assert_int_eq(setsockopt(pb[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(pb[0]);
	finish(&j);
	ck_assert_int_eq(j.rc, -1);
	ck_assert_int_eq(j.err_no, ECONNRESET);
	ck_assert_msg(strstr(j.err, "relay b->a: ") != NULL, "%s", j.err);
	ck_assert_uint_eq(j.stats.b_to_a, 3);
	CLOSE(pa[0], pa[1], pb[1]);
}
END_TEST

/* Two TCP pairs: "too late" waits to go from a to b, whose peer has reset. */
static void pairs_with_reset_peer(int pa[2], int pb[2])
{
	tcp_pair(pa);
	tcp_pair(pb);
	say(pa[0], "too late");
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	ck_assert_int_eq(setsockopt(pb[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(pb[0]);
}

/* Data for a peer that reset before the relay started: the write fails,
 * and the error names the direction. */
START_TEST(write_to_reset_peer)
{
	int pa[2], pb[2];
	char err[128] = "";
	pairs_with_reset_peer(pa, pb);
	struct relay_opts opts = {.idle_timeout_ms = WAIT_MS, .no_splice = _i};
	int rc = relay_run((struct relay_end){pa[1], pa[1]}, (struct relay_end){pb[1], pb[1]},
	                   &opts, NULL, err, sizeof(err));
	int e = errno;
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(e == ECONNRESET || e == EPIPE, "errno %d", e);
	ck_assert_msg(strncmp(err, "relay a->b: ", 12) == 0, "%s", err);
	CLOSE(pa[0], pa[1], pb[1]);
}
END_TEST

static void on_signal(int sig)
{
	(void)sig;
}

/* A signal that interrupts poll() does not end the relay. */
START_TEST(signal_during_poll)
{
	int pa[2], pb[2];
	struct job j;
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	unix_pair(pa);
	unix_pair(pb);
	start(&j, pa[1], pa[1], pb[1], pb[1], 0);
	say(pa[0], "before");
	expect(pb[0], "before"); /* the relay is running, and soon back in poll() */
	usleep(20000);
	ck_assert_int_eq(pthread_kill(j.tid, SIGUSR1), 0);
	say(pa[0], "after");
	expect(pb[0], "after");
	ck_assert_int_eq(shutdown(pa[0], SHUT_WR), 0);
	ck_assert_int_eq(shutdown(pb[0], SHUT_WR), 0);
	finish(&j);
	ck_assert_msg(j.rc == 0, "%s", j.err);
	CLOSE(pa[0], pa[1], pb[0], pb[1]);
}
END_TEST

/* The reader of an output pipe goes away: the write fails with EPIPE. */
START_TEST(pipe_reader_gone)
{
	int in[2], out[2], pb[2];
	struct job j;
	ignore_sigpipe();
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	unix_pair(pb);
	close(out[0]);
	start(&j, in[0], out[1], pb[1], pb[1], 0);
	say(pb[0], "nobody reads this");
	finish(&j);
	ck_assert_int_eq(j.rc, -1);
	ck_assert_int_eq(j.err_no, EPIPE);
	ck_assert_msg(strstr(j.err, "relay b->a: ") != NULL, "%s", j.err);
	CLOSE(in[0], in[1], out[1], pb[0], pb[1]);
}
END_TEST

/* Waits until fd has at least n bytes to read (FIONREAD), within WAIT_MS. */
static void wait_queued(int fd, int n)
{
	int64_t deadline = net_deadline(WAIT_MS);
	int queued = 0;
	while (ioctl(fd, FIONREAD, &queued) == 0 && queued < n && net_remaining_ms(deadline) > 0)
		poll(NULL, 0, 1);
	ck_assert_int_ge(queued, n);
}

/* Splice's pipes kept by the caller (as a server thread keeps them from one
 * session to the next), with sockets the caller made O_NONBLOCK: both relays
 * leave their pipes open and empty, the second uses the same ones, and the
 * direction that filled its pipe has it grown to 1 MiB. */
START_TEST(kept_pipes)
{
	struct relay_pipes kept = {{-1, -1}, {-1, -1}};
	int first_ab = -1;
	for (int round = 0; round < 2; round++) {
		int pa[2], pb[2];
		struct job j;
		struct feed fa, fb;
		tcp_pair(pa);
		tcp_pair(pb);
		ck_assert_int_eq(fcntl(pa[1], F_SETFL, O_NONBLOCK), 0);
		ck_assert_int_eq(fcntl(pb[1], F_SETFL, O_NONBLOCK), 0);
		start_feed(&fa, pa[0], 3u << 20, 1);
		start_feed(&fb, pb[0], 1000, 2);
		wait_queued(pa[1], 64 * 1024); /* the first splice fills the pipe */
		memset(&j, 0, sizeof(j));
		j.a = (struct relay_end){pa[1], pa[1]};
		j.b = (struct relay_end){pb[1], pb[1]};
		j.opts = (struct relay_opts){
		        .idle_timeout_ms = WAIT_MS, .nonblocking_sockets = 1, .pipes = &kept};
		ck_assert_int_eq(pthread_create(&j.tid, NULL, relay_thread, &j), 0);
		ck_assert_uint_eq(drain(pb[0], 1, 0), 3u << 20);
		ck_assert_uint_eq(drain(pa[0], 2, 0), 1000);
		pthread_join(fa.tid, NULL);
		pthread_join(fb.tid, NULL);
		finish(&j);
		ck_assert_msg(j.rc == 0, "%s", j.err);
		ck_assert_int_ge(kept.ab[0], 0);
		ck_assert_int_ge(kept.ba[0], 0);
		if (round == 0)
			first_ab = kept.ab[0];
		ck_assert_int_eq(kept.ab[0], first_ab);
		ck_assert_int_eq(fcntl(kept.ab[1], F_GETPIPE_SZ), 1 << 20);
		ck_assert_int_eq(fcntl(kept.ba[1], F_GETPIPE_SZ), 64 * 1024);
		CLOSE(pa[0], pa[1], pb[0], pb[1]);
	}
	CLOSE(kept.ab[0], kept.ab[1], kept.ba[0], kept.ba[1]);
}
END_TEST

/* A relay that ends with bytes still in a kept pipe closes that pipe. */
START_TEST(kept_pipe_with_bytes_is_closed)
{
	int pa[2], pb[2];
	struct relay_pipes kept = {{-1, -1}, {-1, -1}};
	pairs_with_reset_peer(pa, pb);
	struct relay_opts opts = {.idle_timeout_ms = WAIT_MS, .pipes = &kept};
	int rc = relay_run((struct relay_end){pa[1], pa[1]}, (struct relay_end){pb[1], pb[1]},
	                   &opts, NULL, NULL, 0);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(kept.ab[0], -1);
	ck_assert_int_eq(kept.ab[1], -1);
	CLOSE(pa[0], pa[1], pb[1]);
	if (kept.ba[0] >= 0)
		CLOSE(kept.ba[0], kept.ba[1]);
}
END_TEST

Suite *relay_suite(void)
{
	Suite *s = suite_create("relay");
	TCase *tc = tcase_create("relay");
	tcase_add_checked_fixture(tc, ignore_sigpipe, NULL);
	tcase_add_loop_test(tc, both_ways, 0, 3);
	tcase_add_loop_test(tc, half_close, 0, 6);
	tcase_add_loop_test(tc, pipe_end, 0, 3);
	tcase_add_test(tc, pipe_slow_reader);
	tcase_add_loop_test(tc, idle_timeout, 0, 2);
	tcase_add_loop_test(tc, peer_reset, 0, 2);
	tcase_add_loop_test(tc, write_to_reset_peer, 0, 2);
	tcase_add_test(tc, signal_during_poll);
	tcase_add_test(tc, pipe_reader_gone);
	tcase_add_test(tc, kept_pipes);
	tcase_add_test(tc, kept_pipe_with_bytes_is_closed);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
