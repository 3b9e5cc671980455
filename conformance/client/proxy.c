/* SPDX-License-Identifier: MIT */
/* proxy.c - the scripted SOCKS4 proxy of client mode (see proxy.h): every
 * connection the client makes, each in a thread of its own: the request read
 * from the stream, the reply as scripted, then the destination's side of the
 * conversation. Every byte both ways goes into the case's trace under the
 * connection's name, "c1", "c2", ... ('<' from the client, '>' to it). */
#include "client/proxy.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/runner.h"
#include "net.h"

#define HTTP_HEAD_MAX 16384 /* an HTTP request head longer than this is not one */
#define DRAIN_CHUNK 65536
#define PX_ALL ((size_t)-1) /* read_x: until the client's end of file */

size_t px_reply(uint8_t *out, uint8_t vn, uint8_t cd, uint16_t port, uint32_t ip)
{
	struct s4_reply rep = {.vn = vn, .cd = cd, .dstport = port, .dstip = ip};
	return (size_t)s4_write_reply(out, PX_REPLY_MAX, &rep);
}

/* The connection's events under its name ("c1", "c2", ... in the order the
 * client made them); one trace, written by every connection's thread. */
static void ev(struct px_conn *p, char dir, const void *bytes, size_t len, const char *text)
{
	pthread_mutex_lock(&p->px->trace_mu);
	trace_add(p->px->c, p->name, dir, bytes, len, text);
	pthread_mutex_unlock(&p->px->trace_mu);
}

static int64_t deadline_of(struct px_conn *p)
{
	return net_deadline(p->s->timeout_ms);
}

/* Reads once; traces the bytes. Returns the count, 0 at the client's end of
 * file, -1 on an error or the deadline (traced too). */
static ssize_t rd(struct px_conn *p, uint8_t *buf, size_t cap, int64_t deadline)
{
	char err[128];
	ssize_t n = net_read_some(p->fd, buf, cap, deadline, err, sizeof(err));
	if (n > 0)
		ev(p, '<', buf, (size_t)n, NULL);
	else if (n == 0)
		ev(p, '<', NULL, 0, "end of file");
	else if (errno != ETIMEDOUT)
		ev(p, '<', NULL, 0, err);
	return n;
}

static int wr(struct px_conn *p, const void *buf, size_t n)
{
	char err[128];
	ev(p, '>', buf, n, NULL);
	if (net_write_all(p->fd, buf, n, deadline_of(p), err, sizeof(err)) < 0) {
		ev(p, '*', NULL, 0, err);
		return -1;
	}
	return 0;
}

static void end(struct px_conn *p, const char *fmt, const char *arg)
{
	if (p->rec->end[0] == '\0')
		snprintf(p->rec->end, sizeof(p->rec->end), fmt, arg);
}

/* lib/socks4 on what came so far, with VN taken as 4 when it is not (the
 * request/vn case judges VN; the others go on). */
static int parse(struct px_record *rec)
{
	uint8_t copy[sizeof(rec->req)];
	memcpy(copy, rec->req, rec->req_len);
	if (rec->req_len > 0)
		copy[0] = S4_VN_REQUEST;
	int rc = s4_parse_request(copy, rec->req_len, 0, &rec->r);
	if (rc > 0) {
		/* point into the record, not the copy */
		if (rec->r.userid != NULL)
			rec->r.userid =
			        (const char *)rec->req + (rec->r.userid - (const char *)copy);
		if (rec->r.host != NULL)
			rec->r.host = (const char *)rec->req + (rec->r.host - (const char *)copy);
		rec->r.vn = rec->req[0];
	}
	return rc;
}

/* Reads the request from the stream. Returns 0 when it is complete. */
static int read_request(struct px_conn *p)
{
	struct px_record *rec = p->rec;
	int64_t deadline = deadline_of(p);
	rec->parse_rc = S4_INCOMPLETE;
	while (rec->parse_rc == S4_INCOMPLETE) {
		if (rec->req_len == sizeof(rec->req)) {
			end(p, "%s", "no end of the request in the bytes that came");
			return -1;
		}
		ssize_t n =
		        rd(p, rec->req + rec->req_len, sizeof(rec->req) - rec->req_len, deadline);
		if (n == 0 && rec->req_len == 0) {
			rec->preconnect = 1;
			end(p, "%s", "the client closed the connection without a byte");
			return -1;
		}
		if (n <= 0) {
			end(p, "%s",
			    n == 0 ? "the client closed before its request was complete"
			           : "the request was not complete within the time");
			return -1;
		}
		rec->req_len += (size_t)n;
		rec->parse_rc = parse(rec);
	}
	if (rec->parse_rc < 0) {
		end(p, "the request is malformed: %s", s4_strerror(rec->parse_rc));
		return -1;
	}
	rec->early = rec->req_len - (size_t)rec->parse_rc;
	return 0;
}

/* Reads for quiet_ms more: whatever the client sends before any reply. */
static void read_quiet(struct px_conn *p)
{
	struct px_record *rec = p->rec;
	int64_t until = net_deadline(p->s->quiet_ms);
	while (rec->req_len < sizeof(rec->req) && net_remaining_ms(until) > 0) {
		ssize_t n = rd(p, rec->req + rec->req_len, sizeof(rec->req) - rec->req_len, until);
		if (n <= 0)
			break;
		rec->req_len += (size_t)n;
	}
	rec->early = rec->req_len - (size_t)rec->parse_rc;
}

/* Waits for proxy_go() (or the stop, or the deadline). 0 when it came. */
static int wait_go(struct px_conn *p)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += p->s->timeout_ms / 1000;
	ts.tv_nsec += (long)(p->s->timeout_ms % 1000) * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	struct proxy *px = p->px;
	pthread_mutex_lock(&px->mu);
	while (!px->go && !px->stopping)
		if (pthread_cond_timedwait(&px->cv, &px->mu, &ts) != 0)
			break;
	int go = px->go;
	pthread_mutex_unlock(&px->mu);
	if (go)
		ev(p, '*', NULL, 0, "the client announced the BIND address");
	else
		end(p, "%s", "the client did not announce the BIND address");
	return go ? 0 : -1;
}

void proxy_go(struct proxy *p)
{
	pthread_mutex_lock(&p->mu);
	p->go = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static int send_reply(struct px_conn *p, const uint8_t *tail, size_t tail_len)
{
	const struct px_script *s = p->s;
	uint8_t buf[PX_REPLY_MAX + 4096];
	p->rec->replied = 1;
	if (s->reply_gap_ms > 0) {
		for (size_t i = 0; i < s->reply_len; i++) {
			if (i > 0)
				poll(NULL, 0, s->reply_gap_ms);
			if (wr(p, s->reply + i, 1) < 0)
				return -1;
		}
		return tail_len > 0 ? wr(p, tail, tail_len) : 0;
	}
	size_t first = s->reply_cut > 0 ? s->reply_cut : s->reply_len;
	if (s->reply_cut > 0 && wr(p, s->reply, first) < 0)
		return -1;
	if (s->reply_cut > 0 && s->wait_go && wait_go(p) < 0)
		return -1;
	const uint8_t *rest = s->reply + (s->reply_cut > 0 ? first : 0);
	size_t rest_len = s->reply_len - (s->reply_cut > 0 ? first : 0);
	/* The last reply and the tail in one write, so in one segment. */
	if (rest_len + tail_len <= sizeof(buf)) {
		memcpy(buf, rest, rest_len);
		if (tail_len > 0)
			memcpy(buf + rest_len, tail, tail_len);
		return rest_len + tail_len > 0 ? wr(p, buf, rest_len + tail_len) : 0;
	}
	if (rest_len > 0 && wr(p, rest, rest_len) < 0)
		return -1;
	return wr(p, tail, tail_len);
}

/* The HTTP response for Y: status line, length, the body. */
static size_t http_head(struct px_conn *p, char *out, size_t cap)
{
	int n = snprintf(out, cap,
	                 "HTTP/1.0 200 OK\r\nContent-Type: %s\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	                 p->s->y_text ? "text/plain; charset=us-ascii" : "application/octet-stream",
	                 p->s->y_len);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static int send_y(struct px_conn *p)
{
	if (p->s->http) {
		char head[256];
		size_t n = http_head(p, head, sizeof(head));
		if (wr(p, head, n) < 0)
			return -1;
	}
	return p->s->y_len > 0 ? wr(p, p->s->y, p->s->y_len) : 0;
}

/* Reads the client's part of the conversation into the record. The early
 * bytes count when they start it (data sent before the reply: judged as such
 * by request/early-data, not again here). Returns once `upto` bytes of X
 * (HTTP: the request head) are in, or with PX_ALL at the client's end of file. */
static int read_x(struct px_conn *p, size_t upto)
{
	const struct px_script *s = p->s;
	struct px_record *rec = p->rec;
	uint8_t buf[DRAIN_CHUNK];
	int64_t deadline = deadline_of(p);
	size_t early_at = (size_t)rec->parse_rc;
	size_t early = rec->early;
	char head[HTTP_HEAD_MAX];
	size_t head_len = 0;
	if (rec->x_began)
		early = 0; /* counted by the first call */
	else
		rec->x_match = 1;
	rec->x_began = 1;

	if (!s->http && early > 0 && early <= s->x_len &&
	    memcmp(rec->req + early_at, s->x, early) == 0) {
		rec->x_got = early;
	} else if (s->http && early > 0 && early < sizeof(head)) {
		memcpy(head, rec->req + early_at, early);
		head_len = early;
	}
	for (;;) {
		if (s->http) {
			char *eoh = memmem(head, head_len, "\r\n\r\n", 4);
			if (eoh != NULL) {
				char *eol = memchr(head, '\r', head_len);
				size_t l = (size_t)(eol - head);
				snprintf(rec->http_line, sizeof(rec->http_line), "%.*s", (int)l,
				         head);
				char want[200];
				snprintf(want, sizeof(want), "GET %s HTTP/1.", s->path);
				rec->http_ok = strncmp(rec->http_line, want, strlen(want)) == 0;
				rec->x_match = rec->http_ok;
				if (upto != PX_ALL)
					return 0;
			}
		} else if (upto != PX_ALL && rec->x_got >= upto) {
			return 0;
		}
		ssize_t n = rd(p, buf, sizeof(buf), deadline);
		if (n <= 0) {
			if (n == 0)
				rec->client_eof = 1;
			else
				end(p, "%s", "the client's bytes stopped coming (time limit)");
			return n == 0 ? 0 : -1;
		}
		if (s->http) {
			size_t room = sizeof(head) - head_len;
			size_t k = (size_t)n < room ? (size_t)n : room;
			if (memmem(head, head_len, "\r\n\r\n", 4) == NULL) {
				memcpy(head + head_len, buf, k);
				head_len += k;
			} else {
				rec->x_extra += (size_t)n;
			}
			continue;
		}
		size_t want = s->x_len > rec->x_got ? s->x_len - rec->x_got : 0;
		size_t take = (size_t)n < want ? (size_t)n : want;
		if (take > 0 && memcmp(buf, s->x + rec->x_got, take) != 0)
			rec->x_match = 0;
		rec->x_got += take;
		rec->x_extra += (size_t)n - take;
	}
}

/* The end of the conversation without losing what was sent: an end of file,
 * then the client's remaining bytes read until it closes (a close with
 * unread bytes would be a reset, and a reset may flush them at the client). */
static void finish(struct px_conn *p)
{
	uint8_t buf[DRAIN_CHUNK];
	shutdown(p->fd, SHUT_WR);
	ev(p, '>', NULL, 0, "end of file (shutdown write)");
	int64_t deadline = deadline_of(p);
	while (!p->rec->client_eof) {
		ssize_t n = rd(p, buf, sizeof(buf), deadline);
		if (n < 0)
			break;
		if (n == 0)
			p->rec->client_eof = 1;
		else
			p->rec->x_extra += (size_t)n;
	}
}

static void destination(struct px_conn *p)
{
	const struct px_script *s = p->s;
	switch (s->flow) {
	case PX_DEST_CLOSES:
		if (read_x(p, s->x_len) < 0 || send_y(p) < 0)
			return;
		break;
	case PX_CLIENT_EOF:
		if (read_x(p, PX_ALL) < 0)
			return;
		if (!p->rec->client_eof) {
			end(p, "%s", "the client never ended its sending side");
			return;
		}
		if (send_y(p) < 0)
			return;
		break;
	case PX_DEST_FIN:
		if (read_x(p, s->x_first) < 0 || send_y(p) < 0)
			return;
		shutdown(p->fd, SHUT_WR);
		ev(p, '>', NULL, 0, "end of file (shutdown write)");
		read_x(p, PX_ALL);
		return;
	case PX_SERVER_FIRST:
		if (read_x(p, s->x_len) < 0)
			return;
		break;
	}
	finish(p);
}

static void serve(struct px_conn *p)
{
	const struct px_script *s = p->s;
	if (read_request(p) < 0)
		return;
	if (s->quiet_ms > 0)
		read_quiet(p);
	switch (s->action) {
	case PX_GRANT: {
		uint8_t tail[256 + 4096];
		size_t tail_len = 0, y_sent = 0;
		if (s->flow == PX_SERVER_FIRST) {
			/* Y with the reply (for HTTP the whole response): as much as
			 * one write takes, the rest right behind it */
			char head[256];
			size_t h = s->http ? http_head(p, head, sizeof(head)) : 0;
			y_sent = s->y_len < sizeof(tail) - h ? s->y_len : sizeof(tail) - h;
			memcpy(tail, head, h);
			memcpy(tail + h, s->y, y_sent);
			tail_len = h + y_sent;
		}
		if (send_reply(p, tail, tail_len) < 0)
			return;
		if (y_sent < s->y_len && s->flow == PX_SERVER_FIRST &&
		    wr(p, s->y + y_sent, s->y_len - y_sent) < 0)
			return;
		destination(p);
		return;
	}
	case PX_REFUSE:
		if (send_reply(p, s->y, s->y_len) < 0)
			return;
		finish(p);
		return;
	case PX_CLOSE:
		if (s->reply_len > 0 && send_reply(p, NULL, 0) < 0)
			return;
		finish(p);
		return;
	case PX_RESET: {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		ev(p, '>', NULL, 0, "reset");
		pthread_mutex_lock(&p->px->mu);
		close(p->fd);
		p->fd = -1;
		pthread_mutex_unlock(&p->px->mu);
		return;
	}
	case PX_SILENT: {
		uint8_t buf[4096];
		ev(p, '*', NULL, 0, "no reply: waiting for the client to give up");
		while (rd(p, buf, sizeof(buf), deadline_of(p)) > 0)
			;
		return;
	}
	}
}

/* One connection, from its first byte (or its end without one) to its end. */
static void *conn_main(void *arg)
{
	struct px_conn *k = arg;
	int one = 1;
	setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	k->rec->accepted = 1;
	k->rec->accepted_ms = net_now_ms();
	ev(k, '*', NULL, 0, "the client connected to the proxy");
	serve(k);
	if (k->rec->preconnect)
		ev(k, '*', NULL, 0, "closed without a byte: a preconnect, not judged");
	return NULL;
}

/* A connection the client made gets its record and a thread (the caller
 * holds p->mu); past PX_CONN_MAX it is closed at once, and counted. */
static void take_locked(struct proxy *p, int fd)
{
	struct px_conn *k = p->nconns < PX_CONN_MAX ? &p->conns[p->nconns] : NULL;
	if (k != NULL) {
		k->fd = fd;
		if (pthread_create(&k->tid, NULL, conn_main, k) == 0)
			p->nconns++;
		else
			k = NULL;
	}
	if (k == NULL) {
		close(fd);
		p->dropped++;
	}
}

/* Takes every connection the client makes until the proxy stops. */
static void *proxy_main(void *arg)
{
	struct proxy *p = arg;
	char err[128];
	int64_t deadline = net_deadline(p->s->timeout_ms);
	for (;;) {
		if (net_wait_readable(p->lfd, deadline, err, sizeof(err)) != 0)
			break;
		pthread_mutex_lock(&p->mu);
		int fd = p->stopping ? -1 : accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			take_locked(p, fd);
		int stop = p->stopping;
		pthread_mutex_unlock(&p->mu);
		if (stop || (fd < 0 && errno != EINTR && errno != EAGAIN && errno != ECONNABORTED))
			break;
	}
	return NULL;
}

int proxy_start(struct proxy *p, struct ctx *c, const struct px_script *s, struct px_record *recs,
                char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	memset(recs, 0, PX_CONN_MAX * sizeof(*recs));
	p->c = c;
	p->s = s;
	for (size_t i = 0; i < PX_CONN_MAX; i++) {
		struct px_conn *k = &p->conns[i];
		k->px = p;
		k->c = c;
		k->s = s;
		k->rec = &recs[i];
		k->fd = -1;
		snprintf(k->name, sizeof(k->name), "c%zu", i + 1);
	}
	if (net_listen("127.0.0.1", 0, 8, &p->lfd, &p->port, err, errlen) < 0)
		return -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->trace_mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->tid, NULL, proxy_main, p) != 0) {
		snprintf(err, errlen, "cannot start the proxy thread");
		close(p->lfd);
		pthread_mutex_destroy(&p->mu);
		pthread_mutex_destroy(&p->trace_mu);
		pthread_cond_destroy(&p->cv);
		return -1;
	}
	p->running = 1;
	return 0;
}

size_t proxy_stop(struct proxy *p)
{
	if (!p->running)
		return 0;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	/* Connections the client made that still wait in the listen queue (a
	 * client that connects and exits at once, on a loaded machine) are its
	 * connections too: taken now, before shutting the listener down resets
	 * them unseen. */
	struct pollfd q = {.fd = p->lfd, .events = POLLIN};
	int fd;
	while (poll(&q, 1, 0) > 0 && (fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		take_locked(p, fd);
	pthread_cond_broadcast(&p->cv);
	shutdown(p->lfd, SHUT_RDWR);
	for (size_t i = 0; i < p->nconns; i++)
		if (p->conns[i].fd >= 0)
			shutdown(p->conns[i].fd, SHUT_RDWR);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->tid, NULL);
	/* no new connection now: nconns is final */
	for (size_t i = 0; i < p->nconns; i++) {
		pthread_join(p->conns[i].tid, NULL);
		if (p->conns[i].fd >= 0)
			close(p->conns[i].fd);
	}
	close(p->lfd);
	if (p->dropped > 0) {
		char text[96];
		snprintf(text, sizeof(text), "%zu more connections closed at once (more than %d)",
		         p->dropped, PX_CONN_MAX);
		trace_add(p->c, "*", '*', NULL, 0, text);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->trace_mu);
	pthread_cond_destroy(&p->cv);
	p->running = 0;
	return p->nconns;
}
