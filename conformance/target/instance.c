/* SPDX-License-Identifier: MIT */
/* instance.c - the built-in reference server as a target instance the runner
 * owns (instance.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "target/instance.h"
#include "core/runner.h"
#include "server.h"
#include "services/dnsd.h"

/* The built-in target's rules: a user the policy denies, and two users whose
 * requests are checked with identd, strictly and leniently. */
static const char builtin_rules[] = "deny *=socks4-test-denied 0.0.0.0 0.0.0.0\n"
                                    "permit ?=I *=ident-strict 0.0.0.0 0.0.0.0\n"
                                    "permit ?=i *=ident-lenient 0.0.0.0 0.0.0.0\n"
                                    "permit 0.0.0.0 0.0.0.0\n";

int instance_start(struct runner *r, struct instance *in, char *err, size_t errlen)
{
	struct s4srv_config cfg;
	memset(in, 0, sizeof(*in));
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
	in->addr_len = sizeof(struct sockaddr_in);
	in->port = ntohs(((struct sockaddr_in *)&in->addr)->sin_port);
	return 0;
}

void instance_stop(struct instance *in)
{
	if (in->server != NULL)
		s4srv_stop(in->server, 0);
	memset(in, 0, sizeof(*in));
}

int runner_owns_target(const struct runner *r)
{
	return r->in_process;
}

void ctx_aim(struct ctx *c, const struct instance *own)
{
	c->target = own->addr;
	c->target_len = own->addr_len;
	c->target_port = own->port;
}
