/* SPDX-License-Identifier: MIT */
/* test_rules.c - the sockd.conf-style rules: parsing (every field, every
 * malformation named by file and line) and matching (first match wins, every
 * operator, masks, user lists and user files). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules.h"
#include "suites.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((c) << 8) | (d))

static struct rules *parse(const char *text, char *err, size_t errlen)
{
	return rules_parse(text, strlen(text), "test.conf", 0, err, errlen);
}

/* ---- parsing ---------------------------------------------------------- */

struct parse_row {
	const char *text;
	const char *err; /* NULL: must parse; else a substring of the error */
	size_t n_rules;
};

static const struct parse_row parse_rows[] = {
        {"", NULL, 0},
        {"# only a comment\n\n   \t\n", NULL, 0},
        {"permit 127.0.0.0 255.0.0.0\n", NULL, 1},
        {"deny 0.0.0.0 0.0.0.0", NULL, 1}, /* no final newline */
        {"permit 10.0.0.0 255.0.0.0 192.168.1.0 255.255.255.0\n", NULL, 1},
        {"permit 10.0.0.0 255.0.0.0 eq 80\n", NULL, 1},
        {"permit 10.0.0.0 255.0.0.0 1.2.3.4 255.255.255.255 ge 1024\n", NULL, 1},
        {"permit ?=I 0.0.0.0 0.0.0.0\npermit ?=i 0.0.0.0 0.0.0.0\npermit ?=n 0.0.0.0 0.0.0.0\n"
         "permit ?= 0.0.0.0 0.0.0.0\n",
         NULL, 4},
        {"permit *=bob,alice 0.0.0.0 0.0.0.0\n", NULL, 1},
        {"permit ?=I *=bob 0.0.0.0 0.0.0.0 eq telnet\n", NULL, 1},
        {"deny *=bonnie,clyde 128.12.6.0 255.255.255.0 : /usr/ucb/mail -s 'Rejected' $USER\n", NULL,
         1},
        {"permit\t10.0.0.0\t255.0.0.0   # tabs and a comment\n", NULL, 1},
        {"#NO_IDENTD: /usr/ucb/mail -s 'run identd on %A'\n#BAD_ID: cmd\n", NULL, 0},
        {"permit 1.2.3.4 255.255.255.255\r\n", NULL, 1}, /* CRLF files */
        {"allow 0.0.0.0 0.0.0.0\n", "test.conf:1: expected permit or deny, not 'allow'", 0},
        {"\n\npermit 0.0.0.0\n", "test.conf:3: expected src_addr src_mask", 0},
        {"permit\n", "test.conf:1: expected src_addr src_mask", 0},
        {"permit 300.0.0.0 0.0.0.0\n", "src_addr '300.0.0.0' is not a dotted-quad", 0},
        {"permit 1.2.3 0.0.0.0\n", "src_addr '1.2.3'", 0},
        {"permit 1.2.3.4 255.255.255.256\n", "src_mask", 0},
        {"permit 1.2.3.4 255.255.255.255 5.6.7.8\n", "'5.6.7.8' is not an operator", 0},
        {"permit 1.2.3.4 255.255.255.255 5.6.7.8 x\n", "dst_mask 'x'", 0},
        {"permit 1.2.3.4 255.255.255.255 eq\n", "operator 'eq' needs a port", 0},
        {"permit 1.2.3.4 255.255.255.255 like 80\n", "dst_addr 'like'", 0},
        {"permit 1.2.3.4 255.255.255.255 eq 65536\n", "port '65536' is not a number in 0..65535",
         0},
        {"permit 1.2.3.4 255.255.255.255 eq no-such-service\n", "unknown TCP service", 0},
        {"permit 1.2.3.4 255.255.255.255 eq 80 extra\n", "unexpected field 'extra'", 0},
        {"permit 1 2 3 4 5 6 7 8 9 10\n", "too many fields", 0},
        {"permit ?=x 0.0.0.0 0.0.0.0\n", "?= must be I, i or n, not 'x'", 0},
        {"permit *= 0.0.0.0 0.0.0.0\n", "empty entry in *= user list", 0},
        {"permit *=a,,b 0.0.0.0 0.0.0.0\n", "empty entry", 0},
        {"permit *=a, 0.0.0.0 0.0.0.0\n", "empty entry", 0},
        {"permit *=/nonexistent/users 0.0.0.0 0.0.0.0\n", "user list file /nonexistent/users", 0},
        {"permit *=bob ?=I 0.0.0.0 0.0.0.0\n", "src_addr '?=I'", 0}, /* order matters */
        {": echo hi\n", "shell command without a rule", 0},
        {"permit 0.0.0.0 0.0.0.0\npermit 0.0.0.0 0.0.0.0\nbogus\n", "test.conf:3:", 0},
};

START_TEST(parse_rows_test)
{
	const struct parse_row *r = &parse_rows[_i];
	char err[256] = "";
	struct rules *rs = parse(r->text, err, sizeof(err));
	if (r->err == NULL) {
		ck_assert_msg(rs != NULL, "'%s': %s", r->text, err);
		ck_assert_uint_eq(rs->n, r->n_rules);
	} else {
		ck_assert_msg(rs == NULL, "'%s' parsed, expected '%s'", r->text, r->err);
		ck_assert_msg(strstr(err, r->err) != NULL, "'%s': error '%s', expected '%s'",
		              r->text, err, r->err);
	}
	rules_free(rs);
}
END_TEST

START_TEST(parse_fields)
{
	char err[256];
	struct rules *rs = parse("deny ?=I *=bob,alice 128.12.6.0 255.255.255.0 137.12.0.0 "
	                         "255.255.0.0 neq telnet : mail -s x # comment\n",
	                         err, sizeof(err));
	ck_assert_msg(rs != NULL, "%s", err);
	const struct rule *r = &rs->v[0];
	ck_assert_int_eq(r->line, 1);
	ck_assert_int_eq(r->action, RULE_DENY);
	ck_assert_int_eq(r->identd, IDENTD_STRICT);
	ck_assert_uint_eq(r->n_users, 2);
	ck_assert_str_eq(r->users[0], "bob");
	ck_assert_str_eq(r->users[1], "alice");
	ck_assert_uint_eq(r->src, IP(128, 12, 6, 0));
	ck_assert_uint_eq(r->src_mask, IP(255, 255, 255, 0));
	ck_assert_uint_eq(r->dst, IP(137, 12, 0, 0));
	ck_assert_uint_eq(r->dst_mask, IP(255, 255, 0, 0));
	ck_assert_int_eq(r->op, PORT_NEQ);
	ck_assert_uint_eq(r->port, 23);
	ck_assert_str_eq(r->shell_cmd, "mail -s x");
	ck_assert_str_eq(r->text, "deny ?=I *=bob,alice 128.12.6.0 255.255.255.0 137.12.0.0 "
	                          "255.255.0.0 neq telnet");
	ck_assert_str_eq(rule_action_str(r->action), "deny");
	ck_assert_str_eq(port_op_str(r->op), "neq");
	rules_free(rs);

	rs = parse("permit 0.0.0.0 0.0.0.0\n", err, sizeof(err));
	ck_assert_int_eq(rs->v[0].identd, RULE_IDENTD_GLOBAL);
	ck_assert_ptr_null(rs->v[0].users);
	ck_assert_ptr_null(rs->v[0].shell_cmd);
	ck_assert_int_eq(rs->v[0].op, PORT_ANY);
	ck_assert_uint_eq(rs->v[0].dst_mask, 0);
	rules_free(rs);
}
END_TEST

START_TEST(parse_limits)
{
	char err[256];
	static char line[RULES_LINE_MAX + 8];
	/* a line of exactly RULES_LINE_MAX characters is fine (padded comment) */
	memset(line, ' ', sizeof(line));
	memcpy(line, "permit 0.0.0.0 0.0.0.0 #", 24);
	line[RULES_LINE_MAX] = '\n';
	struct rules *rs = rules_parse(line, RULES_LINE_MAX + 1, "t", 0, err, sizeof(err));
	ck_assert_msg(rs != NULL, "%s", err);
	rules_free(rs);
	/* one more is an error, not silently cut */
	line[RULES_LINE_MAX] = ' ';
	line[RULES_LINE_MAX + 1] = '\n';
	rs = rules_parse(line, RULES_LINE_MAX + 2, "t", 0, err, sizeof(err));
	ck_assert_ptr_null(rs);
	ck_assert_ptr_nonnull(strstr(err, "t:1: line longer than 1023"));
	/* a NUL byte inside a line */
	rs = rules_parse("permit 0.0.0.0\0 0.0.0.0\n", 24, "t", 0, err, sizeof(err));
	ck_assert_ptr_null(rs);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
}
END_TEST

/* A user file: ids split by blanks, tabs, commas and newlines, # comments. */
static char *write_users(const char *content)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/s4kit-users-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return path;
}

START_TEST(user_files)
{
	char err[256], text[256];
	char *path = write_users("# staff\nann  bea,\tcid\n\n#dan\neve # after\n");
	snprintf(text, sizeof(text), "permit *=zed,%s 0.0.0.0 0.0.0.0\n", path);
	struct rules *rs = parse(text, err, sizeof(err));
	ck_assert_msg(rs != NULL, "%s", err);
	const char *want[] = {"zed", "ann", "bea", "cid", "eve"};
	ck_assert_uint_eq(rs->v[0].n_users, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_str_eq(rs->v[0].users[i], want[i]);
	rules_free(rs);

	/* the fuzz target forbids files */
	rs = rules_parse(text, strlen(text), "t", RULES_NO_FILES, err, sizeof(err));
	ck_assert_ptr_null(rs);
	ck_assert_ptr_nonnull(strstr(err, "user files are not allowed"));

	/* an empty user file is an error, not "nobody" */
	unlink(path);
	path = write_users("# nobody here\n");
	snprintf(text, sizeof(text), "permit *=%s 0.0.0.0 0.0.0.0\n", path);
	rs = parse(text, err, sizeof(err));
	ck_assert_ptr_null(rs);
	ck_assert_ptr_nonnull(strstr(err, "holds no user-id"));
	unlink(path);
}
END_TEST

START_TEST(load_file)
{
	char err[256];
	char *path = write_users("permit 127.0.0.0 255.0.0.0\n\nbroken line here\n");
	struct rules *rs = rules_load(path, err, sizeof(err));
	ck_assert_ptr_null(rs);
	char want[96];
	snprintf(want, sizeof(want), "%s:3: expected permit or deny", path);
	ck_assert_msg(strstr(err, want) != NULL, "%s", err);
	unlink(path);

	ck_assert_ptr_null(rules_load("/nonexistent/sockd.conf", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/sockd.conf: No such file"));
	ck_assert_ptr_null(rules_load("/tmp", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
}
END_TEST

/* ---- matching --------------------------------------------------------- */

struct match_row {
	const char *note;
	const char *rules;
	const char *user;
	uint32_t src, dst;
	unsigned port;
	int line; /* the matching line, 0 for none */
	int permit;
};

#define LO IP(127, 0, 0, 1)

/* The example from the CSTC sockd.conf(5) man page. */
#define CSTC_EXAMPLE                                                                               \
	"deny   *=bonnie,clyde 128.12.6.0 255.255.255.0 : /usr/ucb/mail -s 'Rejected' $USER\n"     \
	"permit *=ylee 128.12.6.4 255.255.255.255 137.12.0.0 255.255.0.0\n"                        \
	"deny   128.12.0.0 255.255.0.0 eq telnet\n"                                                \
	"permit 128.12.0.0 255.255.0.0\n"                                                          \
	"#NO_IDENTD: /usr/ucb/mail -s 'please run identd on %A' $USER\n"                           \
	"#BAD_ID: /usr/ucb/mail -s '%U pretends to be %u on %A' $USER\n"
#define NET10 "10.0.0.0 255.0.0.0"

static const struct match_row match_rows[] = {
        {"no rules: deny", "", "bob", LO, LO, 80, 0, 0},
        {"any", "permit 0.0.0.0 0.0.0.0", "bob", LO, LO, 80, 1, 1},
        {"src in net", "permit " NET10, "", IP(10, 9, 8, 7), LO, 80, 1, 1},
        {"src outside net", "permit " NET10, "", IP(11, 0, 0, 1), LO, 80, 0, 0},
        {"exact src", "permit 1.2.3.4 255.255.255.255", "", IP(1, 2, 3, 4), LO, 1, 1, 1},
        {"exact src, other host", "permit 1.2.3.4 255.255.255.255", "", IP(1, 2, 3, 5), LO, 1, 0,
         0},
        {"mask bits decide, not addr bits (NEC)", "permit 10.255.255.255 255.0.0.0", "",
         IP(10, 1, 2, 3), LO, 1, 1, 1},
        {"dst net", "permit 0.0.0.0 0.0.0.0 192.168.0.0 255.255.0.0", "", LO, IP(192, 168, 4, 4), 1,
         1, 1},
        {"dst outside", "permit 0.0.0.0 0.0.0.0 192.168.0.0 255.255.0.0", "", LO,
         IP(192, 169, 0, 1), 1, 0, 0},
        {"eq hit", "permit 0.0.0.0 0.0.0.0 eq 80", "", LO, LO, 80, 1, 1},
        {"eq miss", "permit 0.0.0.0 0.0.0.0 eq 80", "", LO, LO, 81, 0, 0},
        {"neq hit", "permit 0.0.0.0 0.0.0.0 neq 80", "", LO, LO, 81, 1, 1},
        {"neq miss", "permit 0.0.0.0 0.0.0.0 neq 80", "", LO, LO, 80, 0, 0},
        {"lt hit", "permit 0.0.0.0 0.0.0.0 lt 1024", "", LO, LO, 1023, 1, 1},
        {"lt edge", "permit 0.0.0.0 0.0.0.0 lt 1024", "", LO, LO, 1024, 0, 0},
        {"gt hit", "permit 0.0.0.0 0.0.0.0 gt 1024", "", LO, LO, 1025, 1, 1},
        {"gt edge", "permit 0.0.0.0 0.0.0.0 gt 1024", "", LO, LO, 1024, 0, 0},
        {"le edge", "permit 0.0.0.0 0.0.0.0 le 1024", "", LO, LO, 1024, 1, 1},
        {"le miss", "permit 0.0.0.0 0.0.0.0 le 1024", "", LO, LO, 1025, 0, 0},
        {"ge edge", "permit 0.0.0.0 0.0.0.0 ge 1024", "", LO, LO, 1024, 1, 1},
        {"ge miss", "permit 0.0.0.0 0.0.0.0 ge 1024", "", LO, LO, 1023, 0, 0},
        {"service name", "permit 0.0.0.0 0.0.0.0 eq telnet", "", LO, LO, 23, 1, 1},
        {"port 0 and 65535", "deny 0.0.0.0 0.0.0.0 eq 0\npermit 0.0.0.0 0.0.0.0 le 65535", "", LO,
         LO, 65535, 2, 1},
        {"user listed", "permit *=ann,bob 0.0.0.0 0.0.0.0", "bob", LO, LO, 1, 1, 1},
        {"user not listed", "permit *=ann,bob 0.0.0.0 0.0.0.0", "bo", LO, LO, 1, 0, 0},
        {"user compare is exact (no prefix)", "permit *=bob 0.0.0.0 0.0.0.0", "bobby", LO, LO, 1, 0,
         0},
        {"user compare is case-sensitive", "permit *=bob 0.0.0.0 0.0.0.0", "Bob", LO, LO, 1, 0, 0},
        {"empty USERID never matches a list", "permit *=bob 0.0.0.0 0.0.0.0", "", LO, LO, 1, 0, 0},
        {"first match wins (deny first)", "deny 0.0.0.0 0.0.0.0 eq 23\npermit 0.0.0.0 0.0.0.0", "",
         LO, LO, 23, 1, 0},
        {"first match wins (falls through)", "deny 0.0.0.0 0.0.0.0 eq 23\npermit 0.0.0.0 0.0.0.0",
         "", LO, LO, 22, 2, 1},
        {"the CSTC example: clyde denied", CSTC_EXAMPLE, "clyde", IP(128, 12, 6, 9),
         IP(137, 12, 1, 1), 80, 1, 0},
        {"the CSTC example: ylee to 137.12/16", CSTC_EXAMPLE, "ylee", IP(128, 12, 6, 4),
         IP(137, 12, 1, 1), 80, 2, 1},
        {"the CSTC example: telnet denied", CSTC_EXAMPLE, "joe", IP(128, 12, 9, 9), IP(1, 1, 1, 1),
         23, 3, 0},
        {"the CSTC example: others permitted", CSTC_EXAMPLE, "joe", IP(128, 12, 9, 9),
         IP(1, 1, 1, 1), 80, 4, 1},
        {"the CSTC example: outsiders denied", CSTC_EXAMPLE, "joe", IP(129, 1, 1, 1),
         IP(1, 1, 1, 1), 80, 0, 0},
};

START_TEST(match_rows_test)
{
	const struct match_row *r = &match_rows[_i];
	char err[256];
	struct rules *rs = parse(r->rules, err, sizeof(err));
	ck_assert_msg(rs != NULL, "%s: %s", r->note, err);
	struct rule_query q = {.userid = r->user,
	                       .userid_len = strlen(r->user),
	                       .src_is_ipv4 = 1,
	                       .src = r->src,
	                       .dst = r->dst,
	                       .port = (uint16_t)r->port};
	const struct rule *m = rules_match(rs, &q);
	ck_assert_msg((m == NULL ? 0 : m->line) == r->line, "%s: matched line %d, want %d", r->note,
	              m == NULL ? 0 : m->line, r->line);
	ck_assert_int_eq(m != NULL && m->action == RULE_PERMIT, r->permit);
	rules_free(rs);
}
END_TEST

START_TEST(ipv6_clients)
{
	char err[256];
	struct rules *rs = parse("permit 127.0.0.0 255.0.0.0\npermit *=v6 0.0.0.0 0.0.0.0\n", err,
	                         sizeof(err));
	struct rule_query q = {.userid = "v6", .userid_len = 2, .src_is_ipv4 = 0, .dst = LO};
	const struct rule *m = rules_match(rs, &q);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->line, 2); /* only a src mask of 0.0.0.0 takes IPv6 */
	q.userid = "x";
	q.userid_len = 1;
	ck_assert_ptr_null(rules_match(rs, &q));
	rules_free(rs);
}
END_TEST

START_TEST(users_with_odd_bytes)
{
	char err[256];
	struct rules *rs = parse("permit *=bob 0.0.0.0 0.0.0.0\n", err, sizeof(err));
	/* USERID "bob\xff" and "bo" must not match "bob" */
	struct rule_query q = {.userid = "bob\xff", .userid_len = 4, .src_is_ipv4 = 1};
	ck_assert_ptr_null(rules_match(rs, &q));
	q.userid_len = 3;
	ck_assert_ptr_nonnull(rules_match(rs, &q));
	rules_free(rs);
}
END_TEST

Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("parse");
	tcase_add_loop_test(tc, parse_rows_test, 0,
	                    (int)(sizeof(parse_rows) / sizeof(parse_rows[0])));
	tcase_add_test(tc, parse_fields);
	tcase_add_test(tc, parse_limits);
	tcase_add_test(tc, user_files);
	tcase_add_test(tc, load_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("match");
	tcase_add_loop_test(tc, match_rows_test, 0,
	                    (int)(sizeof(match_rows) / sizeof(match_rows[0])));
	tcase_add_test(tc, ipv6_clients);
	tcase_add_test(tc, users_with_odd_bytes);
	suite_add_tcase(s, tc);
	return s;
}
