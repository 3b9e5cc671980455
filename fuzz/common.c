/* SPDX-License-Identifier: MIT */
/* common.c - the checks every parser target shares. See common.h. */
#include "common.h"

#include <string.h>

uint8_t *fuzz_dup(const uint8_t *data, size_t n)
{
	uint8_t *p = malloc(n);
	if (p == NULL && n > 0)
		abort();
	if (n > 0)
		memcpy(p, data, n);
	return p;
}

int fuzz_within(const void *p, size_t n, const uint8_t *buf, size_t len)
{
	if (p == NULL)
		return n == 0;
	const uint8_t *q = p;
	return q >= buf && q <= buf + len && n <= (size_t)(buf + len - q);
}

int fuzz_same_span(const char *a, size_t alen, const uint8_t *abuf, const char *b, size_t blen,
                   const uint8_t *bbuf)
{
	if (a == NULL || b == NULL)
		return a == b && alen == blen;
	return alen == blen && (const uint8_t *)a - abuf == (const uint8_t *)b - bbuf &&
	       memcmp(a, b, alen) == 0;
}

int fuzz_all(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/* Parses msg[0..k) laid out at the end of block[0..cap). */
static int parse_prefix(const struct fuzz_parser *p, uint8_t *block, size_t cap, const uint8_t *msg,
                        size_t k, void *out, const uint8_t **at)
{
	*at = block + cap - k;
	if (k > 0)
		memmove(block + cap - k, msg, k);
	return p->parse(*at, k, out);
}

int fuzz_stream(const struct fuzz_parser *p, const uint8_t *msg, size_t len, unsigned sel,
                void *whole)
{
	int rc = p->parse(msg, len, whole);
	FUZZ_CHECK(rc < 0 || (size_t)rc <= len, "consumed %d of %zu bytes", rc, len);

	uint8_t *block = malloc(len);
	void *out = malloc(p->out_size);
	if ((block == NULL && len > 0) || out == NULL)
		abort();
	const uint8_t *at;

	/* One byte at a time, from offset 0 after each, until decided. */
	size_t k = 0;
	int got = p->incomplete;
	while (got == p->incomplete && k < len)
		got = parse_prefix(p, block, len, msg, ++k, out, &at);
	FUZZ_CHECK(got == rc, "byte by byte gave %d at %zu bytes, the whole %zu bytes %d", got, k,
	           len, rc);
	FUZZ_CHECK(k == 0 || p->same(out, at, whole, msg), "byte by byte: fields differ");
	FUZZ_CHECK(rc < 0 || (size_t)rc == k, "decided at %zu bytes but consumed %d", k, rc);

	/* A longer prefix, chosen by sel: the same result. */
	if (k < len) {
		size_t split = k + 1 + sel % (len - k);
		got = parse_prefix(p, block, len, msg, split, out, &at);
		FUZZ_CHECK(got == rc, "prefix of %zu bytes gave %d, decided at %zu as %d", split,
		           got, k, rc);
		FUZZ_CHECK(p->same(out, at, whole, msg), "prefix of %zu bytes: fields differ",
		           split);
	}
	free(out);
	free(block);
	return rc;
}
