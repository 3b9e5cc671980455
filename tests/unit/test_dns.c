/* SPDX-License-Identifier: MIT */
/* test_dns.c - lib/dns.c: queries and answers as tables of bytes, every row
 * also checked at every shorter prefix (a cut message is DNS_ESHORT, never a
 * success), each input right before an inaccessible page (guard.h). */
#include <check.h>
#include <string.h>

#include "dns.h"
#include "guard.h"
#include "suites.h"

#define H(id, fl, qd, an) (id) >> 8, (id)&255, (fl) >> 8, (fl)&255, 0, (qd), 0, (an), 0, 0, 0, 0

struct query_row {
	uint8_t bytes[64];
	size_t len;
	int want;
	const char *name; /* when want == 0 */
	uint16_t qtype;
	const char *note;
};

static const struct query_row query_rows[] = {
        {{H(0x1234, 0x0100, 1, 0), 3, 'f', 'o', 'o', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1}, 26, 0,
         "foo.test", DNS_TYPE_A, "an A query"},
        {{H(7, 0x0100, 1, 0), 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0, 0, 28, 0, 1}, 27,
         0, "localhost", DNS_TYPE_AAAA, "AAAA"},
        {{H(7, 0x0100, 1, 0), 0, 0, 1, 0, 1}, 17, 0, "", DNS_TYPE_A, "the root"},
        {{H(7, 0x8100, 1, 0), 1, 'a', 0, 0, 1, 0, 1}, 19, DNS_EFORMAT, NULL, 0, "QR set"},
        {{H(7, 0x0900, 1, 0), 1, 'a', 0, 0, 1, 0, 1}, 19, DNS_EFORMAT, NULL, 0, "opcode 1"},
        {{H(7, 0x0100, 2, 0), 1, 'a', 0, 0, 1, 0, 1}, 19, DNS_EFORMAT, NULL, 0, "two questions"},
        {{H(7, 0x0100, 1, 0), 0xc0, 0x0c, 0, 1, 0, 1}, 18, DNS_ENAME, NULL, 0, "a pointer"},
        {{H(7, 0x0100, 1, 0), 3, 'a', ' ', 'b', 0, 0, 1, 0, 1}, 21, DNS_ENAME, NULL, 0,
         "a blank in a label"},
        {{H(7, 0x0100, 1, 0), 3, 'a', '.', 'b', 0, 0, 1, 0, 1}, 21, DNS_ENAME, NULL, 0,
         "a dot in a label"},
        {{H(7, 0x0100, 1, 0), 1, 'a', 0, 0, 0, 0, 1}, 19, DNS_EFORMAT, NULL, 0, "QTYPE 0"},
};
#define N_QUERY_ROWS ((int)(sizeof(query_rows) / sizeof(query_rows[0])))

START_TEST(query_rows_test)
{
	const struct query_row *row = &query_rows[_i];
	const uint8_t *g = guard_copy(row->bytes, row->len);
	struct dns_question q;
	int rc = dns_parse_query(g, row->len, &q);
	ck_assert_msg(rc == row->want, "%s: %d, want %d", row->note, rc, row->want);
	if (rc == 0) {
		ck_assert_str_eq(q.name, row->name);
		ck_assert_uint_eq(q.qtype, row->qtype);
		ck_assert_uint_eq(q.len, row->len);
		for (size_t k = 0; k < row->len; k++) {
			const uint8_t *p = guard_copy(row->bytes, k);
			ck_assert_msg(dns_parse_query(p, k, &q) == DNS_ESHORT, "%s: prefix %zu",
			              row->note, k);
			guard_free(p, k);
		}
	}
	guard_free(g, row->len);
}
END_TEST

START_TEST(answer_round_trip)
{
	uint8_t q[DNS_UDP_MAX], a[DNS_UDP_MAX];
	int qn = dns_write_query(q, sizeof(q), 0xbeef, "dest.socks4-test.test", DNS_TYPE_A);
	ck_assert_int_gt(qn, 0);
	struct dns_question qq;
	ck_assert_int_eq(dns_parse_query(q, (size_t)qn, &qq), 0);
	const uint32_t addrs[] = {0x7f000001, 0x7f000002};
	int an = dns_write_answer(a, sizeof(a), &qq, DNS_RCODE_NOERROR, addrs, 2);
	ck_assert_int_eq(an, qn + 2 * 16);
	uint32_t got[1];
	size_t n;
	int rcode, tc;
	/* room for one: the second is ignored */
	ck_assert_int_eq(dns_parse_answer(a, (size_t)an, 0xbeef, "DEST.socks4-test.test", got, 1,
	                                  &n, &rcode, &tc),
	                 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(got[0], 0x7f000001);
	ck_assert_int_eq(rcode, 0);
	ck_assert_int_eq(dns_parse_answer(a, (size_t)an, 0xbeee, "dest.socks4-test.test", got, 1,
	                                  &n, &rcode, &tc),
	                 DNS_EMISMATCH);
	ck_assert_int_eq(dns_parse_answer(a, (size_t)an, 0xbeef, "other.test", got, 1, &n, &rcode,
	                                  &tc),
	                 DNS_EMISMATCH);
	for (size_t k = 0; k < (size_t)an; k++) {
		const uint8_t *p = guard_copy(a, k);
		int rc = dns_parse_answer(p, k, 0xbeef, "dest.socks4-test.test", got, 1, &n, &rcode,
		                          &tc);
		ck_assert_msg(rc == DNS_ESHORT, "prefix %zu: %d", k, rc);
		guard_free(p, k);
	}
	an = dns_write_answer(a, sizeof(a), &qq, DNS_RCODE_NXDOMAIN, addrs, 2);
	ck_assert_int_eq(an, qn);
	ck_assert_int_eq(dns_parse_answer(a, (size_t)an, 0xbeef, "dest.socks4-test.test", got, 1,
	                                  &n, &rcode, &tc),
	                 0);
	ck_assert_int_eq(rcode, DNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(writers_all_or_nothing)
{
	uint8_t buf[64];
	memset(buf, 0xAA, sizeof(buf));
	int need = dns_write_query(buf, 20, 1, "socks4-test.invalid", DNS_TYPE_A);
	ck_assert_int_eq(need, 12 + 21 + 4);
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0xAA);
	ck_assert_int_lt(dns_write_query(buf, sizeof(buf), 1, "a..b", DNS_TYPE_A), 0);
	ck_assert_int_lt(dns_write_query(buf, sizeof(buf), 1, "a.", DNS_TYPE_A), 0);
	char label64[70];
	memset(label64, 'x', 64);
	label64[64] = '\0';
	ck_assert_int_eq(dns_name_ok(label64), 0);
	label64[63] = '\0';
	ck_assert_int_eq(dns_name_ok(label64), 1);
}
END_TEST

Suite *dns_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("wire");
	tcase_add_loop_test(tc, query_rows_test, 0, N_QUERY_ROWS);
	tcase_add_test(tc, answer_round_trip);
	tcase_add_test(tc, writers_all_or_nothing);
	suite_add_tcase(s, tc);
	return s;
}
