/* SPDX-License-Identifier: MIT */
/* instance.h - target instances the runner owns: the built-in reference
 * server, started in-process on a port of its own. The run's shared target is
 * one; a hostile case gets another for itself (schedule.c), so that it runs
 * beside every other case and a death on its instance can only be its own. */
#ifndef SOCKS4KIT_INSTANCE_H
#define SOCKS4KIT_INSTANCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct runner;

struct instance {
	void *server; /* struct s4srv *, NULL when not running */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint16_t port;
};

/* Starts the built-in server on 127.0.0.1:0 with the built-in rules (its
 * identd is the runner's). 0, or -1 with err set. */
int instance_start(struct runner *r, struct instance *in, char *err, size_t errlen);
/* Stops it at once (no grace) and clears *in; harmless on a stopped one. */
void instance_stop(struct instance *in);
/* Aims the case's connections (t_connect) at the instance instead of the run's target. */
struct ctx;
void ctx_aim(struct ctx *c, const struct instance *own);
/* Does the runner own its target, so that it can start instances of it? */
int runner_owns_target(const struct runner *r);

#endif
