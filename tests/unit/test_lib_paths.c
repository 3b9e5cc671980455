/* SPDX-License-Identifier: MIT */
/* test_lib_paths.c - failure paths of lib/ that the module suites do not
 * reach: each says what the caller gets (return, errno, error text) when a
 * system call fails. `make coverage` lists what is still not reached. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ident.h"
#include "net.h"
#include "relay.h"
#include "suites.h"

START_TEST(wait_readable)
{
	int sv[2];
	char err[128] = "";
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(net_wait_readable(sv[1], net_deadline(50), err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_str_eq(err, "poll: Connection timed out");
	ck_assert_int_eq(write(sv[0], "x", 1), 1);
	ck_assert_int_eq(net_wait_readable(sv[1], net_deadline(1000), err, sizeof(err)), 0);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(read_error)
{
	char buf[8], err[128];
	int fd = open("/", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(net_read_some(fd, buf, sizeof(buf), net_deadline(1000), err, sizeof(err)),
	                 -1);
	ck_assert_int_eq(errno, EISDIR);
	ck_assert_str_eq(err, "read: Is a directory");
	close(fd);
}
END_TEST

START_TEST(connect_errors)
{
	struct sockaddr_storage dst, src;
	socklen_t dlen, slen;
	char err[128];
	int fd = -1;
	net_sockaddr4(&dst, &dlen, INADDR_LOOPBACK, 9);

	/* not a descriptor */
	ck_assert_int_eq(net_connect_fd(-1, (struct sockaddr *)&dst, dlen, net_deadline(1000), err,
	                                sizeof(err)),
	                 -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_ptr_nonnull(strstr(err, "fcntl: "));

	/* a source address this host does not have (TEST-NET-1) */
	net_sockaddr4(&src, &slen, 0xc0000201, 0);
	ck_assert_int_eq(net_connect((struct sockaddr *)&dst, dlen, (struct sockaddr *)&src,
	                             net_deadline(1000), &fd, err, sizeof(err)),
	                 -1);
	ck_assert_int_eq(errno, EADDRNOTAVAIL);
	ck_assert_ptr_nonnull(strstr(err, "bind: "));
	ck_assert_int_eq(fd, -1);
}
END_TEST

/* Lowers the descriptor limit to the lowest free descriptor, so that no
 * new one can be made; *old keeps the limit to restore. */
static void use_up_descriptors(struct rlimit *old)
{
	int lowest = dup(2);
	ck_assert_int_ge(lowest, 0);
	close(lowest);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, old), 0);
	struct rlimit none = *old;
	none.rlim_cur = (rlim_t)lowest;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
}

/* With no descriptor left, socket() fails and says so. */
START_TEST(no_descriptors)
{
	struct sockaddr_storage dst;
	socklen_t dlen;
	char err[128];
	int fd = -1;
	struct rlimit old;
	use_up_descriptors(&old);

	net_sockaddr4(&dst, &dlen, INADDR_LOOPBACK, 9);
	int rc_connect = net_connect((struct sockaddr *)&dst, dlen, NULL, net_deadline(1000), &fd,
	                             err, sizeof(err));
	int e_connect = errno;
	char err_connect[128];
	memcpy(err_connect, err, sizeof(err));
	int rc_listen = net_listen("127.0.0.1", 0, 1, &fd, NULL, err, sizeof(err));
	int e_listen = errno;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);

	ck_assert_int_eq(rc_connect, -1);
	ck_assert_int_eq(e_connect, EMFILE);
	ck_assert_str_eq(err_connect, "socket: Too many open files");
	ck_assert_int_eq(rc_listen, -1);
	ck_assert_int_eq(e_listen, EMFILE);
	ck_assert_str_eq(err, "socket: Too many open files");
}
END_TEST

/* No descriptor left for splice's pipe between two sockets: the relay
 * copies instead. Also the defaults: no options, stats or error buffer. */
START_TEST(relay_without_pipe)
{
	int pa[2], pb[2];
	char buf[8];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pa), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pb), 0);
	ck_assert_int_eq(write(pa[0], "over", 4), 4);
	ck_assert_int_eq(shutdown(pa[0], SHUT_WR), 0);
	ck_assert_int_eq(shutdown(pb[0], SHUT_WR), 0);

	struct rlimit old;
	use_up_descriptors(&old);
	int rc = relay_run((struct relay_end){pa[1], pa[1]}, (struct relay_end){pb[1], pb[1]}, NULL,
	                   NULL, NULL, 0);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(read(pb[0], buf, sizeof(buf)), 4);
	ck_assert(memcmp(buf, "over", 4) == 0);
	ck_assert_int_eq(read(pb[0], buf, sizeof(buf)), 0);
	ck_assert_int_eq(read(pa[0], buf, sizeof(buf)), 0);
	for (int i = 0; i < 2; i++) {
		close(pa[i]);
		close(pb[i]);
	}
}
END_TEST

START_TEST(resolve_edges)
{
	uint32_t addrs[2];
	size_t n = 7;
	char err[160], name[300];
	ck_assert_int_eq(net_resolve4("localhost", 1000, addrs, 0, &n, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(err, "resolve: no room for an address: Invalid argument");

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(net_resolve4(name, 1000, addrs, 2, &n, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);

	/* no deadline: wait for the resolver however long it takes */
	ck_assert_msg(net_resolve4("localhost", -1, addrs, 2, &n, err, sizeof(err)) == 0, "%s",
	              err);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_eq(addrs[0] >> 24, 127);
}
END_TEST

START_TEST(ident_writer_refuses_charset)
{
	char out[128];
	struct ident_response r = {.port_on_server = 1,
	                           .port_on_client = 2,
	                           .type = IDENT_USERID,
	                           .opsys = "UNIX",
	                           .opsys_len = 4,
	                           .charset = "UTF 8",
	                           .charset_len = 5,
	                           .userid = "bob",
	                           .userid_len = 3};
	ck_assert_int_eq(ident_write_response(out, sizeof(out), &r), IDENT_EINVAL);
	r.charset = "UTF-8";
	ck_assert_int_eq(ident_write_response(out, sizeof(out), &r), 35);
	ck_assert(memcmp(out, "1 , 2 : USERID : UNIX,UTF-8 : bob\r\n", 35) == 0);
}
END_TEST

Suite *lib_paths_suite(void)
{
	Suite *s = suite_create("lib-paths");
	TCase *tc = tcase_create("paths");
	tcase_add_test(tc, wait_readable);
	tcase_add_test(tc, read_error);
	tcase_add_test(tc, connect_errors);
	tcase_add_test(tc, no_descriptors);
	tcase_add_test(tc, relay_without_pipe);
	tcase_add_test(tc, resolve_edges);
	tcase_add_test(tc, ident_writer_refuses_charset);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
