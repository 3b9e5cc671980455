/* SPDX-License-Identifier: MIT */
/* socks4.h - SOCKS4 and SOCKS4a requests and replies: the one wire module.
 *
 * Every part of socks4kit (server, client, conformance runner, fuzz targets)
 * decodes and encodes SOCKS bytes through these functions and nothing else.
 *
 * Contract (picohttpparser style):
 *  - pure: no I/O, no allocation, no globals; safe from any thread;
 *  - parsers take a buffer that may hold a partial message, the whole message,
 *    or the message followed by payload, and return
 *        > 0            bytes consumed (bytes after the message are never touched),
 *        S4_INCOMPLETE  more bytes are needed,
 *        < 0            an S4_E* code naming the malformation;
 *    feeding the same bytes one at a time or all at once gives the same result;
 *  - parse outputs are reset on entry; USERID and hostname point into the
 *    caller's buffer (pointer + length, not NUL-terminated);
 *  - writers follow snprintf: they return the length the message needs and
 *    write only when it fits in `cap`, so they never overflow.
 *
 * Field values are in host byte order in the structs; the wire is big-endian.
 */
#ifndef SOCKS4KIT_SOCKS4_H
#define SOCKS4KIT_SOCKS4_H

#include <stddef.h>
#include <stdint.h>

/* Version numbers: "VN ... should be 4" (request), "should be 0" (reply). */
#define S4_VN_REQUEST 4
#define S4_VN_REPLY 0

/* Command codes (CD of a request). */
#define S4_CMD_CONNECT 1
#define S4_CMD_BIND 2

/* Result codes (CD of a reply), with the spec's meaning in s4_reply_str(). */
#define S4_REP_GRANTED 90        /* request granted */
#define S4_REP_REJECTED 91       /* request rejected or failed */
#define S4_REP_NO_IDENTD 92      /* server cannot connect to identd on the client */
#define S4_REP_IDENT_MISMATCH 93 /* client program and identd report different user-ids */

/* Sizes on the wire. */
#define S4_HEADER_LEN 8 /* VN, CD, DSTPORT (2), DSTIP (4) */
#define S4_REPLY_LEN 8  /* a reply is exactly the header, nothing follows */

/* The protocol sets no length for USERID or the 4a hostname. A longer field
 * is a mistake or malicious input, and a server must not buffer without end
 * (REQUIREMENTS S4-ROBUST-1, S4A-12), so we bound both:
 *  - USERID: 255 octets, the limit curl enforces for SOCKS4 user names
 *    (curl test 729) and the largest any known client sends;
 *  - hostname: 255 octets, the DNS limit for a name on the wire
 *    (RFC 1035 section 2.3.4) and draft-vance-socks-v4a's "SHOULD NOT exceed".
 * Both counts exclude the terminating NUL. Input over a limit is an error at
 * once, never "incomplete". */
#define S4_USERID_MAX 255
#define S4_HOST_MAX 255

/* The longest request the parser accepts: header, USERID, NUL, hostname, NUL. */
#define S4_REQUEST_MAX (S4_HEADER_LEN + S4_USERID_MAX + 1 + S4_HOST_MAX + 1)

/* Parser results. S4_INCOMPLETE is not an error: read more and parse again. */
enum {
	S4_EINVAL = -1,       /* writer: a field cannot be framed (NUL inside, NULL pointer) */
	S4_INCOMPLETE = -2,   /* the message is not complete yet */
	S4_EVERSION = -3,     /* VN is not 4 (request) or not 0 (reply) */
	S4_EUSERID_LONG = -4, /* no NUL within S4_USERID_MAX + 1 octets of USERID */
	S4_EHOST_LONG = -5,   /* no NUL within S4_HOST_MAX + 1 octets of the 4a hostname */
	S4_EHOST_EMPTY = -6,  /* 4a marker with an empty hostname (two NULs in a row) */
};

/* s4_parse_request flags. */
#define S4_PARSE_NO_4A 0x1u /* plain SOCKS4: 0.0.0.x is an address, no hostname follows */

/*   +----+----+----+----+----+----+----+----+----+----+....+----+
 *   | VN | CD | DSTPORT |      DSTIP        | USERID       |NULL|   then, for 4a,
 *   +----+----+----+----+----+----+----+----+----+----+....+----+   HOSTNAME NULL
 *      1    1      2              4           variable       1
 */
struct s4_request {
	uint8_t vn; /* as read; the parser fails with S4_EVERSION unless 4 */
	uint8_t cd; /* as read; any value, policy is the caller's */
	uint16_t dstport;
	uint32_t dstip;     /* 0.0.0.x with x != 0 marks SOCKS4a */
	const char *userid; /* USERID octets (may be any byte but NUL), not terminated */
	size_t userid_len;
	const char *host; /* 4a hostname, or NULL when the request is not 4a */
	size_t host_len;
};

/*   +----+----+----+----+----+----+----+----+
 *   | VN | CD | DSTPORT |      DSTIP        |
 *   +----+----+----+----+----+----+----+----+
 */
struct s4_reply {
	uint8_t vn;       /* as read; the parser fails with S4_EVERSION unless 0 */
	uint8_t cd;       /* as read; any value (90-93 are defined) */
	uint16_t dstport; /* meaningful only in BIND replies */
	uint32_t dstip;
};

/* Parses one request from buf[0..len). flags: 0 or S4_PARSE_NO_4A.
 * Returns bytes consumed (> 0), S4_INCOMPLETE, or S4_EVERSION, S4_EUSERID_LONG,
 * S4_EHOST_LONG, S4_EHOST_EMPTY. req->vn is set as soon as byte 0 is present,
 * so a caller can report what it got on S4_EVERSION; other fields are set only
 * on success. A wrong VN is reported at byte 0, without waiting for 8 bytes,
 * so a SOCKS5 greeting fails at once instead of hanging. */
int s4_parse_request(const uint8_t *buf, size_t len, unsigned flags, struct s4_request *req);

/* The 8-octet header alone: VN, CD, DSTPORT and DSTIP of buf[0..len) as they
 * are, none judged (for a program that reports or rewrites a header
 * s4_parse_request refuses); USERID and hostname are left empty. Returns
 * S4_HEADER_LEN, or S4_INCOMPLETE when len is shorter. */
int s4_parse_header(const uint8_t *buf, size_t len, struct s4_request *req);

/* Writes req as wire bytes: header, USERID, NUL, and, when req->host is not
 * NULL, the hostname and a NUL (whatever DSTIP is, so malformed requests can
 * be built too). Lengths above the parser's limits are written as asked.
 * Returns the length needed (writes only if <= cap), or S4_EINVAL if USERID or
 * hostname contains a NUL, a pointer is NULL with a non-zero length, or the
 * total would exceed INT_MAX. */
int s4_write_request(uint8_t *out, size_t cap, const struct s4_request *req);

/* Parses one reply. Returns S4_REPLY_LEN, S4_INCOMPLETE, or S4_EVERSION (at
 * byte 0; rep->vn holds the byte read). */
int s4_parse_reply(const uint8_t *buf, size_t len, struct s4_reply *rep);

/* Writes rep (its vn as given) as 8 bytes. Returns S4_REPLY_LEN; writes only
 * if cap >= S4_REPLY_LEN. */
int s4_write_reply(uint8_t *out, size_t cap, const struct s4_reply *rep);

/* True when dstip is the SOCKS4a marker 0.0.0.x with x != 0. */
int s4_is_4a(uint32_t dstip);

/* The spec's wording for a reply code ("request granted", ...), or
 * "unknown reply code" for anything but 90-93. Never NULL. */
const char *s4_reply_str(int cd);

/* "CONNECT", "BIND" or "unknown command". Never NULL. */
const char *s4_cmd_str(int cd);

/* Text for a parser/writer result code. Never NULL. */
const char *s4_strerror(int err);

#endif
