/* SPDX-License-Identifier: MIT */
/* proxy.h - the scripted SOCKS4 proxy a client under test talks to.
 *
 * One proxy per case: a listener on 127.0.0.1:0 and a thread that accepts
 * every connection the client makes during the case (browsers open a
 * connection and close it without a byte, a "preconnect", and then request on
 * another; they fetch more than one URL and retry). Each connection is served
 * by a thread of its own with the same script (a case that refuses with 91
 * refuses every request) and has its own record. It reads the request from
 * the stream (parsed by lib/socks4, the only decoder), answers as the case's
 * script says (replies built by lib/socks4, the only encoder: whole, split,
 * byte by byte, short, with data in the same write, not at all, a close or a
 * reset), and then plays the destination itself: after a grant the connection
 * IS the destination, so the bytes the client gets and gives are exactly the
 * script's, with no relay in between to add segment boundaries of its own.
 *
 * The proxy is lenient where that keeps one defect in its own cases: a
 * request with a wrong VN or CD, a wrong address or an early byte is recorded
 * for the cases that judge it, and the conversation goes on as if it were
 * right. Every wait has a deadline; proxy_stop() also ends it at once. */
#ifndef SOCKS4KIT_PROXY_H
#define SOCKS4KIT_PROXY_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "socks4.h"

struct ctx;

/* What the proxy does once the request is in. */
enum px_action {
	PX_GRANT,  /* send the reply bytes, then be the destination (flow) */
	PX_REFUSE, /* send the reply bytes and the destination's bytes, then close */
	PX_CLOSE,  /* send the reply bytes (maybe none, maybe a part), then close */
	PX_RESET,  /* send nothing: reset the connection */
	PX_SILENT, /* send nothing; keep the connection open until the client goes */
};

/* How the destination talks after a grant (stream peer; an HTTP peer answers
 * the request it reads, or with PX_SERVER_FIRST has answered already). */
enum px_flow {
	PX_DEST_CLOSES,  /* read X; send Y; close */
	PX_CLIENT_EOF,   /* read X and the client's end of file; then send Y; close */
	PX_DEST_FIN,     /* read X's first x_first bytes; send Y and an end of file; then
	                    read the rest of X and the client's end of file */
	PX_SERVER_FIRST, /* Y goes in the same write as the (last) reply; read X; close */
};

#define PX_REPLY_MAX 32

struct px_script {
	enum px_action action;
	uint8_t reply[PX_REPLY_MAX]; /* every reply byte, in order (BIND: both replies) */
	size_t reply_len;
	size_t reply_cut; /* > 0: the bytes from here on go in a second write (BIND) */
	int wait_go;      /* ... and only after proxy_go() (the client announced the
	                     BIND address: the application server connects now) */
	int reply_gap_ms; /* > 0: one byte per write, this long apart */
	int quiet_ms;     /* before the reply, read this long for bytes the client adds */
	enum px_flow flow;
	int http;         /* the destination is an HTTP/1.0 server */
	const char *path; /* the path an HTTP client must ask for ("/..." ) */
	const uint8_t *x; /* stream: the bytes the client must deliver */
	size_t x_len;
	size_t x_first;   /* PX_DEST_FIN: the part of X read before Y */
	const uint8_t *y; /* the destination's bytes (HTTP: the body) */
	size_t y_len;
	int y_text;     /* HTTP: Y is text (text/plain: a browser shows it), else binary */
	int timeout_ms; /* bound on every wait */
};

struct px_record {
	int accepted;        /* the client made this connection */
	int preconnect;      /* it closed without a byte: noted, never judged */
	int64_t accepted_ms; /* when (ms since the case started) */
	uint8_t req[S4_REQUEST_MAX + 64];
	size_t req_len;      /* bytes read before the reply: request and early bytes */
	int parse_rc;        /* lib/socks4 on req (VN taken as 4): > 0, S4_INCOMPLETE, S4_E* */
	struct s4_request r; /* the request (vn as sent); pointers into req */
	size_t early;        /* bytes after the request, before the reply */
	int replied;         /* the reply phase happened */
	int x_began;         /* the destination started reading X */
	size_t x_got;        /* stream: bytes of X delivered (after the reply) */
	int x_match;         /* they are exactly X */
	size_t x_extra;      /* bytes beyond X before the client's end of file */
	int client_eof;      /* the client closed its sending side */
	char http_line[160]; /* HTTP: the request line */
	int http_ok;         /* HTTP: GET of the right path */
	char end[200];       /* how the proxy's side ended, for the report */
};

#define PX_CONN_MAX 32 /* connections taken per case; more are closed at once */

/* One connection of the client, served by a thread of its own. */
struct px_conn {
	struct proxy *px;
	struct ctx *c;
	const struct px_script *s;
	struct px_record *rec;
	int fd;
	pthread_t tid;
	char name[8]; /* "c1", "c2", ... in the order the client connected */
};

struct proxy {
	struct ctx *c;
	const struct px_script *s;
	struct px_conn conns[PX_CONN_MAX];
	size_t nconns;  /* connections taken (each has a record) */
	size_t dropped; /* connections beyond PX_CONN_MAX */
	int lfd;
	uint16_t port;
	pthread_t tid;
	pthread_mutex_t mu;       /* stopping, go, the connections' fds */
	pthread_mutex_t trace_mu; /* the case's trace, written by every connection */
	pthread_cond_t cv;
	int stopping, running, go;
};

/* Starts a proxy on 127.0.0.1:0 (port in p->port) that serves every
 * connection made to it with the one script: the first in recs[0], the next
 * in recs[1], ... (PX_CONN_MAX records). Returns 0, or -1 with the reason in
 * err. */
int proxy_start(struct proxy *p, struct ctx *c, const struct px_script *s, struct px_record *recs,
                char *err, size_t errlen);
/* Lets a second write that waits (wait_go) go. Any thread. */
void proxy_go(struct proxy *p);
/* Ends whatever the proxy waits for, joins its threads, closes everything.
 * Returns the number of connections taken (records filled). */
size_t proxy_stop(struct proxy *p);

/* Builds an 8-byte reply with lib/socks4 into out (PX_REPLY_MAX). Returns 8. */
size_t px_reply(uint8_t *out, uint8_t vn, uint8_t cd, uint16_t port, uint32_t ip);

#endif
