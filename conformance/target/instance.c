/* SPDX-License-Identifier: MIT */
/* instance.c - target instances the runner owns (instance.h): the built-in
 * reference server in-process, or another process of the --exec command. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#include "target/instance.h"
#include "core/runner.h"
#include "net.h"
#include "server.h"
#include "services/dnsd.h"
#include "target/supervisor.h"

/* The built-in target's rules: a user the policy denies, and two users whose
 * requests are checked with identd, strictly and leniently. */
static const char builtin_rules[] = "deny *=socks4-test-denied 0.0.0.0 0.0.0.0\n"
                                    "permit ?=I *=ident-strict 0.0.0.0 0.0.0.0\n"
                                    "permit ?=i *=ident-lenient 0.0.0.0 0.0.0.0\n"
                                    "permit 0.0.0.0 0.0.0.0\n";

/* One process start at a time: the supervisor picks a free port, then the
 * command binds it; two starts at once could be given the same port, and
 * one instance's cases would then reach the other. */
static pthread_mutex_t start_mu = PTHREAD_MUTEX_INITIALIZER;

static int start_builtin(struct runner *r, struct instance *in, char *err, size_t errlen)
{
	struct s4srv_config cfg;
	s4srv_config_defaults(&cfg);
	cfg.listen[0] = "127.0.0.1:0";
	cfg.n_listen = 1;
	cfg.rules =
	        rules_parse(builtin_rules, sizeof(builtin_rules) - 1, "builtin", 0, err, errlen);
	if (cfg.rules == NULL)
		return -1;
	cfg.identd_port = r->ident_port;
	cfg.identd_timeout_ms = 1000;
	cfg.handshake_timeout_ms = 2000;
	cfg.bind_timeout_ms = 2000;
	cfg.connect_timeout_ms = 15000; /* beyond connect/no-early-grant's SYN retries */
	cfg.resolve_timeout_ms = 4000; /* socks4-server's default: a 91 before --timeout */
	if (r->dns != NULL)
		dnsd_addr(r->dns, &cfg.resolver, &cfg.resolver_len); /* the runner's names */
	cfg.log_level = r->o.verbose ? S4SRV_LOG_VERBOSE : S4SRV_LOG_QUIET;
	cfg.log_fd = r->o.verbose ? 2 : -1;
	struct s4srv *srv = s4srv_start(&cfg, err, errlen);
	if (srv == NULL)
		return -1;
	in->server = srv;
	s4srv_listener_addr(srv, 0, &in->addr);
	return 0;
}

static int start_process(struct runner *r, struct instance *in, char *err, size_t errlen)
{
	/* As the run's target was started (runner_setup), but never restarted:
	 * a death of an instance is handled by starting a fresh one. */
	struct tp_opts to = {.max_restarts = -1,
	                     .ready_timeout_ms = r->o.exec_wait_ms,
	                     .stop_grace_ms = -1}; /* its case is over: nothing to wait for */
	for (int i = 0; i < 4; i++)
		to.wrap[i] = r->exec_wrap[i];
	pthread_mutex_lock(&start_mu);
	in->tp = tp_start(r->o.exec_cmd, &to, err, errlen); /* (a taken port: tried again) */
	pthread_mutex_unlock(&start_mu);
	if (in->tp == NULL)
		return -1;
	socklen_t len;
	net_sockaddr4(&in->addr, &len, INADDR_LOOPBACK, tp_port(in->tp));
	return 0;
}

int instance_start(struct runner *r, struct instance *in, char *err, size_t errlen)
{
	memset(in, 0, sizeof(*in));
	int rc = r->tp != NULL ? start_process(r, in, err, errlen) : start_builtin(r, in, err, errlen);
	if (rc < 0)
		return -1;
	in->addr_len = sizeof(struct sockaddr_in);
	in->port = ntohs(((struct sockaddr_in *)&in->addr)->sin_port);
	return 0;
}

void instance_stop(struct instance *in)
{
	if (in->server != NULL)
		s4srv_stop(in->server, 0);
	tp_stop(in->tp);
	memset(in, 0, sizeof(*in));
}

int instance_exec_probe(struct runner *r, char *why, size_t whylen)
{
	struct instance in;
	if (instance_start(r, &in, why, whylen) < 0)
		return -1;
	instance_stop(&in);
	return 0;
}

int runner_owns_target(const struct runner *r)
{
	return r->in_process || r->exec_instances; /* exec_instances: only under --exec */
}

void ctx_aim(struct ctx *c, const struct instance *own)
{
	c->target = own->addr;
	c->target_len = own->addr_len;
	c->target_port = own->port;
}
