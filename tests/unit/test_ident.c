/* SPDX-License-Identifier: MIT */
/* test_ident.c - RFC 1413 query and response lines, table-driven, with the
 * same prefix, byte-by-byte and round-trip checks as the SOCKS parsers. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "guard.h"
#include "ident.h"
#include "suites.h"

/* ---- queries ---------------------------------------------------------- */

struct query_row {
	const char *note;
	const char *line;
	int want;      /* bytes consumed or IDENT_* */
	unsigned on_server, on_client;
	const char *canonical; /* what the writer makes of the parsed query */
	size_t len;            /* the line's length when it holds a NUL, else 0 */
};

static const struct query_row query_rows[] = {
	{"RFC example", "6191, 23\r\n", 10, 6191, 23, "6191 , 23\r\n"},
	{"canonical spacing", "6191 , 23\r\n", 11, 6191, 23, "6191 , 23\r\n"},
	{"bare LF", "6191,23\n", 8, 6191, 23, "6191 , 23\r\n"},
	{"blanks and tabs around tokens", " \t6191 ,\t23 \r\n", 14, 6191, 23, "6191 , 23\r\n"},
	{"ports 1 and 65535", "1 , 65535\r\n", 11, 1, 65535, "1 , 65535\r\n"},
	{"leading zeros", "00080 , 01080\r\n", 15, 80, 1080, "80 , 1080\r\n"},
	{"a second line stays unread", "1 , 2\r\n3 , 4\r\n", 7, 1, 2, "1 , 2\r\n"},
	{"port 0", "0 , 23\r\n", IDENT_EPORT, 0, 0, NULL},
	{"port 65536", "65536 , 23\r\n", IDENT_EPORT, 0, 0, NULL},
	{"second port 0", "23 , 0\r\n", IDENT_EPORT, 0, 0, NULL},
	{"six digits", "100000 , 23\r\n", IDENT_EPORT, 0, 0, NULL},
	{"sign", "+23 , 24\r\n", IDENT_EPORT, 0, 0, NULL},
	{"negative", "-1 , 24\r\n", IDENT_EPORT, 0, 0, NULL},
	{"letters", "abc , 23\r\n", IDENT_EPORT, 0, 0, NULL},
	{"empty port", " , 23\r\n", IDENT_EPORT, 0, 0, NULL},
	{"blank inside a port", "61 91 , 23\r\n", IDENT_EPORT, 0, 0, NULL},
	{"no comma", "6191 23\r\n", IDENT_ESYNTAX, 0, 0, NULL},
	{"empty line", "\r\n", IDENT_ESYNTAX, 0, 0, NULL},
	{"NUL in the line", "6191\0, 23\r\n", IDENT_ESYNTAX, 0, 0, NULL, 11},
	{"CR inside the line", "6191\r, 23\r\n", IDENT_ESYNTAX, 0, 0, NULL},
	{"no end of line yet", "6191 , 23", IDENT_INCOMPLETE, 0, 0, NULL},
	{"CR without LF yet", "6191 , 23\r", IDENT_INCOMPLETE, 0, 0, NULL},
	{"nothing yet", "", IDENT_INCOMPLETE, 0, 0, NULL},
};
#define N_QUERY_ROWS ((int)(sizeof(query_rows) / sizeof(query_rows[0])))

START_TEST(query_rows_test)
{
	const struct query_row *r = &query_rows[_i];
	size_t len = r->len != 0 ? r->len : strlen(r->line);
	const uint8_t *buf = guard_copy(r->line, len);
	struct ident_query q;
	int rc = ident_parse_query(buf, len, &q);
	ck_assert_msg(rc == r->want, "%s: got %d (%s), want %d", r->note, rc, ident_strerror(rc),
		      r->want);
	if (rc > 0) {
		ck_assert_uint_eq(q.port_on_server, r->on_server);
		ck_assert_uint_eq(q.port_on_client, r->on_client);
		char out[64];
		int n = ident_write_query(out, sizeof(out), &q);
		ck_assert_int_eq(n, (int)strlen(r->canonical));
		ck_assert(memcmp(out, r->canonical, (size_t)n) == 0);
		struct ident_query again;
		ck_assert_int_eq(ident_parse_query((const uint8_t *)out, (size_t)n, &again), n);
		ck_assert(memcmp(&again, &q, sizeof(q)) == 0);
		memset(out, 'Z', sizeof(out));
		ck_assert_int_eq(ident_write_query(out, (size_t)n - 1, &q), n);
		ck_assert_int_eq(out[0], 'Z');
	}
	/* prefixes: incomplete until decided, then the same result */
	int decided = 0;
	for (size_t k = 0; k <= len; k++) {
		const uint8_t *p = guard_copy(r->line, k);
		int pk = ident_parse_query(p, k, &q);
		if (decided || pk != IDENT_INCOMPLETE)
			ck_assert_msg(pk == rc, "%s: prefix %zu gave %d, whole %d", r->note, k, pk, rc);
		decided = pk != IDENT_INCOMPLETE;
		guard_free(p, k);
	}
	guard_free(buf, len);
}
END_TEST

START_TEST(query_writer_refuses_port_zero)
{
	char out[32];
	struct ident_query q = {.port_on_server = 0, .port_on_client = 1080};
	ck_assert_int_eq(ident_write_query(out, sizeof(out), &q), IDENT_EINVAL);
}
END_TEST

/* A line with no end of line: incomplete up to the limit, then an error. */
START_TEST(line_limit)
{
	static char big[IDENT_LINE_MAX + 10];
	memset(big, '1', sizeof(big));
	struct ident_query q;
	struct ident_response r;
	ck_assert_int_eq(ident_parse_query((uint8_t *)big, IDENT_LINE_MAX - 1, &q), IDENT_INCOMPLETE);
	ck_assert_int_eq(ident_parse_query((uint8_t *)big, IDENT_LINE_MAX, &q), IDENT_ELONG);
	ck_assert_int_eq(ident_parse_query((uint8_t *)big, sizeof(big), &q), IDENT_ELONG);
	ck_assert_int_eq(ident_parse_response((uint8_t *)big, IDENT_LINE_MAX - 1, &r),
			 IDENT_INCOMPLETE);
	ck_assert_int_eq(ident_parse_response((uint8_t *)big, IDENT_LINE_MAX, &r), IDENT_ELONG);

	/* a line of exactly IDENT_LINE_MAX octets, CRLF included, is accepted */
	char prefix[] = "1 , 2 : USERID : UNIX : ";
	size_t plen = strlen(prefix);
	memcpy(big, prefix, plen);
	memset(big + plen, 'u', IDENT_LINE_MAX - plen - 2);
	big[IDENT_LINE_MAX - 2] = '\r';
	big[IDENT_LINE_MAX - 1] = '\n';
	const uint8_t *buf = guard_copy(big, IDENT_LINE_MAX);
	ck_assert_int_eq(ident_parse_response(buf, IDENT_LINE_MAX, &r), IDENT_LINE_MAX);
	ck_assert_uint_eq(r.userid_len, IDENT_LINE_MAX - plen - 2);
	guard_free(buf, IDENT_LINE_MAX);
}
END_TEST

/* ---- responses -------------------------------------------------------- */

struct resp_row {
	const char *note;
	const char *line;
	int want;
	int type;
	const char *opsys, *charset, *userid, *error;
	const char *canonical;
};

static const struct resp_row resp_rows[] = {
	{"RFC example", "6193, 23 : USERID : UNIX : stjohns\r\n", 36, IDENT_USERID, "UNIX", NULL,
	 "stjohns", NULL, "6193 , 23 : USERID : UNIX : stjohns\r\n"},
	{"no blanks", "6193,23:USERID:UNIX:stjohns\n", 28, IDENT_USERID, "UNIX", NULL, "stjohns",
	 NULL, "6193 , 23 : USERID : UNIX : stjohns\r\n"},
	{"oidentd style", "40000 , 1080 : USERID : UNIX : root\r\n", 37, IDENT_USERID, "UNIX",
	 NULL, "root", NULL, "40000 , 1080 : USERID : UNIX : root\r\n"},
	{"charset", "1 , 2 : USERID : UNIX , UTF-8 : b\xc3\xb6" "b\r\n", 38, IDENT_USERID, "UNIX",
	 "UTF-8", "b\xc3\xb6" "b", NULL, "1 , 2 : USERID : UNIX,UTF-8 : b\xc3\xb6" "b\r\n"},
	{"OTHER opsys, user-id with inner blanks and colons", "1,2:USERID:OTHER: a b:c \r\n",
	 26, IDENT_USERID, "OTHER", NULL, "a b:c", NULL, "1 , 2 : USERID : OTHER : a b:c\r\n"},
	{"type in lower case", "1 , 2 : userid : UNIX : x\r\n", 27, IDENT_USERID, "UNIX", NULL,
	 "x", NULL, "1 , 2 : USERID : UNIX : x\r\n"},
	{"ERROR NO-USER", "6195, 23 : ERROR : NO-USER\r\n", 28, IDENT_ERROR, NULL, NULL, NULL,
	 "NO-USER", "6195 , 23 : ERROR : NO-USER\r\n"},
	{"ERROR INVALID-PORT", "1 , 2 : ERROR : INVALID-PORT\r\n", 30, IDENT_ERROR, NULL, NULL,
	 NULL, "INVALID-PORT", "1 , 2 : ERROR : INVALID-PORT\r\n"},
	{"ERROR HIDDEN-USER", "1 , 2 : ERROR : HIDDEN-USER\r\n", 29, IDENT_ERROR, NULL, NULL, NULL,
	 "HIDDEN-USER", "1 , 2 : ERROR : HIDDEN-USER\r\n"},
	{"ERROR UNKNOWN-ERROR", "1 , 2 : ERROR : UNKNOWN-ERROR\r\n", 31, IDENT_ERROR, NULL, NULL,
	 NULL, "UNKNOWN-ERROR", "1 , 2 : ERROR : UNKNOWN-ERROR\r\n"},
	{"ERROR non-standard X token", "1 , 2 : ERROR : X-DENIED\r\n", 26, IDENT_ERROR, NULL, NULL,
	 NULL, "X-DENIED", "1 , 2 : ERROR : X-DENIED\r\n"},
	{"a second line stays unread", "1,2:ERROR:NO-USER\r\nmore", 19, IDENT_ERROR, NULL, NULL,
	 NULL, "NO-USER", "1 , 2 : ERROR : NO-USER\r\n"},
	{"unknown type", "1 , 2 : OOPS : x\r\n", IDENT_ETYPE, 0, NULL, NULL, NULL, NULL, NULL},
	{"empty user-id", "1 , 2 : USERID : UNIX : \r\n", IDENT_ESYNTAX, 0, NULL, NULL, NULL, NULL,
	 NULL},
	{"no user-id field", "1 , 2 : USERID : UNIX\r\n", IDENT_ESYNTAX, 0, NULL, NULL, NULL, NULL,
	 NULL},
	{"empty opsys", "1 , 2 : USERID :  : x\r\n", IDENT_ESYNTAX, 0, NULL, NULL, NULL, NULL, NULL},
	{"blank inside opsys", "1 , 2 : USERID : UN IX : x\r\n", IDENT_ESYNTAX, 0, NULL, NULL, NULL,
	 NULL, NULL},
	{"empty charset", "1 , 2 : USERID : UNIX, : x\r\n", IDENT_ESYNTAX, 0, NULL, NULL, NULL, NULL,
	 NULL},
	{"empty error", "1 , 2 : ERROR : \r\n", IDENT_ESYNTAX, 0, NULL, NULL, NULL, NULL, NULL},
	{"error with two tokens", "1 , 2 : ERROR : NO USER\r\n", IDENT_ESYNTAX, 0, NULL, NULL, NULL,
	 NULL, NULL},
	{"no type", "1 , 2\r\n", IDENT_ESYNTAX, 0, NULL, NULL, NULL, NULL, NULL},
	{"no colon after type", "1 , 2 : USERID\r\n", IDENT_ESYNTAX, 0, NULL, NULL, NULL, NULL, NULL},
	{"bad port", "1 , 70000 : ERROR : NO-USER\r\n", IDENT_EPORT, 0, NULL, NULL, NULL, NULL, NULL},
	{"CR inside user-id", "1 , 2 : USERID : UNIX : a\rb\r\n", IDENT_ESYNTAX, 0, NULL, NULL,
	 NULL, NULL, NULL},
	{"no end of line", "1 , 2 : USERID : UNIX : bob", IDENT_INCOMPLETE, 0, NULL, NULL, NULL,
	 NULL, NULL},
};
#define N_RESP_ROWS ((int)(sizeof(resp_rows) / sizeof(resp_rows[0])))

static void check_str(const char *got, size_t n, const char *want)
{
	if (want == NULL) {
		ck_assert_ptr_null(got);
		return;
	}
	ck_assert_ptr_nonnull(got);
	ck_assert_msg(n == strlen(want) && memcmp(got, want, n) == 0, "got '%.*s', want '%s'",
		      (int)n, got, want);
}

START_TEST(resp_rows_test)
{
	const struct resp_row *r = &resp_rows[_i];
	size_t len = strlen(r->line);
	const uint8_t *buf = guard_copy(r->line, len);
	struct ident_response resp;
	int rc = ident_parse_response(buf, len, &resp);
	ck_assert_msg(rc == r->want, "%s: got %d (%s), want %d", r->note, rc, ident_strerror(rc),
		      r->want);
	if (rc > 0) {
		ck_assert_int_eq(resp.type, r->type);
		check_str(resp.opsys, resp.opsys_len, r->opsys);
		check_str(resp.charset, resp.charset_len, r->charset);
		check_str(resp.userid, resp.userid_len, r->userid);
		check_str(resp.error, resp.error_len, r->error);

		char out[IDENT_LINE_MAX];
		int n = ident_write_response(out, sizeof(out), &resp);
		ck_assert_msg(n == (int)strlen(r->canonical), "%s: wrote %d", r->note, n);
		ck_assert(memcmp(out, r->canonical, (size_t)n) == 0);
		struct ident_response again;
		ck_assert_int_eq(ident_parse_response((uint8_t *)out, (size_t)n, &again), n);
		ck_assert_int_eq(again.type, resp.type);
		ck_assert_uint_eq(again.port_on_server, resp.port_on_server);
		ck_assert_uint_eq(again.port_on_client, resp.port_on_client);
		check_str(again.userid, again.userid_len, r->userid);
		check_str(again.error, again.error_len, r->error);
		check_str(again.charset, again.charset_len, r->charset);
		memset(out, 'Z', sizeof(out));
		ck_assert_int_eq(ident_write_response(out, (size_t)n - 1, &resp), n);
		ck_assert_int_eq(out[0], 'Z');
	}
	int decided = 0;
	for (size_t k = 0; k <= len; k++) {
		const uint8_t *p = guard_copy(r->line, k);
		int pk = ident_parse_response(p, k, &resp);
		if (decided || pk != IDENT_INCOMPLETE)
			ck_assert_msg(pk == rc, "%s: prefix %zu gave %d, whole %d", r->note, k, pk, rc);
		decided = pk != IDENT_INCOMPLETE;
		guard_free(p, k);
	}
	guard_free(buf, len);
}
END_TEST

START_TEST(resp_writer_refuses)
{
	char out[IDENT_LINE_MAX + 8];
	struct ident_response r = {.port_on_server = 1,
				   .port_on_client = 2,
				   .type = IDENT_USERID,
				   .opsys = "UNIX",
				   .opsys_len = 4,
				   .userid = "bob",
				   .userid_len = 3};
	ck_assert_int_gt(ident_write_response(out, sizeof(out), &r), 0);

	struct ident_response bad = r;
	bad.port_on_server = 0;
	ck_assert_int_eq(ident_write_response(out, sizeof(out), &bad), IDENT_EINVAL);
	bad = r;
	bad.userid = " bob";
	bad.userid_len = 4;
	ck_assert_int_eq(ident_write_response(out, sizeof(out), &bad), IDENT_EINVAL);
	bad.userid = "b\r\nob";
	bad.userid_len = 5;
	ck_assert_int_eq(ident_write_response(out, sizeof(out), &bad), IDENT_EINVAL);
	bad.userid = "";
	bad.userid_len = 0;
	ck_assert_int_eq(ident_write_response(out, sizeof(out), &bad), IDENT_EINVAL);
	bad = r;
	bad.opsys = "UN:IX";
	bad.opsys_len = 5;
	ck_assert_int_eq(ident_write_response(out, sizeof(out), &bad), IDENT_EINVAL);
	bad = r;
	bad.type = IDENT_ERROR;
	bad.error = NULL;
	ck_assert_int_eq(ident_write_response(out, sizeof(out), &bad), IDENT_EINVAL);
	bad = r;
	bad.type = (enum ident_type)7;
	ck_assert_int_eq(ident_write_response(out, sizeof(out), &bad), IDENT_EINVAL);

	/* a user-id that makes the line longer than IDENT_LINE_MAX */
	static char longid[IDENT_LINE_MAX];
	memset(longid, 'u', sizeof(longid));
	bad = r;
	bad.userid = longid;
	bad.userid_len = sizeof(longid) - 20;
	ck_assert_int_eq(ident_write_response(out, sizeof(out), &bad), IDENT_EINVAL);
	/* a 512-octet user-id, the size a client MUST accept, round-trips */
	bad.userid_len = 512;
	int n = ident_write_response(out, sizeof(out), &bad);
	ck_assert_int_gt(n, 512);
	struct ident_response again;
	ck_assert_int_eq(ident_parse_response((uint8_t *)out, (size_t)n, &again), n);
	ck_assert_uint_eq(again.userid_len, 512);
}
END_TEST

START_TEST(ident_texts)
{
	const int errs[] = {IDENT_EINVAL, IDENT_INCOMPLETE, IDENT_ELONG,
			    IDENT_ESYNTAX, IDENT_EPORT,     IDENT_ETYPE};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		for (size_t j = i + 1; j < sizeof(errs) / sizeof(errs[0]); j++)
			ck_assert_str_ne(ident_strerror(errs[i]), ident_strerror(errs[j]));
	ck_assert_str_eq(ident_strerror(-42), "unknown error");
}
END_TEST

Suite *ident_suite(void)
{
	Suite *s = suite_create("ident");
	TCase *tc = tcase_create("query");
	tcase_add_loop_test(tc, query_rows_test, 0, N_QUERY_ROWS);
	tcase_add_test(tc, query_writer_refuses_port_zero);
	tcase_add_test(tc, line_limit);
	suite_add_tcase(s, tc);
	tc = tcase_create("response");
	tcase_add_loop_test(tc, resp_rows_test, 0, N_RESP_ROWS);
	tcase_add_test(tc, resp_writer_refuses);
	tcase_add_test(tc, ident_texts);
	suite_add_tcase(s, tc);
	return s;
}
