/* SPDX-License-Identifier: MIT */
/* identd.c - the server's RFC 1413 check. The contract is in identd.h. */
#include "identd.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "socks4.h"

static uint16_t port_of(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return ntohs(((const struct sockaddr_in *)sa)->sin_port);
}

/* A copy of sa with another port. */
static socklen_t with_port(const struct sockaddr *sa, uint16_t port, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET6) {
		memcpy(out, sa, sizeof(struct sockaddr_in6));
		((struct sockaddr_in6 *)out)->sin6_port = htons(port);
		return sizeof(struct sockaddr_in6);
	}
	memcpy(out, sa, sizeof(struct sockaddr_in));
	((struct sockaddr_in *)out)->sin_port = htons(port);
	return sizeof(struct sockaddr_in);
}

/* Reads one response line (at most IDENT_LINE_MAX bytes) and parses it. */
static int read_response(int fd, int64_t deadline, uint8_t *buf, struct ident_response *r,
                         char *why, size_t whylen)
{
	size_t len = 0;
	for (;;) {
		int rc = ident_parse_response(buf, len, r);
		if (rc != IDENT_INCOMPLETE) {
			if (rc < 0)
				snprintf(why, whylen, "identd: %s", ident_strerror(rc));
			return rc;
		}
		char err[96];
		ssize_t n = net_read_some(fd, buf + len, IDENT_LINE_MAX - len, deadline, err,
		                          sizeof(err));
		if (n <= 0) {
			snprintf(why, whylen, "identd: %s",
			         n == 0 ? "closed before a full line" : err);
			return -1;
		}
		len += (size_t)n;
	}
}

void identd_lookup(const struct sockaddr *client, const struct sockaddr *local,
                   uint16_t identd_port, int timeout_ms, struct identd_result *res)
{
	int64_t deadline = net_deadline(timeout_ms);
	struct sockaddr_storage to, from;
	socklen_t tolen = with_port(client, identd_port, &to);
	with_port(local, 0, &from);
	char err[128];
	int fd = -1;

	memset(res, 0, sizeof(*res));
	if (client->sa_family != AF_INET && client->sa_family != AF_INET6) {
		snprintf(res->why, sizeof(res->why), "identd: the client is not on IP");
		return;
	}
	if (net_connect((struct sockaddr *)&to, tolen, (struct sockaddr *)&from, deadline, &fd, err,
	                sizeof(err)) < 0) {
		snprintf(res->why, sizeof(res->why), "identd: %s", err);
		return;
	}

	struct ident_query q = {.port_on_server = port_of(client),
	                        .port_on_client = port_of(local)};
	char line[64];
	int n = ident_write_query(line, sizeof(line), &q);
	if (n < 0 || net_write_all(fd, line, (size_t)n, deadline, err, sizeof(err)) < 0) {
		snprintf(res->why, sizeof(res->why), "identd: %s", n < 0 ? ident_strerror(n) : err);
		close(fd);
		return;
	}

	uint8_t buf[IDENT_LINE_MAX];
	struct ident_response r;
	if (read_response(fd, deadline, buf, &r, res->why, sizeof(res->why)) < 0) {
		close(fd);
		return;
	}
	close(fd);

	if (r.port_on_server != q.port_on_server || r.port_on_client != q.port_on_client) {
		snprintf(res->why, sizeof(res->why), "identd: answer for %u , %u, asked %u , %u",
		         r.port_on_server, r.port_on_client, q.port_on_server, q.port_on_client);
	} else if (r.type == IDENT_ERROR) {
		snprintf(res->why, sizeof(res->why), "identd: ERROR : %.*s", (int)r.error_len,
		         r.error);
	} else {
		res->answered = 1;
		res->user_len = r.userid_len;
		memcpy(res->user, r.userid, r.userid_len);
		snprintf(res->why, sizeof(res->why), "identd: USERID %.*s",
		         (int)(r.userid_len > 64 ? 64 : r.userid_len), r.userid);
	}
}

int identd_verdict(enum identd_mode mode, const struct identd_result *res, const char *userid,
                   size_t userid_len)
{
	if (mode == IDENTD_OFF)
		return S4_REP_GRANTED;
	if (res->answered) {
		int same =
		        res->user_len == userid_len && memcmp(res->user, userid, userid_len) == 0;
		return same ? S4_REP_GRANTED : S4_REP_IDENT_MISMATCH;
	}
	return mode == IDENTD_STRICT ? S4_REP_NO_IDENTD : S4_REP_GRANTED;
}

const char *identd_mode_str(enum identd_mode mode)
{
	switch (mode) {
	case IDENTD_OFF:
		return "off";
	case IDENTD_LENIENT:
		return "lenient";
	case IDENTD_STRICT:
		return "strict";
	}
	return "?";
}
