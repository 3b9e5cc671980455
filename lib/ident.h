/* SPDX-License-Identifier: MIT */
/* ident.h - RFC 1413 (Identification Protocol) lines, both ways.
 *
 * Used by the server (as an identd client: it writes queries and parses
 * responses) and by the conformance runner (as a scripted identd: it parses
 * queries and writes responses). Same contract as socks4.h: pure, no I/O, no
 * allocation; parsers return bytes consumed (the line and its end of line),
 * IDENT_INCOMPLETE, or a negative IDENT_E* code; string fields point into the
 * caller's buffer; writers are snprintf-style and never overflow.
 *
 * Port names follow the RFC, where "server" is the host running identd. In a
 * SOCKS setting identd runs on the SOCKS client's host, so port_on_server is
 * the SOCKS client's source port and port_on_client is the SOCKS server's
 * port (e.g. 1080): the query for a client at 10.0.0.5:6191 talking to a
 * server on port 1080 is "6191 , 1080".
 *
 *   query:    <port-on-server> , <port-on-client> CRLF
 *   response: <port-on-server> , <port-on-client> : USERID : <opsys>[,<charset>] : <user-id> CRLF
 *             <port-on-server> , <port-on-client> : ERROR : <error-type> CRLF
 *
 * Blanks and tabs around tokens are allowed and dropped. The user-id is the
 * rest of the line after the colon that ends the opsys field, with the blanks
 * around it dropped: real identds (oidentd, pidentd) write "USERID : UNIX : bob"
 * and mean "bob". A bare LF is accepted as end of line; a CR elsewhere, or a
 * NUL, is a syntax error (the RFC excludes NUL, CR and LF from user-ids).
 */
#ifndef SOCKS4KIT_IDENT_H
#define SOCKS4KIT_IDENT_H

#include <stddef.h>
#include <stdint.h>

#define IDENT_PORT 113

/* "Clients may abort after 1000 characters without an EOL" (RFC 1413): the
 * longest line either parser accepts, end of line included. */
#define IDENT_LINE_MAX 1000

/* Longest token (opsys, charset, error-type): "1*64 token characters". */
#define IDENT_TOKEN_MAX 64

enum {
	IDENT_EINVAL = -1,     /* writer: a field cannot be written (see the writers) */
	IDENT_INCOMPLETE = -2, /* no end of line yet; read more */
	IDENT_ELONG = -3,      /* no end of line within IDENT_LINE_MAX octets */
	IDENT_ESYNTAX = -4,    /* a separator or token is missing or malformed */
	IDENT_EPORT = -5,      /* a port is not a decimal number in 1..65535 */
	IDENT_ETYPE = -6,      /* the response type is neither USERID nor ERROR */
};

enum ident_type {
	IDENT_USERID = 1,
	IDENT_ERROR = 2,
};

struct ident_query {
	uint16_t port_on_server; /* on the identd host: the SOCKS client's port */
	uint16_t port_on_client; /* on the querying host: the SOCKS server's port */
};

struct ident_response {
	uint16_t port_on_server;
	uint16_t port_on_client;
	enum ident_type type;
	const char *opsys; /* USERID: e.g. "UNIX", "OTHER" */
	size_t opsys_len;
	const char *charset; /* USERID: NULL when absent (US-ASCII) */
	size_t charset_len;
	const char *userid; /* USERID: 1 or more octets, no NUL/CR/LF */
	size_t userid_len;
	const char *error; /* ERROR: e.g. "NO-USER", "INVALID-PORT", "X-..." */
	size_t error_len;
};

/* Parses one query line. Returns bytes consumed, IDENT_INCOMPLETE, or
 * IDENT_ELONG, IDENT_ESYNTAX, IDENT_EPORT. */
int ident_parse_query(const uint8_t *buf, size_t len, struct ident_query *q);

/* Parses one response line. Returns bytes consumed, IDENT_INCOMPLETE, or
 * IDENT_ELONG, IDENT_ESYNTAX, IDENT_EPORT, IDENT_ETYPE. The response type is
 * matched without regard to case; the error-type is reported as sent. */
int ident_parse_response(const uint8_t *buf, size_t len, struct ident_response *r);

/* Writes "<s> , <c>\r\n". Returns the length needed (writes only if <= cap),
 * or IDENT_EINVAL if a port is 0. */
int ident_write_query(char *out, size_t cap, const struct ident_query *q);

/* Writes a USERID or ERROR response line ending in CRLF. Returns the length
 * needed (writes only if <= cap), or IDENT_EINVAL when a port is 0, a token is
 * empty, longer than IDENT_TOKEN_MAX or holds a blank, ':' or ',', the user-id
 * is empty, starts or ends with a blank or holds NUL/CR/LF, or the line would
 * exceed IDENT_LINE_MAX. */
int ident_write_response(char *out, size_t cap, const struct ident_response *r);

/* Text for an IDENT_* result code. Never NULL. */
const char *ident_strerror(int err);

#endif
