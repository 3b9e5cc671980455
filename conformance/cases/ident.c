/* SPDX-License-Identifier: MIT */
/* cases/ident.c - replies 92 and 93: a target that consults identd (RFC 1413)
 * asks the runner's scripted identd, which answers each case's connection as
 * the case says. The built-in target checks users "ident-strict" and
 * "ident-lenient" in those modes; another target declares its mode with
 * --identd. */
#include <stdio.h>
#include <string.h>

#include "core/suite.h"

static const int only_90[] = {S4_REP_GRANTED};
static const int only_92[] = {S4_REP_NO_IDENTD};
static const int only_93[] = {S4_REP_IDENT_MISMATCH};

/* A case judges only what its own identd answered. When no query about fd
 * reached the scripted identd, the target acted on some other identd's answer
 * (one on the client's host, or at another address), or asked none at all:
 * ident/query-format names that defect; the other cases cannot judge. */
static enum verdict from_own_identd(struct ctx *c, int fd, enum verdict v)
{
	if (v != V_FAIL || ident_query_line(c, fd, 0) != NULL)
		return v;
	char was[160];
	snprintf(was, sizeof(was), "%s", c_actual(c));
	note(c, "no identd query about this connection reached the runner's identd");
	return skip(c, "the target's reply (%s) was not decided by the runner's identd: no "
	               "query about this connection reached it (see ident/query-format)",
	            was);
}

static enum verdict ident_code(struct ctx *c, int fd, const int *codes, int then_close)
{
	if (fd < 0)
		return V_FAIL;
	enum verdict v = then_close ? expect_code_close(c, fd, codes, 1)
	                            : expect_code(c, fd, codes, 1);
	return from_own_identd(c, fd, v);
}

/* S4-IDENT-5 (DER): the query is "<client's source port> , <SOCKS server's
 * port>" (RFC 1413: the port on the identd host first). Swapped ports are a
 * classic bug. */
static enum verdict query_format(struct ctx *c)
{
	int fd = t_ident_request(c, 0, IDENT_ANS_USERID, ident_user(c, 0));
	if (fd < 0)
		return V_FAIL;
	char want[64];
	snprintf(want, sizeof(want), "%u , %u", local_port(fd), target_port(c));
	expect(c, "a query naming %s (any blanks), CRLF", want);
	const char *line = ident_query_line(c, fd, case_timeout_ms(c));
	if (line == NULL)
		return fail(c, "no identd query about this connection");
	unsigned a = 0, b = 0;
	if (sscanf(line, " %u , %u", &a, &b) != 2)
		return fail(c, "the query was not two ports: \"%.40s\"", line);
	if (a == target_port(c) && b == local_port(fd))
		return fail(c, "the ports are swapped: \"%u , %u\"", a, b);
	if (a != local_port(fd) || b != target_port(c))
		return fail(c, "the query names %u , %u", a, b);
	size_t n = strlen(line);
	if (n < 2 || line[n - 2] != '\r' || line[n - 1] != '\n')
		return fail(c, "the query does not end in CRLF");
	return pass(c, "%u , %u CRLF", a, b);
}

/* S4-IDENT-3: identd names the same user as USERID: granted. */
static enum verdict same_user(struct ctx *c)
{
	int fd = t_ident_request(c, 0, IDENT_ANS_USERID, ident_user(c, 0));
	return ident_code(c, fd, only_90, 0);
}

/* S4-IDENT-3, S4-REPLY-7: "93: request rejected because the client program
 * and identd report different user-ids" - in both modes. */
static enum verdict mismatch(struct ctx *c)
{
	int fd = t_ident_request(c, 0, IDENT_ANS_USERID, "somebody-else");
	return ident_code(c, fd, only_93, 0);
}

/* S4-CONNECT-5: closed at once after the 93. */
static enum verdict mismatch_close(struct ctx *c)
{
	int fd = t_ident_request(c, 1, IDENT_ANS_USERID, "somebody-else");
	return ident_code(c, fd, only_93, 1);
}

/* S4-IDENT-6 (DER): the compare is exact: another case is another user. */
static enum verdict case_sensitive(struct ctx *c)
{
	char upper[64];
	snprintf(upper, sizeof(upper), "%s", ident_user(c, 0));
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	int fd = t_ident_request(c, 0, IDENT_ANS_USERID, upper);
	return ident_code(c, fd, only_93, 0);
}

/* RFC 1413, Notes on Syntax 1: clients "should accept white space anywhere
 * except within a token", but "everything after the colon after the operating
 * system type until the terminating CR/LF is taken as part of the user ID".
 * So the blanks go around the tokens only, and the user-id starts right after
 * its colon: "  USERID  :  UNIX , US-ASCII  :bob" names bob in every reading. */
static enum verdict blanks(struct ctx *c)
{
	char raw[128];
	/* The strict user: a target that misreads the answer must not be let
	 * off by lenient mode. */
	snprintf(raw, sizeof(raw), "  USERID  :  UNIX , US-ASCII  :%s", ident_user(c, 1));
	int fd = t_ident_request(c, 1, IDENT_ANS_RAW, raw);
	return ident_code(c, fd, only_90, 0);
}

/* S4-IDENT-2, S4-IDENT-6: strict mode, identd answers ERROR: 92. */
static enum verdict error_strict(struct ctx *c)
{
	int fd = t_ident_request(c, 1, IDENT_ANS_ERROR, "NO-USER");
	return ident_code(c, fd, only_92, 0);
}

/* S4-IDENT-6: "a premature close ... same meaning as ERROR : UNKNOWN-ERROR". */
static enum verdict closed_strict(struct ctx *c)
{
	int fd = t_ident_request(c, 1, IDENT_ANS_CLOSE, NULL);
	return ident_code(c, fd, only_92, 0);
}

/* S4-IDENT-7 (DER): identd never answers: the server gives up at its own
 * bound with 92 (strict) rather than hang with the client. */
static enum verdict hang_strict(struct ctx *c)
{
	int fd = t_ident_request(c, 1, IDENT_ANS_HANG, NULL);
	if (fd < 0)
		return V_FAIL;
	struct got g;
	char what[128];
	expect(c, "92 within %d ms", stall_wait_ms(c));
	t_read_reply(c, fd, stall_wait_ms(c), &g);
	if (g.kind == GOT_REPLY && g.rep.cd == S4_REP_NO_IDENTD)
		return pass(c, "92 after %lld ms", (long long)g.at_ms);
	return from_own_identd(c, fd, fail(c, "%s", got_str(&g, what, sizeof(what))));
}

/* S4-IDENT-4 (DER): lenient mode: identd cannot tell, the request goes on. */
static enum verdict error_lenient(struct ctx *c)
{
	int fd = t_ident_request(c, 0, IDENT_ANS_ERROR, "HIDDEN-USER");
	return ident_code(c, fd, only_90, 0);
}

/* S4-IDENT-4: ... and a different user is still 93 in lenient mode. */
static enum verdict mismatch_lenient(struct ctx *c)
{
	int fd = t_ident_request(c, 0, IDENT_ANS_USERID, "somebody-else");
	return ident_code(c, fd, only_93, 0);
}

static const struct s4case cases[] = {
        {"ident/query-format", "S4-IDENT-5", LEVEL_MUST,
         "the identd query names the client's port, then the server's", NULL, NEED_IDENTD, 0,
         query_format},
        {"ident/match", "S4-IDENT-3", LEVEL_MUST, "identd confirms USERID: granted", "90",
         NEED_IDENTD | NEED_GRANT, 0, same_user},
        {"ident/mismatch", "S4-IDENT-3 S4-REPLY-7", LEVEL_MUST, "identd names another user: 93",
         "93 (VN=0, 8 bytes)", NEED_IDENTD, 0, mismatch},
        {"ident/mismatch/close", "S4-CONNECT-5 S4-REPLY-7", LEVEL_MUST,
         "after a 93 the target closes", "93, then close", NEED_IDENTD | NEED_IDENTD_STRICT, 0,
         mismatch_close},
        {"ident/case-sensitive", "S4-IDENT-6", LEVEL_SHOULD,
         "the same name in capitals is another user: 93", "93", NEED_IDENTD, 0, case_sensitive},
        {"ident/blanks", "S4-IDENT-6", LEVEL_SHOULD,
         "blanks around identd's tokens are not part of the user-id", "90", NEED_IDENTD, 0, blanks},
        {"ident/error/strict", "S4-IDENT-2 S4-REPLY-6", LEVEL_MUST,
         "strict mode: identd answers ERROR: 92", "92 (VN=0, 8 bytes)",
         NEED_IDENTD | NEED_IDENTD_STRICT, 0, error_strict},
        {"ident/closed/strict", "S4-IDENT-2 S4-IDENT-6", LEVEL_MUST,
         "strict mode: identd closes without answering: 92", "92", NEED_IDENTD | NEED_IDENTD_STRICT,
         0, closed_strict},
        {"ident/hang/strict", "S4-IDENT-7 S4-IDENT-2", LEVEL_SHOULD,
         "strict mode: identd never answers: 92 at the target's own bound", NULL,
         NEED_IDENTD | NEED_IDENTD_STRICT, F_SLOW, hang_strict},
        {"ident/error/lenient", "S4-IDENT-4", LEVEL_MUST,
         "lenient mode: identd answers ERROR: granted", "90", NEED_IDENTD | NEED_IDENTD_LENIENT | NEED_GRANT, 0,
         error_lenient},
        {"ident/mismatch/lenient", "S4-IDENT-4 S4-IDENT-3", LEVEL_MUST,
         "lenient mode: identd names another user: 93", "93", NEED_IDENTD | NEED_IDENTD_LENIENT, 0,
         mismatch_lenient},
};

const struct case_table cases_ident = {cases, sizeof(cases) / sizeof(cases[0])};
