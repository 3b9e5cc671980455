/* SPDX-License-Identifier: MIT */
/* client.h - one SOCKS4/4a session of socks4-client: reach the proxy, send the
 * request, judge the reply (two for BIND), then relay stdin/stdout <-> proxy.
 *
 * client_run() never prints an error and never exits: it returns the exit
 * status (enum client_exit) and, unless it is CX_OK, a one-line message with
 * context in `msg`. main() prints it. Only the -v trace, the BIND address line
 * and the --raw decoding are written from here, since they are output, not
 * errors.
 */
#ifndef SOCKS4KIT_CLIENT_H
#define SOCKS4KIT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "socks4.h"

/* Exit statuses, documented in --help, socks4-client(1) and README.md. The
 * three rejections keep the reply code itself, so `exit 91` reads as "91". */
enum client_exit {
	CX_OK = 0,        /* granted, and the relay ended cleanly */
	CX_LOCAL = 1,     /* the relay failed after the grant, or a local error */
	CX_USAGE = 2,     /* bad options or arguments */
	CX_PROXY = 3,     /* the proxy cannot be reached */
	CX_MALFORMED = 4, /* the reply is malformed, cut short, or missing */
	CX_TIMEOUT = 5,   /* a step took longer than --timeout */
	CX_RESOLVE = 6,   /* HOST has no IPv4 address (plain SOCKS4 resolves locally) */
	CX_REJECTED = S4_REP_REJECTED,            /* 91 */
	CX_NO_IDENTD = S4_REP_NO_IDENTD,          /* 92 */
	CX_IDENT_MISMATCH = S4_REP_IDENT_MISMATCH /* 93 */
};

/* The 4a marker DSTIP we send: 0.0.0.1, as curl does; any 0.0.0.x, x != 0, works. */
#define CLIENT_4A_MARKER 1u

/* Long enough for any message: it quotes at most two hosts of 255 octets. */
#define CLIENT_MSG_MAX 1024

struct client_opts {
	const char *proxy;      /* HOST:PORT as the user wrote it, for messages */
	const char *proxy_host; /* its HOST part: IPv4, IPv6 literal or a name */
	uint16_t proxy_port;
	const char *host;   /* CONNECT: the destination; BIND: the expected peer */
	uint16_t port;      /* DSTPORT */
	const char *user;   /* USERID, at most S4_USERID_MAX octets, no NUL */
	int socks4a;        /* send a HOST name to the proxy (4a) instead of resolving it */
	int bind;           /* BIND instead of CONNECT */
	int bind_info_fd;   /* where the "ADDR PORT" line of the first BIND reply goes */
	const uint8_t *raw; /* --raw / --raw-file: the request bytes as given, or NULL */
	size_t raw_len;
	int raw_relay;  /* --relay: relay after a granted raw request */
	int verbose;    /* -v: the decoded trace on stderr */
	int timeout_ms; /* for each step: a lookup, the connect, the send, each reply */
};

/* Runs the session. Returns an enum client_exit value; msg gets the error
 * message (without the program name) when the result is not CX_OK. */
int client_run(const struct client_opts *o, char *msg, size_t msglen);

#endif
