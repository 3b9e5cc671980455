/* SPDX-License-Identifier: MIT */
/* test_resolve_bound.c - net_resolve4() bounds the lookups it leaves running
 * past their deadline (issue 19: they were detached and not counted, so a
 * client sending names the resolver hangs on left a thread per session).
 *
 * A resolver stub: this binary's getaddrinfo() hangs on names under
 * .hang.test until released, and hands every other name to the real one. */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "suites.h"

static pthread_mutex_t hang_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hang_cv = PTHREAD_COND_INITIALIZER;
static int released;

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
	size_t n = node != NULL ? strlen(node) : 0;
	if (n > 10 && strcmp(node + n - 10, ".hang.test") == 0) {
		pthread_mutex_lock(&hang_mu);
		while (!released)
			pthread_cond_wait(&hang_cv, &hang_mu);
		pthread_mutex_unlock(&hang_mu);
		return EAI_NONAME;
	}
	int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **) =
	        (int (*)(const char *, const char *, const struct addrinfo *,
	                 struct addrinfo **))dlsym(RTLD_NEXT, "getaddrinfo");
	return real(node, service, hints, res);
}

START_TEST(abandoned_lookups_are_bounded)
{
	uint32_t a[4];
	size_t n;
	char err[200];
	for (int i = 0; i < NET_RESOLVE_ABANDONED_MAX; i++) {
		ck_assert_int_eq(net_resolve4("x.hang.test", 1, a, 4, &n, err, sizeof(err)), -1);
		ck_assert_int_eq(errno, ETIMEDOUT);
	}
	/* the bound: refused at once, no new thread */
	ck_assert_int_eq(net_resolve4("y.hang.test", 10000, a, 4, &n, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert(strstr(err, "still running") != NULL);
	ck_assert_int_eq(net_resolve4("localhost", 10000, a, 4, &n, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EAGAIN);
	/* literals need no thread */
	ck_assert_int_eq(net_resolve4("127.0.0.1", 1, a, 4, &n, err, sizeof(err)), 0);

	pthread_mutex_lock(&hang_mu);
	released = 1;
	pthread_cond_broadcast(&hang_cv);
	pthread_mutex_unlock(&hang_mu);
	/* the threads end: lookups work again (an event, polled without a time limit
	 * of its own: Check's test timeout bounds it) */
	int rc;
	while ((rc = net_resolve4("localhost", 10000, a, 4, &n, err, sizeof(err))) < 0 &&
	       errno == EAGAIN)
		usleep(1000);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_uint_eq(a[0], 0x7f000001);
}
END_TEST

Suite *resolve_bound_suite(void)
{
	Suite *s = suite_create("resolve-bound");
	TCase *tc = tcase_create("abandoned");
	tcase_add_test(tc, abandoned_lookups_are_bounded);
	suite_add_tcase(s, tc);
	return s;
}
