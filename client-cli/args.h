/* SPDX-License-Identifier: MIT */
/* args.h - socks4-client's command line, turned into client_opts.
 *
 * args_parse() checks everything that can be checked before the network is
 * touched (lengths the protocol bounds, ports, option combinations), so a
 * usage error never costs a connection. It prints nothing: on ARGS_ERROR the
 * message is in `msg`.
 */
#ifndef SOCKS4KIT_CLIENT_ARGS_H
#define SOCKS4KIT_CLIENT_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"

/* --raw / --raw-file bound. A valid request is at most S4_REQUEST_MAX (520)
 * octets; the extra room is for over-long fields and trailing payload when
 * trying a server's limits by hand, and still fits on the stack. */
#define ARGS_RAW_MAX (64 * 1024)

/* --timeout: default and upper bound, in seconds. A day is enough for any
 * BIND wait and keeps the milliseconds inside an int. */
#define ARGS_TIMEOUT_DEFAULT_S 30
#define ARGS_TIMEOUT_MAX_S 86400

enum args_result {
	ARGS_ERROR = -1, /* usage error, message in msg */
	ARGS_RUN = 0,    /* a->opts is ready */
	ARGS_HELP,       /* -h / --help */
	ARGS_VERSION     /* --version */
};

/* The options and the storage they point into. */
struct args {
	struct client_opts opts;
	char proxy_host[S4_HOST_MAX + 1];
	char login[S4_USERID_MAX + 1]; /* the default USERID: the login name */
	uint8_t raw[ARGS_RAW_MAX];
};

/* Fills a from argv. Returns an enum args_result. */
int args_parse(int argc, char **argv, struct args *a, char *msg, size_t msglen);

/* The default USERID: the login name of the effective user (getpwuid), or
 * "" when the user has no passwd entry. Writes at most cap bytes. */
const char *args_default_user(char *out, size_t cap);

#endif
