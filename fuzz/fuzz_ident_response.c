/* SPDX-License-Identifier: MIT */
/* fuzz_ident_response.c - ident_parse_response and ident_write_response.
 *
 * Input: the bytes an identd sent, as they are (so the seeds are plain
 * response lines); the last byte chooses the split point of the prefix check.
 * Properties: the streaming contract (common.h); a result is a line length
 * within IDENT_LINE_MAX ending in LF, or a documented code; an accepted line
 * has ports in 1..65535, the fields of its type only, tokens as ident.h
 * defines them and no NUL, CR or LF in any field. The writer normalises
 * spacing, so its line may be a few octets longer: it must accept every
 * parsed response whose canonical line fits, and that line must parse to the
 * same fields and be written again to the same bytes. */
#include <string.h>

#include "common.h"
#include "ident.h"

/* What the canonical line can add to the shortest spelling of the same
 * response: blanks around ',' and the three ':' (8), and CR before LF (1). */
#define CANONICAL_SLACK 9

static int parse(const uint8_t *buf, size_t len, void *out)
{
	return ident_parse_response(buf, len, out);
}

static int same(const void *a, const uint8_t *abuf, const void *b, const uint8_t *bbuf)
{
	const struct ident_response *x = a, *y = b;
	return x->port_on_server == y->port_on_server && x->port_on_client == y->port_on_client &&
	       x->type == y->type &&
	       fuzz_same_span(x->opsys, x->opsys_len, abuf, y->opsys, y->opsys_len, bbuf) &&
	       fuzz_same_span(x->charset, x->charset_len, abuf, y->charset, y->charset_len, bbuf) &&
	       fuzz_same_span(x->userid, x->userid_len, abuf, y->userid, y->userid_len, bbuf) &&
	       fuzz_same_span(x->error, x->error_len, abuf, y->error, y->error_len, bbuf);
}

static const struct fuzz_parser parser = {sizeof(struct ident_response), IDENT_INCOMPLETE, parse,
                                          same};

/* A field as ident.h promises it: inside the line, no NUL, CR or LF. */
static int field_ok(const char *p, size_t n, const uint8_t *line, size_t len)
{
	return fuzz_within(p, n, line, len) &&
	       (n == 0 || (memchr(p, '\0', n) == NULL && memchr(p, '\r', n) == NULL &&
	                   memchr(p, '\n', n) == NULL));
}

/* "1*64 token characters": no blank, ':' or ','. */
static int token_ok(const char *p, size_t n)
{
	if (p == NULL || n < 1 || n > IDENT_TOKEN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (memchr(" \t:,", p[i], 4) != NULL)
			return 0;
	return 1;
}

static int same_text(const char *a, size_t alen, const char *b, size_t blen)
{
	if (a == NULL || b == NULL)
		return a == b;
	return alen == blen && memcmp(a, b, alen) == 0;
}

static int same_fields(const struct ident_response *x, const struct ident_response *y)
{
	return x->port_on_server == y->port_on_server && x->port_on_client == y->port_on_client &&
	       x->type == y->type && same_text(x->opsys, x->opsys_len, y->opsys, y->opsys_len) &&
	       same_text(x->charset, x->charset_len, y->charset, y->charset_len) &&
	       same_text(x->userid, x->userid_len, y->userid, y->userid_len) &&
	       same_text(x->error, x->error_len, y->error, y->error_len);
}

static void check_fields(const struct ident_response *r, const uint8_t *line, size_t len)
{
	FUZZ_CHECK(r->port_on_server != 0 && r->port_on_client != 0, "port 0 accepted");
	FUZZ_CHECK(field_ok(r->opsys, r->opsys_len, line, len) &&
	                   field_ok(r->charset, r->charset_len, line, len) &&
	                   field_ok(r->userid, r->userid_len, line, len) &&
	                   field_ok(r->error, r->error_len, line, len),
	           "a field holds NUL/CR/LF or lies outside the line");
	if (r->type == IDENT_USERID) {
		FUZZ_CHECK(token_ok(r->opsys, r->opsys_len), "opsys '%.*s'", (int)r->opsys_len,
		           r->opsys);
		FUZZ_CHECK(r->charset == NULL || token_ok(r->charset, r->charset_len),
		           "charset '%.*s'", (int)r->charset_len, r->charset);
		FUZZ_CHECK(r->userid != NULL && r->userid_len > 0 && r->userid[0] != ' ' &&
		                   r->userid[0] != '\t' && r->userid[r->userid_len - 1] != ' ' &&
		                   r->userid[r->userid_len - 1] != '\t',
		           "user-id '%.*s'", (int)r->userid_len, r->userid);
		FUZZ_CHECK(r->error == NULL, "USERID response with an error-type");
	} else {
		FUZZ_CHECK(r->type == IDENT_ERROR, "type %d", r->type);
		FUZZ_CHECK(token_ok(r->error, r->error_len), "error-type '%.*s'", (int)r->error_len,
		           r->error);
		FUZZ_CHECK(r->opsys == NULL && r->charset == NULL && r->userid == NULL,
		           "ERROR response with USERID fields");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = fuzz_dup(data, size);
	struct ident_response r;
	int rc = fuzz_stream(&parser, msg, size, size > 0 ? data[size - 1] : 0, &r);

	FUZZ_CHECK(rc == IDENT_INCOMPLETE || rc == IDENT_ELONG || rc == IDENT_ESYNTAX ||
	                   rc == IDENT_EPORT || rc == IDENT_ETYPE ||
	                   (rc > 0 && rc <= IDENT_LINE_MAX),
	           "result %d", rc);
	if (rc <= 0) {
		free(msg);
		return 0;
	}
	FUZZ_CHECK(msg[rc - 1] == '\n', "the line does not end in LF");
	check_fields(&r, msg, (size_t)rc);

	int need = ident_write_response(NULL, 0, &r);
	if (need == IDENT_EINVAL) {
		FUZZ_CHECK(rc + CANONICAL_SLACK > IDENT_LINE_MAX,
		           "writer refused a parsed response of %d octets", rc);
		free(msg);
		return 0;
	}
	FUZZ_CHECK(need > 0 && need <= IDENT_LINE_MAX && need <= rc + CANONICAL_SLACK,
	           "writer needs %d octets for a line of %d", need, rc);
	char *out = malloc((size_t)need);
	if (out == NULL)
		abort();
	memset(out, 0xAA, (size_t)need);
	FUZZ_CHECK(ident_write_response(out, (size_t)need - 1, &r) == need &&
	                   fuzz_all((uint8_t *)out, (size_t)need, 0xAA),
	           "writer wrote into a buffer too small");
	FUZZ_CHECK(ident_write_response(out, (size_t)need, &r) == need, "writer refused");

	/* parse(write(x)) == x, field by field, and write(parse(write(x))) == write(x) */
	struct ident_response again;
	FUZZ_CHECK(ident_parse_response((uint8_t *)out, (size_t)need, &again) == need &&
	                   same_fields(&again, &r),
	           "the written line '%.*s' parses differently", need, out);
	char *out2 = malloc((size_t)need);
	if (out2 == NULL)
		abort();
	FUZZ_CHECK(ident_write_response(out2, (size_t)need, &again) == need &&
	                   memcmp(out, out2, (size_t)need) == 0,
	           "the canonical line is not stable");
	free(out2);
	free(out);
	free(msg);
	return 0;
}
