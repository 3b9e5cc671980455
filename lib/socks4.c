/* SPDX-License-Identifier: MIT */
/* socks4.c - SOCKS4/4a wire format. The contract is in socks4.h. */
#include "socks4.h"

#include <limits.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Finds the NUL that ends a variable field starting at buf[at]. The field may
 * hold at most `max` octets, so the NUL must be within max + 1 octets.
 * Returns the field length, S4_INCOMPLETE, or `too_long`. */
static int field_end(const uint8_t *buf, size_t len, size_t at, size_t max, int too_long)
{
	size_t avail = len - at;
	size_t scan = avail < max + 1 ? avail : max + 1;
	const uint8_t *nul = memchr(buf + at, 0, scan);

	if (nul != NULL)
		return (int)(nul - (buf + at));
	return avail > max ? too_long : S4_INCOMPLETE;
}

int s4_is_4a(uint32_t dstip)
{
	return dstip != 0 && dstip <= 0xff;
}

/* | VN | CD | DSTPORT | DSTIP |: the four fixed fields, as they are. */
static void header_fields(const uint8_t *buf, struct s4_request *req)
{
	req->vn = buf[0];
	req->cd = buf[1];
	req->dstport = get16(buf + 2);
	req->dstip = get32(buf + 4);
}

int s4_parse_header(const uint8_t *buf, size_t len, struct s4_request *req)
{
	memset(req, 0, sizeof(*req));
	if (len < S4_HEADER_LEN)
		return S4_INCOMPLETE;
	header_fields(buf, req);
	return S4_HEADER_LEN;
}

int s4_parse_request(const uint8_t *buf, size_t len, unsigned flags, struct s4_request *req)
{
	memset(req, 0, sizeof(*req));
	if (len < 1)
		return S4_INCOMPLETE;
	req->vn = buf[0];
	if (req->vn != S4_VN_REQUEST)
		return S4_EVERSION;
	if (len < S4_HEADER_LEN)
		return S4_INCOMPLETE;

	/* | VN | CD | DSTPORT | DSTIP | USERID ... | NULL | */
	int ulen = field_end(buf, len, S4_HEADER_LEN, S4_USERID_MAX, S4_EUSERID_LONG);
	if (ulen < 0)
		return ulen;
	size_t end = S4_HEADER_LEN + (size_t)ulen + 1;
	uint32_t dstip = get32(buf + 4);

	/* SOCKS4a: "Following the NULL byte terminating USERID, the client must
	 * sends the destination domain name and termiantes it with another NULL
	 * byte." Only 0.0.0.x with x != 0 is the marker; 0.0.0.0 is not. */
	const uint8_t *host = NULL;
	int hlen = 0;
	if (s4_is_4a(dstip) && !(flags & S4_PARSE_NO_4A)) {
		hlen = field_end(buf, len, end, S4_HOST_MAX, S4_EHOST_LONG);
		if (hlen < 0)
			return hlen;
		if (hlen == 0)
			return S4_EHOST_EMPTY;
		host = buf + end;
		end += (size_t)hlen + 1;
	}

	header_fields(buf, req);
	req->userid = (const char *)buf + S4_HEADER_LEN;
	req->userid_len = (size_t)ulen;
	req->host = (const char *)host;
	req->host_len = (size_t)hlen;
	return (int)end;
}

/* A variable field can be framed when it holds no NUL. */
static int field_ok(const char *p, size_t n)
{
	if (n == 0)
		return 1;
	return p != NULL && n < INT_MAX / 4 && memchr(p, 0, n) == NULL;
}

int s4_write_request(uint8_t *out, size_t cap, const struct s4_request *req)
{
	if (!field_ok(req->userid, req->userid_len))
		return S4_EINVAL;
	if (req->host != NULL && !field_ok(req->host, req->host_len))
		return S4_EINVAL;

	size_t need = S4_HEADER_LEN + req->userid_len + 1;
	if (req->host != NULL)
		need += req->host_len + 1;
	if (need > cap || out == NULL)
		return (int)need;

	out[0] = req->vn;
	out[1] = req->cd;
	put16(out + 2, req->dstport);
	put32(out + 4, req->dstip);
	uint8_t *p = out + S4_HEADER_LEN;
	if (req->userid_len > 0)
		memcpy(p, req->userid, req->userid_len);
	p += req->userid_len;
	*p++ = 0;
	if (req->host != NULL) {
		if (req->host_len > 0)
			memcpy(p, req->host, req->host_len);
		p += req->host_len;
		*p = 0;
	}
	return (int)need;
}

int s4_parse_reply(const uint8_t *buf, size_t len, struct s4_reply *rep)
{
	memset(rep, 0, sizeof(*rep));
	if (len < 1)
		return S4_INCOMPLETE;
	rep->vn = buf[0];
	if (rep->vn != S4_VN_REPLY)
		return S4_EVERSION;
	if (len < S4_REPLY_LEN)
		return S4_INCOMPLETE;
	rep->cd = buf[1];
	rep->dstport = get16(buf + 2);
	rep->dstip = get32(buf + 4);
	return S4_REPLY_LEN;
}

int s4_write_reply(uint8_t *out, size_t cap, const struct s4_reply *rep)
{
	if (cap < S4_REPLY_LEN || out == NULL)
		return S4_REPLY_LEN;
	out[0] = rep->vn;
	out[1] = rep->cd;
	put16(out + 2, rep->dstport);
	put32(out + 4, rep->dstip);
	return S4_REPLY_LEN;
}

const char *s4_reply_str(int cd)
{
	switch (cd) {
	case S4_REP_GRANTED:
		return "request granted";
	case S4_REP_REJECTED:
		return "request rejected or failed";
	case S4_REP_NO_IDENTD:
		return "request rejected because SOCKS server cannot connect to identd on the "
		       "client";
	case S4_REP_IDENT_MISMATCH:
		return "request rejected because the client program and identd report different "
		       "user-ids";
	default:
		return "unknown reply code";
	}
}

const char *s4_cmd_str(int cd)
{
	switch (cd) {
	case S4_CMD_CONNECT:
		return "CONNECT";
	case S4_CMD_BIND:
		return "BIND";
	default:
		return "unknown command";
	}
}

const char *s4_strerror(int err)
{
	switch (err) {
	case S4_EINVAL:
		return "field cannot be framed (contains NUL or is missing)";
	case S4_INCOMPLETE:
		return "incomplete message";
	case S4_EVERSION:
		return "wrong version number";
	case S4_EUSERID_LONG:
		return "USERID longer than " STR(S4_USERID_MAX) " octets";
	case S4_EHOST_LONG:
		return "SOCKS4a hostname longer than " STR(S4_HOST_MAX) " octets";
	case S4_EHOST_EMPTY:
		return "SOCKS4a hostname is empty";
	default:
		return err >= 0 ? "success" : "unknown error";
	}
}
