/* SPDX-License-Identifier: MIT */
/* names.c - the runner's name service for its targets: dnsd (dnsd.h)
 * answers for the runner's destination names and says NXDOMAIN at once for
 * everything else. The built-in server asks it (socks4-server --resolver);
 * an --exec target gets it through a resolv.conf of its own in a private
 * mount namespace (nsexec.h) where the system allows that, and the machine's
 * resolver otherwise (r->names_note says which). */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/runner.h"
#include "services/dnsd.h"
#include "services/nsexec.h"
#include "target/supervisor.h"

/* resolv.conf carries no port: an --exec target's name service listens on
 * port 53 of an address of 127/8 that is ours alone (tests run side by side). */
static struct dnsd *start_on_53(struct runner *r, char *why, size_t whylen)
{
	unsigned seed = (unsigned)getpid();
	for (unsigned i = 0; i < 32; i++) {
		unsigned v = (seed + i * 7919u) % (250u * 250u);
		uint32_t ip = 0x7f350000u | (v / 250 + 1) << 8 | (v % 250 + 1); /* 127.53.x.y */
		struct dnsd *d = dnsd_start(ip, 53, why, whylen);
		if (d != NULL) {
			r->dns_ip = ip;
			return d;
		}
		if (errno != EADDRINUSE)
			return NULL;
	}
	return NULL;
}

int names_private(struct runner *r)
{
	char why[256];
	snprintf(r->names_note, sizeof(r->names_note), "the machine's resolver");
	r->dns = start_on_53(r, why, sizeof(why));
	if (r->dns == NULL) {
		snprintf(r->names_note, sizeof(r->names_note),
		         "the machine's resolver (the runner's name service needs port 53: %.180s)",
		         why);
		return -1;
	}
	snprintf(r->resolv_dir, sizeof(r->resolv_dir), "/tmp/socks4-test-names-XXXXXX");
	if (mkdtemp(r->resolv_dir) == NULL) {
		r->resolv_dir[0] = '\0';
		return -1;
	}
	snprintf(r->resolv_conf, sizeof(r->resolv_conf), "%s/resolv.conf", r->resolv_dir);
	FILE *f = fopen(r->resolv_conf, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "# socks4-test's name service for the program it runs\nnameserver %u.%u.%u.%u\n",
	        r->dns_ip >> 24, (r->dns_ip >> 16) & 255, (r->dns_ip >> 8) & 255, r->dns_ip & 255);
	fclose(f);
	if (nsexec_probe(r->resolv_conf, why, sizeof(why)) < 0) {
		snprintf(r->names_note, sizeof(r->names_note),
		         "the machine's resolver (no private mount namespace here: %.180s)", why);
		return -1;
	}
	r->names_ours = 1;
	r->ns_wrap[0] = "/proc/self/exe";
	r->ns_wrap[1] = NSEXEC_FLAG;
	r->ns_wrap[2] = r->resolv_conf;
	r->ns_wrap[3] = NULL;
	snprintf(r->names_note, sizeof(r->names_note),
	         "the runner's name service at %u.%u.%u.%u:53 (a private /etc/resolv.conf)",
	         r->dns_ip >> 24, (r->dns_ip >> 16) & 255, (r->dns_ip >> 8) & 255, r->dns_ip & 255);
	return 0;
}

void names_for_exec(struct runner *r, struct tp_opts *to)
{
	if (names_private(r) < 0)
		return;
	for (int i = 0; i < 3; i++)
		to->wrap[i] = r->ns_wrap[i];
}

size_t names_local_queries(struct ctx *c, const char *name, int64_t since_ms, char *first,
                           size_t cap)
{
	struct dnsd_query q;
	if (c->r->dns == NULL)
		return 0;
	size_t n = dnsd_queries(c->r->dns, name, since_ms, &q, 1);
	if (n > 0)
		snprintf(first, cap, "%s? %s over %s at +%.3f s",
		         q.qtype == DNS_TYPE_A ? "A" : q.qtype == DNS_TYPE_AAAA ? "AAAA" : "type", q.name,
		         q.proto == 't' ? "TCP" : "UDP", (double)(q.t_ms - since_ms) / 1000.0);
	return n;
}

int names_for_builtin(struct runner *r, char *err, size_t errlen)
{
	r->dns_ip = 0x7f000001u;
	r->dns = dnsd_start(r->dns_ip, 0, err, errlen);
	if (r->dns == NULL)
		return -1;
	r->names_ours = 1;
	snprintf(r->names_note, sizeof(r->names_note), "the runner's name service at 127.0.0.1:%u",
	         dnsd_port(r->dns));
	return 0;
}

void names_add_destinations(struct runner *r)
{
	if (r->dns != NULL && r->dest_name[0] != '\0')
		dnsd_add(r->dns, r->dest_name, r->dest_ip);
}

void names_stop(struct runner *r)
{
	dnsd_stop(r->dns);
	r->dns = NULL;
	if (r->resolv_conf[0] != '\0')
		unlink(r->resolv_conf);
	if (r->resolv_dir[0] != '\0')
		rmdir(r->resolv_dir);
	r->resolv_conf[0] = r->resolv_dir[0] = '\0';
}

void names_trace_case(struct ctx *c)
{
	struct runner *r = c->r;
	if (r->dns == NULL || c->nsent == 0)
		return;
	struct dnsd_query q[16];
	size_t n = dnsd_queries(r->dns, NULL, c->t0, q, 16);
	for (size_t i = 0; i < n && i < 16; i++) {
		/* Cases run side by side: a query is this case's when it came
		 * while the case ran and names a name the case sent. */
		size_t len = strlen(q[i].name);
		int mine = 0;
		for (size_t k = 0; k < c->nsent && !mine && len > 0; k++)
			mine = c->sent[k].bytes != NULL &&
			       memmem(c->sent[k].bytes, c->sent[k].len, q[i].name, len) != NULL;
		if (!mine)
			continue;
		char text[sizeof(((struct trace_ev *)0)->text)];
		snprintf(text, sizeof(text), "name service: %s? %.100s over %s at +%.3f s",
		         q[i].qtype == DNS_TYPE_A ? "A" : q[i].qtype == DNS_TYPE_AAAA ? "AAAA" : "type",
		         q[i].name, q[i].proto == 't' ? "TCP" : "UDP",
		         (double)(q[i].t_ms - c->t0) / 1000.0);
		trace_add(c, "*", '*', NULL, 0, text);
	}
}

/* ---- a target's resolver that the runner cannot see (--target) ---------------- */

#define PROBE_LOOKUPS 16    /* lookups at once: what -j workers do to a resolver */
#define PROBE_BUDGET_MS 1500 /* all of them answered within this: names are fast here */

struct probe {
	char name[64];
	int rc, err;
	int64_t took_ms;
};

static void *probe_one(void *arg)
{
	struct probe *p = arg;
	uint32_t a[4];
	size_t n;
	int64_t t0 = net_now_ms();
	p->rc = net_resolve4(p->name, PROBE_BUDGET_MS, a, 4, &n, NULL, 0);
	p->err = errno;
	p->took_ms = net_now_ms() - t0;
	return NULL;
}

int names_fast(struct runner *r, char *why, size_t whylen)
{
	struct probe p[PROBE_LOOKUPS];
	pthread_t tid[PROBE_LOOKUPS];
	int started[PROBE_LOOKUPS];
	unsigned tag = (unsigned)getpid();
	(void)r;
	for (int i = 0; i < PROBE_LOOKUPS; i++) {
		snprintf(p[i].name, sizeof(p[i].name), "socks4-test-probe-%u-%d.invalid", tag, i);
		p[i].rc = -1;
		p[i].err = ETIMEDOUT;
		p[i].took_ms = PROBE_BUDGET_MS;
		started[i] = pthread_create(&tid[i], NULL, probe_one, &p[i]) == 0;
	}
	int slow = 0;
	int64_t worst = 0;
	for (int i = 0; i < PROBE_LOOKUPS; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		if (p[i].rc < 0 && p[i].err == ETIMEDOUT)
			slow++;
		if (p[i].took_ms > worst)
			worst = p[i].took_ms;
	}
	if (slow == 0 && worst < PROBE_BUDGET_MS)
		return 1;
	snprintf(why, whylen, "%d of %d lookups of NAME.invalid at once got no answer within %d ms",
	         slow, PROBE_LOOKUPS, PROBE_BUDGET_MS);
	return 0;
}

int names_silent(struct ctx *c, const uint8_t *req_bytes, size_t len, char *why, size_t whylen)
{
	struct runner *r = c->r;
	struct s4_request req;
	char name[S4_HOST_MAX + 1];
	struct in_addr lit;
	if (r->names_ours || s4_parse_request(req_bytes, len, 0, &req) <= 0 || req.host == NULL ||
	    req.host_len == 0 || req.host_len > S4_HOST_MAX)
		return 0;
	memcpy(name, req.host, req.host_len);
	name[req.host_len] = '\0';
	if (strlen(name) != req.host_len || inet_pton(AF_INET, name, &lit) == 1)
		return 0; /* no lookup involved */
	uint32_t a[4];
	size_t n;
	int wait = case_timeout_ms(c);
	int64_t t0 = net_now_ms();
	int rc = net_resolve4(name, wait, a, 4, &n, NULL, 0);
	int e = errno;
	int64_t took = net_now_ms() - t0;
	size_t k = strlen(why);
	/* Slow: no answer, or an answer later than half the time the target had. */
	if ((rc < 0 && e == ETIMEDOUT) || took > wait / 2) {
		note(c, "this host's own lookup of %.100s: %s after %lld ms", name,
		     rc == 0 ? "an address" : e == ETIMEDOUT ? "no answer" : "an answer",
		     (long long)took);
		snprintf(why + k, whylen - k,
		         "; inconclusive: this host's own lookup of %.100s %s after %lld ms, so the "
		         "target may be waiting for the same resolver",
		         name, rc < 0 && e == ETIMEDOUT ? "got no answer" : "only answered",
		         (long long)took);
		return 1;
	}
	note(c, "this host's own lookup of %.100s answered in %lld ms", name, (long long)took);
	snprintf(why + k, whylen - k,
	         "; this host looked %.100s up in %lld ms: the target's silence is its own", name,
	         (long long)took);
	return 0;
}

int names_case_inconclusive(struct ctx *c)
{
	struct runner *r = c->r;
	const char *actual = c_actual(c);
	/* Only a wait that ran out: "no reply", "... then nothing", "no close". */
	if (r->names_ours || (strstr(actual, "no reply") == NULL && strstr(actual, "nothing") == NULL &&
	                      strstr(actual, "no close") == NULL))
		return 0;
	for (size_t k = 0; k < c->nsent; k++) {
		char why[400] = "";
		if (c->sent[k].bytes == NULL ||
		    !names_silent(c, c->sent[k].bytes, c->sent[k].len, why, sizeof(why)))
			continue;
		char was[200];
		snprintf(was, sizeof(was), "%s", actual);
		/* why starts with "; inconclusive: ..." */
		skip(c, "%s (the target's answer was: %.150s)", why + 2, was);
		return 1;
	}
	return 0;
}
