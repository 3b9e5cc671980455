/* SPDX-License-Identifier: MIT */
/* ident.c - RFC 1413 query and response lines. The contract is in ident.h. */
#include "ident.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A slice of the line being parsed. */
struct span {
	const char *p;
	size_t n;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static struct span trim(struct span s)
{
	while (s.n > 0 && is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

/* Splits s at the first `sep`: *head is before it, *tail after. Returns 0 when
 * there is no separator. */
static int split(struct span s, char sep, struct span *head, struct span *tail)
{
	const char *at = memchr(s.p, sep, s.n);
	if (at == NULL)
		return 0;
	head->p = s.p;
	head->n = (size_t)(at - s.p);
	tail->p = at + 1;
	tail->n = s.n - head->n - 1;
	return 1;
}

/* A token: 1..IDENT_TOKEN_MAX characters, none of them blank or a separator. */
static int is_token(struct span s)
{
	if (s.n == 0 || s.n > IDENT_TOKEN_MAX)
		return 0;
	for (size_t i = 0; i < s.n; i++)
		if (is_blank(s.p[i]) || s.p[i] == ':' || s.p[i] == ',')
			return 0;
	return 1;
}

static int parse_port(struct span s, uint16_t *port)
{
	s = trim(s);
	if (s.n == 0 || s.n > 5)
		return IDENT_EPORT;
	unsigned v = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return IDENT_EPORT;
		v = v * 10 + (unsigned)(s.p[i] - '0');
	}
	if (v < 1 || v > 65535)
		return IDENT_EPORT;
	*port = (uint16_t)v;
	return 0;
}

/* "<port> , <port>" */
static int parse_pair(struct span s, uint16_t *on_server, uint16_t *on_client)
{
	struct span a, b;
	if (!split(s, ',', &a, &b))
		return IDENT_ESYNTAX;
	int rc = parse_port(a, on_server);
	if (rc == 0)
		rc = parse_port(b, on_client);
	return rc;
}

/* Finds one line. Returns the bytes it takes with its end of line (and sets
 * *line to it without CRLF/LF), IDENT_INCOMPLETE, IDENT_ELONG or IDENT_ESYNTAX. */
static int get_line(const uint8_t *buf, size_t len, struct span *line)
{
	size_t scan = len < IDENT_LINE_MAX ? len : IDENT_LINE_MAX;
	const uint8_t *lf = memchr(buf, '\n', scan);
	if (lf == NULL)
		return len >= IDENT_LINE_MAX ? IDENT_ELONG : IDENT_INCOMPLETE;

	line->p = (const char *)buf;
	line->n = (size_t)(lf - buf);
	if (line->n > 0 && line->p[line->n - 1] == '\r')
		line->n--;
	if (memchr(line->p, '\0', line->n) != NULL || memchr(line->p, '\r', line->n) != NULL)
		return IDENT_ESYNTAX;
	return (int)(lf - buf) + 1;
}

int ident_parse_query(const uint8_t *buf, size_t len, struct ident_query *q)
{
	struct span line;
	memset(q, 0, sizeof(*q));
	int used = get_line(buf, len, &line);
	if (used < 0)
		return used;
	int rc = parse_pair(line, &q->port_on_server, &q->port_on_client);
	return rc < 0 ? rc : used;
}

/* After "USERID :": "<opsys>[,<charset>] : <user-id>" */
static int parse_userid_info(struct span s, struct ident_response *r)
{
	struct span opsys_field, userid, opsys, charset;
	if (!split(s, ':', &opsys_field, &userid))
		return IDENT_ESYNTAX;
	if (split(opsys_field, ',', &opsys, &charset)) {
		charset = trim(charset);
		if (!is_token(charset))
			return IDENT_ESYNTAX;
		r->charset = charset.p;
		r->charset_len = charset.n;
	} else {
		opsys = opsys_field;
	}
	opsys = trim(opsys);
	userid = trim(userid);
	if (!is_token(opsys) || userid.n == 0)
		return IDENT_ESYNTAX;
	r->opsys = opsys.p;
	r->opsys_len = opsys.n;
	r->userid = userid.p;
	r->userid_len = userid.n;
	return 0;
}

int ident_parse_response(const uint8_t *buf, size_t len, struct ident_response *r)
{
	struct span line, pair, rest, type, info;
	memset(r, 0, sizeof(*r));
	int used = get_line(buf, len, &line);
	if (used < 0)
		return used;
	if (!split(line, ':', &pair, &rest))
		return IDENT_ESYNTAX;
	int rc = parse_pair(pair, &r->port_on_server, &r->port_on_client);
	if (rc < 0)
		return rc;
	if (!split(rest, ':', &type, &info))
		return IDENT_ESYNTAX;
	type = trim(type);

	if (type.n == 6 && strncasecmp(type.p, "USERID", 6) == 0) {
		r->type = IDENT_USERID;
		rc = parse_userid_info(info, r);
	} else if (type.n == 5 && strncasecmp(type.p, "ERROR", 5) == 0) {
		r->type = IDENT_ERROR;
		info = trim(info);
		if (!is_token(info))
			return IDENT_ESYNTAX;
		r->error = info.p;
		r->error_len = info.n;
	} else {
		return IDENT_ETYPE;
	}
	return rc < 0 ? rc : used;
}

/* Copies a line composed in `line` (n bytes) out when it fits. */
static int emit(char *out, size_t cap, const char *line, int n)
{
	if (n < 0 || n > IDENT_LINE_MAX)
		return IDENT_EINVAL;
	if (out != NULL && (size_t)n <= cap)
		memcpy(out, line, (size_t)n);
	return n;
}

int ident_write_query(char *out, size_t cap, const struct ident_query *q)
{
	char line[IDENT_LINE_MAX + 1];
	if (q->port_on_server == 0 || q->port_on_client == 0)
		return IDENT_EINVAL;
	int n = snprintf(line, sizeof(line), "%u , %u\r\n", q->port_on_server, q->port_on_client);
	return emit(out, cap, line, n);
}

static int is_token_n(const char *p, size_t n)
{
	return p != NULL && is_token((struct span){p, n});
}

/* A user-id survives a round trip when it is not empty, has no NUL/CR/LF and
 * no blank at either end (those are dropped as token separators). */
static int is_userid(const char *p, size_t n)
{
	if (p == NULL || n == 0 || n > IDENT_LINE_MAX)
		return 0;
	if (is_blank(p[0]) || is_blank(p[n - 1]))
		return 0;
	return memchr(p, '\0', n) == NULL && memchr(p, '\r', n) == NULL &&
	       memchr(p, '\n', n) == NULL;
}

int ident_write_response(char *out, size_t cap, const struct ident_response *r)
{
	char line[IDENT_LINE_MAX + 1];
	int n;

	if (r->port_on_server == 0 || r->port_on_client == 0)
		return IDENT_EINVAL;
	if (r->type == IDENT_USERID) {
		if (!is_token_n(r->opsys, r->opsys_len) || !is_userid(r->userid, r->userid_len))
			return IDENT_EINVAL;
		if (r->charset != NULL && !is_token_n(r->charset, r->charset_len))
			return IDENT_EINVAL;
		n = snprintf(line, sizeof(line), "%u , %u : USERID : %.*s%s%.*s : %.*s\r\n",
		             r->port_on_server, r->port_on_client, (int)r->opsys_len, r->opsys,
		             r->charset != NULL ? "," : "",
		             r->charset != NULL ? (int)r->charset_len : 0,
		             r->charset != NULL ? r->charset : "", (int)r->userid_len, r->userid);
	} else if (r->type == IDENT_ERROR) {
		if (!is_token_n(r->error, r->error_len))
			return IDENT_EINVAL;
		n = snprintf(line, sizeof(line), "%u , %u : ERROR : %.*s\r\n", r->port_on_server,
		             r->port_on_client, (int)r->error_len, r->error);
	} else {
		return IDENT_EINVAL;
	}
	/* snprintf reports the full length even when it truncated. */
	return emit(out, cap, line, n);
}

const char *ident_strerror(int err)
{
	switch (err) {
	case IDENT_EINVAL:
		return "field cannot be written";
	case IDENT_INCOMPLETE:
		return "incomplete line";
	case IDENT_ELONG:
		return "line longer than 1000 octets without end of line";
	case IDENT_ESYNTAX:
		return "malformed line";
	case IDENT_EPORT:
		return "port is not a number in 1..65535";
	case IDENT_ETYPE:
		return "response type is neither USERID nor ERROR";
	default:
		return err >= 0 ? "success" : "unknown error";
	}
}
