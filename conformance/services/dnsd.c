/* SPDX-License-Identifier: MIT */
/* dnsd.c - the runner's name service (see dnsd.h): one thread that answers
 * UDP queries and TCP connections (one at a time, each bounded by a short
 * deadline) on one port. */
#include "services/dnsd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "net.h"

#define TCP_DEADLINE_MS 1000 /* a TCP client gets this long for its query */

struct dnsd_name {
	char name[DNS_NAME_MAX + 1];
	uint32_t ip;
};

struct dnsd {
	int ufd, tfd, stop_pipe[2];
	uint32_t ip;
	uint16_t port;
	pthread_t tid;
	int running;
	pthread_mutex_t mu;
	int silent;
	struct dnsd_name names[DNSD_NAMES];
	size_t nnames;
	struct dnsd_query *log; /* a ring of DNSD_LOG */
	size_t nlog;            /* queries ever recorded */
};

static void record(struct dnsd *d, const struct dns_question *q, char proto)
{
	pthread_mutex_lock(&d->mu);
	struct dnsd_query *e = &d->log[d->nlog % DNSD_LOG];
	e->t_ms = net_now_ms();
	snprintf(e->name, sizeof(e->name), "%s", q->name);
	e->qtype = q->qtype;
	e->proto = proto;
	d->nlog++;
	pthread_mutex_unlock(&d->mu);
}

/* The answer to one message: its length in out, or 0 for none (silent, or
 * not even a header). */
static size_t answer(struct dnsd *d, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                     char proto)
{
	struct dns_question q;
	int rc = dns_parse_query(msg, len, &q);
	if (rc == DNS_ESHORT && len < DNS_HEADER_LEN)
		return 0;
	if (rc == 0)
		record(d, &q, proto);
	pthread_mutex_lock(&d->mu);
	int silent = d->silent;
	uint32_t addrs[DNSD_NAMES];
	size_t n = 0;
	int known = 0;
	for (size_t i = 0; rc == 0 && i < d->nnames; i++)
		if (strcasecmp(d->names[i].name, q.name) == 0) {
			known = 1;
			addrs[n++] = d->names[i].ip;
		}
	pthread_mutex_unlock(&d->mu);
	if (silent)
		return 0;
	int rcode = rc < 0                                               ? DNS_RCODE_FORMERR
	            : q.qclass != DNS_CLASS_IN                           ? DNS_RCODE_NOTIMP
	            : known                                              ? DNS_RCODE_NOERROR
	                                                                 : DNS_RCODE_NXDOMAIN;
	if (rc < 0)
		q.qtype = 0; /* no question in a FORMERR answer */
	/* A known name asked for another type (AAAA): NOERROR, no records. */
	int w = dns_write_answer(out, cap, &q, rcode, addrs, q.qtype == DNS_TYPE_A ? n : 0);
	if (w < 0 || (size_t)w > cap)
		return 0;
	return (size_t)w;
}

static void serve_udp(struct dnsd *d)
{
	uint8_t msg[DNS_UDP_MAX], out[DNS_UDP_MAX];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	ssize_t got = recvfrom(d->ufd, msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&from,
	                       &flen);
	if (got <= 0)
		return;
	size_t n = answer(d, msg, (size_t)got, out, sizeof(out), 'u');
	if (n > 0)
		sendto(d->ufd, out, n, MSG_DONTWAIT, (struct sockaddr *)&from, flen);
}

static void serve_tcp(struct dnsd *d)
{
	int fd = accept4(d->tfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	int64_t deadline = net_deadline(TCP_DEADLINE_MS);
	uint8_t hdr[2], msg[DNS_TCP_MAX], out[2 + DNS_TCP_MAX];
	size_t got;
	/* Several queries may come on one connection; each within the deadline. */
	for (int i = 0; i < 8; i++) {
		if (net_read_exact(fd, hdr, 2, &got, deadline, NULL, 0) < 0)
			break;
		size_t len = (size_t)(hdr[0] << 8 | hdr[1]);
		if (len > sizeof(msg) || net_read_exact(fd, msg, len, &got, deadline, NULL, 0) < 0)
			break;
		size_t n = answer(d, msg, len, out + 2, sizeof(out) - 2, 't');
		if (n == 0)
			continue; /* silent: the client waits out its own deadline */
		out[0] = (uint8_t)(n >> 8);
		out[1] = (uint8_t)n;
		if (net_write_all(fd, out, n + 2, deadline, NULL, 0) < 0)
			break;
	}
	close(fd);
}

static void *dnsd_thread(void *arg)
{
	struct dnsd *d = arg;
	for (;;) {
		struct pollfd p[3] = {{.fd = d->ufd, .events = POLLIN},
		                      {.fd = d->tfd, .events = POLLIN},
		                      {.fd = d->stop_pipe[0], .events = POLLIN}};
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[2].revents)
			break;
		if (p[0].revents & POLLIN)
			serve_udp(d);
		if (p[1].revents & POLLIN)
			serve_tcp(d);
	}
	return NULL;
}

static struct dnsd *give_up(struct dnsd *d, char *err, size_t errlen, const char *what)
{
	int e = errno;
	snprintf(err, errlen, "name service on port %u: %s: %s", d->port, what, strerror(e));
	dnsd_stop(d);
	errno = e;
	return NULL;
}

struct dnsd *dnsd_start(uint32_t ip, uint16_t port, char *err, size_t errlen)
{
	struct dnsd *d = calloc(1, sizeof(*d));
	struct dnsd_query *log = calloc(DNSD_LOG, sizeof(*log));
	if (d == NULL || log == NULL) {
		free(d);
		free(log);
		snprintf(err, errlen, "name service: out of memory");
		return NULL;
	}
	d->log = log;
	d->ufd = d->tfd = d->stop_pipe[0] = d->stop_pipe[1] = -1;
	d->ip = ip;
	d->port = port;
	pthread_mutex_init(&d->mu, NULL);
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;
	/* Port 0: the kernel picks the UDP port; TCP must get the same one. A
	 * few tries cover the rare port already taken for TCP. */
	for (int attempt = 0; attempt < 16; attempt++) {
		if (d->ufd >= 0)
			close(d->ufd);
		if (d->tfd >= 0)
			close(d->tfd);
		d->ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		d->tfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (d->ufd < 0 || d->tfd < 0)
			return give_up(d, err, errlen, "socket");
		setsockopt(d->tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		net_sockaddr4(&ss, &len, ip, port);
		if (bind(d->ufd, (struct sockaddr *)&ss, len) < 0)
			return give_up(d, err, errlen, "bind (UDP)");
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);
		getsockname(d->ufd, (struct sockaddr *)&sin, &sl);
		d->port = ntohs(sin.sin_port);
		net_sockaddr4(&ss, &len, ip, d->port);
		if (bind(d->tfd, (struct sockaddr *)&ss, len) == 0)
			break;
		if (errno != EADDRINUSE || port != 0)
			return give_up(d, err, errlen, "bind (TCP)");
	}
	if (listen(d->tfd, 16) < 0)
		return give_up(d, err, errlen, "listen");
	if (pipe2(d->stop_pipe, O_CLOEXEC) < 0)
		return give_up(d, err, errlen, "pipe");
	if (pthread_create(&d->tid, NULL, dnsd_thread, d) != 0)
		return give_up(d, err, errlen, "pthread_create");
	d->running = 1;
	return d;
}

void dnsd_addr(const struct dnsd *d, struct sockaddr_storage *ss, socklen_t *len)
{
	net_sockaddr4(ss, len, d->ip, d->port);
}

uint16_t dnsd_port(const struct dnsd *d)
{
	return d->port;
}

int dnsd_add(struct dnsd *d, const char *name, uint32_t ip)
{
	pthread_mutex_lock(&d->mu);
	int rc = -1;
	if (d->nnames < DNSD_NAMES && strlen(name) <= DNS_NAME_MAX) {
		snprintf(d->names[d->nnames].name, sizeof(d->names[0].name), "%s", name);
		d->names[d->nnames++].ip = ip;
		rc = 0;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

void dnsd_set_silent(struct dnsd *d, int silent)
{
	pthread_mutex_lock(&d->mu);
	d->silent = silent;
	pthread_mutex_unlock(&d->mu);
}

size_t dnsd_queries(struct dnsd *d, const char *name, int64_t since_ms, struct dnsd_query *out,
                    size_t max)
{
	size_t count = 0;
	pthread_mutex_lock(&d->mu);
	size_t first = d->nlog > DNSD_LOG ? d->nlog - DNSD_LOG : 0;
	for (size_t i = first; i < d->nlog; i++) {
		const struct dnsd_query *e = &d->log[i % DNSD_LOG];
		if (e->t_ms < since_ms || (name != NULL && strcasecmp(e->name, name) != 0))
			continue;
		if (out != NULL && count < max)
			out[count] = *e;
		count++;
	}
	pthread_mutex_unlock(&d->mu);
	return count;
}

void dnsd_stop(struct dnsd *d)
{
	if (d == NULL)
		return;
	if (d->running) {
		if (write(d->stop_pipe[1], "x", 1) < 0) {
			/* the pipe is ours and empty: cannot fail */
		}
		pthread_join(d->tid, NULL);
	}
	int fds[] = {d->ufd, d->tfd, d->stop_pipe[0], d->stop_pipe[1]};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	pthread_mutex_destroy(&d->mu);
	free(d->log);
	free(d);
}
