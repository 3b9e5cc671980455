/* SPDX-License-Identifier: MIT */
/* instance.h - target instances the runner owns, each on a port of its own:
 * the built-in reference server started in-process, or under --exec another
 * process of the same command. The run's shared target is one; a hostile
 * case gets a fresh one for itself (schedule.c), so that it runs beside every
 * other case and a death of its instance can only be its own. */
#ifndef SOCKS4KIT_INSTANCE_H
#define SOCKS4KIT_INSTANCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct runner;
struct target_proc;

struct instance {
	void *server;           /* struct s4srv * (built-in), NULL when not running */
	struct target_proc *tp; /* --exec: its process (supervisor.h), or NULL */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint16_t port;
};

/* Starts an instance: the built-in server on 127.0.0.1:0 with the built-in
 * rules (its identd is the runner's), or under --exec the command again on a
 * free port, the way the run's target was started (its name service too).
 * Process starts are made one at a time, so that two can never be given the
 * same free port. 0, or -1 with err set. */
int instance_start(struct runner *r, struct instance *in, char *err, size_t errlen);
/* Stops it at once (a process: SIGKILL to its process group, no grace: its
 * case is over) and clears *in; harmless on a stopped one. */
void instance_stop(struct instance *in);
/* Aims the case's connections (t_connect) at the instance instead of the run's target. */
struct ctx;
void ctx_aim(struct ctx *c, const struct instance *own);
/* Can the runner start instances of its target (the built-in server, or
 * --exec unless --exec-shared or a second process would not start)? */
int runner_owns_target(const struct runner *r);
/* Under --exec: starts one more process of the command and stops it again,
 * to learn whether the command can run twice at once (a fixed pid file or
 * port would stop the second). 0, or -1 with why. */
int instance_exec_probe(struct runner *r, char *why, size_t whylen);

#endif
