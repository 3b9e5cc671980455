/* SPDX-License-Identifier: MIT */
/* destination.c - the echo destination of one case, and what happened at it.
 *
 * A case that asks for echo_port() gets an echo listener of its own, on the
 * runner's destination address, for as long as it runs. Because nothing else
 * connects there, every connection it accepts is this case's: its trace shows
 * where the target connected from, the bytes that came in and went back, and
 * how each connection ended ("e1", "e2", ...). So a relay verdict can tell a
 * target that lost bytes from one that never forwarded them, or never
 * connected at all. The echo runs in one thread per case (a poll loop over the
 * listener and its connections), bounded in connections and in time; events
 * reach the trace under the context's trace lock. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/runner.h"

#define DEST_CONNS 64          /* connections one case's destination serves at once */
#define DEST_TRACED 4          /* connections whose events are traced (the rest counted) */
#define DEST_DATA_EVENTS 3     /* data events traced per connection and direction */
#define DEST_BUF 16384

struct dest_conn {
	int fd;           /* -1: free or ended */
	int traced;       /* one of the first DEST_TRACED connections */
	char who[16];     /* "e1" */
	char peer[NET_ADDRSTR_MAX];
	size_t in, out;   /* bytes received from the target, and echoed back */
	int events_in, events_out;
	const char *end;  /* NULL while open: "end of file", "a reset", ... */
};

struct case_dest {
	struct ctx *c;
	int lfd, wake;    /* the listener; an eventfd that stops the loop */
	uint16_t port;
	pthread_t tid;
	pthread_mutex_t mu; /* the counters below, read by the case's thread */
	struct dest_conn conns[DEST_CONNS];
	int nconns;         /* accepted, including those over DEST_CONNS (refused) */
	size_t in, out;     /* bytes in and back over every connection */
	int stopping;
};

/* Once the case is ending, what its own ending does here is not the target's. */
static void dest_note(struct case_dest *d, const char *who, char dir, const void *bytes,
                      size_t len, const char *text)
{
	pthread_mutex_lock(&d->mu);
	int stopping = d->stopping;
	pthread_mutex_unlock(&d->mu);
	if (stopping)
		return;
	pthread_mutex_lock(&d->c->trace_mu);
	trace_add_locked(d->c, who, dir, bytes, len, text);
	pthread_mutex_unlock(&d->c->trace_mu);
}

static void dest_accept(struct case_dest *d)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = accept4(d->lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	char peer[NET_ADDRSTR_MAX], who[16], text[160];
	net_addr_str((struct sockaddr *)&ss, peer, sizeof(peer));
	pthread_mutex_lock(&d->mu);
	int n = ++d->nconns;
	struct dest_conn *slot = NULL;
	for (int i = 0; i < DEST_CONNS && slot == NULL; i++)
		if (d->conns[i].fd < 0 && (d->conns[i].who[0] == '\0' || !d->conns[i].traced))
			slot = &d->conns[i]; /* free, or an untraced one that ended */
	if (slot != NULL) {
		*slot = (struct dest_conn){.fd = fd, .traced = n <= DEST_TRACED};
		snprintf(slot->who, sizeof(slot->who), "e%d", n);
		snprintf(slot->peer, sizeof(slot->peer), "%s", peer);
	}
	pthread_mutex_unlock(&d->mu);
	snprintf(who, sizeof(who), "e%d", n);
	if (slot == NULL) {
		close(fd);
		snprintf(text, sizeof(text), "echo destination: connection from %s refused (more "
		         "than %d at once in one case)", peer, DEST_CONNS);
	} else if (n <= DEST_TRACED) {
		snprintf(text, sizeof(text), "echo destination accepted %s", peer);
	} else {
		return;
	}
	dest_note(d, who, '*', NULL, 0, text);
}

static void dest_end(struct case_dest *d, struct dest_conn *k, const char *how)
{
	char text[160];
	pthread_mutex_lock(&d->mu);
	k->end = how;
	close(k->fd);
	k->fd = -1;
	pthread_mutex_unlock(&d->mu);
	if (!k->traced)
		return;
	snprintf(text, sizeof(text), "echo destination: %s after %zu bytes in, %zu back", how,
	         k->in, k->out);
	dest_note(d, k->who, '*', NULL, 0, text);
}

/* Reads what the target sent on k and writes it back (blocking with a
 * deadline: the case's own client reads it, or the case ends and stops us). */
static void dest_echo(struct case_dest *d, struct dest_conn *k, uint8_t *buf)
{
	ssize_t n = recv(k->fd, buf, DEST_BUF, 0);
	if (n == 0) {
		shutdown(k->fd, SHUT_WR); /* pass the end on, as an echo does */
		dest_end(d, k, "end of file");
		return;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		dest_end(d, k, errno == ECONNRESET ? "a reset" : "a read error");
		return;
	}
	pthread_mutex_lock(&d->mu);
	k->in += (size_t)n;
	d->in += (size_t)n;
	int show_in = k->traced && k->events_in++ < DEST_DATA_EVENTS;
	pthread_mutex_unlock(&d->mu);
	if (show_in)
		dest_note(d, k->who, '<', buf, (size_t)n, NULL);
	char err[128];
	if (net_write_all(k->fd, buf, (size_t)n, net_deadline(case_timeout_ms(d->c)), err,
	                  sizeof(err)) < 0) {
		dest_end(d, k, "a write error (the target stopped reading)");
		return;
	}
	pthread_mutex_lock(&d->mu);
	k->out += (size_t)n;
	d->out += (size_t)n;
	int show_out = k->traced && k->events_out++ < DEST_DATA_EVENTS;
	pthread_mutex_unlock(&d->mu);
	if (show_out)
		dest_note(d, k->who, '>', buf, (size_t)n, NULL);
}

static void *dest_main(void *arg)
{
	struct case_dest *d = arg;
	uint8_t *buf = malloc(DEST_BUF);
	while (buf != NULL) {
		struct pollfd p[2 + DEST_CONNS];
		struct dest_conn *who[2 + DEST_CONNS];
		int np = 0;
		p[np++] = (struct pollfd){.fd = d->wake, .events = POLLIN};
		p[np++] = (struct pollfd){.fd = d->lfd, .events = POLLIN};
		for (int i = 0; i < DEST_CONNS; i++)
			if (d->conns[i].fd >= 0) {
				who[np] = &d->conns[i];
				p[np++] = (struct pollfd){.fd = d->conns[i].fd, .events = POLLIN};
			}
		if (poll(p, (nfds_t)np, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN)
			dest_accept(d);
		for (int i = 2; i < np; i++)
			if (p[i].revents)
				dest_echo(d, who[i], buf);
	}
	free(buf);
	return NULL;
}

/* A listener on a port no other case of the run has had: the kernel may hand
 * out a port again once its listener is closed, and a late connection meant
 * for an earlier case must not reach this one. A port seen before is held
 * while the next is asked for, so the kernel cannot give it once more. */
#define DEST_TRIES 16
static int listen_fresh(struct runner *r, const char *ip, int *lfd, uint16_t *port, char *err,
                        size_t errlen)
{
	int held[DEST_TRIES], nheld = 0, rc = -1;
	while (nheld < DEST_TRIES) {
		if (net_listen(ip, 0, 64, lfd, port, err, errlen) < 0)
			break;
		pthread_mutex_lock(&r->mu);
		int seen = (r->dest_ports_used[*port / 8] >> (*port % 8)) & 1;
		r->dest_ports_used[*port / 8] |= (uint8_t)(1u << (*port % 8));
		pthread_mutex_unlock(&r->mu);
		if (!seen) {
			rc = 0;
			break;
		}
		held[nheld++] = *lfd;
	}
	if (rc < 0 && nheld == DEST_TRIES)
		snprintf(err, errlen, "%d ports in a row were ports of earlier cases", DEST_TRIES);
	while (nheld > 0)
		close(held[--nheld]);
	return rc;
}

uint16_t case_dest_port(struct ctx *c)
{
	if (c->dest != NULL)
		return c->dest->port;
	struct case_dest *d = calloc(1, sizeof(*d));
	char ip[16], err[160];
	struct in_addr a = {.s_addr = htonl(c->r->dest_ip)};
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (d == NULL)
		return c->r->echo_port;
	d->c = c;
	d->wake = eventfd(0, EFD_CLOEXEC);
	for (int i = 0; i < DEST_CONNS; i++)
		d->conns[i].fd = -1;
	pthread_mutex_init(&d->mu, NULL);
	if (d->wake < 0 || listen_fresh(c->r, ip, &d->lfd, &d->port, err, sizeof(err)) < 0) {
		/* the shared echo still serves the case, without the destination's story */
		note(c, "no echo destination of its own (%s): the shared one serves",
		     d->wake < 0 ? "eventfd failed" : err);
		if (d->wake >= 0)
			close(d->wake);
		pthread_mutex_destroy(&d->mu);
		free(d);
		return c->r->echo_port;
	}
	if (pthread_create(&d->tid, NULL, dest_main, d) != 0) {
		close(d->lfd);
		close(d->wake);
		pthread_mutex_destroy(&d->mu);
		free(d);
		return c->r->echo_port;
	}
	c->dest = d;
	note(c, "echo destination listening on %s:%u", ip, d->port);
	return d->port;
}

size_t case_dest_story(struct ctx *c, char *buf, size_t cap)
{
	struct case_dest *d = c->dest;
	if (cap == 0)
		return 0;
	buf[0] = '\0';
	if (d == NULL)
		return 0;
	size_t n = 0;
	pthread_mutex_lock(&d->mu);
	if (d->nconns == 0)
		n = (size_t)snprintf(buf, cap, "the target never connected to the echo destination");
	if (d->nconns > DEST_TRACED)
		n = (size_t)snprintf(buf, cap, "the echo destination had %d connections, %zu bytes "
		                     "in, %zu back", d->nconns, d->in, d->out);
	for (int i = 0; i < DEST_CONNS && n < cap && d->nconns <= DEST_TRACED; i++) {
		const struct dest_conn *k = &d->conns[i];
		if (k->who[0] == '\0')
			continue;
		n += (size_t)snprintf(buf + n, cap - n, "%s%s: %zu bytes in, %zu back, %s",
		                      n ? "; " : "", k->who, k->in, k->out,
		                      k->end ? k->end : "still open");
	}
	pthread_mutex_unlock(&d->mu);
	return n < cap ? n : cap - 1;
}

void case_dest_stop(struct ctx *c)
{
	struct case_dest *d = c->dest;
	if (d == NULL)
		return;
	uint64_t one = 1;
	pthread_mutex_lock(&d->mu);
	d->stopping = 1;
	for (int i = 0; i < DEST_CONNS; i++)
		if (d->conns[i].fd >= 0)
			shutdown(d->conns[i].fd, SHUT_RDWR); /* ends a blocked echo write */
	pthread_mutex_unlock(&d->mu);
	if (write(d->wake, &one, sizeof(one)) < 0) {
		/* an eventfd write cannot fail here; the shutdowns above end the loop anyway */
	}
	pthread_join(d->tid, NULL);
	for (int i = 0; i < DEST_CONNS; i++)
		if (d->conns[i].fd >= 0)
			close(d->conns[i].fd);
	close(d->lfd);
	close(d->wake);
	pthread_mutex_destroy(&d->mu);
	free(d);
	c->dest = NULL;
}
