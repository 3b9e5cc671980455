/* SPDX-License-Identifier: MIT */
/* identd.h - the server's RFC 1413 check behind replies 92 and 93.
 *
 * identd_lookup() asks the identd on the client's host who owns the client's
 * connection; identd_verdict() turns the answer into a reply code under the
 * configured mode. The split keeps the policy pure (and unit-tested) and the
 * I/O bounded by one deadline. */
#ifndef SOCKS4KIT_IDENTD_H
#define SOCKS4KIT_IDENTD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ident.h"

/* The original sockd's modes: default off, -i lenient, -I strict. */
enum identd_mode { IDENTD_OFF, IDENTD_LENIENT, IDENTD_STRICT };

struct identd_result {
	int answered;              /* 1: identd named a user (user/user_len) */
	char user[IDENT_LINE_MAX]; /* not NUL-terminated */
	size_t user_len;
	char why[160]; /* what happened, for the log line */
};

/* Queries identd at the client's address, port identd_port, from the local
 * address the client reached us on. The query names the client's port
 * first, then our port ("<client-port> , <server-port>", RFC 1413 section 4,
 * from the identd host's point of view). Anything but a well-formed USERID
 * answer for exactly that port pair within timeout_ms leaves answered = 0
 * with the reason in why: no listener, timeout, early close, a malformed
 * line, an ERROR answer, or an answer for another port pair. */
void identd_lookup(const struct sockaddr *client, const struct sockaddr *local,
                   uint16_t identd_port, int timeout_ms, struct identd_result *res);

/* The reply code for a lookup result under a mode:
 *   off:             90;
 *   a different user (exact, case-sensitive compare): 93 in both modes;
 *   no answer:       92 when strict, 90 when lenient. */
int identd_verdict(enum identd_mode mode, const struct identd_result *res, const char *userid,
                   size_t userid_len);

const char *identd_mode_str(enum identd_mode mode);

#endif
