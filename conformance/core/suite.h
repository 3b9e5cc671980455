/* SPDX-License-Identifier: MIT */
/* suite.h - what a conformance case is, and everything a case may call.
 *
 * A case is a row in a static table (one table per spec area, in cases/):
 * a stable id, the requirement ids it checks, a level, a title, the outcomes
 * it accepts, and its function. The function gets a fresh context: its own
 * deadline, its own trace of the bytes both ways, and helpers that open
 * connections to the target, send requests (whole, split, byte by byte),
 * read replies and judge them. Everything it opens is closed when it ends.
 *
 * A case returns PASS, FAIL (what the spec forbids happened), SKIP (a
 * capability the target lacks, with the reason) or INFO (an observation the
 * spec leaves open). Expected and Actual say what was accepted and what
 * happened; the runner prints them with the trace for every failure. */
#ifndef SOCKS4KIT_SUITE_H
#define SOCKS4KIT_SUITE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "socks4.h"

enum level { LEVEL_MUST, LEVEL_SHOULD, LEVEL_INFO };
enum verdict { V_PASS, V_FAIL, V_SKIP, V_INFO, V_FLAKY };

/* Capabilities a case may need; a missing one makes it SKIP, never FAIL. */
enum {
	NEED_4A = 1u << 0,             /* SOCKS4a hostnames */
	NEED_BIND = 1u << 1,           /* the BIND command */
	NEED_IDENTD = 1u << 2,         /* the target consults identd */
	NEED_IDENTD_STRICT = 1u << 3,  /* ... and refuses when it cannot (92) */
	NEED_IDENTD_LENIENT = 1u << 4, /* ... and allows when it cannot */
	NEED_DENY = 1u << 5,           /* a request the target's policy denies */
	NEED_ALT_SOURCE = 1u << 6,     /* a second local address (BIND mismatch) */
	NEED_TIMER = 1u << 7,          /* --timer-wait: the BIND timer is waited for */
	NEED_NAME = 1u << 8,           /* a name the target resolves to dest-addr */
	NEED_NO_4A = 1u << 9,          /* the target does NOT do SOCKS4a */
	NEED_NO_BIND = 1u << 10,       /* the target does NOT do BIND */
	NEED_GRANT = 1u << 11,         /* the target grants CONNECTs to the runner's destinations */
	NEED_REACH = 1u << 12,         /* ... or at least answers them in time (a refusal too) */
	/* client mode's CNEED_* (clientmode.h) take the bits from 13 on */
};

/* Capability bits in all, NEED_* and client mode's CNEED_*: the size of r->lacks. */
#define NEED_BITS 20

/* Case flags */
enum {
	F_SLOW = 1u << 0,        /* waits for a server-side timeout: run alongside */
	F_DESTRUCTIVE = 1u << 1, /* hostile input: run alone, check the target still serves after */
	F_HOSTILE = 1u << 2,     /* a slow case that starts with hostile bytes: it starts
	                            alone and calls t_sent_hostile() once they are out */
};

struct ctx;

struct s4case {
	const char *id;   /* stable, e.g. "connect/refused" */
	const char *reqs; /* requirement ids, space-separated, e.g. "S4-CONNECT-4 S4-REPLY-5" */
	enum level level;
	const char *title;
	const char *expect; /* the acceptable outcomes, in words */
	unsigned needs;     /* NEED_* */
	unsigned flags;     /* F_* */
	enum verdict (*run)(struct ctx *c);
};

/* One table per spec area (cases/<area>.c). */
struct case_table {
	const struct s4case *v;
	size_t n;
};
extern const struct case_table cases_preflight, cases_connect, cases_reply, cases_request,
        cases_delivery, cases_relay, cases_bind, cases_socks4a, cases_ident, cases_robust;

/* The preflight's second case: finds out what the target can do (SOCKS4a,
 * BIND, identd, one client at a time) with probes, and FAILs naming the probe
 * when one kills the target. */
enum verdict runner_detect(struct ctx *c);
/* The target serves one client at a time (found by the preflight). */
int target_is_serial(struct ctx *c);

/* ---- what the runner tells a case ------------------------------------ */

/* The destination the target should connect to: the runner's echo service
 * on dest-addr (IPv4, host byte order). */
uint32_t dest_ip(struct ctx *c);
/* The target's own IPv4 address (127.0.0.1 for a target on ::1): what a BIND
 * reply's 0.0.0.0 stands for (S4-BIND-6). */
uint32_t target_ip(struct ctx *c);
uint16_t echo_port(struct ctx *c);
/* The USERID cases send unless they test USERID itself. */
const char *default_user(struct ctx *c);
/* Opens a connection and sends a CONNECT the target's policy denies
 * (NEED_DENY): by USERID (--deny-user) or by destination port (--deny-port,
 * where the runner then listens, so "denied" and "connected" differ).
 * Returns the fd or -1 (Actual set). */
int send_denied(struct ctx *c);
/* True when every request to the target is checked with identd (an external
 * target that consults it): a USERID identd cannot confirm then gets 93. */
int identd_checks_all(struct ctx *c);
/* USERIDs that put the target in strict / lenient identd mode (NEED_IDENTD_*). */
const char *ident_user(struct ctx *c, int strict);
/* A second local address for BIND peers that must not match (NEED_ALT_SOURCE). */
uint32_t alt_source(struct ctx *c);
/* A name the target resolves to dest-addr (NEED_NAME), e.g. "localhost". */
const char *dest_name(struct ctx *c);
/* How long to wait for the target's own timeouts (stalls, the BIND timer). */
int stall_wait_ms(struct ctx *c);
int timer_wait_ms(struct ctx *c);
/* Bytes each way for the bulk relay case. */
size_t relay_bytes(struct ctx *c);
/* The per-case timeout for ordinary waits (a reply, an EOF). */
int case_timeout_ms(struct ctx *c);

/* ---- verdicts ---------------------------------------------------------- */

/* Sets Expected (what the case accepts) when the table's text needs detail. */
void expect(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Each returns its verdict after setting Actual. */
enum verdict pass(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum verdict fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum verdict skip(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum verdict info(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* SKIP: the runner's own side failed (a destination it could not open, ...):
 * never the target's fault, so never a FAIL. */
enum verdict runner_trouble(struct ctx *c, const char *what);
/* The preflight's finding that the target does not speak SOCKS4 at all:
 * every other case is then skipped with this reason. */
void mark_not_socks4(struct ctx *c, const char *why);
/* preflight/destination's finding that the target does not grant a CONNECT
 * to the runner's listening echo destination (it refuses, or the grant never
 * comes: late = 1): every case that needs a grant (NEED_GRANT) is then skipped
 * with this reason, and the run could not test what it was asked to. */
void mark_unreachable(struct ctx *c, const char *why, int late);
/* The Actual text set so far. */
const char *c_actual(struct ctx *c);
/* A note in the trace ("* waiting 1000 ms for no reply"). */
void note(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- connections to the target ----------------------------------------- */

/* Opens a connection to the target, named "c1", "c2"... in the trace.
 * Returns the fd, or -1 after recording why (the case should then FAIL or
 * return the runner's "target down" verdict via target_down()). */
int t_connect(struct ctx *c);
enum verdict target_down(struct ctx *c); /* FAIL: could not reach the target */

/* Sends bytes in one write; split at the given offsets with gap_ms between
 * writes; or one byte per write. TCP_NODELAY is set, so each write leaves
 * as its own segment. Return 0, or -1 (recorded) when the target went away. */
int t_send(struct ctx *c, int fd, const void *buf, size_t n);
int t_send_split(struct ctx *c, int fd, const void *buf, size_t n, const size_t *cuts, size_t ncuts,
                 int gap_ms);
int t_send_bytewise(struct ctx *c, int fd, const void *buf, size_t n, int gap_ms);
/* Sends prefix, then `fill` octets without end, as fast as the target takes
 * them, until the target reacts (a byte, end of file or a reset is readable:
 * returns 1), max octets are out with no reaction (returns 0), or nothing
 * moves for timeout_ms (returns -1). *pushed counts what went out. Our send
 * buffer is kept small, so what the target has read is at least *pushed minus
 * its own receive buffer. */
int t_flood(struct ctx *c, int fd, const void *prefix, size_t plen, uint8_t fill, size_t max,
            int timeout_ms, size_t *pushed);
/* A case that sends hostile bytes (a partial request) and then waits calls
 * this right after sending them: a slow case starts alone and runs alone
 * until here, so a target that dies on its bytes is blamed on it. Returns 1
 * when the target is still alive, 0 when it died (Actual says so). */
int t_sent_hostile(struct ctx *c);
/* Any SOCKS4 answer to a new CONNECT: 1 the target is alive, 0 not (Actual
 * set): whether a close came from the target's choice or its death. */
int t_target_answers(struct ctx *c);
/* shutdown(SHUT_WR), traced. */
void t_shutdown_write(struct ctx *c, int fd);
/* Closes with a reset (SO_LINGER 0), traced. */
void t_reset(struct ctx *c, int fd);
/* An orderly close (close(2): FIN, when nothing is left unread), traced. */
void t_close(struct ctx *c, int fd);

/* Builds a request with lib/socks4 (the only encoder). host may be NULL.
 * Returns the length, 0 when it does not fit. */
size_t req_build(uint8_t *out, size_t cap, int cd, uint16_t port, uint32_t ip, const char *userid,
                 size_t userid_len, const char *host, size_t host_len);
/* A CONNECT to the echo service with the default USERID. */
size_t req_connect_echo(struct ctx *c, uint8_t *out, size_t cap);

/* What came back where a reply was expected. */
enum got_kind {
	GOT_REPLY,   /* 8 bytes with VN=0 (rep holds them) */
	GOT_BAD_VN,  /* 8 bytes, VN not 0 (rep holds them; vn as read) */
	GOT_SHORT,   /* end of file after 1..7 bytes */
	GOT_EOF,     /* end of file before any byte */
	GOT_RESET,   /* connection reset */
	GOT_TIMEOUT, /* nothing (or less than 8 bytes) within the time */
};
struct got {
	enum got_kind kind;
	struct s4_reply rep;
	uint8_t raw[S4_REPLY_LEN];
	size_t n;      /* bytes read */
	int64_t at_ms; /* when it was decided, ms since the case started */
};
/* Reads one reply, decoded by lib/socks4 (the only decoder). timeout_ms is
 * the wait for its first byte; a reply that has begun is read to its end
 * within the run's --timeout (a short wait never cuts a split reply). */
void t_read_reply(struct ctx *c, int fd, int timeout_ms, struct got *g);
/* "90 (request granted)", "end of file after 3 of 8 bytes", ... */
const char *got_str(const struct got *g, char *buf, size_t cap);
/* Is it an 8-byte answer carrying a SOCKS4 code: VN 0, or the 4 some servers
 * send (cases about VN judge that apart)? Then g->rep.cd is the code. */
int got_socks4_code(const struct got *g);

/* Waits for the target to close fd: returns 1 on end of file or reset with
 * no byte before it, 0 otherwise (Actual then says what came instead). */
int t_expect_close(struct ctx *c, int fd, int timeout_ms);
/* Reads exactly n bytes. Returns 0, or -1 with Actual set. */
int t_read_exact(struct ctx *c, int fd, void *buf, size_t n, int timeout_ms);
/* Waits timeout_ms for any byte or end of file. Returns 1 when something
 * came (n bytes put in buf, 0 for end of file), 0 when the time passed. */
int t_read_any(struct ctx *c, int fd, void *buf, size_t cap, int timeout_ms, size_t *n);
/* The next byte the target sends, left unread (MSG_PEEK): 0-255, or -1 for
 * end of file, a reset or nothing within timeout_ms. */
int t_peek_byte(struct ctx *c, int fd, int timeout_ms);
/* Sleeps, traced. */
void t_sleep(struct ctx *c, int ms);

/* A fresh CONNECT to the echo service and a round trip, in this case's
 * trace: 1 when the target still serves, 0 otherwise (Actual says why). */
int t_target_serves(struct ctx *c);

/* Sends SOCKS5's greeting (05 01 00: one method, "none") on a new connection
 * and reads at most 8 bytes of answer into buf (*n of them; 0 for a close).
 * Returns 1 when an answer or a close came, 0 when nothing did in time, -1
 * when the target could not be reached. A SOCKS5 server answers 05 xx. */
int t_socks5_greeting(struct ctx *c, uint8_t buf[8], size_t *n);

/* The standard verifiers. Each sets Expected (unless the case did) and
 * Actual, and returns the verdict:
 *   expect_grant: a 90 reply (the connection stays open for the relay);
 *   expect_code: a reply (VN=0, 8 bytes) whose code is in codes[];
 *   expect_code_close: the same, then the target closes at once (S4-CONNECT-5);
 *   expect_refusal: "close" or "91 then close" (S4-REQ-7), never 90, no hang. */
enum verdict expect_grant(struct ctx *c, int fd, struct got *g);
enum verdict expect_code(struct ctx *c, int fd, const int *codes, size_t ncodes);
enum verdict expect_code_close(struct ctx *c, int fd, const int *codes, size_t ncodes);
enum verdict expect_refusal(struct ctx *c, int fd);
/* {91} for the verifiers above. */
extern const int only_91[1];

/* ---- the runner's own services ------------------------------------------ */

/* A listener on dest-addr:0 that the case drives itself. backlog 0 makes a
 * late-accepting destination (one queued connection, then SYNs are held). */
int d_listen(struct ctx *c, int backlog, uint16_t *port);
/* Accepts one connection within timeout_ms; -1 when none came. The peer's
 * address is recorded in the trace as "dN". */
int d_accept(struct ctx *c, int lfd, int timeout_ms);
/* Connects from `source` (dest-addr or alt_source) to ip:port, as a BIND
 * peer. Returns the fd or -1. */
int d_connect_from(struct ctx *c, uint32_t source, uint32_t ip, uint16_t port);
/* Starts a connection from dest-addr to ip:port without waiting for it to
 * complete (to fill a destination's accept queue). Returns the fd or -1. */
int d_connect_nowait(struct ctx *c, uint32_t ip, uint16_t port);
/* A port on dest-addr where nothing listens. */
uint16_t d_refused_port(struct ctx *c);
/* Echoes everything on fd in a helper thread until end of file (then shuts
 * the write side); d_echo_wait() joins it. One per case. */
void d_echo_start(struct ctx *c, int fd);
void d_echo_wait(struct ctx *c);

/* The scripted identd: how it answers the query about the connection fd
 * (a connection to the target made by this case). */
enum ident_answer {
	IDENT_ANS_USERID, /* "USERID : UNIX : <arg>" */
	IDENT_ANS_ERROR,  /* "ERROR : <arg>" */
	IDENT_ANS_RAW,    /* <arg> as the whole line (after the port pair) */
	IDENT_ANS_CLOSE,  /* close without answering */
	IDENT_ANS_HANG,   /* never answer (until the case ends) */
};
void ident_script(struct ctx *c, int fd, enum ident_answer kind, const char *arg);
/* A CONNECT to the echo service as the identd-checked user of that mode
 * (ident_user), with identd scripted to answer its query as asked.
 * Returns the fd or -1. */
int t_ident_request(struct ctx *c, int strict, enum ident_answer kind, const char *arg);
/* The query line the target sent about fd (NUL-terminated, CRLF kept), or
 * NULL when none came within timeout_ms. */
const char *ident_query_line(struct ctx *c, int fd, int timeout_ms);
/* The port the target accepted fd on, and fd's own source port. */
uint16_t target_port(struct ctx *c);
uint16_t local_port(int fd);

/* Memory for this case only (cases run concurrently: no static buffers),
 * zeroed, freed when the case ends. Never NULL: the run aborts without it. */
void *t_alloc(struct ctx *c, size_t n);

/* A random-looking but reproducible byte stream (for relay data). */
void fill_pattern(uint8_t *buf, size_t n, uint32_t seed);

#endif
