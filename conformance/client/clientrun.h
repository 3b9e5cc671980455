/* SPDX-License-Identifier: MIT */
/* clientrun.h - runs the client under test: a command TEMPLATE with the case's
 * proxy and destination substituted, under `sh -c`, in a process group of its
 * own. Its stdin is fed on a plan, its stdout and stderr are captured within
 * bounds, and it gets a bounded time to exit; after that the whole process
 * group is killed. Nothing here knows SOCKS: the proxy is proxy.[ch]. */
#ifndef SOCKS4KIT_CLIENTRUN_H
#define SOCKS4KIT_CLIENTRUN_H

#include <stddef.h>
#include <stdint.h>

/* What a TEMPLATE may name: {proxy_host} {proxy_port} {proxy} (host:port)
 * {host} {port} {url} (http://{host}:{port}/{path}). */
struct client_vars {
	char proxy_host[64];
	uint16_t proxy_port;
	char host[256];
	uint16_t port;
	char path[64]; /* without the leading '/' */
};

#define CLIENT_CMD_MAX 4096

/* Writes the template with every {name} replaced into out. An unknown {name}
 * is copied as it stands. Returns 0, or -1 when the result does not fit. */
int client_expand(const char *tmpl, const struct client_vars *v, char *out, size_t cap);

/* True when the template fetches a URL ({url}): the destination then answers
 * HTTP/1.0 instead of being a stream peer. */
int client_wants_url(const char *tmpl);

#define CLIENT_STDERR_CAP 4096 /* stderr kept for the report; the rest is read and dropped */

/* When stdin gets its bytes and its end of file, counted in bytes the client
 * has written to stdout so far: 0 means at once. */
struct client_result;

struct client_plan {
	const uint8_t *in; /* the bytes for stdin */
	size_t in_len;
	size_t in_now;          /* this many of them at once, */
	size_t write_after_out; /* the rest once stdout has this many bytes */
	int hold_ms;            /* ... and then only once the client has had time to act on
	                           what it got: it exited, closed stdout, or hold_ms passed */
	size_t close_after_out; /* close stdin once stdout has this many bytes
	                           (and `in` is written); CLIENT_KEEP_STDIN: only at exit */
	uint8_t *out;           /* where stdout is kept: out_cap + 1 bytes (the caller's) */
	size_t out_cap;         /* stdout kept; more is read and counted, not kept */
	int timeout_ms;         /* the client must exit within this */
	/* Called after every read of stdout or stderr (from the caller's thread). */
	void (*on_output)(void *arg, const struct client_result *res);
	void *arg;
	/* NULL, or a program and its first arguments that run "sh -c CMD" in the
	 * same process (nsexec.h: the client with the runner's resolv.conf) */
	const char *const *wrap;
};
#define CLIENT_KEEP_STDIN ((size_t)-1)

struct client_result {
	int started;     /* 0: fork/exec of sh failed (why is in `err`) */
	int exited;      /* exited on its own (status valid) */
	int status;      /* exit status */
	int signaled;    /* died by a signal (sig) */
	int sig;         /* ... or, when timed_out, killed by us */
	int timed_out;   /* still running at the timeout: the group was killed */
	int64_t ms;      /* from start to exit (or to the kill) */
	uint8_t *out;    /* stdout (plan->out), out_len bytes kept, NUL after them */
	size_t out_len;  /* bytes kept */
	size_t out_seen; /* bytes written in all */
	char err[CLIENT_STDERR_CAP + 1]; /* stderr, NUL-terminated (NULs shown as '.') */
	size_t err_len;
	size_t in_written; /* stdin bytes the client took */
};

/* Runs `cmd` with sh -c. Blocks until the client exits or times out (then
 * its process group is killed and reaped). Always fills *res; returns 0 when
 * the client was started, -1 otherwise. */
int client_run_cmd(const char *cmd, const struct client_plan *plan, struct client_result *res);

/* The first line of stderr (for reports), at most cap-1 characters. */
const char *client_first_line(const struct client_result *res, char *buf, size_t cap);

#endif
