/* SPDX-License-Identifier: MIT */
/* fuzz_request.c - s4_parse_request, s4_parse_header and s4_write_request.
 *
 * Input: one mode byte, then the bytes a client sent. Mode bit 0 selects
 * S4_PARSE_NO_4A; bits 1-7 choose the split point of the prefix check.
 * Properties: the streaming contract (common.h); a result is a length within
 * S4_REQUEST_MAX or a documented code; and every accepted request is written
 * back to exactly the bytes it consumed, which parse to the same request;
 * s4_parse_header reads any 8 octets, and the same fields the request has. */
#include <string.h>

#include "common.h"
#include "socks4.h"

static unsigned flags;

static int parse(const uint8_t *buf, size_t len, void *out)
{
	return s4_parse_request(buf, len, flags, out);
}

static int same(const void *a, const uint8_t *abuf, const void *b, const uint8_t *bbuf)
{
	const struct s4_request *x = a, *y = b;
	return x->vn == y->vn && x->cd == y->cd && x->dstport == y->dstport &&
	       x->dstip == y->dstip &&
	       fuzz_same_span(x->userid, x->userid_len, abuf, y->userid, y->userid_len, bbuf) &&
	       fuzz_same_span(x->host, x->host_len, abuf, y->host, y->host_len, bbuf);
}

static const struct fuzz_parser parser = {sizeof(struct s4_request), S4_INCOMPLETE, parse, same};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	flags = data[0] & S4_PARSE_NO_4A;
	size_t len = size - 1;
	uint8_t *msg = fuzz_dup(data + 1, len);
	struct s4_request req;
	int rc = fuzz_stream(&parser, msg, len, data[0] >> 1, &req);

	FUZZ_CHECK(rc == S4_INCOMPLETE || rc == S4_EVERSION || rc == S4_EUSERID_LONG ||
	                   rc == S4_EHOST_LONG || rc == S4_EHOST_EMPTY ||
	                   (rc > S4_HEADER_LEN && rc <= S4_REQUEST_MAX),
	           "result %d", rc);
	FUZZ_CHECK(len == 0 || req.vn == msg[0], "vn %u, byte 0 is %u", req.vn, msg[0]);
	/* s4_parse_header: the same four fields, whatever the request's verdict */
	struct s4_request head;
	int hrc = s4_parse_header(msg, len, &head);
	FUZZ_CHECK(hrc == (len < S4_HEADER_LEN ? S4_INCOMPLETE : S4_HEADER_LEN), "header %d", hrc);
	FUZZ_CHECK(hrc < 0 || head.vn == msg[0], "header vn %u, byte 0 is %u", head.vn, msg[0]);
	if (rc > 0) {
		FUZZ_CHECK(head.cd == req.cd && head.dstport == req.dstport &&
		                   head.dstip == req.dstip,
		           "the header alone reads other fields than the request");
		FUZZ_CHECK(fuzz_within(req.userid, req.userid_len, msg, (size_t)rc) &&
		                   fuzz_within(req.host, req.host_len, msg, (size_t)rc),
		           "a field points outside the request");
		FUZZ_CHECK((req.host != NULL) == (s4_is_4a(req.dstip) && !(flags & S4_PARSE_NO_4A)),
		           "hostname present: %d, dstip %08x", req.host != NULL, req.dstip);

		/* write(parse(x)) == x, in a block of exactly the needed size */
		int need = s4_write_request(NULL, 0, &req);
		FUZZ_CHECK(need == rc, "writer needs %d bytes, parser consumed %d", need, rc);
		uint8_t *out = malloc((size_t)need);
		if (out == NULL)
			abort();
		memset(out, 0xAA, (size_t)need);
		FUZZ_CHECK(s4_write_request(out, (size_t)need - 1, &req) == need &&
		                   fuzz_all(out, (size_t)need, 0xAA),
		           "writer wrote into a buffer too small");
		FUZZ_CHECK(s4_write_request(out, (size_t)need, &req) == need, "writer refused");
		FUZZ_CHECK(memcmp(out, msg, (size_t)need) == 0, "written bytes differ from input");

		/* parse(write(x)) == x */
		struct s4_request again;
		FUZZ_CHECK(s4_parse_request(out, (size_t)need, flags, &again) == need &&
		                   same(&again, out, &req, msg),
		           "the written request parses differently");
		free(out);
	}
	free(msg);
	return 0;
}
