/* SPDX-License-Identifier: MIT */
/* test_net.c - the socket helpers, on loopback and socketpairs. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "suites.h"

static void listen_loopback(int *fd, uint16_t *port)
{
	char err[128];
	ck_assert_msg(net_listen("127.0.0.1", 0, 8, fd, port, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_gt(*port, 0);
}

static int connect_loopback(uint16_t port, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = -1;
	net_sockaddr4(&ss, &len, INADDR_LOOPBACK, port);
	if (net_connect((struct sockaddr *)&ss, len, NULL, net_deadline(timeout_ms), &fd, err,
			errlen) < 0)
		return -1;
	return fd;
}

START_TEST(listen_connect_exchange)
{
	int lfd, cfd, sfd;
	uint16_t port;
	char err[128];
	listen_loopback(&lfd, &port);
	cfd = connect_loopback(port, 1000, err, sizeof(err));
	ck_assert_msg(cfd >= 0, "%s", err);
	sfd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(sfd, 0);

	ck_assert_int_eq(net_write_all(cfd, "hello", 5, net_deadline(1000), err, sizeof(err)), 0);
	char buf[5];
	size_t got = 99;
	ck_assert_int_eq(net_read_exact(sfd, buf, 5, &got, net_deadline(1000), err, sizeof(err)), 0);
	ck_assert_uint_eq(got, 5);
	ck_assert(memcmp(buf, "hello", 5) == 0);
	close(cfd);
	close(sfd);
	close(lfd);
}
END_TEST

START_TEST(read_exact_short_on_eof)
{
	int sv[2];
	char err[128], buf[8];
	size_t got = 99;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[0], "abc", 3), 3);
	close(sv[0]);
	ck_assert_int_eq(net_read_exact(sv[1], buf, 8, &got, net_deadline(1000), err, sizeof(err)),
			 -1);
	ck_assert_int_eq(errno, 0);
	ck_assert_uint_eq(got, 3);
	ck_assert_str_eq(err, "read: end of file after 3 of 8 bytes");
	close(sv[1]);
}
END_TEST

START_TEST(read_deadline)
{
	int sv[2];
	char err[128], buf[8];
	size_t got = 99;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[0], "ab", 2), 2);
	int64_t t0 = net_now_ms();
	ck_assert_int_eq(net_read_exact(sv[1], buf, 8, &got, net_deadline(100), err, sizeof(err)),
			 -1);
	int64_t took = net_now_ms() - t0;
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_uint_eq(got, 2);
	ck_assert_int_ge(took, 90);
	ck_assert_int_lt(took, 5000);
	ck_assert_ptr_nonnull(strstr(err, "timed out"));
	ck_assert_int_eq(net_read_some(sv[1], buf, 8, net_deadline(0), err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A peer that never reads: write_all gives up at the deadline instead of
 * blocking on a full socket buffer. */
START_TEST(write_deadline)
{
	int sv[2];
	char err[128];
	static char big[1 << 22];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(net_write_all(sv[0], big, sizeof(big), net_deadline(100), err, sizeof(err)),
			 -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(write_to_closed_peer_no_sigpipe)
{
	int sv[2];
	char err[128];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	/* SIGPIPE is not ignored in this test: MSG_NOSIGNAL must protect us. */
	ck_assert_int_eq(net_write_all(sv[0], "x", 1, net_deadline(1000), err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(sv[0]);
}
END_TEST

START_TEST(write_to_pipe)
{
	int p[2];
	char err[128], buf[4];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(net_write_all(p[1], "pipe", 4, net_deadline(1000), err, sizeof(err)), 0);
	ck_assert_int_eq(read(p[0], buf, 4), 4);
	ck_assert(memcmp(buf, "pipe", 4) == 0);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(connect_refused)
{
	int lfd;
	uint16_t port;
	char err[128];
	listen_loopback(&lfd, &port);
	close(lfd); /* nothing listens there now */
	ck_assert_int_eq(connect_loopback(port, 1000, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	ck_assert_ptr_nonnull(strstr(err, "connect to 127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(err, "refused"));
}
END_TEST

START_TEST(connect_from_source)
{
	int lfd, cfd, sfd;
	uint16_t port;
	char err[128];
	listen_loopback(&lfd, &port);
	struct sockaddr_storage dst, src, peer;
	socklen_t dlen, slen, plen = sizeof(peer);
	net_sockaddr4(&dst, &dlen, INADDR_LOOPBACK, port);
	net_sockaddr4(&src, &slen, 0x7f000002, 0); /* 127.0.0.2 */
	ck_assert_msg(net_connect((struct sockaddr *)&dst, dlen, (struct sockaddr *)&src,
				  net_deadline(1000), &cfd, err, sizeof(err)) == 0,
		      "%s", err);
	sfd = accept(lfd, (struct sockaddr *)&peer, &plen);
	ck_assert_int_ge(sfd, 0);
	ck_assert_uint_eq(ntohl(((struct sockaddr_in *)&peer)->sin_addr.s_addr), 0x7f000002);
	close(cfd);
	close(sfd);
	close(lfd);
}
END_TEST

START_TEST(listen_errors)
{
	int fd;
	char err[128];
	ck_assert_int_eq(net_listen("not-an-address", 0, 1, &fd, NULL, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not-an-address"));
	/* 192.0.2.1 (TEST-NET-1) is not an address of this host */
	ck_assert_int_eq(net_listen("192.0.2.1", 0, 1, &fd, NULL, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EADDRNOTAVAIL);
	ck_assert_ptr_nonnull(strstr(err, "bind 192.0.2.1 port 0"));
}
END_TEST

START_TEST(listen_ipv6)
{
	int fd;
	uint16_t port = 0;
	char err[128];
	if (net_listen("::1", 0, 1, &fd, &port, err, sizeof(err)) < 0) {
		/* a host without IPv6 loopback: the error must still be clear */
		ck_assert_ptr_nonnull(strstr(err, "::1"));
		return;
	}
	ck_assert_uint_gt(port, 0);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	char text[NET_ADDRSTR_MAX], want[NET_ADDRSTR_MAX];
	snprintf(want, sizeof(want), "[::1]:%u", port);
	ck_assert_str_eq(net_addr_str((struct sockaddr *)&ss, text, sizeof(text)), want);
	close(fd);
}
END_TEST

struct hostport_row {
	const char *in;
	int allow_zero;
	int ok;
	const char *host;
	unsigned port;
};

static const struct hostport_row hostport_rows[] = {
	{"127.0.0.1:1080", 0, 1, "127.0.0.1", 1080},
	{"localhost:1", 0, 1, "localhost", 1},
	{"[::1]:65535", 0, 1, "::1", 65535},
	{"127.0.0.1:0", 1, 1, "127.0.0.1", 0},
	{"127.0.0.1:0", 0, 0, NULL, 0},
	{"127.0.0.1:65536", 0, 0, NULL, 0},
	{"127.0.0.1:", 0, 0, NULL, 0},
	{"127.0.0.1:80x", 0, 0, NULL, 0},
	{"127.0.0.1", 0, 0, NULL, 0},
	{":80", 0, 0, NULL, 0},
	{"::1:80", 0, 0, NULL, 0},
	{"[::1]80", 0, 0, NULL, 0},
	{"[::1", 0, 0, NULL, 0},
	{"host:0000080", 0, 0, NULL, 0},
};

START_TEST(split_hostport)
{
	const struct hostport_row *r = &hostport_rows[_i];
	char host[64], err[128] = "";
	uint16_t port = 7;
	int rc = net_split_hostport(r->in, r->allow_zero, host, sizeof(host), &port, err,
				    sizeof(err));
	ck_assert_msg(rc == (r->ok ? 0 : -1), "'%s': rc %d (%s)", r->in, rc, err);
	if (r->ok) {
		ck_assert_str_eq(host, r->host);
		ck_assert_uint_eq(port, r->port);
	} else {
		ck_assert_ptr_nonnull(strstr(err, r->in)); /* the error quotes the input */
	}
}
END_TEST

START_TEST(split_hostport_host_too_long)
{
	char host[4], err[128];
	uint16_t port;
	ck_assert_int_eq(net_split_hostport("abcd:80", 0, host, sizeof(host), &port, err,
					    sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
}
END_TEST

START_TEST(resolve)
{
	uint32_t addrs[4];
	size_t n = 9;
	char err[160];
	ck_assert_int_eq(net_resolve4("10.1.2.3", 1000, addrs, 4, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(addrs[0], 0x0a010203);

	ck_assert_msg(net_resolve4("localhost", 5000, addrs, 4, &n, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_eq(addrs[0] >> 24, 127);

	/* RFC 6761: .invalid never resolves */
	ck_assert_int_eq(net_resolve4("no-such-host.invalid", 5000, addrs, 4, &n, err, sizeof(err)),
			 -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(strstr(err, "no-such-host.invalid"));

	ck_assert_int_eq(net_resolve4("", 1000, addrs, 4, &n, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(addr_str)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char out[NET_ADDRSTR_MAX];
	net_sockaddr4(&ss, &len, 0xc0a80001, 1080);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
	ck_assert_str_eq(net_addr_str((struct sockaddr *)&ss, out, sizeof(out)), "192.168.0.1:1080");
	ss.ss_family = AF_UNIX;
	ck_assert_ptr_nonnull(strstr(net_addr_str((struct sockaddr *)&ss, out, sizeof(out)),
				     "address family"));
}
END_TEST

START_TEST(deadline_math)
{
	ck_assert_int_eq(net_deadline(-1), NET_NO_DEADLINE);
	ck_assert_int_eq(net_remaining_ms(NET_NO_DEADLINE), -1);
	ck_assert_int_eq(net_remaining_ms(net_now_ms() - 5), 0);
	int left = net_remaining_ms(net_deadline(10000));
	ck_assert_int_gt(left, 9000);
	ck_assert_int_le(left, 10000);
}
END_TEST

Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("io");
	tcase_add_test(tc, listen_connect_exchange);
	tcase_add_test(tc, read_exact_short_on_eof);
	tcase_add_test(tc, read_deadline);
	tcase_add_test(tc, write_deadline);
	tcase_add_test(tc, write_to_closed_peer_no_sigpipe);
	tcase_add_test(tc, write_to_pipe);
	tcase_add_test(tc, connect_refused);
	tcase_add_test(tc, connect_from_source);
	tcase_add_test(tc, listen_errors);
	tcase_add_test(tc, listen_ipv6);
	suite_add_tcase(s, tc);
	tc = tcase_create("util");
	tcase_add_loop_test(tc, split_hostport, 0,
			    (int)(sizeof(hostport_rows) / sizeof(hostport_rows[0])));
	tcase_add_test(tc, split_hostport_host_too_long);
	tcase_add_test(tc, resolve);
	tcase_add_test(tc, addr_str);
	tcase_add_test(tc, deadline_math);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
