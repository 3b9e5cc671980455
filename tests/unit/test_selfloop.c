/* SPDX-License-Identifier: MIT */
/* test_selfloop.c - which destinations lead back into the server (ref-server/selfloop.c):
 * listeners on a chosen address, on 0.0.0.0 and on [::], without binding any. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>

#include "selfloop.h"
#include "session.h"
#include "suites.h"

static struct s4srv srv;

static void listener4(size_t i, const char *ip, uint16_t port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&srv.listeners[i].addr;
	memset(in, 0, sizeof(srv.listeners[i].addr));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	inet_pton(AF_INET, ip, &in->sin_addr);
}

static void listener6(size_t i, const char *ip, uint16_t port)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&srv.listeners[i].addr;
	memset(in6, 0, sizeof(srv.listeners[i].addr));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &in6->sin6_addr);
}

static int hits(const char *ip, uint16_t port)
{
	struct in_addr a;
	char why[160];
	inet_pton(AF_INET, ip, &a);
	return selfloop_check(&srv, ntohl(a.s_addr), port, why, sizeof(why));
}

START_TEST(own_address)
{
	memset(&srv, 0, sizeof(srv));
	listener4(0, "127.0.0.1", 1080);
	srv.n_listeners = 1;
	ck_assert(hits("127.0.0.1", 1080));
	ck_assert(!hits("127.0.0.1", 1081));
	ck_assert(!hits("127.0.0.2", 1080)); /* another loopback address: not this listener */
	ck_assert(!hits("192.0.2.1", 1080));
}
END_TEST

START_TEST(wildcard_listeners)
{
	memset(&srv, 0, sizeof(srv));
	listener4(0, "0.0.0.0", 1080);
	listener6(1, "::", 2080);
	listener6(2, "::ffff:127.0.0.9", 3080);
	srv.n_listeners = 3;
	/* 0.0.0.0 takes every local address: loopback aliases included */
	ck_assert(hits("127.0.0.1", 1080));
	ck_assert(hits("127.3.2.1", 1080));
	ck_assert(!hits("192.0.2.1", 1080)); /* TEST-NET-1: never local here */
	ck_assert(!hits("127.0.0.1", 1081));
	ck_assert(hits("127.0.0.1", 2080)); /* [::] takes IPv4 too */
	ck_assert(hits("127.0.0.9", 3080)); /* a v4-mapped listener is its v4 address */
	ck_assert(!hits("127.0.0.8", 3080));
}
END_TEST

Suite *selfloop_suite(void)
{
	Suite *s = suite_create("selfloop");
	TCase *tc = tcase_create("listeners");
	tcase_add_test(tc, own_address);
	tcase_add_test(tc, wildcard_listeners);
	suite_add_tcase(s, tc);
	return s;
}
