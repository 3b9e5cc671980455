/* SPDX-License-Identifier: MIT */
/* test_identd.c - the server's identd check: the verdict table (mode x answer
 * -> 90/92/93) and the lookup against a scripted identd on loopback. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "identd.h"
#include "net.h"
#include "socks4.h"
#include "suites.h"

/* ---- verdicts --------------------------------------------------------- */

struct verdict_row {
	enum identd_mode mode;
	int answered;
	const char *identd_user;
	const char *userid;
	int want;
};

static const struct verdict_row verdict_rows[] = {
        {IDENTD_OFF, 0, NULL, "bob", 90},
        {IDENTD_OFF, 1, "alice", "bob", 90}, /* off: identd is not asked at all */
        {IDENTD_LENIENT, 1, "bob", "bob", 90},
        {IDENTD_LENIENT, 1, "alice", "bob", 93},
        {IDENTD_LENIENT, 0, NULL, "bob", 90}, /* unreachable: allowed, logged */
        {IDENTD_STRICT, 1, "bob", "bob", 90},
        {IDENTD_STRICT, 1, "alice", "bob", 93},
        {IDENTD_STRICT, 0, NULL, "bob", 92},
        {IDENTD_STRICT, 1, "Bob", "bob", 93},   /* exact, case-sensitive */
        {IDENTD_STRICT, 1, "bob", "bobby", 93}, /* no prefix match */
        {IDENTD_STRICT, 1, "bobby", "bob", 93},
        {IDENTD_LENIENT, 1, "bob", "", 93}, /* empty USERID is a claim too */
};

START_TEST(verdicts)
{
	const struct verdict_row *r = &verdict_rows[_i];
	struct identd_result res;
	memset(&res, 0, sizeof(res));
	res.answered = r->answered;
	if (r->identd_user != NULL) {
		res.user_len = strlen(r->identd_user);
		memcpy(res.user, r->identd_user, res.user_len);
	}
	ck_assert_int_eq(identd_verdict(r->mode, &res, r->userid, strlen(r->userid)), r->want);
}
END_TEST

START_TEST(mode_names)
{
	ck_assert_str_eq(identd_mode_str(IDENTD_OFF), "off");
	ck_assert_str_eq(identd_mode_str(IDENTD_LENIENT), "lenient");
	ck_assert_str_eq(identd_mode_str(IDENTD_STRICT), "strict");
}
END_TEST

/* ---- lookups against a scripted identd -------------------------------- */

struct fake_identd {
	int lfd;
	uint16_t port;
	const char *answer; /* "%u , %u" is filled with the query's ports; NULL: close */
	int hang_ms;        /* wait this long before answering */
	int swap_ports;     /* answer for the ports the other way round */
	char query[128];    /* what the server sent */
	pthread_t tid;
};

static void *fake_identd_main(void *arg)
{
	struct fake_identd *f = arg;
	int fd = accept(f->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	uint8_t buf[128];
	size_t len = 0;
	struct ident_query q;
	while (len < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (ident_parse_query(buf, len, &q) != IDENT_INCOMPLETE)
			break;
	}
	memcpy(f->query, buf, len);
	f->query[len] = '\0';
	if (f->hang_ms > 0)
		usleep((useconds_t)f->hang_ms * 1000);
	if (f->answer != NULL && ident_parse_query(buf, len, &q) > 0) {
		char line[256];
		unsigned a = q.port_on_server, b = q.port_on_client;
		int n = snprintf(line, sizeof(line), f->answer, f->swap_ports ? b : a,
		                 f->swap_ports ? a : b);
		ssize_t w = write(fd, line, (size_t)n);
		(void)w;
	}
	close(fd);
	return NULL;
}

static void fake_start(struct fake_identd *f)
{
	char err[128];
	ck_assert_msg(net_listen("127.0.0.1", 0, 4, &f->lfd, &f->port, err, sizeof(err)) == 0, "%s",
	              err);
	pthread_create(&f->tid, NULL, fake_identd_main, f);
}

static void fake_stop(struct fake_identd *f)
{
	shutdown(f->lfd, SHUT_RDWR);
	pthread_join(f->tid, NULL);
	close(f->lfd);
}

/* The "client" is 127.0.0.1:40001 and the server's port 1080, as identd
 * sees them; the lookup must ask "40001 , 1080". */
static void lookup(struct fake_identd *f, int timeout_ms, struct identd_result *res)
{
	struct sockaddr_storage client, local;
	socklen_t len;
	net_sockaddr4(&client, &len, INADDR_LOOPBACK, 40001);
	net_sockaddr4(&local, &len, INADDR_LOOPBACK, 1080);
	identd_lookup((struct sockaddr *)&client, (struct sockaddr *)&local, f->port, timeout_ms,
	              res);
}

struct lookup_row {
	const char *note;
	const char *answer;
	int hang_ms, swap;
	int answered;
	const char *user; /* when answered */
	const char *why;  /* substring of why when not */
};

static const struct lookup_row lookup_rows[] = {
        {"USERID", "%u , %u : USERID : UNIX : bob\r\n", 0, 0, 1, "bob", NULL},
        {"USERID with charset and spaces", "%u,%u:USERID:UNIX,UTF-8:  j doe \r\n", 0, 0, 1, "j doe",
         NULL},
        {"ERROR NO-USER", "%u , %u : ERROR : NO-USER\r\n", 0, 0, 0, NULL, "ERROR : NO-USER"},
        {"close without answer", NULL, 0, 0, 0, NULL, "closed before a full line"},
        {"garbage", "%u %u hello\r\n", 0, 0, 0, NULL, "malformed"},
        {"unknown type", "%u , %u : FOO : x\r\n", 0, 0, 0, NULL, "neither USERID nor ERROR"},
        {"answer without end of line", "%u , %u : USERID : UNIX : bob", 0, 0, 0, NULL,
         "closed before a full line"},
        {"ports swapped in the answer", "%u , %u : USERID : UNIX : bob\r\n", 0, 1, 0, NULL,
         "answer for 1080 , 40001, asked 40001 , 1080"},
        {"too slow", "%u , %u : USERID : UNIX : bob\r\n", 1500, 0, 0, NULL, "timed out"},
};

START_TEST(lookups)
{
	const struct lookup_row *r = &lookup_rows[_i];
	struct fake_identd f = {.answer = r->answer, .hang_ms = r->hang_ms, .swap_ports = r->swap};
	struct identd_result res;
	fake_start(&f);
	int64_t t0 = net_now_ms();
	lookup(&f, 500, &res);
	int64_t took = net_now_ms() - t0;
	fake_stop(&f);

	ck_assert_str_eq(f.query, "40001 , 1080\r\n"); /* RFC 1413 order: client's port first */
	ck_assert_msg(res.answered == r->answered, "%s: answered %d (%s)", r->note, res.answered,
	              res.why);
	if (r->answered) {
		ck_assert_uint_eq(res.user_len, strlen(r->user));
		ck_assert(memcmp(res.user, r->user, res.user_len) == 0);
	} else {
		ck_assert_msg(strstr(res.why, r->why) != NULL, "%s: why '%s'", r->note, res.why);
	}
	ck_assert_int_lt(took, 1400); /* bounded by the 500 ms deadline */
}
END_TEST

START_TEST(lookup_no_listener)
{
	struct fake_identd f;
	char err[128];
	ck_assert_int_eq(net_listen("127.0.0.1", 0, 1, &f.lfd, &f.port, err, sizeof(err)), 0);
	close(f.lfd); /* nothing listens on f.port now */
	struct identd_result res;
	lookup(&f, 1000, &res);
	ck_assert_int_eq(res.answered, 0);
	ck_assert_ptr_nonnull(strstr(res.why, "refused"));
}
END_TEST

/* An identd that streams without end of line: bounded by IDENT_LINE_MAX. */
static void *flood_main(void *arg)
{
	struct fake_identd *f = arg;
	int fd = accept(f->lfd, NULL, NULL);
	static char junk[4096];
	memset(junk, 'x', sizeof(junk));
	for (int i = 0; i < 16 && fd >= 0; i++)
		if (write(fd, junk, sizeof(junk)) < 0)
			break;
	if (fd >= 0)
		close(fd);
	return NULL;
}

START_TEST(lookup_flood)
{
	struct fake_identd f;
	char err[128];
	ck_assert_int_eq(net_listen("127.0.0.1", 0, 1, &f.lfd, &f.port, err, sizeof(err)), 0);
	pthread_create(&f.tid, NULL, flood_main, &f);
	struct identd_result res;
	lookup(&f, 2000, &res);
	fake_stop(&f);
	ck_assert_int_eq(res.answered, 0);
	ck_assert_ptr_nonnull(strstr(res.why, "longer than 1000"));
}
END_TEST

Suite *identd_suite(void)
{
	Suite *s = suite_create("identd");
	TCase *tc = tcase_create("verdict");
	tcase_add_loop_test(tc, verdicts, 0, (int)(sizeof(verdict_rows) / sizeof(verdict_rows[0])));
	tcase_add_test(tc, mode_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("lookup");
	tcase_add_loop_test(tc, lookups, 0, (int)(sizeof(lookup_rows) / sizeof(lookup_rows[0])));
	tcase_add_test(tc, lookup_no_listener);
	tcase_add_test(tc, lookup_flood);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
