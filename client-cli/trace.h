/* SPDX-License-Identifier: MIT */
/* trace.h - text forms of what went over the wire, for -v and --raw.
 *
 * These only format: the bytes are decoded by lib/socks4 (s4_parse_request,
 * s4_parse_reply) and the structs it fills are what is printed here. Every
 * function writes a NUL-terminated string of at most `cap` bytes (cap > 0),
 * truncating like snprintf, and returns `out`.
 */
#ifndef SOCKS4KIT_CLIENT_TRACE_H
#define SOCKS4KIT_CLIENT_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "socks4.h"

/* "a.b.c.d": at most 15 characters and the NUL. */
#define TRACE_IP4_MAX 16

/* Bytes shown in a hex dump: a whole request of maximal fields; longer raw
 * input ends in "... (N more)". */
#define TRACE_HEX_BYTES S4_REQUEST_MAX

/* Room for a full hex dump ("xx " per byte) and its tail note. */
#define TRACE_HEX_MAX (TRACE_HEX_BYTES * 3 + 32)

/* Room for one line of decoded fields: two escaped fields of up to 255
 * octets (4 characters each when escaped) and the fixed ones. */
#define TRACE_FIELDS_MAX (2 * 4 * S4_HOST_MAX + 128)

char *trace_ip4(uint32_t ip, char *out, size_t cap);

/* "04 01 00 50 ...", the first TRACE_HEX_BYTES bytes. */
char *trace_hex(const uint8_t *b, size_t n, char *out, size_t cap);

/* "VN 4, CD 1 (CONNECT), DSTPORT 80, DSTIP 127.0.0.1, USERID "bob"" and, for
 * 4a, ", HOST "example.com"". Non-printable octets are escaped as \xNN. */
char *trace_request(const struct s4_request *req, char *out, size_t cap);

/* "VN 0, CD 90 (request granted), DSTPORT 0, DSTIP 0.0.0.0". */
char *trace_reply(const struct s4_reply *rep, char *out, size_t cap);

/* Microseconds on the monotonic clock, for the -v timings. */
int64_t trace_now_us(void);

/* Milliseconds since t0_us, as a double for "1.25 ms". */
double trace_ms_since(int64_t t0_us);

#endif
