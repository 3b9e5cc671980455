/* SPDX-License-Identifier: MIT */
/* client/: client mode, a job: the scripted proxy (proxy.h), the client as a
 * child (clientrun.h), its catalogue (cases/). May use core/, target/,
 * engine/ and services/, never another job. */
/* clientmode.h - socks4-test --client-cmd: conformance of SOCKS4 CLIENTS.
 *
 * The runner is the SOCKS4 server here. Each case starts a scripted proxy
 * (proxy.h) with its own listener, runs the client's command TEMPLATE against
 * it (clientrun.h), and judges three things: the bytes of the request the
 * proxy read, the conversation the proxy had as the destination, and how the
 * client ended (exit status, stdout, stderr, time). Cases are rows of struct
 * s4case in client-cases/ (one file per area), with the same levels, verdicts and reports as
 * server mode; a run is a struct runner whose target text is the command.
 *
 * The exchange every case builds on: the client must deliver X (its stdin,
 * or for a URL client the GET of {url}) to the destination and put Y (the
 * destination's bytes, or the HTTP body) on its stdout, byte for byte. */
#ifndef SOCKS4KIT_CLIENTMODE_H
#define SOCKS4KIT_CLIENTMODE_H

#include "client/clientrun.h"
#include "client/proxy.h"
#include "core/suite.h"

struct runner;

/* Capabilities in client mode (struct s4case.needs; NEED_4A, NEED_NO_4A and
 * NEED_BIND keep their meaning: --client-4a, its absence, --client-bind). */
enum {
	CNEED_CONNECT = 1u << 13,   /* a CONNECT client (not --client-bind) */
	CNEED_STREAM = 1u << 14,    /* a stream client (stdin/stdout), not a URL fetcher */
	CNEED_EXACT_OUT = 1u << 15, /* stdout judged byte for byte (not --client-judge stdout) */
	CNEED_NAMES = 1u << 16,     /* the client runs with the runner's resolver (names.c) */
};
/* Bits of their own: a client case may need NEED_* and CNEED_* at once. */
_Static_assert((unsigned)CNEED_CONNECT > (unsigned)NEED_REACH &&
                       (unsigned)CNEED_NAMES < (1u << NEED_BITS),
               "CNEED_* bits must not be NEED_* bits");

/* The client catalogue, one table per area (client-cases/<area>.c). */
extern const struct case_table client_cases_preflight, client_cases_request, client_cases_reply,
        client_cases_relay, client_cases_bind, client_cases_robust;
size_t client_catalogue(const struct s4case **out, size_t cap);

/* Runs the selected client cases (r->cases) with r->o.client_cmd; results come
 * back through on_result in catalogue order, as with runner_run(). */
int client_mode_run(struct runner *r, void (*on_result)(struct runner *, size_t, void *), void *arg,
                    char *err, size_t errlen);

/* What most cases accept, in the words of the catalogue. */
#define EXPECT_WORKS                                                                               \
	"X (stdin, or the GET of {url}) reaches the destination and Y comes out on stdout, "       \
	"byte for byte; exit 0"
#define EXPECT_FAILS                                                                               \
	"a non-zero exit within --client-timeout, none of the destination's bytes on stdout"

/* The name only the proxy can resolve (RFC 6761: .invalid never resolves). */
#define CLIENT_4A_NAME "destination.socks4-test.invalid"

/* What {host} is in an exchange. */
enum host_kind {
	HOST_LITERAL, /* 127.0.0.1 */
	HOST_LOCAL,   /* "localhost": the client resolves it (plain SOCKS4) */
	HOST_PROXY,   /* CLIENT_4A_NAME: only the proxy knows it (SOCKS4a) */
};

/* One run of the client against one scripted proxy. */
struct exchange {
	struct px_script s;
	struct px_record rec;               /* the judged connection: the first that sent a byte */
	struct px_record conn[PX_CONN_MAX]; /* every connection, in the order made */
	size_t nconn;                       /* connections the client made to the proxy */
	size_t requests; /* ... of which sent at least one byte (the others: preconnects) */
	size_t judged;   /* conn[judged] is rec */
	struct client_result cl;
	struct client_vars v;
	enum host_kind host;
	int url;        /* the template fetches {url}: HTTP destination */
	uint8_t *x, *y; /* X and Y (per-case memory) */
	size_t x_len, y_len;
	uint32_t bind_ip; /* BIND: the first reply's address and port */
	uint16_t bind_port;
	size_t out_skip;    /* BIND: the announcement line at the start of stdout */
	int direct;         /* the client connected to {host}:{port} itself */
	char http_path[80]; /* "/" and the path of {url} */
};

/* Defaults for a grant: a 90 (VN 0, zero fields), the destination reads X,
 * sends Y and closes; X and Y are short texts naming the case. */
void ex_init(struct ctx *c, struct exchange *e, enum host_kind host);
/* X and Y of n bytes each from fill_pattern (every byte value). */
void ex_binary(struct ctx *c, struct exchange *e, size_t n);
/* The reply bytes: one reply (CONNECT) or both (BIND, cut between them). */
void ex_reply(struct exchange *e, uint8_t vn, uint8_t cd, uint16_t port, uint32_t ip);
void ex_reply2(struct exchange *e, uint8_t cd, uint16_t port, uint32_t ip);
/* Runs it: proxy up, client run on its plan, proxy down, all in the trace. */
void ex_run(struct ctx *c, struct exchange *e);

/* ---- verifiers (each sets Expected unless the case did, and Actual) ---- */

/* A complete request arrived (lib/socks4 parsed it), on every connection that
 * sent a byte (a connection closed without one is a preconnect, not judged).
 * 1, or 0 with Actual set (how the client ended in it). */
int ex_got_request(struct ctx *c, struct exchange *e);
/* The 8-byte header alone (VN, CD, DSTPORT, DSTIP), decoded by lib/socks4,
 * for cases that judge a field even when what follows it is broken. 1 when
 * 8 bytes came, 0 with Actual set. */
int ex_header(struct ctx *c, struct exchange *e, struct s4_request *h);
/* The exchange worked: X delivered exactly, Y on stdout exactly, exit 0, in time.
 * With --client-judge stdout: Y shown within stdout, whatever the exit status. */
enum verdict ex_expect_success(struct ctx *c, struct exchange *e);
/* The client failed as it must: non-zero exit, none of Y on stdout, in time
 * (with --client-judge stdout: none of Y on stdout, in time, any exit status).
 * Its wording (first stderr line) goes into Actual. */
enum verdict ex_expect_failure(struct ctx *c, struct exchange *e);
/* --client-judge stdout: success and failure are told by stdout alone. */
int ex_by_stdout(const struct ctx *c);
/* The client says it worked: exit 0 (with --client-judge stdout: Y shown). */
int ex_reports_success(const struct ctx *c, const struct exchange *e);
/* "exit 3 after 12 ms", "killed after 10.0 s (no exit)", "killed by signal 11" */
const char *ex_ending(const struct exchange *e, char *buf, size_t cap);
/* The client's relayed stdout (without a BIND announcement line). */
const uint8_t *ex_out(const struct exchange *e, size_t *len);
/* BIND: the "ADDR PORT" (or ADDR:PORT) line the client printed on stdout or
 * stderr. Returns 1 and the address, 0 when there is none. */
int ex_announced(const struct exchange *e, uint32_t *ip, uint16_t *port);

#endif
