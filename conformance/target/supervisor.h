/* SPDX-License-Identifier: MIT */
/* supervisor.h - the target's process, for socks4-test --exec: start a
 * server under test from a shell command, keep the last of what it prints,
 * tell when it died and how, restart it, stop it and everything it started.
 * Used by the case runner and the live fuzzer alike.
 *
 * The command is a template run with `sh -c`: "{port}" becomes a free
 * loopback port picked for it and "{addr}" becomes "127.0.0.1:{port}". A
 * simple command (no ; & | or newline, not starting with a reserved word or
 * an assignment) is run as `exec CMD`, so that the shell is replaced and its
 * death is the target's own (a signal stays a signal); for a compound one
 * the shell reports a signal as exit status 128+N, and tp_exit() says so.
 *
 * The process runs in a process group of its own with stdin on /dev/null and
 * SIGPIPE at its default; its stdout and stderr go into one pipe that a
 * thread reads into a ring of the last ring_bytes. Every byte ever read has
 * an offset (a "mark"), kept across restarts, so a caller takes "what the
 * target printed since mark X" (a case, a fuzz iteration).
 *
 * Threads: tp_addr, tp_log_mark, tp_log_since, tp_running and tp_exit may be
 * called from any thread at any time. tp_restart and tp_stop change the
 * process (and the address): one thread calls them while no other thread
 * uses the target, and callers read tp_addr() again after a restart. */
#ifndef SOCKS4KIT_SUPERVISOR_H
#define SOCKS4KIT_SUPERVISOR_H

#include <stddef.h>
#include <stdint.h>

#define TP_RING_DEFAULT (64 * 1024) /* output kept: the last 64 KiB */
#define TP_READY_DEFAULT_MS 10000   /* until the port accepts a connection */
#define TP_MAX_RESTARTS_DEFAULT 20

struct tp_opts {
	size_t ring_bytes;    /* 0: TP_RING_DEFAULT */
	int ready_timeout_ms; /* 0: TP_READY_DEFAULT_MS */
	int max_restarts;     /* tp_restart gives up after this many; 0: the default, -1: none */
	int stop_grace_ms;    /* after SIGTERM, before SIGKILL; 0: 3 s, -1: SIGKILL at once */
	/* Runs the shell through this program with these first arguments (NULL:
	 * none): wrap[0] is executed with wrap[0..] then "sh" "-c" CMD, and must
	 * exec the rest in the same process (nsexec.c's private resolv.conf). */
	const char *wrap[4];
};

struct target_proc;

/* Starts the command and waits (bounded) until its port accepts a TCP
 * connection. NULL on failure, with err saying why: the command exited
 * first (its status and last output lines), or did not listen in time (it
 * is then stopped). opts may be NULL for the defaults. */
struct target_proc *tp_start(const char *cmd_template, const struct tp_opts *opts, char *err,
                             size_t errlen);

/* The template with {port} and {addr} ("127.0.0.1:{port}") filled in, after
 * prefix, into out; -1 when it does not fit in cap bytes. */
int tp_fill(const char *tmpl, uint16_t port, const char *prefix, char *out, size_t cap);

/* "127.0.0.1:PORT" of the current process, and PORT. */
const char *tp_addr(struct target_proc *tp);
uint16_t tp_port(struct target_proc *tp);
/* The command as run (the template with {port} and {addr} filled in). */
const char *tp_command(struct target_proc *tp);

/* The offset of the next byte the target will print. */
uint64_t tp_log_mark(struct target_proc *tp);
/* Copies what the target printed from mark on into buf (NUL-terminated,
 * at most cap - 1 bytes: the last ones when it does not fit) and returns
 * the length. Bytes that fell out of the ring are replaced by a line
 * saying how many. When the process has ended, first waits a bounded moment
 * for the pipe's end of file, so a report written just before the exit (a
 * sanitizer's, a stack trace) is not lost. */
size_t tp_log_since(struct target_proc *tp, uint64_t mark, char *buf, size_t cap);

/* 1 while the process runs, 0 once it has ended (its status is then kept). */
int tp_running(struct target_proc *tp);
/* How the process ended: -1 while it runs, else its wait status (for
 * WIFEXITED/WEXITSTATUS/WIFSIGNALED/WTERMSIG), with text such as "exited
 * with status 1" or "killed by signal 11 (SIGSEGV)" in text (may be NULL). */
int tp_exit(struct target_proc *tp, char *text, size_t cap);
/* Restarts done so far. */
int tp_restarts(struct target_proc *tp);
/* Allows n restarts beyond max_restarts (the live fuzzer's minimizer
 * restarts the target after each attempt that crashes it). */
void tp_allow_restarts(struct target_proc *tp, int n);

/* Stops the process if it still runs, and starts it again: on the same
 * port first, then (a target that cannot bind it again at once) on a new
 * one. 0 when it accepts connections again; -1 with the reason, also when
 * max_restarts restarts have been done already. */
int tp_restart(struct target_proc *tp, char *err, size_t errlen);

/* SIGTERM to the whole process group, a bounded wait, then SIGKILL to
 * whatever is left of it; frees everything. tp may be NULL. */
void tp_stop(struct target_proc *tp);

#endif
