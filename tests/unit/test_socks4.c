/* SPDX-License-Identifier: MIT */
/* test_socks4.c - the request and reply parsers and writers, table-driven.
 *
 * Each row describes a message by its parts; build() lays them out on the
 * wire by hand (independently of the writer under test). Every row is
 * parsed whole, at every prefix, and byte by byte; every valid row is written
 * back and must give the same bytes. Inputs sit right before a PROT_NONE page
 * (guard.h), so an over-read crashes. */
#include <check.h>
#include <string.h>

#include "guard.h"
#include "socks4.h"
#include "suites.h"

#define NONE (-1) /* no such part */
#define OK 1      /* the row must parse; consumed = everything but the trailer */

struct req_row {
	const char *note;
	int vn, cd;
	unsigned port;
	uint32_t ip;
	int ulen;           /* USERID length, filled with `ufill` (or `userid` when set) */
	char ufill;
	const char *userid; /* literal USERID, overrides ulen/ufill */
	int unul;           /* 1: NUL after USERID */
	int hlen;           /* hostname length filled with 'h', NONE: no hostname */
	const char *host;   /* literal hostname, overrides hlen */
	int hnul;           /* 1: NUL after hostname */
	const char *trailer;
	unsigned flags;
	int want;           /* OK or an S4_* result */
};

/* Lays a row out on the wire. Returns the length; *trailer_len gets the
 * payload length at the end. */
static size_t build(const struct req_row *r, uint8_t *out, size_t *trailer_len)
{
	size_t n = 0;
	out[n++] = (uint8_t)r->vn;
	out[n++] = (uint8_t)r->cd;
	out[n++] = (uint8_t)(r->port >> 8);
	out[n++] = (uint8_t)r->port;
	out[n++] = (uint8_t)(r->ip >> 24);
	out[n++] = (uint8_t)(r->ip >> 16);
	out[n++] = (uint8_t)(r->ip >> 8);
	out[n++] = (uint8_t)r->ip;
	if (r->userid != NULL) {
		memcpy(out + n, r->userid, strlen(r->userid));
		n += strlen(r->userid);
	} else {
		memset(out + n, r->ufill, (size_t)r->ulen);
		n += (size_t)r->ulen;
	}
	if (r->unul)
		out[n++] = 0;
	if (r->host != NULL) {
		memcpy(out + n, r->host, strlen(r->host));
		n += strlen(r->host);
	} else if (r->hlen != NONE) {
		memset(out + n, 'h', (size_t)r->hlen);
		n += (size_t)r->hlen;
	}
	if (r->hnul)
		out[n++] = 0;
	*trailer_len = r->trailer != NULL ? strlen(r->trailer) : 0;
	if (*trailer_len > 0)
		memcpy(out + n, r->trailer, *trailer_len);
	return n + *trailer_len;
}

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((c) << 8) | (d))
#define LOOP IP(127, 0, 0, 1)

static const struct req_row req_rows[] = {
	/* note                          vn cd port   ip                 ulen fill userid  unul hlen  host   hnul trailer flags want */
	{"CONNECT, USERID bob",           4, 1, 80,    LOOP,               0, 0, "bob",      1, NONE, NULL,  0, NULL, 0, OK},
	{"BIND",                          4, 2, 21,    IP(10, 1, 2, 3),     0, 0, "alice",    1, NONE, NULL,  0, NULL, 0, OK},
	{"CD 0 reported as read",         4, 0, 80,    LOOP,               0, 0, "",         1, NONE, NULL,  0, NULL, 0, OK},
	{"CD 3 reported as read",         4, 3, 80,    LOOP,               0, 0, "",         1, NONE, NULL,  0, NULL, 0, OK},
	{"CD 255 reported as read",       4, 255, 80,  LOOP,               0, 0, "",         1, NONE, NULL,  0, NULL, 0, OK},
	{"DSTPORT 0",                     4, 1, 0,     LOOP,               0, 0, "u",        1, NONE, NULL,  0, NULL, 0, OK},
	{"DSTPORT 1",                     4, 1, 1,     LOOP,               0, 0, "u",        1, NONE, NULL,  0, NULL, 0, OK},
	{"DSTPORT 65535",                 4, 1, 65535, LOOP,               0, 0, "u",        1, NONE, NULL,  0, NULL, 0, OK},
	{"DSTPORT 0x1234 big-endian",     4, 1, 0x1234, IP(1, 2, 3, 4),    0, 0, "u",        1, NONE, NULL,  0, NULL, 0, OK},
	{"DSTIP 255.255.255.255",         4, 1, 80,    IP(255, 255, 255, 255), 0, 0, "",     1, NONE, NULL,  0, NULL, 0, OK},
	{"DSTIP 0.0.0.0 is not 4a: the bytes after USERID stay unread",
	                                  4, 1, 80,    0,                  0, 0, "u",        1, NONE, NULL,  0, "host\0", 0, OK},
	{"DSTIP 0.0.0.1, 4a hostname",    4, 1, 80,    1,                  0, 0, "u",        1, NONE, "example.com", 1, NULL, 0, OK},
	{"DSTIP 0.0.0.255, 4a hostname",  4, 1, 443,   255,                0, 0, "",         1, NONE, "a",   1, NULL, 0, OK},
	{"4a BIND",                       4, 2, 21,    7,                  0, 0, "u",        1, NONE, "ftp.example", 1, NULL, 0, OK},
	{"4a hostname that is an IP literal", 4, 1, 80, 1,                 0, 0, "u",        1, NONE, "127.0.0.1", 1, NULL, 0, OK},
	{"USERID empty (9-byte request)", 4, 1, 80,    LOOP,               0, 0, "",         1, NONE, NULL,  0, NULL, 0, OK},
	{"USERID 1 byte",                 4, 1, 80,    LOOP,               1, 'x', NULL,     1, NONE, NULL,  0, NULL, 0, OK},
	{"USERID at the limit (255)",     4, 1, 80,    LOOP,             255, 'x', NULL,     1, NONE, NULL,  0, NULL, 0, OK},
	{"USERID one over the limit (256) with its NUL", 4, 1, 80, LOOP, 256, 'x', NULL,     1, NONE, NULL,  0, NULL, 0, S4_EUSERID_LONG},
	{"USERID 4096 bytes",             4, 1, 80,    LOOP,            4096, 'x', NULL,     1, NONE, NULL,  0, NULL, 0, S4_EUSERID_LONG},
	{"USERID bytes >= 0x80",          4, 1, 80,    LOOP,               0, 0, "\x80\xff\xc3\xa9", 1, NONE, NULL, 0, NULL, 0, OK},
	{"USERID missing NUL, short: incomplete", 4, 1, 80, LOOP,         10, 'x', NULL,     0, NONE, NULL,  0, NULL, 0, S4_INCOMPLETE},
	{"USERID missing NUL at the limit: incomplete", 4, 1, 80, LOOP,  255, 'x', NULL,     0, NONE, NULL,  0, NULL, 0, S4_INCOMPLETE},
	{"USERID missing NUL past the limit: error", 4, 1, 80, LOOP,     256, 'x', NULL,     0, NONE, NULL,  0, NULL, 0, S4_EUSERID_LONG},
	{"4a hostname empty",             4, 1, 80,    1,                  0, 0, "u",        1, 0,    NULL,  1, NULL, 0, S4_EHOST_EMPTY},
	{"4a hostname at the limit (255)", 4, 1, 80,   1,                  0, 0, "u",        1, 255,  NULL,  1, NULL, 0, OK},
	{"4a hostname over the limit (256)", 4, 1, 80, 1,                  0, 0, "u",        1, 256,  NULL,  1, NULL, 0, S4_EHOST_LONG},
	{"4a hostname 1024 bytes",        4, 1, 80,    1,                  0, 0, "u",        1, 1024, NULL,  1, NULL, 0, S4_EHOST_LONG},
	{"4a hostname missing NUL",       4, 1, 80,    1,                  0, 0, "u",        1, NONE, "example.com", 0, NULL, 0, S4_INCOMPLETE},
	{"4a marker, nothing after USERID", 4, 1, 80,  1,                  0, 0, "u",        1, NONE, NULL,  0, NULL, 0, S4_INCOMPLETE},
	{"0.0.0.1 with S4_PARSE_NO_4A is plain SOCKS4", 4, 1, 80, 1,       0, 0, "u",        1, NONE, NULL,  0, "example.com\0", S4_PARSE_NO_4A, OK},
	{"request followed by payload",   4, 1, 80,    LOOP,               0, 0, "bob",      1, NONE, NULL,  0, "GET / HTTP/1.0\r\n\r\n", 0, OK},
	{"4a request followed by payload", 4, 1, 80,   1,                  0, 0, "bob",      1, NONE, "localhost", 1, "payload", 0, OK},
	{"payload of one byte",   4, 1, 80,    LOOP,               0, 0, "",         1, NONE, NULL,  0, "\x01", 0, OK},
	{"VN 5 (SOCKS5 greeting)",        5, 1, 0,     0,                  0, 0, "",         0, NONE, NULL,  0, NULL, 0, S4_EVERSION},
	{"VN 0",                          0, 1, 80,    LOOP,               0, 0, "",         1, NONE, NULL,  0, NULL, 0, S4_EVERSION},
	{"VN 3",                          3, 1, 80,    LOOP,               0, 0, "",         1, NONE, NULL,  0, NULL, 0, S4_EVERSION},
	{"VN 255",                        255, 1, 80,  LOOP,               0, 0, "",         1, NONE, NULL,  0, NULL, 0, S4_EVERSION},
};
#define N_REQ_ROWS ((int)(sizeof(req_rows) / sizeof(req_rows[0])))

/* Room for the largest row. */
#define ROW_MAX 8192

static void check_fields(const struct req_row *r, const struct s4_request *req)
{
	ck_assert_int_eq(req->vn, r->vn);
	ck_assert_int_eq(req->cd, r->cd);
	ck_assert_uint_eq(req->dstport, r->port);
	ck_assert_uint_eq(req->dstip, r->ip);
	if (r->userid != NULL) {
		ck_assert_uint_eq(req->userid_len, strlen(r->userid));
		ck_assert(memcmp(req->userid, r->userid, req->userid_len) == 0);
	} else {
		ck_assert_uint_eq(req->userid_len, (size_t)r->ulen);
		for (size_t i = 0; i < req->userid_len; i++)
			ck_assert_int_eq(req->userid[i], r->ufill);
	}
	int is4a = s4_is_4a(r->ip) && !(r->flags & S4_PARSE_NO_4A);
	if (!is4a) {
		ck_assert_ptr_null(req->host);
		ck_assert_uint_eq(req->host_len, 0);
	} else if (r->host != NULL) {
		ck_assert_uint_eq(req->host_len, strlen(r->host));
		ck_assert(memcmp(req->host, r->host, req->host_len) == 0);
	} else {
		ck_assert_uint_eq(req->host_len, (size_t)r->hlen);
	}
}

START_TEST(request_whole)
{
	const struct req_row *r = &req_rows[_i];
	static uint8_t wire[ROW_MAX];
	size_t trailer;
	size_t len = build(r, wire, &trailer);
	const uint8_t *buf = guard_copy(wire, len);
	struct s4_request req;

	int rc = s4_parse_request(buf, len, r->flags, &req);
	if (r->want == OK) {
		ck_assert_msg(rc == (int)(len - trailer), "%s: got %d (%s), want %zu", r->note, rc,
			      s4_strerror(rc), len - trailer);
		check_fields(r, &req);
		/* Pointers point into the caller's buffer. */
		ck_assert_ptr_eq(req.userid, (const char *)buf + S4_HEADER_LEN);
	} else {
		ck_assert_msg(rc == r->want, "%s: got %d (%s), want %d (%s)", r->note, rc,
			      s4_strerror(rc), r->want, s4_strerror(r->want));
		ck_assert_int_eq(req.vn, r->vn); /* VN is reported as read, even on error */
	}
	guard_free(buf, len);
}
END_TEST

/* Every shorter prefix says "incomplete" until the result is decided, and
 * from then on every longer prefix gives that same result. */
START_TEST(request_prefixes)
{
	const struct req_row *r = &req_rows[_i];
	static uint8_t wire[ROW_MAX];
	size_t trailer;
	size_t len = build(r, wire, &trailer);
	struct s4_request req;
	int whole = s4_parse_request(wire, len, r->flags, &req);
	int decided = 0;

	for (size_t k = 0; k <= len; k++) {
		const uint8_t *buf = guard_copy(wire, k);
		int rc = s4_parse_request(buf, k, r->flags, &req);
		if (decided)
			ck_assert_msg(rc == whole, "%s: prefix %zu gave %d after %d", r->note, k, rc, whole);
		else if (rc != S4_INCOMPLETE)
			ck_assert_msg(rc == whole, "%s: prefix %zu gave %d, whole gives %d", r->note, k, rc,
				      whole);
		if (r->want == OK && k < len - trailer)
			ck_assert_msg(rc == S4_INCOMPLETE, "%s: prefix %zu not incomplete (%d)", r->note,
				      k, rc);
		decided = rc != S4_INCOMPLETE;
		guard_free(buf, k);
	}
}
END_TEST

/* A reader that gets one byte per read and parses again from offset 0 after
 * each, as a server does, ends with the whole-buffer result and fields. */
START_TEST(request_byte_by_byte)
{
	const struct req_row *r = &req_rows[_i];
	static uint8_t wire[ROW_MAX];
	size_t trailer;
	size_t len = build(r, wire, &trailer);
	struct s4_request whole_req, req;
	int whole = s4_parse_request(wire, len, r->flags, &whole_req);

	static uint8_t acc[ROW_MAX];
	int rc = S4_INCOMPLETE;
	size_t k = 0;
	while (rc == S4_INCOMPLETE && k < len) {
		acc[k] = wire[k];
		k++;
		rc = s4_parse_request(acc, k, r->flags, &req);
	}
	ck_assert_msg(rc == whole, "%s: streamed %d, whole %d", r->note, rc, whole);
	if (rc > 0) {
		ck_assert_uint_eq((size_t)rc, k); /* it stopped exactly at the request's end */
		check_fields(r, &req);
	}
}
END_TEST

/* parse(write(x)) == x, and the written bytes are the row's bytes. */
START_TEST(request_roundtrip)
{
	const struct req_row *r = &req_rows[_i];
	if (r->want != OK)
		return;
	static uint8_t wire[ROW_MAX], out[ROW_MAX];
	size_t trailer;
	size_t len = build(r, wire, &trailer);
	struct s4_request req, again;
	int n = s4_parse_request(wire, len, r->flags, &req);
	ck_assert_int_gt(n, 0);

	int w = s4_write_request(out, sizeof(out), &req);
	ck_assert_int_eq(w, n);
	ck_assert(memcmp(out, wire, (size_t)n) == 0);
	ck_assert_int_eq(s4_parse_request(out, (size_t)w, r->flags, &again), n);
	check_fields(r, &again);

	/* A buffer one byte short is refused: the needed length comes back and
	 * not a byte is written. */
	memset(out, 0xAA, sizeof(out));
	ck_assert_int_eq(s4_write_request(out, (size_t)n - 1, &req), n);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(out[i], 0xAA);
	ck_assert_int_eq(s4_write_request(NULL, 0, &req), n);
}
END_TEST

START_TEST(request_empty_buffer)
{
	struct s4_request req;
	memset(&req, 0x55, sizeof(req));
	ck_assert_int_eq(s4_parse_request((const uint8_t *)"", 0, 0, &req), S4_INCOMPLETE);
	/* outputs are reset on entry */
	ck_assert_int_eq(req.vn, 0);
	ck_assert_ptr_null(req.userid);
	ck_assert_ptr_null(req.host);
}
END_TEST

/* The header alone: every field as sent (VN 5, CD 3: no judgement), nothing
 * of what follows; fewer than 8 octets: incomplete, with outputs reset. */
START_TEST(header_alone)
{
	static const uint8_t buf[] = {5, 3, 0x1f, 0x90, 0, 0, 0, 7, 'u', 0, 'h', 0};
	struct s4_request req;
	memset(&req, 0x55, sizeof(req));
	ck_assert_int_eq(s4_parse_header(buf, sizeof(buf), &req), S4_HEADER_LEN);
	ck_assert_uint_eq(req.vn, 5);
	ck_assert_uint_eq(req.cd, 3);
	ck_assert_uint_eq(req.dstport, 8080);
	ck_assert_uint_eq(req.dstip, 7);
	ck_assert_ptr_null(req.userid);
	ck_assert_ptr_null(req.host);
	ck_assert_uint_eq(req.userid_len + req.host_len, 0);
	memset(&req, 0x55, sizeof(req));
	ck_assert_int_eq(s4_parse_header(buf, S4_HEADER_LEN - 1, &req), S4_INCOMPLETE);
	ck_assert_uint_eq(req.vn, 0);
}
END_TEST

START_TEST(request_writer_refuses_unframeable)
{
	uint8_t out[64];
	struct s4_request req = {.vn = 4, .cd = 1, .userid = "a\0b", .userid_len = 3};
	ck_assert_int_eq(s4_write_request(out, sizeof(out), &req), S4_EINVAL);
	req.userid = NULL;
	req.userid_len = 1;
	ck_assert_int_eq(s4_write_request(out, sizeof(out), &req), S4_EINVAL);
	req.userid_len = 0;
	req.host = "x\0y";
	req.host_len = 3;
	ck_assert_int_eq(s4_write_request(out, sizeof(out), &req), S4_EINVAL);
	/* An empty hostname can be written (to build a malformed 4a request). */
	req.dstip = 1;
	req.host = "";
	req.host_len = 0;
	ck_assert_int_eq(s4_write_request(out, sizeof(out), &req), 10);
	ck_assert(memcmp(out, "\x04\x01\x00\x00\x00\x00\x00\x01\x00\x00", 10) == 0);
	ck_assert_int_eq(s4_parse_request(out, 10, 0, &req), S4_EHOST_EMPTY);
}
END_TEST

/* ---- replies ---------------------------------------------------------- */

struct rep_row {
	const char *note;
	const char *bytes;
	size_t len;
	int want; /* consumed or S4_* */
	int vn, cd;
	unsigned port;
	uint32_t ip;
};

static const struct rep_row rep_rows[] = {
	{"90 granted", "\x00\x5a\x00\x00\x00\x00\x00\x00", 8, 8, 0, 90, 0, 0},
	{"91 rejected", "\x00\x5b\x00\x00\x00\x00\x00\x00", 8, 8, 0, 91, 0, 0},
	{"92 no identd", "\x00\x5c\x00\x00\x00\x00\x00\x00", 8, 8, 0, 92, 0, 0},
	{"93 identd mismatch", "\x00\x5d\x00\x00\x00\x00\x00\x00", 8, 8, 0, 93, 0, 0},
	{"BIND reply with address", "\x00\x5a\x12\x34\x7f\x00\x00\x01", 8, 8, 0, 90, 0x1234, LOOP},
	{"port and address extremes", "\x00\x5a\xff\xff\xff\xff\xff\xff", 8, 8, 0, 90, 65535,
	 0xffffffffu},
	{"CD 0 reported as read", "\x00\x00\x00\x00\x00\x00\x00\x00", 8, 8, 0, 0, 0, 0},
	{"CD 255 reported as read", "\x00\xff\x00\x00\x00\x00\x00\x00", 8, 8, 0, 255, 0, 0},
	{"reply followed by relayed data", "\x00\x5a\x00\x00\x00\x00\x00\x00HTTP/1.0", 16, 8, 0,
	 90, 0, 0},
	{"VN 4 (a classic server bug)", "\x04\x5a\x00\x00\x00\x00\x00\x00", 8, S4_EVERSION, 4, 0, 0,
	 0},
	{"VN 5 (SOCKS5 method reply)", "\x05\xff", 2, S4_EVERSION, 5, 0, 0, 0},
	{"7 bytes", "\x00\x5a\x00\x00\x00\x00\x00", 7, S4_INCOMPLETE, 0, 0, 0, 0},
	{"1 byte", "\x00", 1, S4_INCOMPLETE, 0, 0, 0, 0},
	{"empty", "", 0, S4_INCOMPLETE, 0, 0, 0, 0},
};
#define N_REP_ROWS ((int)(sizeof(rep_rows) / sizeof(rep_rows[0])))

START_TEST(reply_rows)
{
	const struct rep_row *r = &rep_rows[_i];
	const uint8_t *buf = guard_copy(r->bytes, r->len);
	struct s4_reply rep;
	int rc = s4_parse_reply(buf, r->len, &rep);
	ck_assert_msg(rc == r->want, "%s: got %d want %d", r->note, rc, r->want);
	ck_assert_int_eq(rep.vn, r->vn);
	if (rc > 0) {
		ck_assert_int_eq(rep.cd, r->cd);
		ck_assert_uint_eq(rep.dstport, r->port);
		ck_assert_uint_eq(rep.dstip, r->ip);
	}

	/* every prefix of the row: incomplete until decided, then the same */
	int decided = 0;
	for (size_t k = 0; k <= r->len; k++) {
		const uint8_t *p = guard_copy(r->bytes, k);
		int pk = s4_parse_reply(p, k, &rep);
		if (decided || pk != S4_INCOMPLETE)
			ck_assert_msg(pk == rc, "%s: prefix %zu gave %d, whole %d", r->note, k, pk, rc);
		if (rc > 0 && k < (size_t)rc)
			ck_assert_int_eq(pk, S4_INCOMPLETE);
		decided = pk != S4_INCOMPLETE;
		guard_free(p, k);
	}

	if (rc > 0) {
		uint8_t out[16];
		struct s4_reply again;
		s4_parse_reply(buf, r->len, &rep);
		ck_assert_int_eq(s4_write_reply(out, sizeof(out), &rep), S4_REPLY_LEN);
		ck_assert(memcmp(out, r->bytes, S4_REPLY_LEN) == 0);
		ck_assert_int_eq(s4_parse_reply(out, S4_REPLY_LEN, &again), S4_REPLY_LEN);
		ck_assert(memcmp(&again, &rep, sizeof(rep)) == 0);
		memset(out, 0xAA, sizeof(out));
		ck_assert_int_eq(s4_write_reply(out, S4_REPLY_LEN - 1, &rep), S4_REPLY_LEN);
		for (int i = 0; i < S4_REPLY_LEN; i++)
			ck_assert_int_eq(out[i], 0xAA);
	}
	guard_free(buf, r->len);
}
END_TEST

START_TEST(reply_writer_keeps_given_vn)
{
	/* The runner's broken-server tests write VN=4 on purpose. */
	uint8_t out[8];
	struct s4_reply rep = {.vn = 4, .cd = 90, .dstport = 80, .dstip = LOOP};
	ck_assert_int_eq(s4_write_reply(out, sizeof(out), &rep), 8);
	ck_assert(memcmp(out, "\x04\x5a\x00\x50\x7f\x00\x00\x01", 8) == 0);
}
END_TEST

START_TEST(texts)
{
	ck_assert_str_eq(s4_reply_str(90), "request granted");
	ck_assert_str_eq(s4_reply_str(91), "request rejected or failed");
	ck_assert_ptr_nonnull(strstr(s4_reply_str(92), "identd"));
	ck_assert_ptr_nonnull(strstr(s4_reply_str(93), "different user-ids"));
	ck_assert_str_eq(s4_reply_str(89), "unknown reply code");
	ck_assert_str_eq(s4_reply_str(-1), "unknown reply code");
	ck_assert_str_eq(s4_cmd_str(1), "CONNECT");
	ck_assert_str_eq(s4_cmd_str(2), "BIND");
	ck_assert_str_eq(s4_cmd_str(3), "unknown command");

	/* every error has its own text, and the limits are named in them */
	const int errs[] = {S4_EINVAL,       S4_INCOMPLETE,  S4_EVERSION,
			    S4_EUSERID_LONG, S4_EHOST_LONG,  S4_EHOST_EMPTY};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		for (size_t j = i + 1; j < sizeof(errs) / sizeof(errs[0]); j++)
			ck_assert_str_ne(s4_strerror(errs[i]), s4_strerror(errs[j]));
	ck_assert_ptr_nonnull(strstr(s4_strerror(S4_EUSERID_LONG), "255"));
	ck_assert_str_eq(s4_strerror(-99), "unknown error");
	ck_assert_str_eq(s4_strerror(9), "success");
}
END_TEST

START_TEST(marker)
{
	ck_assert(!s4_is_4a(0));
	ck_assert(s4_is_4a(1));
	ck_assert(s4_is_4a(255));
	ck_assert(!s4_is_4a(256));
	ck_assert(!s4_is_4a(IP(1, 0, 0, 1)));
	ck_assert(!s4_is_4a(0xffffffffu));
}
END_TEST

Suite *socks4_suite(void)
{
	Suite *s = suite_create("socks4");
	TCase *tc = tcase_create("request");
	tcase_add_loop_test(tc, request_whole, 0, N_REQ_ROWS);
	tcase_add_loop_test(tc, request_prefixes, 0, N_REQ_ROWS);
	tcase_add_loop_test(tc, request_byte_by_byte, 0, N_REQ_ROWS);
	tcase_add_loop_test(tc, request_roundtrip, 0, N_REQ_ROWS);
	tcase_add_test(tc, request_empty_buffer);
	tcase_add_test(tc, request_writer_refuses_unframeable);
	tcase_add_test(tc, header_alone);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_loop_test(tc, reply_rows, 0, N_REP_ROWS);
	tcase_add_test(tc, reply_writer_keeps_given_vn);
	tcase_add_test(tc, texts);
	tcase_add_test(tc, marker);
	suite_add_tcase(s, tc);
	return s;
}
