/* SPDX-License-Identifier: MIT */
/* test_escape.c - the escaping rules of socks4-test's outputs (conformance/escape.c):
 * hostile bytes come out as data, valid UTF-8 comes out as itself. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "suites.h"
#include "target/crashsig.h"

/* What fn writes for s, NUL-terminated (caller frees). */
static char *render(void (*fn)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert(f != NULL);
	fn(f, s);
	fclose(f);
	return buf;
}

static const struct {
	const char *in, *term, *json, *xml;
} rows[] = {
        {"plain", "plain", "\"plain\"", "plain"},
        {"a\nb", "a\\x0ab", "\"a\\u000ab\"", "a\nb"},
        {"\x1b]0;title\x07\x1b[2J", "\\x1b]0;title\\x07\\x1b[2J",
         "\"\\u001b]0;title\\u0007\\u001b[2J\"", "\\x1b]0;title\\x07\\x1b[2J"},
        /* valid UTF-8 kept in JSON and XML, \xNN on a terminal */
        {"gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80", "gr\\xc3\\xbc\\xc3\\x9f \\xe2\\x82\\xac \\xf0\\x9f\\x98\\x80",
         "\"gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80\"", "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80"},
        /* invalid: a lone continuation, an overlong '/', a surrogate, cut short */
        {"a\x80z", "a\\x80z", "\"a\\ufffdz\"", "a&#xFFFD;z"},
        {"\xc0\xaf", "\\xc0\\xaf", "\"\\ufffd\\ufffd\"", "&#xFFFD;&#xFFFD;"},
        {"\xed\xa0\x80", "\\xed\\xa0\\x80", "\"\\ufffd\\ufffd\\ufffd\"",
         "&#xFFFD;&#xFFFD;&#xFFFD;"},
        {"\xe2\x82", "\\xe2\\x82", "\"\\ufffd\\ufffd\"", "&#xFFFD;&#xFFFD;"},
        {"<a href=\"x\">&'", "<a href=\"x\">&'", "\"<a href=\\\"x\\\">&'\"",
         "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"},
        {"back\\slash\x7f", "back\\slash\\x7f", "\"back\\\\slash\\u007f\"", "back\\slash\\x7f"},
        {"\xef\xbf\xbf", "\\xef\\xbf\\xbf", "\"\xef\xbf\xbf\"", "\\xef\\xbf\\xbf"},
};

START_TEST(rules)
{
	char *t = render(esc_term, rows[_i].in);
	char *j = render(esc_json, rows[_i].in);
	char *x = render(esc_xml, rows[_i].in);
	ck_assert_str_eq(t, rows[_i].term);
	ck_assert_str_eq(j, rows[_i].json);
	ck_assert_str_eq(x, rows[_i].xml);
	free(t);
	free(j);
	free(x);
}
END_TEST

START_TEST(term_bounds)
{
	char out[8];
	/* cut at a whole escape, always terminated */
	esc_term_buf(out, sizeof(out), "ab\x1b\x1b", 4);
	ck_assert_str_eq(out, "ab\\x1b");
	char s[16] = "x\ny\x1b";
	esc_term_inplace(s, sizeof(s));
	ck_assert_str_eq(s, "x\\x0ay\\x1b");
	/* a long text through esc_term in slices */
	char big[2000];
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	char *r = render(esc_term, big);
	ck_assert_uint_eq(strlen(r), 4 * (sizeof(big) - 1));
	free(r);
}
END_TEST

/* A crash signature is built from what the target printed: one terminal-safe line. */
START_TEST(hostile_signature)
{
	char sig[256];
	crash_signature("killed by signal 6 (SIGABRT)",
	                "==1==ERROR: AddressSanitizer: evil\x1b]0;t\x07kind on x\n"
	                "    #0 0x1 in f\x1b[2J x.c:1\n",
	                sig, sizeof(sig));
	ck_assert(strchr(sig, '\x1b') == NULL && strchr(sig, '\x07') == NULL);
	ck_assert(strstr(sig, "evil\\x1b]0;t\\x07kind") != NULL);
}
END_TEST

Suite *escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("rules");
	tcase_add_loop_test(tc, rules, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, term_bounds);
	tcase_add_test(tc, hostile_signature);
	suite_add_tcase(s, tc);
	return s;
}
