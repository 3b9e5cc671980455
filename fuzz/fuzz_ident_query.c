/* SPDX-License-Identifier: MIT */
/* fuzz_ident_query.c - ident_parse_query and ident_write_query.
 *
 * Input: the bytes an identd received, as they are (so the seeds are plain
 * query lines); the last byte chooses the split point of the prefix check.
 * Properties: the streaming contract (common.h); a result is a line length
 * within IDENT_LINE_MAX ending in LF, or a documented code; ports are in
 * 1..65535; the writer's line for an accepted query parses to the same ports. */
#include <string.h>

#include "common.h"
#include "ident.h"

static int parse(const uint8_t *buf, size_t len, void *out)
{
	return ident_parse_query(buf, len, out);
}

static int same(const void *a, const uint8_t *abuf, const void *b, const uint8_t *bbuf)
{
	const struct ident_query *x = a, *y = b;
	(void)abuf;
	(void)bbuf;
	return x->port_on_server == y->port_on_server && x->port_on_client == y->port_on_client;
}

static const struct fuzz_parser parser = {sizeof(struct ident_query), IDENT_INCOMPLETE, parse,
                                          same};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = fuzz_dup(data, size);
	struct ident_query q;
	int rc = fuzz_stream(&parser, msg, size, size > 0 ? data[size - 1] : 0, &q);

	FUZZ_CHECK(rc == IDENT_INCOMPLETE || rc == IDENT_ELONG || rc == IDENT_ESYNTAX ||
	                   rc == IDENT_EPORT || (rc > 0 && rc <= IDENT_LINE_MAX),
	           "result %d", rc);
	if (rc > 0) {
		FUZZ_CHECK(msg[rc - 1] == '\n', "the line does not end in LF");
		FUZZ_CHECK(q.port_on_server != 0 && q.port_on_client != 0, "port 0 accepted");

		int need = ident_write_query(NULL, 0, &q);
		FUZZ_CHECK(need > 0 && need <= IDENT_LINE_MAX, "writer gave %d", need);
		char *out = malloc((size_t)need);
		if (out == NULL)
			abort();
		memset(out, 0xAA, (size_t)need);
		FUZZ_CHECK(ident_write_query(out, (size_t)need - 1, &q) == need &&
		                   fuzz_all((uint8_t *)out, (size_t)need, 0xAA),
		           "writer wrote into a buffer too small");
		FUZZ_CHECK(ident_write_query(out, (size_t)need, &q) == need, "writer refused");
		struct ident_query again;
		FUZZ_CHECK(ident_parse_query((uint8_t *)out, (size_t)need, &again) == need &&
		                   same(&again, NULL, &q, NULL),
		           "the written query '%.*s' parses differently", need, out);
		free(out);
	}
	free(msg);
	return 0;
}
