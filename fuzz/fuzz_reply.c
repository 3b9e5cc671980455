/* SPDX-License-Identifier: MIT */
/* fuzz_reply.c - s4_parse_reply and s4_write_reply.
 *
 * Input: one mode byte that chooses the split point of the prefix check,
 * then the bytes a server sent. Properties: the streaming contract
 * (common.h); a result is S4_REPLY_LEN or a documented code; every accepted
 * reply is written back to exactly the bytes it consumed. */
#include <string.h>

#include "common.h"
#include "socks4.h"

static int parse(const uint8_t *buf, size_t len, void *out)
{
	return s4_parse_reply(buf, len, out);
}

static int same(const void *a, const uint8_t *abuf, const void *b, const uint8_t *bbuf)
{
	const struct s4_reply *x = a, *y = b;
	(void)abuf;
	(void)bbuf;
	return x->vn == y->vn && x->cd == y->cd && x->dstport == y->dstport && x->dstip == y->dstip;
}

static const struct fuzz_parser parser = {sizeof(struct s4_reply), S4_INCOMPLETE, parse, same};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t len = size - 1;
	uint8_t *msg = fuzz_dup(data + 1, len);
	struct s4_reply rep;
	int rc = fuzz_stream(&parser, msg, len, data[0], &rep);

	FUZZ_CHECK(rc == S4_INCOMPLETE || rc == S4_EVERSION || rc == S4_REPLY_LEN, "result %d", rc);
	FUZZ_CHECK(len == 0 || rep.vn == msg[0], "vn %u, byte 0 is %u", rep.vn, msg[0]);
	if (rc > 0) {
		uint8_t *out = malloc(S4_REPLY_LEN);
		if (out == NULL)
			abort();
		memset(out, 0xAA, S4_REPLY_LEN);
		FUZZ_CHECK(s4_write_reply(out, S4_REPLY_LEN - 1, &rep) == S4_REPLY_LEN &&
		                   fuzz_all(out, S4_REPLY_LEN, 0xAA),
		           "writer wrote into a buffer too small");
		FUZZ_CHECK(s4_write_reply(out, S4_REPLY_LEN, &rep) == S4_REPLY_LEN,
		           "writer refused");
		FUZZ_CHECK(memcmp(out, msg, S4_REPLY_LEN) == 0, "written bytes differ from input");
		struct s4_reply again;
		FUZZ_CHECK(s4_parse_reply(out, S4_REPLY_LEN, &again) == S4_REPLY_LEN &&
		                   same(&again, out, &rep, msg),
		           "the written reply parses differently");
		free(out);
	}
	free(msg);
	return 0;
}
