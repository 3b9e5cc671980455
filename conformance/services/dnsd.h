/* SPDX-License-Identifier: MIT */
/* services/: what the runner hosts for the target: each case's echo
 * destination (destination.c), the name service (here, names.c) and a private
 * resolv.conf for children (nsexec.h). The identd and the shared echo are in
 * core/harness.c. May use core/ and target/. */
/* dnsd.h - the runner's name service: a small DNS responder on UDP and TCP
 * (one port for both) that answers A queries for the runner's destination
 * names at once, NXDOMAIN at once for every other name, and records every
 * query with its time, so that a case can ask who looked up what and when.
 * Told to stay silent it answers nothing: a resolver that drops queries.
 * The wire format is lib/dns.h. */
#ifndef SOCKS4KIT_DNSD_H
#define SOCKS4KIT_DNSD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns.h"

#define DNSD_NAMES 16   /* names it answers for */
#define DNSD_LOG 4096   /* queries kept (the oldest go first) */

struct dnsd_query {
	int64_t t_ms; /* net_now_ms() when it came */
	char name[DNS_NAME_MAX + 1];
	uint16_t qtype;
	char proto; /* 'u' UDP, 't' TCP */
};

struct dnsd;

/* Listens on ip:port (host byte order; port 0: the kernel's choice, the same
 * for UDP and TCP) and starts answering. NULL with err set on failure (errno
 * kept: EACCES for port 53 without the privilege, EADDRINUSE). */
struct dnsd *dnsd_start(uint32_t ip, uint16_t port, char *err, size_t errlen);
/* Where it listens (for socks4-server --resolver, a resolv.conf). */
void dnsd_addr(const struct dnsd *d, struct sockaddr_storage *ss, socklen_t *len);
uint16_t dnsd_port(const struct dnsd *d);
/* Answers A queries for name (case-insensitive) with ip. -1 when full. */
int dnsd_add(struct dnsd *d, const char *name, uint32_t ip);
/* 1: answer nothing from now on (queries are still recorded); 0: answer. */
void dnsd_set_silent(struct dnsd *d, int silent);
/* Queries for name (case-insensitive; NULL: any) that came at or after
 * since_ms; the first max go to out (may be NULL). Returns the count. */
size_t dnsd_queries(struct dnsd *d, const char *name, int64_t since_ms, struct dnsd_query *out,
                    size_t max);
void dnsd_stop(struct dnsd *d);

#endif
